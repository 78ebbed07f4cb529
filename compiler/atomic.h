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

/*
 * Several files replaced together, in two phases, so that a failure while
 * writing leaves every path as it was: rsc_atomic_stage writes each file's
 * temporary file (fsync'd, with its final mode) and refuses a path that is a
 * directory; only when all are staged does rsc_atomic_commit rename them into
 * place and fsync their directories.  A rename can still fail there (the
 * disk, a concurrent writer); commit then stops and reports how many paths
 * were replaced.  rsc_atomic_set_free removes whatever temporary file was
 * not renamed, so an abandoned set leaves nothing behind.
 */
typedef struct rsc_atomic_set {
	struct rsc_atomic_staged *v;
	size_t n, cap;
	size_t committed; /* how many of v were renamed into place */
} rsc_atomic_set;

#define RSC_ATOMIC_SET_INIT { NULL, 0, 0, 0 }

/* Writes data[0..len) to a temporary file next to path (mode bits mode) and
 * adds it to s.  0, or -1 with err (errno preserved); a failed call stages
 * nothing, earlier stages stay until rsc_atomic_set_free. */
int rsc_atomic_stage(rsc_atomic_set *s, const char *path, const void *data,
		     size_t len, mode_t mode, char *err, size_t errlen);

/* The temporary file of the i-th stage (i < s->n), until it is renamed or
 * s is freed: to read back what was staged. */
const char *rsc_atomic_staged_path(const rsc_atomic_set *s, size_t i);

/* Renames every staged file into place, in the order staged, then fsyncs
 * their directories.  0, or -1 with err naming the path that failed;
 * s->committed then says how many were replaced (the first ones). */
int rsc_atomic_commit(rsc_atomic_set *s, char *err, size_t errlen);

/* Removes the temporary files not renamed and frees s (NULL is fine). */
void rsc_atomic_set_free(rsc_atomic_set *s);

/* mkdir -p dir (mode 0755 for what it creates).  0 or -1 with err. */
int rsc_mkdirs(const char *dir, char *err, size_t errlen);

#endif
