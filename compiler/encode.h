/*
 * encode.h - the validated model -> the deterministic CBOR Body of one
 * environment's snapshot (docs/snapshot-format.md), and the small CBOR
 * writer it and cose.c share.
 *
 * The writer emits RFC 8949 §4.2.1 deterministic CBOR: libcbor's encoders
 * give the shortest heads; maps are collected and their entries sorted by the
 * bytes of their encoded keys when the map is closed; floats take the
 * shortest of half, single and double that holds the value exactly.
 */
#ifndef RSC_ENCODE_H
#define RSC_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "source.h"

typedef struct rsc_cw_map rsc_cw_map;

/* A CBOR writer into a growable buffer.  Errors are sticky: after the first
 * failure every call does nothing and rsc_cw_finish reports it. */
typedef struct rsc_cw {
	unsigned char *buf;
	size_t len, cap;
	rsc_cw_map *maps; /* open maps, innermost last */
	size_t nmaps, capmaps;
	int rc;           /* RSC_OK, RSC_EIO (out of memory), RSC_EINVALID */
	char err[128];    /* what went wrong when rc != RSC_OK */
} rsc_cw;

void rsc_cw_init(rsc_cw *w);
/* Frees the buffer and the map stack; w may be reused after rsc_cw_init. */
void rsc_cw_free(rsc_cw *w);

void rsc_cw_uint(rsc_cw *w, uint64_t v);
void rsc_cw_int(rsc_cw *w, int64_t v);
void rsc_cw_bool(rsc_cw *w, int v);
/* The shortest of half / single / double that represents v exactly; NaN and
 * infinities are refused (RSC_EINVALID). */
void rsc_cw_float(rsc_cw *w, double v);
void rsc_cw_text(rsc_cw *w, const char *s, size_t len);
void rsc_cw_cstr(rsc_cw *w, const char *s);
void rsc_cw_bytes(rsc_cw *w, const void *p, size_t len);
void rsc_cw_tag(rsc_cw *w, uint64_t tag);
/* An array of n items: the caller writes exactly n items next. */
void rsc_cw_array(rsc_cw *w, size_t n);

/* A map: rsc_cw_map_begin, then for each entry a key call followed by one
 * value item, then rsc_cw_map_end, which counts and sorts the entries and
 * refuses duplicate keys (RSC_EINVALID). */
void rsc_cw_map_begin(rsc_cw *w);
void rsc_cw_key(rsc_cw *w, const char *key);
void rsc_cw_key_int(rsc_cw *w, int64_t key);
void rsc_cw_map_end(rsc_cw *w);

/* Hands the bytes over: *out is malloc'd (the caller frees it), or NULL on
 * error.  Returns w->rc; fails with RSC_EINVALID if a map is still open.
 * w is left empty either way. */
int rsc_cw_finish(unsigned char **out, size_t *outlen, rsc_cw *w);

/* Provenance of a compile, from the rsc_fileset (source.h).  A fileset read
 * from the work tree gives commit "worktree" and commit_time 0. */
typedef struct rsc_provenance {
	const char *commit;
	int64_t commit_time;
	uint64_t version;     /* the snapshot version (fileset.h) */
	const char *author;   /* NULL: left out */
	const char *subject;  /* NULL: left out */
	const char *repo;     /* remote URL; written as rsc_repo_name(repo);
			       * NULL or "" there: left out */
	const char *path;     /* "" for the repository top */
	const char *rsc;      /* compiler version */
} rsc_provenance;

/* Fills p from fs (pointers into fs). */
void rsc_provenance_from_fileset(rsc_provenance *out, const rsc_fileset *fs);

/*
 * The repository name written as provenance.repo: the remote URL reduced to
 * one spelling per repository, so that the way it was cloned never changes a
 * snapshot's bytes (docs/snapshot-format.md).  Drops the scheme, any
 * user[:password]@, a default port (kept when not the scheme's default), the
 * query and fragment, a trailing ".git" and "/"; lowercases the host; turns
 * scp-like "git@host:o/r" into "host/o/r" and "file:///x" into "/x".  So
 * "https://u:t@GitHub.com/o/r.git", "git@github.com:o/r.git" and
 * "ssh://git@github.com:22/o/r" all give "github.com/o/r".  Returns a malloc'd
 * string (the caller frees it), "" when nothing is left, NULL for a NULL url
 * or when out of memory.
 */
char *rsc_repo_name(const char *url);

/*
 * Encodes the Body of environment env (an index into rs->envs) of a checked
 * ruleset: *out is malloc'd, *outlen its size.  version is prov->version,
 * issued_at prov->commit_time; expires_at is added when the ruleset has a TTL and the
 * commit time is not 0 (a work-tree compile has no time to count from).
 * Returns RSC_OK, RSC_EIO (out of memory) or RSC_EINVALID when the model
 * holds something the format cannot carry (an unresolved reference, a value
 * of the wrong type); err (errlen bytes) then says what.
 */
int rsc_encode_body(unsigned char **out, size_t *outlen, const rsc_ruleset *rs,
		    size_t env, const rsc_provenance *prov, char *err,
		    size_t errlen);

#endif
