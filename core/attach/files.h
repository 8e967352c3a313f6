/*
 * files.h - the folder of photos and documents (issue 14), beside the
 * database: spool/ holds uploads as they arrive and until they are
 * checked, ab/cdef... the checked files by the SHA-256 of their content,
 * quarantine/ what clamd found malware in.  Every file is fsynced, and its
 * folder, before anything refers to it, so an acknowledged upload survives a
 * power cut; a failed write leaves no half file behind.
 *
 * Thread-safe: the folders are held open and used with *at() calls.
 */
#ifndef INDGANG_ATTACH_FILES_H
#define INDGANG_ATTACH_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "sniff.h"

struct attach_files;

/* Opens (making them, mode 0700) the folder root and its spool/ and
 * quarantine/, and removes what uploads cut off by a stop left in the spool
 * under temporary names.  ERR_UNAVAILABLE when it cannot be made or opened. */
int attach_files_open(const char *root, struct attach_files **out);
void attach_files_close(struct attach_files *f);
/* The folder given to attach_files_open. */
const char *attach_files_root(const struct attach_files *f);

/* The longest name of a spool file not yet an upload's. */
#define ATTACH_TEMP_NAME 40

/* A new, empty spool file under a temporary name, open for writing: an
 * upload's bytes are written from its headers on, while a worker decides
 * whether it may be stored. */
int attach_spool_begin(struct attach_files *f, int *fd, char name[ATTACH_TEMP_NAME]);
/* The temporary file becomes upload id's. */
int attach_spool_claim(struct attach_files *f, const char *name, int64_t id);
/* Removes a temporary spool file (the upload was refused). */
void attach_spool_discard(struct attach_files *f, const char *name);
/* Appends n bytes; ERR_UNAVAILABLE (the disk is full or failing). */
int attach_spool_write(int fd, const void *buf, size_t n);
/* All of it is written: flushed to the disk with its folder; *size is its
 * length and head its first ATTACH_SNIFF_BYTES (*head_n of them).  The fd
 * stays open. */
int attach_spool_seal(struct attach_files *f, int fd, int64_t *size,
                      unsigned char head[ATTACH_SNIFF_BYTES], size_t *head_n);
/* Opens upload id's spool file for reading. */
int attach_spool_open(struct attach_files *f, int64_t id, int *fd);
/* Removes upload id's spool file (gone already is fine). */
void attach_spool_remove(struct attach_files *f, int64_t id);
/* The full path of upload id's spool file with suffix ("" for the upload
 * itself, ".img" and ".thumb" for what the image pipeline makes of it). */
int attach_spool_path(const struct attach_files *f, int64_t id, const char *suffix, char *out,
                      size_t cap);
/* Removes spool/<id><suffix> (gone already is fine). */
void attach_spool_remove_made(struct attach_files *f, int64_t id, const char *suffix);

/* Stores spool/<id><suffix> by its content: linked as <ab>/<cdef...> (the
 * SHA-256 in hex, sha[65]), the file and its folders flushed to disk; a
 * file of the same content stored before is kept.  *size: its length.
 * The spool file stays until the caller has recorded the outcome. */
int attach_store(struct attach_files *f, int64_t id, const char *suffix, char sha[65],
                 int64_t *size);
/* Removes the stored file named sha (no row names it any more). */
void attach_unstore(struct attach_files *f, const char *sha);
/* Moves upload id's spool file to quarantine/ (malware), flushed. */
int attach_quarantine(struct attach_files *f, int64_t id);
/* The full path of the stored file named sha (hex). */
int attach_stored_path(const struct attach_files *f, const char *sha, char *out, size_t cap);

#endif
