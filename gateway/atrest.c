/*
 * atrest.c - whether a folder is on a dm-crypt volume, from sysfs (atrest.h).
 *
 * The walk goes down from the folder's block device through the devices
 * beneath it.  Paths are joined with ".." and symlinks as sysfs lays them
 * out (/sys/dev/block/MAJ:MIN and slaves/NAME are links to the device's
 * folder; a partition's folder lies in its disk's), and the kernel resolves
 * ".." after a symlink in the folder it points to.
 */
#include "atrest.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define ATREST_DEPTH 8 /* dm over dm over a partition is 3; a loop in sysfs ends here */
#define PATH_CAP     4096

const char *atrest_state_name(enum atrest_state s)
{
	return s == ATREST_ENCRYPTED       ? "encrypted"
	       : s == ATREST_NOT_ENCRYPTED ? "not_encrypted"
	                                   : "unknown";
}

static enum atrest_state verdict(struct atrest_result *r, enum atrest_state s, const char *how)
{
	snprintf(r->how, sizeof r->how, "%s", how);
	return r->state = s;
}

/* The first line of dir/name into out; false when there is none. */
static bool read_line(const char *dir, const char *name, char *out, size_t cap)
{
	char path[PATH_CAP];
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return false;
	FILE *f = fopen(path, "r");
	bool got = f != NULL && fgets(out, (int)cap, f) != NULL;
	if (f != NULL)
		fclose(f);
	if (got)
		out[strcspn(out, "\r\n")] = '\0';
	return got;
}

static bool has(const char *dir, const char *name)
{
	char path[PATH_CAP];
	return snprintf(path, sizeof path, "%s/%s", dir, name) < (int)sizeof path &&
	       access(path, F_OK) == 0;
}

static enum atrest_state walk(const char *dir, int depth, struct atrest_result *r);

/*
 * A device-mapper layer that is not dm-crypt itself (LVM, RAID, multipath)
 * is encrypted only when everything beneath it is: one plain device under an
 * LVM volume group may hold any of its blocks.
 */
static enum atrest_state beneath(const char *dir, int depth, struct atrest_result *r)
{
	char slaves[PATH_CAP], sub[PATH_CAP], how[sizeof r->how] = "";
	enum atrest_state all = ATREST_ENCRYPTED;
	int n = 0;
	snprintf(slaves, sizeof slaves, "%s/slaves", dir);
	DIR *d = opendir(slaves);
	for (struct dirent *e;
	     d != NULL && (e = readdir(d)) != NULL && all != ATREST_NOT_ENCRYPTED;) {
		if (e->d_name[0] == '.' ||
		    snprintf(sub, sizeof sub, "%s/%s", slaves, e->d_name) >= (int)sizeof sub)
			continue;
		enum atrest_state s = walk(sub, depth + 1, r);
		n++;
		if (s != ATREST_ENCRYPTED) { /* the device that decides is the one to name */
			all = s == ATREST_NOT_ENCRYPTED ? s : ATREST_UNKNOWN;
			snprintf(how, sizeof how, "%s", r->how);
		}
	}
	if (d != NULL)
		closedir(d);
	if (n == 0)
		return verdict(r, ATREST_NOT_ENCRYPTED, "device-mapper without dm-crypt beneath");
	if (all == ATREST_ENCRYPTED)
		return verdict(r, all, "dm-crypt beneath device-mapper");
	if (strncmp(how, "device-mapper", 13) == 0) /* layers on layers: named once */
		snprintf(r->how, sizeof r->how, "%s", how);
	else
		snprintf(r->how, sizeof r->how, "device-mapper over %.150s", how);
	return r->state = all;
}

static enum atrest_state walk(const char *dir, int depth, struct atrest_result *r)
{
	char uuid[160], parent[PATH_CAP];
	if (depth > ATREST_DEPTH)
		return verdict(r, ATREST_UNKNOWN, "the devices beneath are nested too deep");
	if (read_line(dir, "dm/uuid", uuid, sizeof uuid)) {
		if (strncmp(uuid, "CRYPT-", 6) == 0)
			return verdict(r, ATREST_ENCRYPTED, "dm-crypt");
		return beneath(dir, depth, r);
	}
	if (has(dir, "loop"))
		return verdict(r, ATREST_NOT_ENCRYPTED,
		               "a loop device (its backing file not looked at)");
	if (has(dir, "partition")) { /* the disk's folder holds its partitions' */
		snprintf(parent, sizeof parent, "%s/..", dir);
		return walk(parent, depth + 1, r);
	}
	if (!has(dir, "dev"))
		return verdict(r, ATREST_UNKNOWN, "sysfs does not describe the device");
	return verdict(r, ATREST_NOT_ENCRYPTED, "a plain disk or partition");
}

void atrest_device(const char *sysfs_root, unsigned maj, unsigned min, struct atrest_result *r)
{
	char dir[PATH_CAP];
	snprintf(r->device, sizeof r->device, "%u:%u", maj, min);
	if (maj == 0) { /* the kernel's anonymous devices */
		verdict(r, ATREST_UNKNOWN,
		        "no block device (tmpfs, overlay, btrfs or a network filesystem)");
		return;
	}
	snprintf(dir, sizeof dir, "%s/dev/block", sysfs_root);
	if (access(dir, R_OK | X_OK) != 0) {
		verdict(r, ATREST_UNKNOWN, "cannot read /sys/dev/block");
		return;
	}
	snprintf(dir, sizeof dir, "%s/dev/block/%u:%u", sysfs_root, maj, min);
	if (access(dir, F_OK) != 0) {
		verdict(r, ATREST_UNKNOWN, "no such block device in /sys/dev/block");
		return;
	}
	walk(dir, 0, r);
}

void atrest_path(const char *sysfs_root, const char *path, struct atrest_result *r)
{
	struct stat st;
	r->device[0] = '\0';
	if (stat(path, &st) != 0) {
		verdict(r, ATREST_UNKNOWN, "the folder cannot be read");
		return;
	}
	atrest_device(sysfs_root, major(st.st_dev), minor(st.st_dev), r);
}

/* dirname() without changing its argument: "." for a name without a folder. */
static void folder_of(const char *path, char *out, size_t cap)
{
	const char *slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(out, cap, ".");
	else if (slash == path)
		snprintf(out, cap, "/");
	else
		snprintf(out, cap, "%.*s", (int)(slash - path), path);
}

static int rank(enum atrest_state s) /* lower is worse */
{
	return s == ATREST_NOT_ENCRYPTED ? 0 : s == ATREST_UNKNOWN ? 1 : 2;
}

void atrest_data(const char *sysfs_root, const char *db, const char *files, struct atrest_result *r,
                 char *path, size_t cap)
{
	char dir[PATH_CAP], other[PATH_CAP];
	struct atrest_result f;
	folder_of(db, dir, sizeof dir);
	atrest_path(sysfs_root, dir, r);
	snprintf(path, cap, "%s", dir);
	if (files != NULL)
		snprintf(other, sizeof other, "%s", files);
	else if (snprintf(other, sizeof other, "%s.files", db) >= (int)sizeof other)
		return;
	if (access(other, F_OK) != 0) /* not made yet: it will be on its parent's volume */
		folder_of(files != NULL ? files : db, other, sizeof other);
	atrest_path(sysfs_root, other, &f);
	if (rank(f.state) < rank(r->state)) {
		*r = f;
		snprintf(path, cap, "%s", other);
	}
}
