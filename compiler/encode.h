/*
 * encode.h - the validated model -> the deterministic CBOR Body of one
 * environment's snapshot (docs/snapshot-format.md), written with the CBOR
 * writer of cbor_writer.h (which cose.c shares).
 */
#ifndef RSC_ENCODE_H
#define RSC_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "cbor_writer.h"
#include "model.h"
#include "source.h"

/* Provenance of a compile, from the rsc_fileset (source.h).  A fileset read
 * from the work tree gives commit "worktree" and commit_time 0. */
typedef struct rsc_provenance {
	const char *commit;
	int64_t commit_time;
	uint64_t version;     /* the snapshot version (fileset.h) */
	int64_t issued_at;    /* the Body's issued_at; 0: commit_time (later
			       * for a renewal, compile.h) */
	const char *author;   /* NULL: left out */
	const char *subject;  /* NULL: left out */
	const char *repo;     /* remote URL; written as rsc_repo_name(repo);
			       * NULL or "" there: left out */
	const char *path;     /* "" for the repository top */
	const char *rsc;      /* compiler version */
} rsc_provenance;

/* Fills p from fs (pointers into fs). */
void rsc_provenance_from_fileset(rsc_provenance *out, const rsc_fileset *fs);

/* The repository name written as provenance.repo: the remote URL reduced to
 * one spelling per repository by the library (loader/repo_url.h,
 * rsl__url_repo_name), so that the way it was cloned never changes a
 * snapshot's bytes (docs/snapshot-format.md).  Returns a malloc'd string
 * (the caller frees it), "" when nothing is left, NULL for a NULL url or
 * when out of memory. */
char *rsc_repo_name(const char *url);

/*
 * Encodes the Body (format 2) of environment env (an index into rs->envs) of
 * a checked ruleset: *out is malloc'd, *outlen its size.  version is prov->version,
 * issued_at prov->commit_time; expires_at is added when the ruleset has a TTL and the
 * commit time is not 0 (a work-tree compile has no time to count from).
 * Returns RSC_OK, RSC_EIO (out of memory) or RSC_EINVALID when the model
 * holds something the format cannot carry (an unresolved reference, a value
 * of the wrong type); err (errlen bytes) then says what.
 */
int rsc_encode_body(unsigned char **out, size_t *outlen, const rsc_ruleset *rs,
		    size_t env, const rsc_provenance *prov, char *err,
		    size_t errlen);

/* The same body framed to be signed in place (cose.h,
 * rsc_cose_sign1_framed): *out is malloc'd, RSC_COSE_FRAME(*outlen) bytes
 * with the body of *outlen bytes at RSC_COSE_BODY_AT(*outlen).  What a
 * compile signs: the body is never copied. */
int rsc_encode_body_framed(unsigned char **out, size_t *outlen, const rsc_ruleset *rs,
			   size_t env, const rsc_provenance *prov, char *err,
			   size_t errlen);

/* rsc_encode_body_framed in two steps: rsc_encode_body_v1, then this from
 * its body b1[0..len1) (freed here), which needs of rs only the
 * environment's name and the TTL: a compile encodes every environment's b1
 * first, dropping each one's targeting (rsc_model_drop_targeting), so that
 * the model and the images are not in memory together. */
int rsc_encode_body_from_v1(unsigned char **out, size_t *outlen, unsigned char *b1,
			    size_t len1, const rsc_ruleset *rs, size_t env,
			    const rsc_provenance *prov, char *err, size_t errlen);

/* The same body in format 1 (the records as CBOR maps), which
 * rsc_encode_body turns into format 2's image through the loader's decoder;
 * the tests read it. */
int rsc_encode_body_v1(unsigned char **out, size_t *outlen, const rsc_ruleset *rs,
		       size_t env, const rsc_provenance *prov, char *err,
		       size_t errlen);

#endif
