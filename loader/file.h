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

/* Writable bytes in front of a file's data (rsl__file.data - ROOM ..
 * data): open.c writes the signature's Sig_structure prefix there, so the
 * payload is verified where it lies, without a copy. */
#define RSL__FILE_ROOM 64u

typedef struct rsl__file {
	unsigned char *data; /* the file's bytes, 64-byte aligned, with
				RSL__FILE_ROOM writable bytes before them;
				NULL when it is empty */
	size_t len;
	int mapped;
	void *region;        /* what holds data (rsl__region_free) */
	size_t region_size;
	int missing;         /* open failed with ENOENT */
	int has_stat;        /* st is the open descriptor's */
	struct stat st;
} rsl__file;

/* Opens path and checks the descriptor (not the path: what is checked is
 * what is read): a regular file, not writable by group or others, at most
 * max bytes; then reads it into private memory, or maps it privately with
 * RSL__FILE_MAP (behind one page of anonymous memory for the room: only
 * the pages written to, the room's and the file's first, become private).  RSL_OK, RSL_EIO (cannot open, stat, read or map it),
 * RSL_EUNSAFE (another kind of file, group/other-writable, over max) or
 * RSL_ENOMEM, with *err filled.  *out says what was found even on failure
 * (missing, st); rsl__file_release frees it either way. */
int rsl__file_read(rsl__file *out, const char *path, size_t max, unsigned flags,
		   rsl_error *err);

void rsl__file_release(rsl__file *f);

/* A copy of data[0..len) laid out as rsl__file_read lays out a read file,
 * for rsl_open_buffer.  RSL_OK or RSL_ENOMEM. */
int rsl__file_copy(rsl__file *out, const void *data, size_t len, rsl_error *err);

/* Frees what rsl__file.region holds (a snapshot that kept it calls this at
 * rsl_close); NULL is ignored. */
void rsl__region_free(void *region, size_t size, int mapped);

#endif
