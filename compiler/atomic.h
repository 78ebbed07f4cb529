/*
 * atomic.h - writing a file so that its path never holds a partial one:
 * a temporary file in the same directory, every byte written, fsync, the
 * final mode, rename (or link, to refuse replacing), fsync of the directory.
 * A crash leaves either the old file or the new one, at worst plus a
 * ".NAME.XXXXXX" temporary file; an error leaves no temporary file.
 */
#ifndef RSC_ATOMIC_H
#define RSC_ATOMIC_H

#include <stddef.h>
#include <sys/types.h>

/* Fail (errno EEXIST) instead of replacing an existing file at path. */
#define RSC_ATOMIC_NOREPLACE 0x1u

/*
 * Writes data[0..len) to path with permission bits mode.  Returns 0, or -1
 * with a one-line message naming the path and the system error in err (errno
 * is preserved).  The file at path is untouched on failure.
 */
int rsc_atomic_write(const char *path, const void *data, size_t len,
		     mode_t mode, unsigned flags, char *err, size_t errlen);

/* mkdir -p dir (mode 0755 for what it creates).  0 or -1 with err. */
int rsc_mkdirs(const char *dir, char *err, size_t errlen);

#endif
