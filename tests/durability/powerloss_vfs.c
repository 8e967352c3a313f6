/*
 * powerloss_vfs.c - see powerloss_vfs.h.
 *
 * Each overlaid file path has one struct node: its logical size and the
 * chunks written since the last sync ("dirty").  Reads see dirty chunks
 * first, then the real file below zero_from (the lowest size the file was
 * truncated to since the last sync; beyond it the real bytes are logically
 * gone), else zeros.  xSync writes the dirty chunks out, applies the size,
 * then calls the real xSync.
 */
#include "powerloss_vfs.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 4096

struct node {
	char *path;
	pthread_mutex_t mu;
	sqlite3_int64 size;      /* logical size */
	sqlite3_int64 zero_from; /* real bytes at or beyond this are gone */
	unsigned char **chunk;   /* dirty chunks by index, or NULL */
	size_t n_chunk;
	struct node *next;
};

struct pl_file {
	sqlite3_file base;
	struct node *node; /* NULL: passed straight through */
	sqlite3_file *real;
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs pl_vfs;
static int lie;
static pthread_mutex_t registry_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stats_mu = PTHREAD_MUTEX_INITIALIZER;
static struct node *registry;
static struct powerloss_stats stats;
static double fail_percent;
static unsigned fail_seed;

void powerloss_vfs_fail_syncs(double percent, unsigned seed)
{
	pthread_mutex_lock(&stats_mu);
	fail_percent = percent;
	fail_seed = seed;
	pthread_mutex_unlock(&stats_mu);
}

/* Should this sync fail?  (rand_r under the stats lock: any thread.) */
static bool sync_should_fail(void)
{
	bool fail = false;
	pthread_mutex_lock(&stats_mu);
	if (fail_percent > 0 && rand_r(&fail_seed) < (int)(fail_percent / 100.0 * RAND_MAX)) {
		fail = true;
		stats.failed_syncs++;
	}
	pthread_mutex_unlock(&stats_mu);
	return fail;
}

static struct node *node_get(const char *path, sqlite3_file *real)
{
	pthread_mutex_lock(&registry_mu);
	struct node *n;
	for (n = registry; n; n = n->next)
		if (strcmp(n->path, path) == 0)
			break;
	if (n == NULL && (n = calloc(1, sizeof *n)) != NULL) {
		n->path = strdup(path);
		pthread_mutex_init(&n->mu, NULL);
		sqlite3_int64 sz = 0;
		real->pMethods->xFileSize(real, &sz);
		n->size = n->zero_from = sz;
		n->next = registry;
		registry = n;
	}
	pthread_mutex_unlock(&registry_mu);
	return n;
}

static void node_drop_chunks(struct node *n, size_t from)
{
	for (size_t i = from; i < n->n_chunk; i++) {
		free(n->chunk[i]);
		n->chunk[i] = NULL;
	}
}

/* A deleted file forgets its unsynced state. */
static void node_forget(const char *path)
{
	pthread_mutex_lock(&registry_mu);
	for (struct node *n = registry; n; n = n->next) {
		if (strcmp(n->path, path) == 0) {
			pthread_mutex_lock(&n->mu);
			node_drop_chunks(n, 0);
			n->size = n->zero_from = 0;
			pthread_mutex_unlock(&n->mu);
		}
	}
	pthread_mutex_unlock(&registry_mu);
}

/* Reads [off, off+amt) of what is logically in the file below the
 * overlay: the real bytes below zero_from, zeros elsewhere. */
static int read_below(struct node *n, sqlite3_file *real, unsigned char *buf, int amt,
                      sqlite3_int64 off)
{
	memset(buf, 0, (size_t)amt);
	if (off >= n->zero_from)
		return SQLITE_OK;
	int want = (int)(off + amt <= n->zero_from ? amt : n->zero_from - off);
	int rc = real->pMethods->xRead(real, buf, want, off);
	return rc == SQLITE_IOERR_SHORT_READ ? SQLITE_OK : rc;
}

static unsigned char *chunk_for_write(struct node *n, sqlite3_file *real, size_t idx, int *rc)
{
	if (idx >= n->n_chunk) {
		size_t cap = n->n_chunk ? n->n_chunk : 64;
		while (cap <= idx)
			cap *= 2;
		unsigned char **grown = realloc(n->chunk, cap * sizeof *grown);
		if (grown == NULL) {
			*rc = SQLITE_NOMEM;
			return NULL;
		}
		memset(grown + n->n_chunk, 0, (cap - n->n_chunk) * sizeof *grown);
		n->chunk = grown;
		n->n_chunk = cap;
	}
	if (n->chunk[idx] == NULL) {
		unsigned char *c = malloc(CHUNK);
		if (c == NULL) {
			*rc = SQLITE_NOMEM;
			return NULL;
		}
		*rc = read_below(n, real, c, CHUNK, (sqlite3_int64)idx * CHUNK);
		if (*rc != SQLITE_OK) {
			free(c);
			return NULL;
		}
		n->chunk[idx] = c;
	}
	*rc = SQLITE_OK;
	return n->chunk[idx];
}

/* ---- io methods ------------------------------------------------------------ */

static int pl_close(sqlite3_file *f)
{
	struct pl_file *p = (struct pl_file *)f;
	return p->real->pMethods->xClose(p->real);
}

static int pl_read(sqlite3_file *f, void *buf, int amt, sqlite3_int64 off)
{
	struct pl_file *p = (struct pl_file *)f;
	struct node *n = p->node;
	if (n == NULL)
		return p->real->pMethods->xRead(p->real, buf, amt, off);
	unsigned char *out = buf;
	int rc = SQLITE_OK;
	pthread_mutex_lock(&n->mu);
	sqlite3_int64 end = off + amt;
	for (sqlite3_int64 pos = off; pos < end && rc == SQLITE_OK;) {
		size_t idx = (size_t)(pos / CHUNK);
		sqlite3_int64 cstart = (sqlite3_int64)idx * CHUNK;
		sqlite3_int64 stop = cstart + CHUNK < end ? cstart + CHUNK : end;
		int len = (int)(stop - pos);
		if (idx < n->n_chunk && n->chunk[idx] != NULL)
			memcpy(out + (pos - off), n->chunk[idx] + (pos - cstart), (size_t)len);
		else
			rc = read_below(n, p->real, out + (pos - off), len, pos);
		pos = stop;
	}
	if (rc == SQLITE_OK && end > n->size) {
		sqlite3_int64 from = off > n->size ? off : n->size;
		memset(out + (from - off), 0, (size_t)(end - from));
		rc = SQLITE_IOERR_SHORT_READ;
	}
	pthread_mutex_unlock(&n->mu);
	return rc;
}

static int pl_write(sqlite3_file *f, const void *buf, int amt, sqlite3_int64 off)
{
	struct pl_file *p = (struct pl_file *)f;
	struct node *n = p->node;
	if (n == NULL)
		return p->real->pMethods->xWrite(p->real, buf, amt, off);
	const unsigned char *in = buf;
	int rc = SQLITE_OK;
	pthread_mutex_lock(&n->mu);
	sqlite3_int64 end = off + amt;
	for (sqlite3_int64 pos = off; pos < end && rc == SQLITE_OK;) {
		size_t idx = (size_t)(pos / CHUNK);
		sqlite3_int64 cstart = (sqlite3_int64)idx * CHUNK;
		sqlite3_int64 stop = cstart + CHUNK < end ? cstart + CHUNK : end;
		unsigned char *c = chunk_for_write(n, p->real, idx, &rc);
		if (c != NULL)
			memcpy(c + (pos - cstart), in + (pos - off), (size_t)(stop - pos));
		pos = stop;
	}
	if (rc == SQLITE_OK && end > n->size)
		n->size = end;
	pthread_mutex_unlock(&n->mu);
	pthread_mutex_lock(&stats_mu);
	stats.writes++;
	pthread_mutex_unlock(&stats_mu);
	return rc;
}

static int pl_truncate(sqlite3_file *f, sqlite3_int64 size)
{
	struct pl_file *p = (struct pl_file *)f;
	struct node *n = p->node;
	if (n == NULL)
		return p->real->pMethods->xTruncate(p->real, size);
	pthread_mutex_lock(&n->mu);
	if (size < n->size) {
		size_t keep = (size_t)((size + CHUNK - 1) / CHUNK);
		if (keep < n->n_chunk)
			node_drop_chunks(n, keep);
		size_t last = (size_t)(size / CHUNK);
		if (size % CHUNK != 0 && last < n->n_chunk && n->chunk[last] != NULL)
			memset(n->chunk[last] + size % CHUNK, 0, (size_t)(CHUNK - size % CHUNK));
		if (size < n->zero_from)
			n->zero_from = size;
	}
	n->size = size;
	pthread_mutex_unlock(&n->mu);
	return SQLITE_OK;
}

static int pl_sync(sqlite3_file *f, int flags)
{
	struct pl_file *p = (struct pl_file *)f;
	struct node *n = p->node;
	if (n == NULL)
		return p->real->pMethods->xSync(p->real, flags);
	pthread_mutex_lock(&stats_mu);
	stats.syncs++;
	pthread_mutex_unlock(&stats_mu);
	if (lie)
		return SQLITE_OK; /* the control experiment: a flush that does nothing */
	int rc = SQLITE_OK;
	uint64_t bytes = 0;
	pthread_mutex_lock(&n->mu);
	if (sync_should_fail()) {
		/* a failed writeback: the dirty pages are gone, the file is what
		 * reached the disk before */
		sqlite3_int64 real_size = 0;
		node_drop_chunks(n, 0);
		p->real->pMethods->xFileSize(p->real, &real_size);
		n->size = n->zero_from = real_size;
		pthread_mutex_unlock(&n->mu);
		return SQLITE_IOERR_FSYNC;
	}
	for (size_t i = 0; i < n->n_chunk && rc == SQLITE_OK; i++) {
		if (n->chunk[i] == NULL)
			continue;
		sqlite3_int64 start = (sqlite3_int64)i * CHUNK;
		if (start < n->size) {
			int len = (int)(n->size - start < CHUNK ? n->size - start : CHUNK);
			rc = p->real->pMethods->xWrite(p->real, n->chunk[i], len, start);
			bytes += (uint64_t)len;
		}
		free(n->chunk[i]);
		n->chunk[i] = NULL;
	}
	sqlite3_int64 real_size = 0;
	if (rc == SQLITE_OK)
		rc = p->real->pMethods->xFileSize(p->real, &real_size);
	if (rc == SQLITE_OK && real_size > n->size)
		rc = p->real->pMethods->xTruncate(p->real, n->size);
	if (rc == SQLITE_OK)
		n->zero_from = n->size;
	pthread_mutex_unlock(&n->mu);
	pthread_mutex_lock(&stats_mu);
	stats.bytes_synced += bytes;
	pthread_mutex_unlock(&stats_mu);
	if (rc != SQLITE_OK)
		return rc;
	return p->real->pMethods->xSync(p->real, flags);
}

static int pl_file_size(sqlite3_file *f, sqlite3_int64 *size)
{
	struct pl_file *p = (struct pl_file *)f;
	struct node *n = p->node;
	if (n == NULL)
		return p->real->pMethods->xFileSize(p->real, size);
	pthread_mutex_lock(&n->mu);
	*size = n->size;
	pthread_mutex_unlock(&n->mu);
	return SQLITE_OK;
}

static int pl_lock(sqlite3_file *f, int level)
{
	struct pl_file *p = (struct pl_file *)f;
	return p->real->pMethods->xLock(p->real, level);
}

static int pl_unlock(sqlite3_file *f, int level)
{
	struct pl_file *p = (struct pl_file *)f;
	return p->real->pMethods->xUnlock(p->real, level);
}

static int pl_check_reserved(sqlite3_file *f, int *out)
{
	struct pl_file *p = (struct pl_file *)f;
	return p->real->pMethods->xCheckReservedLock(p->real, out);
}

static int pl_file_control(sqlite3_file *f, int op, void *arg)
{
	struct pl_file *p = (struct pl_file *)f;
	/* A size hint would make the real VFS grow the real file behind our back. */
	if (p->node != NULL && (op == SQLITE_FCNTL_SIZE_HINT || op == SQLITE_FCNTL_CHUNK_SIZE))
		return SQLITE_OK;
	if (op == SQLITE_FCNTL_VFSNAME) {
		*(char **)arg = sqlite3_mprintf("%s", POWERLOSS_VFS_NAME);
		return SQLITE_OK;
	}
	return p->real->pMethods->xFileControl(p->real, op, arg);
}

static int pl_sector_size(sqlite3_file *f)
{
	struct pl_file *p = (struct pl_file *)f;
	return p->real->pMethods->xSectorSize(p->real);
}

static int pl_device_characteristics(sqlite3_file *f)
{
	struct pl_file *p = (struct pl_file *)f;
	return p->real->pMethods->xDeviceCharacteristics(p->real);
}

static int pl_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **pp)
{
	struct pl_file *p = (struct pl_file *)f;
	return p->real->pMethods->xShmMap(p->real, region, size, extend, pp);
}

