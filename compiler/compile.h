/*
 * compile.h - the compiler as a library: one call reads a ruleset at a
 * revision (or the work tree), validates it, and turns it into one signed
 * snapshot per environment, in memory, with its diagnostics.  `rsc compile`
 * is this call plus argument handling, output and the atomic write; a
 * command that compares two revisions calls it twice and opens the results
 * with rsl_open_buffer:
 *
 *   rsc_compile_options o = RSC_COMPILE_OPTIONS_INIT;
 *   rsc_compiled a, b;
 *   o.root = "flags"; o.rev = "main";  rsc_compile(&a, &o);
 *   o.rev = "HEAD";                     rsc_compile(&b, &o);
 *   rsl_keyring_add_raw(kr, a.pk, &e);  rsl_keyring_add_raw(kr, b.pk, &e);
 *   rsl_open_buffer(&sa, a.snaps[0].bytes, a.snaps[0].len, &oo, &e); ...
 *   rsc_compiled_free(&a); rsc_compiled_free(&b);
 *
 * Review snapshots (no signing key): the loader opens only signed snapshots
 * (rsl_open_options.keys is required and the signature is always
 * verified), so an "unsigned" compile signs with an ephemeral key made in
 * memory for this call alone; its public half is out->pk, to put in a
 * keyring.  Its secret half is wiped before rsc_compile returns, so such a
 * snapshot can be trusted by nobody but the caller holding out->pk.
 *
 * The compiler checks itself: every snapshot is opened with rsl_open_buffer
 * (a keyring holding the signing key's public half, the environment named),
 * or with rsl_open from the file emit wrote (below), before rsc_compile
 * returns it.  If the loader refuses one, the call fails
 * with RSC_EIO and out->message names the environment and the loader's
 * message: what CI signs always loads on the nodes.
 */
#ifndef RSC_COMPILE_H
#define RSC_COMPILE_H

#include <stddef.h>

#include "arena.h"
#include "diag.h"
#include "encode.h"
#include "keys.h"
#include "model.h"
#include "source.h"

/*
 * Gives the signing key into *out; called only once the ruleset is valid
 * and the environments are chosen, so that a missing secret does not hide
 * the ruleset's diagnostics.  Returns 0, or nonzero after reporting why
 * itself (rsc_compile then fails with RSC_EIO and an empty message).
 */
typedef int (*rsc_compile_key_fn)(rsc_key *out, void *arg);

typedef struct rsc_snapshot_bytes {
	size_t env;             /* index into ruleset.envs */
	const char *env_name;
	unsigned char *bytes;   /* the COSE_Sign1 snapshot (malloc'd) */
	size_t len;
} rsc_snapshot_bytes;

#define RSC_COMPILE_OPTIONS_VERSION 1

typedef struct rsc_compile_options {
	unsigned version;       /* RSC_COMPILE_OPTIONS_VERSION */
	const char *root;       /* the ruleset root; NULL: "." */
	const char *rev;        /* the commit to read; NULL: the work tree */
	const char *const *envs; /* the environments to compile; NULL: all */
	size_t nenvs;
	rsc_compile_key_fn key; /* NULL: an ephemeral key (see above) */
	void *key_arg;
	/* Compile, with a warning in diags, a commit whose version is not
	 * above its parent's (a committer clock that went backwards). */
	int allow_nonincreasing_version;
	/* 0: issued_at is the commit's committer time, so the bytes are
	 * reproducible.  Otherwise a renewal: the same commit, the same
	 * version and rules, issued at this later time (seconds since the
	 * epoch), with expires_at counted from it (docs/operations.md,
	 * "Renewing freshness").  Needs a commit, and a time not before it. */
	int64_t issued_at;
	/* For tests only: called on each encoded body before it is signed, to
	 * make a snapshot the loader refuses.  NULL in real use. */
	void (*test_body_hook)(unsigned char *body, size_t len);
	/* 1: a compile for review, kept in memory (review.h): protected
	 * environments compile from the work tree too, and the version is
	 * not checked (a clone too shallow to compute it is fine).  Only with
	 * the ephemeral key (key NULL), whose snapshots no node trusts. */
	int review;
	/* NULL: every snapshot is kept in out->snaps.  Otherwise every
	 * environment's format 1 body is encoded first, each environment's
	 * targeting dropped from the model once its body is (the model and
	 * the images are not in memory together); then each snapshot, once
	 * signed, is handed to emit, which writes it to a file (staged, not yet
	 * in place) and sets *path to it, and freed before the next is
	 * made; once all are written the model is freed (out->ruleset
	 * keeps only nflags, nsegments and nenvs) and each file is opened
	 * with librsl as a node would.  So one snapshot at a time is in
	 * memory, and never the model beside a snapshot being checked:
	 * out->snaps keeps env, env_name and len, with bytes NULL.  *path
	 * must stay valid until rsc_compile returns.  emit returns 0, or
	 * nonzero with a one-line message in err (rsc_compile then fails with
	 * RSC_EIO and that message).  Whenever rsc_compile fails, the caller
	 * discards every file emit wrote. */
	int (*emit)(const rsc_snapshot_bytes *s, void *arg, const char **path,
		    char *err, size_t errlen);
	void *emit_arg;
} rsc_compile_options;

#define RSC_COMPILE_OPTIONS_INIT \
	{ RSC_COMPILE_OPTIONS_VERSION, NULL, NULL, NULL, 0, NULL, NULL, 0, 0, NULL, 0, \
	  NULL, NULL }

/* Everything one compile produced; all owned by it until rsc_compiled_free.
 * It points into itself (diags to arena, prov to files): keep it where
 * rsc_compile filled it, never copy it by value. */
typedef struct rsc_compiled {
	rsc_arena arena;        /* diagnostics, files and strings */
	rsc_arena model;        /* the ruleset */
	rsc_diags diags;        /* the ruleset's problems, unsorted */
	rsc_fileset files;      /* what was read, with the commit's provenance */
	rsc_ruleset ruleset;
	rsc_provenance prov;
	rsc_snapshot_bytes *snaps; /* in the ruleset's order of environments */
	size_t nsnaps;
	const char **emitted;   /* with emit: where each snapshot was written */
	unsigned char pk[32];   /* the public key the snapshots are signed with */
	char message[1024];     /* why it failed, when not in diags; or "" */
} rsc_compiled;

/*
 * Compiles what opts names into *out (always initialised; free it with
 * rsc_compiled_free, whatever the result).  Returns:
 *   RSC_OK       out->snaps holds one checked snapshot per environment;
 *   RSC_EINVALID the ruleset is invalid, or the commit's version is unknown
 *                (a clone too shallow to compute it, 1024 commits in one
 *                second) or not above its parent's (without
 *                allow_nonincreasing_version): out->diags says why, no
 *                snapshot;
 *   RSC_EUSAGE   an unknown environment in opts->envs, or a protected one
 *                with the work tree (unless review): out->message says which;
 *   RSC_EIO      the repository could not be read (out->diags), or the key,
 *                encoding, signing or the loader's check failed
 *                (out->message, "" when the key callback reported it).
 * Not thread-safe (libgit2 is initialised and shut down inside).
 */
int rsc_compile(rsc_compiled *out, const rsc_compile_options *opts);

/* Frees what out holds (the snapshots too); out may be reused. */
void rsc_compiled_free(rsc_compiled *out);

#endif
