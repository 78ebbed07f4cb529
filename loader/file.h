/*
 * file.h - the one checked read of a snapshot file (internal to librsl),
 * shared by rsl_open and the live client.
 */
#ifndef RSL_FILE_H
#define RSL_FILE_H

#include <stddef.h>
#include <sys/stat.h>

#include "rsl.h"

#define RSL__FILE_MAP 0x1u /* map the file rather than read it */

typedef struct rsl__file {
	unsigned char *data; /* the file's bytes; NULL when it is empty */
	size_t len;
	int mapped;
	int missing;         /* open failed with ENOENT */
	int has_stat;        /* st is the open descriptor's */
	struct stat st;
} rsl__file;

/* Opens path and checks the descriptor (not the path: what is checked is
 * what is read): a regular file, not writable by group or others, at most
 * max bytes; then reads it into private memory, or maps it privately with
 * RSL__FILE_MAP.  RSL_OK, RSL_EIO (cannot open, stat, read or map it),
 * RSL_EUNSAFE (another kind of file, group/other-writable, over max) or
 * RSL_ENOMEM, with *err filled.  *out says what was found even on failure
 * (missing, st); rsl__file_release frees it either way. */
int rsl__file_read(rsl__file *out, const char *path, size_t max, unsigned flags,
		   rsl_error *err);

void rsl__file_release(rsl__file *f);

#endif
