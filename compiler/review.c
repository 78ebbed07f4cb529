/* review.c - in-memory compile, opened with librsl; see review.h. */
#include "review.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

/* rsc_review_evaluate passes a flag's type as the rsl_type it names. */
_Static_assert((int)RSL_TYPE_BOOLEAN == (int)RSL_BOOLEAN &&
	       (int)RSL_TYPE_STRING == (int)RSL_STRING &&
	       (int)RSL_TYPE_INTEGER == (int)RSL_INTEGER &&
	       (int)RSL_TYPE_FLOAT == (int)RSL_FLOAT &&
	       (int)RSL_TYPE_OBJECT == (int)RSL_OBJECT, "flag types are rsl_types");

int rsc_review_open(rsc_review *out, const char *root, const char *rev,
		    const char *const *envs, size_t n)
{
	rsc_compile_options o = RSC_COMPILE_OPTIONS_INIT;
	rsl_keyring *kr = NULL;
	rsl_error e = { 0, "" };
	o.root = root;
	o.rev = rev;
	o.envs = envs;
	o.nenvs = n;
	o.review = 1;
	out->snaps = NULL;
	int rc = rsc_compile(&out->c, &o);
	if (rc != RSC_OK)
		return rc;
	out->snaps = calloc(out->c.nsnaps + 1, sizeof *out->snaps);
	if (out->snaps == NULL || rsl_keyring_new(&kr) != RSL_OK ||
	    rsl_keyring_add_raw(kr, out->c.pk, &e) != RSL_OK) {
		snprintf(out->c.message, sizeof out->c.message, "out of memory");
		rc = RSC_EIO;
		goto out;
	}
	for (size_t i = 0; i < out->c.nsnaps; i++) {
		rsl_open_options oo = RSL_OPEN_OPTIONS_INIT;
		oo.keys = kr;
		oo.environment = out->c.snaps[i].env_name;
		if (rsl_open_buffer(&out->snaps[i], out->c.snaps[i].bytes,
				    out->c.snaps[i].len, &oo, &e) != RSL_OK) {
			/* rsc_compile opened it already: only memory can fail. */
			snprintf(out->c.message, sizeof out->c.message,
				 "environment '%s': %s", out->c.snaps[i].env_name, e.message);
			rc = RSC_EIO;
			goto out;
		}
	}
out:
	rsl_keyring_free(kr);
	return rc;
}

const rsl_snapshot *rsc_review_snapshot(const rsc_review *r, const char *env)
{
	for (size_t i = 0; r->snaps && i < r->c.nsnaps; i++)
		if (strcmp(r->c.snaps[i].env_name, env) == 0)
			return r->snaps[i];
	return NULL;
}

const rsc_flag *rsc_review_flag(const rsc_review *r, const char *key)
{
	int i = rsc_model_flag_index(&r->c.ruleset, key);
	return i < 0 ? NULL : &r->c.ruleset.flags[i];
}

void rsc_review_evaluate(rsl_result *out, const rsl_snapshot *snap, const rsc_flag *f,
			 const char *key, const rsl_context *ctx)
{
	rsl_type t = f ? (rsl_type)f->type : RSL_BOOLEAN;
	rsl_evaluate(out, snap, key, t, ctx, NULL);
}

const char *rsc_review_suggest_flag(const rsc_review *r, const char *key)
{
	const rsc_ruleset *rs = &r->c.ruleset;
	const char **keys = malloc((rs->nflags + 1) * sizeof *keys);
	const char *best = NULL;
	if (keys) {
		for (size_t i = 0; i < rs->nflags; i++)
			keys[i] = rs->flags[i].key;
		best = rsc_suggest(key, keys, rs->nflags);
	}
	free(keys);
	return best;
}

const char *rsc_review_suggest_env(const rsc_review *r, const char *env)
{
	const rsc_ruleset *rs = &r->c.ruleset;
	const char **names = malloc((rs->nenvs + 1) * sizeof *names);
	const char *best = NULL;
	if (names) {
		for (size_t i = 0; i < rs->nenvs; i++)
			names[i] = rs->envs[i].name;
		best = rsc_suggest(env, names, rs->nenvs);
	}
	free(names);
	return best;
}

void rsc_review_free(rsc_review *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; r->snaps && i < r->c.nsnaps; i++)
		rsl_close(r->snaps[i]);
	free(r->snaps);
	r->snaps = NULL;
	rsc_compiled_free(&r->c);
}