static int pl_shm_lock(sqlite3_file *f, int offset, int n, int flags)
{
	struct pl_file *p = (struct pl_file *)f;
	return p->real->pMethods->xShmLock(p->real, offset, n, flags);
}

static void pl_shm_barrier(sqlite3_file *f)
{
	struct pl_file *p = (struct pl_file *)f;
	p->real->pMethods->xShmBarrier(p->real);
}

static int pl_shm_unmap(sqlite3_file *f, int del)
{
	struct pl_file *p = (struct pl_file *)f;
	return p->real->pMethods->xShmUnmap(p->real, del);
}

/* Version 2: shared memory yes, memory-mapped I/O (xFetch) no, so every
 * read goes through pl_read. */
static const sqlite3_io_methods pl_methods = {
    2,
    pl_close,
    pl_read,
    pl_write,
    pl_truncate,
    pl_sync,
    pl_file_size,
    pl_lock,
    pl_unlock,
    pl_check_reserved,
    pl_file_control,
    pl_sector_size,
    pl_device_characteristics,
    pl_shm_map,
    pl_shm_lock,
    pl_shm_barrier,
    pl_shm_unmap,
    NULL,
    NULL,
};

/* ---- vfs methods ------------------------------------------------------------ */

static int pl_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
	(void)vfs;
	struct pl_file *p = (struct pl_file *)f;
	memset(p, 0, sizeof *p);
	p->real = (sqlite3_file *)(p + 1);
	int rc = real_vfs->xOpen(real_vfs, name, p->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		p->base.pMethods = NULL;
		return rc;
	}
	if (name != NULL &&
	    (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL)) != 0) {
		p->node = node_get(name, p->real);
		if (p->node == NULL) {
			p->real->pMethods->xClose(p->real);
			p->base.pMethods = NULL;
			return SQLITE_NOMEM;
		}
	}
	p->base.pMethods = &pl_methods;
	return SQLITE_OK;
}

