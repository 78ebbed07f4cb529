/* atomic.c - crash-safe file writes, the way Redis saves its rdb; see
 * atomic.h. */
#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct rsc_atomic_staged {
	char *path, *tmp, *dir;
};

static int failed(char *err, size_t errlen, const char *what, const char *path)
{
	int e = errno;
	if (err && errlen)
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(e));
	errno = e;
	return -1;
}

/* The directory part of path ("." when there is none). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

static int fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int e = errno;
	close(fd);
	errno = e;
	return rc;
}

/* Writes data to a new temporary file in path's directory: every byte,
 * the mode, fsync, close.  Fills *tmp and *dir (malloc'd) on success; on
 * failure leaves no file and returns -1 with err. */
static int write_temp(char **tmp_out, char **dir_out, const char *path,
		      const void *data, size_t len, mode_t mode, char *err,
		      size_t errlen)
{
	char *dir = dir_of(path);
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t tlen = (dir ? strlen(dir) : 0) + strlen(base) + 16;
	char *tmp = malloc(tlen);
	int fd = -1, rc = -1, have_tmp = 0;
	if (!dir || !tmp) {
		errno = ENOMEM;
		failed(err, errlen, "cannot write", path);
		goto out;
	}
	snprintf(tmp, tlen, "%s/.%s.XXXXXX", dir, base);
	fd = mkstemp(tmp);
	if (fd < 0) {
		failed(err, errlen, "cannot create a temporary file in", dir);
		goto out;
	}
	have_tmp = 1;
	const unsigned char *p = data;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			failed(err, errlen, "cannot write", tmp);
			goto out;
		}
		p += n;
		left -= (size_t)n;
	}
	if (fchmod(fd, mode) != 0) {
		failed(err, errlen, "cannot set the mode of", tmp);
		goto out;
	}
	if (fsync(fd) != 0) {
		failed(err, errlen, "cannot fsync", tmp);
		goto out;
	}
	int cr = close(fd);
	fd = -1;
	if (cr != 0) {
		failed(err, errlen, "cannot write", tmp);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (rc == 0) {
		*tmp_out = tmp;
		*dir_out = dir;
		return 0;
	}
	int e = errno;
	if (have_tmp)
		unlink(tmp);
	free(tmp);
	free(dir);
	errno = e;
	return -1;
}

int rsc_atomic_write(const char *path, const void *data, size_t len,
		     mode_t mode, unsigned flags, char *err, size_t errlen)
{
	if (!(flags & RSC_ATOMIC_NOREPLACE)) {
		rsc_atomic_set s = RSC_ATOMIC_SET_INIT;
		int rc = rsc_atomic_stage(&s, path, data, len, mode, err, errlen);
		if (rc == 0)
			rc = rsc_atomic_commit(&s, err, errlen);
		int e = errno;
		rsc_atomic_set_free(&s);
		errno = e;
		return rc;
	}
	char *tmp = NULL, *dir = NULL;
	if (write_temp(&tmp, &dir, path, data, len, mode, err, errlen) != 0)
		return -1;
	int rc = -1;
	/* link() fails with EEXIST rather than replace: no window in which
	 * another writer's file could be overwritten. */
	if (link(tmp, path) != 0)
		failed(err, errlen, "cannot create", path);
	else if (fsync_dir(dir) != 0)
		failed(err, errlen, "cannot fsync the directory", dir);
	else
		rc = 0;
	int e = errno;
	unlink(tmp);
	free(tmp);
	free(dir);
	errno = e;
	return rc;
}

int rsc_atomic_stage(rsc_atomic_set *s, const char *path, const void *data,
		     size_t len, mode_t mode, char *err, size_t errlen)
{
	/* rename() would refuse it only in the second phase, after other
	 * paths were replaced: refuse it now. */
	struct stat st;
	if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return failed(err, errlen, "cannot replace the directory", path);
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 8;
		struct rsc_atomic_staged *v = realloc(s->v, cap * sizeof *v);
		if (!v) {
			errno = ENOMEM;
			return failed(err, errlen, "cannot write", path);
		}
		s->v = v;
		s->cap = cap;
	}
	struct rsc_atomic_staged *f = &s->v[s->n];
	f->path = strdup(path);
	if (!f->path) {
		errno = ENOMEM;
		return failed(err, errlen, "cannot write", path);
	}
	if (write_temp(&f->tmp, &f->dir, path, data, len, mode, err, errlen) != 0) {
		int e = errno;
		free(f->path);
		errno = e;
		return -1;
	}
	s->n++;
	return 0;
}

const char *rsc_atomic_staged_path(const rsc_atomic_set *s, size_t i)
{
	return s->v[i].tmp;
}

int rsc_atomic_commit(rsc_atomic_set *s, char *err, size_t errlen)
{
	for (; s->committed < s->n; s->committed++) {
		struct rsc_atomic_staged *f = &s->v[s->committed];
		if (rename(f->tmp, f->path) != 0)
			return failed(err, errlen, "cannot rename a temporary file to",
				      f->path);
	}
	for (size_t i = 0; i < s->n; i++) {
		int seen = 0;
		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(s->v[j].dir, s->v[i].dir) == 0;
		if (!seen && fsync_dir(s->v[i].dir) != 0)
			return failed(err, errlen, "cannot fsync the directory",
				      s->v[i].dir);
	}
	return 0;
}

void rsc_atomic_set_free(rsc_atomic_set *s)
{
	if (!s)
		return;
	int e = errno;
	for (size_t i = 0; i < s->n; i++) {
		if (i >= s->committed)
			unlink(s->v[i].tmp);
		free(s->v[i].path);
		free(s->v[i].tmp);
		free(s->v[i].dir);
	}
	free(s->v);
	s->v = NULL;
	s->n = s->cap = s->committed = 0;
	errno = e;
}

int rsc_mkdirs(const char *dir, char *err, size_t errlen)
{
	char *p = strdup(dir);
	if (!p) {
		errno = ENOMEM;
		return failed(err, errlen, "cannot create", dir);
	}
	int rc = 0;
	for (char *s = *p ? p + 1 : p;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, 0755) != 0 && errno != EEXIST) {
			rc = failed(err, errlen, "cannot create the directory", p);
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	struct stat st;
	if (rc == 0 && stat(dir, &st) != 0)
		rc = failed(err, errlen, "cannot create the directory", dir);
	else if (rc == 0 && !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		rc = failed(err, errlen, "cannot use the directory", dir);
	}
	free(p);
	return rc;
}
