/*
 * atrest.h - is a folder on an encrypted volume (dm-crypt, as LUKS makes)?
 *
 * The database and the attachment files hold case records.  A deleted
 * message leaves the disk's blocks only when they are overwritten, so what
 * keeps a stolen or discarded disk unreadable is encryption of the whole
 * volume underneath (operator's guide, "Data at rest").  Indgang does not
 * encrypt; it tells the operator whether the volume is: indgang-admin status
 * prints it, and the gateway logs at_rest_unencrypted at start.
 *
 * How: the folder's st_dev names a block device MAJ:MIN, and sysfs
 * describes it under SYSFS/dev/block/MAJ:MIN:
 *   - dm/uuid beginning with "CRYPT-" is dm-crypt: encrypted;
 *   - another device-mapper device (LVM, RAID, ...) is encrypted when every
 *     device beneath it (slaves/<name>) is, followed down;
 *   - a partition (its file "partition") is its disk's (the folder above);
 *   - a loop device, or a plain disk, is not encrypted (a loop device's
 *     backing file is not looked at: it does not count);
 *   - major 0 (tmpfs, overlay, btrfs, NFS) or no such device: unknown.
 * Only reads files; the sysfs root is a parameter so that a test can build
 * a tree of its own.
 */
#ifndef INDGANG_ATREST_H
#define INDGANG_ATREST_H

#include <stddef.h>

#define ATREST_SYSFS "/sys"

enum atrest_state { ATREST_ENCRYPTED, ATREST_NOT_ENCRYPTED, ATREST_UNKNOWN };

struct atrest_result {
	enum atrest_state state;
	char device[32]; /* "MAJ:MIN" of the folder's filesystem, "" before the stat */
	char how[200];   /* in words: "dm-crypt", "a plain disk or partition (8:0)", ... */
};

/* What the block device maj:min is, read under sysfs_root. */
void atrest_device(const char *sysfs_root, unsigned maj, unsigned min, struct atrest_result *r);
/* The same for the filesystem the folder (or file) path is on. */
void atrest_path(const char *sysfs_root, const char *path, struct atrest_result *r);
/*
 * The data of a gateway: the folder of the database db and the files folder
 * (NULL: db + ".files"; one not made yet is looked at through the folder
 * above it).  The least safe of the two: not encrypted before unknown
 * before encrypted; path receives the folder it is about.
 */
void atrest_data(const char *sysfs_root, const char *db, const char *files, struct atrest_result *r,
                 char *path, size_t cap);
/* "encrypted", "not_encrypted", "unknown": for JSON and logs. */
const char *atrest_state_name(enum atrest_state s);

#endif
