/*
 * files_gone.c - the stored files of deleted messages (issue 16).  The
 * retention rules note each file of a deleted attachment in files_gone in
 * their transaction; the checker thread (core/scan) then asks which of
 * them no row names any more, removes those from the disk, and only then
 * drops the notes: a crash in between leaves a note, never a file that
 * nothing would remove.  The checker is the only thread that stores files,
 * so one cannot come back between the look and the removal.
 */
#include "service_int.h"

#include <string.h>

int svc_files_gone(struct store *s, struct svc_files_gone *out)
{
	char sha[SVC_EXPIRE_BATCH][65];
	size_t n;
	memset(out, 0, sizeof *out);
	int err = store_files_gone(s, sha, SVC_EXPIRE_BATCH, &n);
	for (size_t i = 0; err == ERR_OK && i < n; i++) {
		int64_t used = 0;
		err = store_attach_file_used(s, sha[i], &used);
		memcpy(out->noted[out->n_noted++], sha[i], 65);
		if (err == ERR_OK && used == 0)
			memcpy(out->unused[out->n_unused++], sha[i], 65);
	}
	return err;
}

int svc_files_gone_done(struct store *s, const struct svc_files_gone *done)
{
	int err = ERR_OK;
	for (size_t i = 0; err == ERR_OK && i < done->n_noted; i++)
		err = store_files_gone_drop(s, done->noted[i]);
	return err;
}
