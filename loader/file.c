/*
 * file.c - the one checked read of a snapshot file: see file.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "file.h"
#include "keyring.h"

static const char *file_kind(mode_t m)
{
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

static int read_all(int fd, uint8_t *buf, size_t len)
{
	size_t n = 0;
	while (n < len) {
		ssize_t r = read(fd, buf + n, len - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return r < 0 ? -1 : -2;
		n += (size_t)r;
	}
	return 0;
}

int rsl__file_read(rsl__file *out, const char *path, size_t max, unsigned flags,
		   rsl_error *err)
{
	int rc = RSL_OK;
	memset(out, 0, sizeof *out);
	/* O_NONBLOCK: a FIFO put in place of the file must not hang us. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		int e = errno;
		out->missing = e == ENOENT;
		return rsl__fail(err, RSL_EIO, "cannot open '%s': %s", path, strerror(e));
	}
	struct stat *st = &out->st;
	if (fstat(fd, st) != 0) {
		rc = rsl__fail(err, RSL_EIO, "cannot stat '%s': %s", path, strerror(errno));
		goto out;
	}
	out->has_stat = 1;
	if (!S_ISREG(st->st_mode)) {
		rc = rsl__fail(err, RSL_EUNSAFE, "'%s' is %s, not a regular file", path,
			       file_kind(st->st_mode));
		goto out;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		rc = rsl__fail(err, RSL_EUNSAFE, "'%s': snapshot is writable by group or "
			       "others (mode %04o); a file changed in place would bypass "
			       "the signature", path, (unsigned)(st->st_mode & 07777));
		goto out;
	}
	if (st->st_size < 0 || (uintmax_t)st->st_size > max) {
		rc = rsl__fail(err, RSL_EUNSAFE, "'%s' is %jd bytes, more than the limit "
			       "of %zu", path, (intmax_t)st->st_size, max);
		goto out;
	}
	size_t len = (size_t)st->st_size;
	if (len == 0)
		goto out;
	if (flags & RSL__FILE_MAP) {
		/* One anonymous page, then the file, in one reservation. */
		long pg = sysconf(_SC_PAGESIZE);
		size_t page = pg > 0 ? (size_t)pg : 4096;
		size_t total = page + len;
		uint8_t *res = total < len ? MAP_FAILED
			: mmap(NULL, total, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		/* Populated read-only (one call, not a fault per page);
		 * then the file's first page writable too, for the room. */
		void *map = res == MAP_FAILED ? MAP_FAILED
			: mmap(res + page, len, PROT_READ,
			       MAP_PRIVATE | MAP_FIXED | MAP_POPULATE, fd, 0);
		if (map != MAP_FAILED &&
		    mprotect(res, page + (len < page ? len : page),
			     PROT_READ | PROT_WRITE) != 0)
			map = MAP_FAILED;
		if (map == MAP_FAILED) {
			int e = errno;
			if (res != MAP_FAILED)
				munmap(res, total);
			rc = rsl__fail(err, RSL_EIO, "cannot map '%s': %s", path,
				       strerror(e));
			goto out;
		}
		out->region = res;
		out->region_size = total;
		out->data = res + page;
		out->mapped = 1;
	} else {
		if (len > SIZE_MAX - RSL__FILE_ROOM ||
		    posix_memalign(&out->region, RSL__FILE_ROOM, RSL__FILE_ROOM + len) != 0) {
			out->region = NULL;
			rc = rsl__fail(err, RSL_ENOMEM, "out of memory");
			goto out;
		}
		out->region_size = RSL__FILE_ROOM + len;
		out->data = (uint8_t *)out->region + RSL__FILE_ROOM;
		int r = read_all(fd, out->data, len);
		if (r < 0) {
			rc = rsl__fail(err, RSL_EIO, "cannot read '%s': %s", path,
				       r == -1 ? strerror(errno)
					       : "it shrank while being read");
			free(out->region);
			out->region = NULL;
			out->data = NULL;
			goto out;
		}
	}
	out->len = len;
out:
	close(fd);
	return rc;
}

void rsl__region_free(void *region, size_t size, int mapped)
{
	if (region == NULL)
		return;
	if (mapped)
		munmap(region, size);
	else
		free(region);
}

void rsl__file_release(rsl__file *f)
{
	if (f == NULL || f->region == NULL)
		return;
	rsl__region_free(f->region, f->region_size, f->mapped);
	f->region = NULL;
	f->data = NULL;
	f->len = 0;
}

int rsl__file_copy(rsl__file *out, const void *data, size_t len, rsl_error *err)
{
	memset(out, 0, sizeof *out);
	if (len == 0)
		return RSL_OK;
	if (len > SIZE_MAX - RSL__FILE_ROOM ||
	    posix_memalign(&out->region, RSL__FILE_ROOM, RSL__FILE_ROOM + len) != 0) {
		out->region = NULL;
		return rsl__fail(err, RSL_ENOMEM, "out of memory");
	}
	out->region_size = RSL__FILE_ROOM + len;
	out->data = (uint8_t *)out->region + RSL__FILE_ROOM;
	memcpy(out->data, data, len);
	out->len = len;
	return RSL_OK;
}
