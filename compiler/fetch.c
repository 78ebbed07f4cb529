/*
 * fetch.c - rsc_fetch: the dispatch on the source's scheme, and file://
 * sources (see fetch.h).  A file's tag is its identity and change stamp
 * (device, inode, size, modification time to the nanosecond): a publisher
 * that renames a new file into place changes the inode, one that rewrites
 * in place changes the size or the time, and an unchanged tag costs a
 * stat(2), no read.
 */
#include "fetch.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../loader/names.h"
#include "oci.h"
#include "s3.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return RSC_FETCH_ERROR;
}

static void file_tag(char out[512], const struct stat *st)
{
	snprintf(out, 512, "file:%" PRIuMAX ":%" PRIuMAX ":%" PRIdMAX ":%" PRIdMAX ".%09ld",
		 (uintmax_t)st->st_dev, (uintmax_t)st->st_ino, (intmax_t)st->st_size,
		 (intmax_t)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
}

static int read_all(int fd, unsigned char *buf, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t r = read(fd, buf + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : 1; /* 1: it ended early */
		done += (size_t)r;
	}
	return 0;
}

static int fetch_file(const char *dir, const char *env, const char *prev_tag, size_t max,
		      rsc_fetched *out, char *err, size_t errlen)
{
	char path[PATH_MAX];
	if ((size_t)snprintf(path, sizeof path, "%s/%s.rsnap", dir, env) >= sizeof path)
		return fail(err, errlen, "file://%s: the path is too long", dir);
	struct stat st, after;
	if (stat(path, &st) != 0)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	char tag[512];
	file_tag(tag, &st);
	if (prev_tag && *prev_tag && S_ISREG(st.st_mode) && strcmp(tag, prev_tag) == 0)
		return RSC_FETCH_UNCHANGED;

	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return fail(err, errlen, "%s: %s", path, strerror(errno));
	/* What is checked is the descriptor that is read, not the path. */
	unsigned char *buf = NULL;
	int rc;
	if (fstat(fd, &st) != 0) {
		rc = fail(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = fail(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if ((uintmax_t)st.st_size > (uintmax_t)max) {
		rc = fail(err, errlen, "%s: %jd bytes, over the limit of %zu", path,
			  (intmax_t)st.st_size, max);
		goto out;
	}
	size_t n = (size_t)st.st_size;
	if (!(buf = malloc(n ? n : 1))) {
		rc = fail(err, errlen, "%s: out of memory for %zu bytes", path, n);
		goto out;
	}
	int r = read_all(fd, buf, n);
	if (r < 0) {
		rc = fail(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	/* A publisher writing in place instead of renaming: try again later
	 * rather than hand over a mix of two files. */
	if (r > 0 || fstat(fd, &after) != 0 || after.st_size != st.st_size ||
	    after.st_mtim.tv_sec != st.st_mtim.tv_sec ||
	    after.st_mtim.tv_nsec != st.st_mtim.tv_nsec) {
		rc = fail(err, errlen, "%s: it changed while being read", path);
		goto out;
	}
	out->data = buf;
	out->len = n;
	file_tag(out->tag, &st);
	buf = NULL;
	rc = RSC_FETCH_NEW;
out:
	free(buf);
	close(fd);
	return rc;
}

int rsc_fetch(const char *url, const char *env, const char *prev_tag, size_t max,
	      rsc_fetched *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (!env || !rsl__is_key(env, strlen(env)))
		return fail(err, errlen, "environment '%s': expected %s", env ? env : "",
			    RSL__KEY_RULE);
	if (strncmp(url, "file://", 7) == 0) {
		const char *dir = url + 7;
		if (strncmp(dir, "localhost/", 10) == 0)
			dir += 9;
		if (!*dir)
			return fail(err, errlen, "%s: expected file://DIR, the directory the "
				    "snapshots are published to", url);
		return fetch_file(dir, env, prev_tag, max, out, err, errlen);
	}
	rsc_oci_loc oci;
	rsc_s3_loc s3;
	if (strncmp(url, "oci://", 6) == 0 || strncmp(url, "oci+http://", 11) == 0)
		return rsc_oci_parse(&oci, url, err, errlen) != 0 ? RSC_FETCH_ERROR :
		       rsc_oci_fetch(&oci, env, prev_tag, max, out, err, errlen);
	if (strncmp(url, "s3://", 5) == 0)
		return rsc_s3_parse(&s3, url, err, errlen) != 0 ? RSC_FETCH_ERROR :
		       rsc_s3_fetch(&s3, env, prev_tag, max, out, err, errlen);
	return fail(err, errlen, "%s: unknown source; expected file://DIR, "
		    "oci://REGISTRY/REPO or s3://BUCKET/PREFIX", url);
}

void rsc_fetched_free(rsc_fetched *f)
{
	if (!f)
		return;
	free(f->data);
	memset(f, 0, sizeof *f);
}