static int pl_delete(sqlite3_vfs *vfs, const char *name, int sync_dir)
{
	(void)vfs;
	node_forget(name);
	return real_vfs->xDelete(real_vfs, name, sync_dir);
}

static int pl_access(sqlite3_vfs *vfs, const char *name, int flags, int *out)
{
	(void)vfs;
	return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int pl_full_pathname(sqlite3_vfs *vfs, const char *name, int n, char *out)
{
	(void)vfs;
	return real_vfs->xFullPathname(real_vfs, name, n, out);
}

static void *pl_dl_open(sqlite3_vfs *vfs, const char *name)
{
	(void)vfs;
	return real_vfs->xDlOpen(real_vfs, name);
}

static void pl_dl_error(sqlite3_vfs *vfs, int n, char *msg)
{
	(void)vfs;
	real_vfs->xDlError(real_vfs, n, msg);
}

static void (*pl_dl_sym(sqlite3_vfs *vfs, void *h, const char *sym))(void)
{
	(void)vfs;
	return real_vfs->xDlSym(real_vfs, h, sym);
}

static void pl_dl_close(sqlite3_vfs *vfs, void *h)
{
	(void)vfs;
	real_vfs->xDlClose(real_vfs, h);
}

static int pl_randomness(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xRandomness(real_vfs, n, out);
}

static int pl_sleep(sqlite3_vfs *vfs, int us)
{
	(void)vfs;
	return real_vfs->xSleep(real_vfs, us);
}

static int pl_current_time(sqlite3_vfs *vfs, double *out)
{
	(void)vfs;
	return real_vfs->xCurrentTime(real_vfs, out);
}

static int pl_last_error(sqlite3_vfs *vfs, int n, char *out)
{
	(void)vfs;
	return real_vfs->xGetLastError(real_vfs, n, out);
}

static int pl_current_time64(sqlite3_vfs *vfs, sqlite3_int64 *out)
{
	(void)vfs;
	return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

int powerloss_vfs_register(int lie_about_sync)
{
	real_vfs = sqlite3_vfs_find(NULL);
	if (real_vfs == NULL)
		return SQLITE_ERROR;
	lie = lie_about_sync;
	pl_vfs = (sqlite3_vfs){
	    .iVersion = 2,
	    .szOsFile = (int)sizeof(struct pl_file) + real_vfs->szOsFile,
	    .mxPathname = real_vfs->mxPathname,
	    .zName = POWERLOSS_VFS_NAME,
	    .xOpen = pl_open,
	    .xDelete = pl_delete,
	    .xAccess = pl_access,
	    .xFullPathname = pl_full_pathname,
	    .xDlOpen = pl_dl_open,
	    .xDlError = pl_dl_error,
	    .xDlSym = pl_dl_sym,
	    .xDlClose = pl_dl_close,
	    .xRandomness = pl_randomness,
	    .xSleep = pl_sleep,
	    .xCurrentTime = pl_current_time,
	    .xGetLastError = pl_last_error,
	    .xCurrentTimeInt64 = pl_current_time64,
	};
	return sqlite3_vfs_register(&pl_vfs, 1);
}

void powerloss_vfs_stats(struct powerloss_stats *out)
{
	pthread_mutex_lock(&stats_mu);
	*out = stats;
	pthread_mutex_unlock(&stats_mu);
}
