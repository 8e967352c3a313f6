/*
 * status.c - what the operator's probes ask of the database: can it take a
 * write now (/healthz), and how big is it (/metrics).
 */
#include "service_int.h"

int svc_health(struct store *s)
{
	return store_health(s);
}

void svc_db_figures(struct store *s, int64_t *db_bytes, int64_t *wal_bytes, int *schema_version)
{
	*db_bytes = *wal_bytes = -1;
	store_admin_size(s, db_bytes, wal_bytes);
	*schema_version = store_schema_version(s);
}
