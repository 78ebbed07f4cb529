/* publish.c - the snapshots `rsc publish` hands to a transport, verified
 * from the bytes that will be sent, and the file:// transport. */
#include "publish.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../loader/rsl.h"
#include "atomic.h"

#define SNAPSHOT_MAX RSL_DEFAULT_MAX_SIZE

int rsc_pub_snap_load(rsc_pub_snap *out, const char *path, const struct rsl_keyring *kr,
		      char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	out->path = path;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t cap = 1 << 16;
	unsigned char *buf = malloc(cap);
	size_t n = 0;
	while (buf) {
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (n < cap)
			break;
		if (cap > SNAPSHOT_MAX) {
			fclose(f);
			free(buf);
			snprintf(err, errlen, "%s: over %zu bytes, not a snapshot rsc publishes", path,
				 SNAPSHOT_MAX);
			return -1;
		}
		unsigned char *b = realloc(buf, cap * 2);
		if (!b) {
			free(buf);
			buf = NULL;
			break;
		}
		buf = b;
		cap *= 2;
	}
	int bad = ferror(f);
	fclose(f);
	if (!buf || bad) {
		free(buf);
		snprintf(err, errlen, "%s: %s", path, buf ? "read error" : "out of memory");
		return -1;
	}
	rsl_snapshot *snap = NULL;
	rsl_error e;
	memset(&e, 0, sizeof e);
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	o.keys = kr;
	int rc = rsl_open_buffer(&snap, buf, n, &o, &e);
	if (rc != RSL_OK) {
		free(buf);
		snprintf(err, errlen, "%s: does not verify, refusing to publish it: %s (%s)", path,
			 e.message, rsl_strerror(rc));
		return -1;
	}
	rsl_info in;
	rsl_snapshot_info(&in, snap);
	snprintf(out->env, sizeof out->env, "%s", in.environment);
	snprintf(out->commit, sizeof out->commit, "%s", in.commit);
	out->version = in.version;
	out->commit_time = in.commit_time;
	rsl_close(snap);
	out->data = buf;
	out->len = n;
	return 0;
}

void rsc_pub_snap_free(rsc_pub_snap *s)
{
	if (!s)
		return;
	free(s->data);
	s->data = NULL;
}

void rsc_pub_versioned_name(char out[RSC_PUB_NAME_MAX], const rsc_pub_snap *s)
{
	snprintf(out, RSC_PUB_NAME_MAX, "%s-%llu", s->env, (unsigned long long)s->version);
}

int rsc_file_publish(const char *dir, const rsc_pub_snap *snaps, size_t n, FILE *log,
		     char *err, size_t errlen)
{
	struct stat st;
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "file://%s: not a directory", dir);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char name[RSC_PUB_NAME_MAX];
		rsc_pub_versioned_name(name, &snaps[i]);
		size_t plen = strlen(dir) + sizeof name + 16;
		char *path = malloc(plen);
		if (!path) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		/* The versioned name first: a node never follows a name whose
		 * snapshot is not complete somewhere else first. */
		const char *names[2] = { name, snaps[i].env };
		for (int k = 0; k < 2; k++) {
			snprintf(path, plen, "%s/%s.rsnap", dir, names[k]);
			if (rsc_atomic_write(path, snaps[i].data, snaps[i].len, 0644, 0, err,
					     errlen) != 0) {
				free(path);
				return -1;
			}
			fprintf(log, "published %s: %s\n", snaps[i].path, path);
		}
		free(path);
	}
	return 0;
}
