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

int rsc_atomic_write(const char *path, const void *data, size_t len,
		     mode_t mode, unsigned flags, char *err, size_t errlen)
{
	char *dir = dir_of(path);
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t tlen = strlen(dir) + strlen(base) + 16;
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
	if (flags & RSC_ATOMIC_NOREPLACE) {
		/* link() fails with EEXIST rather than replace: no window in
		 * which another writer's file could be overwritten. */
		if (link(tmp, path) != 0) {
			failed(err, errlen, "cannot create", path);
			goto out;
		}
		unlink(tmp);
	} else if (rename(tmp, path) != 0) {
		failed(err, errlen, "cannot rename a temporary file to", path);
		goto out;
	}
	have_tmp = 0;
	if (fsync_dir(dir) != 0) {
		failed(err, errlen, "cannot fsync the directory", dir);
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (have_tmp) {
		int e = errno;
		unlink(tmp);
		errno = e;
	}
	free(tmp);
	free(dir);
	return rc;
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
