/* compile.c - a ruleset at a revision -> checked, signed snapshots in
 * memory (source.c -> load.c -> check.c -> encode.c -> cose.c -> librsl);
 * see compile.h. */
#include "compile.h"

#include <stdarg.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cose.h"
#include "rsl.h"

static void say(rsc_compiled *out, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(rsc_compiled *out, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(out->message, sizeof out->message, fmt, ap);
	va_end(ap);
}

/*
 * The snapshot's version must be above its first parent's, or nodes serving
 * the parent's snapshot refuse this one as a rollback.  With the version of
 * fileset.h that fails only when the committer clock went backwards (a
 * commit in an earlier second than its parent): same-second commits,
 * rebases and merges always increase.  Adds an error when the version is
 * unknown (too shallow a clone, too many commits in one second) or does not
 * increase; allow_nonincreasing_version turns the latter alone into a
 * warning.
 */
static int check_version(rsc_diags *d, const rsc_fileset *fs, int allow)
{
	if (!fs->from_git)
		return RSC_OK;
	if (fs->version_problem) {
		rsc_error(d, NULL, 0, 0, "%s", fs->version_problem);
		return RSC_EINVALID;
	}
	if (!fs->has_parent || fs->version > fs->parent_version)
		return RSC_OK;
	char a[RSC_TIME_MAX], b[RSC_TIME_MAX];
	rsc_cli_utc_time(a, fs->commit_time);
	rsc_cli_utc_time(b, fs->parent_time);
	if (allow) {
		rsc_warning(d, NULL, 0, 0, "--allow-nonincreasing-version: commit %.7s's "
			    "version %llu is not above its parent %.7s's %llu: nodes "
			    "that served the parent's snapshot will refuse this one as a "
			    "rollback unless they are reset",
			    fs->commit, (unsigned long long)fs->version, fs->parent,
			    (unsigned long long)fs->parent_version);
		return RSC_OK;
	}
	rsc_error(d, NULL, 0, 0, "commit %.7s's committer time %s is before its parent "
		  "%.7s's (%s): its version %llu would not be above the parent's %llu; "
		  "fix the committer clock and re-commit (git commit --amend --no-edit "
		  "--date=now, or an empty commit)",
		  fs->commit, a, fs->parent, b, (unsigned long long)fs->version,
		  (unsigned long long)fs->parent_version);
	return RSC_EINVALID;
}

/* Marks in want[] the environments opts names; RSC_EUSAGE for an unknown
 * one (listing the known) or a protected one compiled from the work tree. */
static int choose_envs(rsc_compiled *out, int *want, const rsc_compile_options *o)
{
	const rsc_ruleset *rs = &out->ruleset;
	for (size_t i = 0; i < rs->nenvs; i++)
		want[i] = o->nenvs == 0;
	for (size_t i = 0; i < o->nenvs; i++) {
		int k = rsc_model_env_index(rs, o->envs[i]);
		if (k < 0) {
			char known[512] = "";
			size_t off = 0;
			for (size_t j = 0; j < rs->nenvs && off < sizeof known; j++)
				off += (size_t)snprintf(known + off, sizeof known - off,
							"%s%s", j ? ", " : "",
							rs->envs[j].name);
			say(out, "unknown environment '%s'; the ruleset has %s",
			    o->envs[i], known);
			return RSC_EUSAGE;
		}
		want[k] = 1;
	}
	/* A review compile is never written and no node trusts its key. */
	if (!o->rev && !(o->review && !o->key))
		for (size_t i = 0; i < rs->nenvs; i++)
			if (want[i] && rs->envs[i].protected_) {
				say(out, "environment '%s' is protected: compile it from "
				    "a commit (--rev), not --worktree; or name others "
				    "with --env", rs->envs[i].name);
				return RSC_EUSAGE;
			}
	return RSC_OK;
}

/* Gives back to the system the memory freed while reading (the files'
 * bytes, their parse trees, libgit2's objects), which glibc otherwise keeps
 * in the heap under what is still in use, before the snapshots are built. */
static void trim(void)
{
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

/* Opens snapshot s as a node would, trusting only pk: its bytes, or the
 * file at path when they were handed to emit. */
static int self_check(rsc_compiled *out, const rsc_snapshot_bytes *s, const char *path)
{
	rsl_keyring *kr = NULL;
	rsl_snapshot *snap = NULL;
	rsl_error e = { 0, "" };
	int rc = rsl_keyring_new(&kr);
	if (rc == RSL_OK)
		rc = rsl_keyring_add_raw(kr, out->pk, &e);
	if (rc == RSL_OK) {
		rsl_open_options oo = RSL_OPEN_OPTIONS_INIT;
		oo.keys = kr;
		oo.environment = s->env_name;
		rc = path ? rsl_open(&snap, path, &oo, &e)
			  : rsl_open_buffer(&snap, s->bytes, s->len, &oo, &e);
	}
	if (rc != RSL_OK)
		say(out, "environment '%s': the loader refuses the snapshot just "
		    "signed (%s: %s); this is a bug in rsc, nothing written",
		    s->env_name, rsl_strerror(rc), e.message);
	rsl_close(snap);
	rsl_keyring_free(kr);
	return rc == RSL_OK ? RSC_OK : RSC_EIO;
}

/* Signs environment i's format 1 body b1[0..len1) (freed here) into the
 * next snapshot, and emits or checks it. */
static int sign_one(rsc_compiled *out, size_t i, unsigned char *b1, size_t len1,
		    const rsc_key *key, const rsc_compile_options *o)
{
	rsc_snapshot_bytes *s = &out->snaps[out->nsnaps];
	unsigned char *buf = NULL;
	size_t bodylen = 0;
	char err[512];
	s->env = i;
	/* In the run's arena: it outlives the model (see rsc_compile). */
	s->env_name = rsc_arena_strdup(&out->arena, out->ruleset.envs[i].name);
	/* Signed where it was encoded: a large snapshot is in memory once. */
	int rc = rsc_encode_body_from_v1(&buf, &bodylen, b1, len1, &out->ruleset, i,
					 &out->prov, err, sizeof err);
	if (rc == RSC_OK && o->test_body_hook)
		o->test_body_hook(buf + RSC_COSE_BODY_AT(bodylen), bodylen);
	if (rc == RSC_OK)
		rc = rsc_cose_sign1_framed(&s->len, buf, bodylen, key, err, sizeof err);
	if (rc != RSC_OK) {
		free(buf);
		say(out, "environment '%s': %s", s->env_name, err);
		return RSC_EIO;
	}
	s->bytes = buf;
	out->nsnaps++;
	if (!o->emit)
		return self_check(out, s, NULL);
	if (o->emit(s, o->emit_arg, &out->emitted[out->nsnaps - 1], err, sizeof err) != 0) {
		say(out, "%s", err);
		rc = RSC_EIO;
	}
	free(s->bytes);
	s->bytes = NULL;
	return rc;
}

/*
 * Encodes, signs and checks the environments want[] names.  With emit,
 * every environment's format 1 body is encoded first, and its targeting
 * dropped from the model as soon as that is done; then the bodies become
 * snapshots.  So the model (about four times the YAML, most of it
 * targeting) is never in memory with an image (twice the format 1 body):
 * at 100,000 flags that is what kept compile over five times the YAML.
 * Without emit the model stays whole, for the caller to read.
 */
static int build_all(rsc_compiled *out, const int *want, const rsc_key *key,
		     const rsc_compile_options *o)
{
	rsc_ruleset *rs = &out->ruleset;
	size_t n = rs->nenvs;
	unsigned char **b1 = calloc(n ? n : 1, sizeof *b1);
	size_t *len1 = calloc(n ? n : 1, sizeof *len1);
	char err[512];
	int rc = RSC_OK;
	if (!b1 || !len1) {
		say(out, "out of memory");
		rc = RSC_EIO;
		goto out;
	}
	for (size_t i = 0; i < n && rc == RSC_OK; i++) {
		if (!want[i])
			continue;
		if (rsc_encode_body_v1(&b1[i], &len1[i], rs, i, &out->prov, err,
				       sizeof err) != RSC_OK) {
			say(out, "environment '%s': %s", rs->envs[i].name, err);
			rc = RSC_EIO;
		} else if (o->emit) {
			rsc_model_drop_targeting(rs, i);
			trim();
		} else {
			rc = sign_one(out, i, b1[i], len1[i], key, o);
			b1[i] = NULL;
		}
	}
	for (size_t i = 0; i < n && rc == RSC_OK && o->emit; i++)
		if (want[i]) {
			rc = sign_one(out, i, b1[i], len1[i], key, o);
			b1[i] = NULL;
		}
out:
	for (size_t i = 0; b1 && i < n; i++)
		free(b1[i]);
	free(b1);
	free(len1);
	return rc;
}

/*
 * With emit, the snapshots are checked once all are built, from the files
 * emit wrote, after the model is freed: opening a snapshot takes about four
 * times its size (a copy to verify, the decoded payload), which would
 * otherwise come on top of the model.  Only the counts of out->ruleset stay.
 */
static int check_emitted(rsc_compiled *out)
{
	rsc_ruleset *rs = &out->ruleset;
	size_t nflags = rs->nflags, nsegments = rs->nsegments, nenvs = rs->nenvs;
	rsc_arena_free(&out->model);
	memset(rs, 0, sizeof *rs);
	rs->nflags = nflags;
	rs->nsegments = nsegments;
	rs->nenvs = nenvs;
	trim();
	int rc = RSC_OK;
	for (size_t i = 0; i < out->nsnaps && rc == RSC_OK; i++)
		rc = self_check(out, &out->snaps[i], out->emitted[i]);
	return rc;
}

int rsc_compile(rsc_compiled *out, const rsc_compile_options *o)
{
	memset(out, 0, sizeof *out);
	rsc_diags_init(&out->diags, &out->arena);
	rsc_key key;
	int *want = NULL;
	memset(&key, 0, sizeof key);

	int rc = rsc_source_read(&out->files, &out->arena, o->root ? o->root : ".",
				 o->rev, &out->diags);
	out->files.drop_parsed = 1; /* read again below if a diagnostic shows them */
	if (rc == RSC_OK)
		rc = rsc_model_load(&out->ruleset, &out->model, &out->files, &out->diags);
	trim();
	if (rc == RSC_OK)
		rc = rsc_model_check(&out->ruleset, &out->diags);
	/* A review's snapshots reach no node, so their version cannot roll
	 * one back: a shallow CI clone can review. */
	if (rc == RSC_OK && !(o->review && !o->key))
		rc = check_version(&out->diags, &out->files,
				   o->allow_nonincreasing_version);
	if (rc != RSC_OK)
		goto out;

	size_t n = out->ruleset.nenvs ? out->ruleset.nenvs : 1;
	want = calloc(n, sizeof *want);
	out->snaps = calloc(n, sizeof *out->snaps);
	out->emitted = calloc(n, sizeof *out->emitted);
	if (!want || !out->snaps || !out->emitted) {
		say(out, "out of memory");
		rc = RSC_EIO;
		goto out;
	}
	if ((rc = choose_envs(out, want, o)) != RSC_OK)
		goto out;
	if (o->key ? o->key(&key, o->key_arg) != 0 : rsc_key_generate(&key) != 0) {
		if (!o->key)
			say(out, "cannot generate an ephemeral signing key");
		rc = RSC_EIO;
		goto out;
	}
	memcpy(out->pk, key.pk, sizeof out->pk);
	rsc_provenance_from_fileset(&out->prov, &out->files);
	if (o->issued_at) {
		char a[RSC_TIME_MAX], b[RSC_TIME_MAX];
		rsc_cli_utc_time(a, o->issued_at);
		rsc_cli_utc_time(b, out->prov.commit_time);
		if (!out->files.from_git) {
			say(out, "a renewal renews a commit: --issued-at needs --rev, not "
			    "--worktree");
			rc = RSC_EUSAGE;
			goto out;
		}
		if (o->issued_at < out->prov.commit_time) {
			say(out, "--issued-at %s is before commit %.7s's time %s: a renewal is "
			    "issued at or after its commit", a, out->prov.commit, b);
			rc = RSC_EUSAGE;
			goto out;
		}
		out->prov.issued_at = o->issued_at;
	}
	rc = build_all(out, want, &key, o);
	if (rc == RSC_OK && o->emit)
		rc = check_emitted(out);
out:
	if (rc != RSC_OK) {
		for (size_t i = 0; i < out->nsnaps; i++)
			free(out->snaps[i].bytes);
		out->nsnaps = 0;
	}
	rsc_source_refill(&out->files, &out->arena, &out->diags);
	free(want);
	rsc_key_wipe(&key);
	return rc;
}

void rsc_compiled_free(rsc_compiled *out)
{
	for (size_t i = 0; i < out->nsnaps; i++)
		free(out->snaps[i].bytes);
	free(out->snaps);
	free(out->emitted);
	rsc_diags_free(&out->diags);
	rsc_arena_free(&out->model);
	rsc_arena_free(&out->arena);
	memset(out, 0, sizeof *out);
}
