/* simulate.c - contexts through two revisions, tallied; see simulate.h. */
#include "simulate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctxjson.h"

#define MAX_LINE (1024u * 1024u) /* bytes in one context line */

static int by_key(const void *x, const void *y)
{
	return strcmp(((const rsc_sim_flag *)x)->key, ((const rsc_sim_flag *)y)->key);
}

static void add_name(const char **names, size_t *n, const char *name)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(names[i], name) == 0)
			return;
	names[(*n)++] = name;
}

/* The flags of both sides under one key each, with their rows and columns. */
static int env_flags(rsc_sim_env *e, const rsc_review *a, const rsc_review *b)
{
	const rsc_ruleset *ra = &a->c.ruleset, *rb = &b->c.ruleset;
	e->flags = calloc(ra->nflags + rb->nflags + 1, sizeof *e->flags);
	if (e->flags == NULL)
		return -1;
	for (size_t i = 0; i < ra->nflags; i++) {
		rsc_sim_flag *f = &e->flags[e->nflags++];
		f->key = ra->flags[i].key;
		f->fa = &ra->flags[i];
		f->fb = rsc_review_flag(b, f->key);
	}
	for (size_t i = 0; i < rb->nflags; i++)
		if (!rsc_review_flag(a, rb->flags[i].key)) {
			rsc_sim_flag *f = &e->flags[e->nflags++];
			f->key = rb->flags[i].key;
			f->fb = &rb->flags[i];
		}
	qsort(e->flags, e->nflags, sizeof *e->flags, by_key);
	for (size_t i = 0; i < e->nflags; i++) {
		rsc_sim_flag *f = &e->flags[i];
		size_t cap = (f->fa ? f->fa->nvariants : 0) + (f->fb ? f->fb->nvariants : 0) + 1;
		f->names = calloc(cap, sizeof *f->names);
		if (f->names == NULL)
			return -1;
		for (size_t k = 0; f->fa && k < f->fa->nvariants; k++)
			add_name(f->names, &f->nnames, f->fa->variants[k].name);
		for (size_t k = 0; f->fb && k < f->fb->nvariants; k++)
			add_name(f->names, &f->nnames, f->fb->variants[k].name);
		f->names[f->nnames++] = RSC_SIM_ABSENT;
		f->m = calloc(f->nnames * f->nnames, sizeof *f->m);
		if (f->m == NULL)
			return -1;
	}
	return 0;
}

static int add_env(rsc_sim *s, const char *name)
{
	for (size_t i = 0; i < s->nenvs; i++)
		if (strcmp(s->envs[i].name, name) == 0)
			return 0;
	rsc_sim_env *e = &s->envs[s->nenvs++];
	const rsc_ruleset *ra = &s->a->c.ruleset, *rb = &s->b->c.ruleset;
	int ia = rsc_model_env_index(ra, name), ib = rsc_model_env_index(rb, name);
	e->name = name;
	e->protected_ = ib >= 0 ? rb->envs[ib].protected_ : ra->envs[ia].protected_;
	e->sa = rsc_review_snapshot(s->a, name);
	e->sb = rsc_review_snapshot(s->b, name);
	return env_flags(e, s->a, s->b);
}

int rsc_sim_init(rsc_sim *s, const rsc_review *a, const rsc_review *b,
		 const char *const *envs, size_t n, int64_t now, char *err, size_t errlen)
{
	const rsc_ruleset *ra = &a->c.ruleset, *rb = &b->c.ruleset;
	memset(s, 0, sizeof *s);
	s->a = a;
	s->b = b;
	s->now = now;
	s->envs = calloc(ra->nenvs + rb->nenvs + 1, sizeof *s->envs);
	if (s->envs == NULL)
		goto oom;
	for (size_t i = 0; i < n; i++)
		if (rsc_model_env_index(ra, envs[i]) < 0 && rsc_model_env_index(rb, envs[i]) < 0) {
			const char *best = rsc_review_suggest_env(b, envs[i]);
			snprintf(err, errlen, "unknown environment '%s' (on neither side)%s%s%s",
				 envs[i], best ? "; did you mean '" : "", best ? best : "",
				 best ? "'?" : "");
			return RSC_EUSAGE;
		}
	for (size_t i = 0; i < rb->nenvs; i++)
		for (size_t k = 0; k <= n; k++)
			if ((n == 0 || (k < n && strcmp(envs[k], rb->envs[i].name) == 0)) &&
			    add_env(s, rb->envs[i].name) < 0)
				goto oom;
	for (size_t i = 0; i < ra->nenvs; i++)
		for (size_t k = 0; k <= n; k++)
			if ((n == 0 || (k < n && strcmp(envs[k], ra->envs[i].name) == 0)) &&
			    add_env(s, ra->envs[i].name) < 0)
				goto oom;
	return RSC_OK;
oom:
	snprintf(err, errlen, "out of memory");
	return RSC_EIO;
}

/* The row or column of the variant side r served. */
static size_t slot(const rsc_sim_flag *f, const rsl_result *r)
{
	if (r->variant)
		for (size_t i = 0; i + 1 < f->nnames; i++)
			if (strcmp(f->names[i], r->variant) == 0)
				return i;
	return f->nnames - 1;
}

static void tally(rsc_sim *s, const rsl_context *ctx)
{
	for (size_t i = 0; i < s->nenvs; i++) {
		rsc_sim_env *e = &s->envs[i];
		/* A context that names its environment belongs to that one. */
		if (ctx->environment && strcmp(ctx->environment, e->name) != 0)
			continue;
		e->contexts++;
		for (size_t k = 0; k < e->nflags; k++) {
			rsc_sim_flag *f = &e->flags[k];
			size_t from = f->nnames - 1, to = f->nnames - 1;
			rsl_result r;
			if (f->fa && e->sa) {
				rsc_review_evaluate(&r, e->sa, f->fa, f->key, ctx);
				from = slot(f, &r);
			}
			if (f->fb && e->sb) {
				rsc_review_evaluate(&r, e->sb, f->fb, f->key, ctx);
				to = slot(f, &r);
			}
			f->m[from * f->nnames + to]++;
			f->changed += from != to;
		}
	}
}

int rsc_sim_run(rsc_sim *s, FILE *in, const char *path, char *err, size_t errlen)
{
	char *line = NULL, msg[512];
	size_t cap = 0;
	ssize_t len;
	uint64_t lineno = 0;
	int rc = RSC_OK;
	errno = 0;
	while ((len = getline(&line, &cap, in)) >= 0) {
		lineno++;
		size_t n = (size_t)len, where;
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = 0;
		size_t sp = strspn(line, " \t");
		if (sp == n)
			continue;
		if (n > MAX_LINE) {
			snprintf(err, errlen, "%s:%llu:1: error: line of %zu bytes: a context line has at "
				 "most %u", path, (unsigned long long)lineno, n, MAX_LINE);
			rc = RSC_EINVALID;
			break;
		}
		if (strlen(line) != n) {
			snprintf(err, errlen, "%s:%llu:%zu: error: NUL byte in a context line", path,
				 (unsigned long long)lineno, strlen(line) + 1);
			rc = RSC_EINVALID;
			break;
		}
		rsc_ctx ctx = RSC_CTX_INIT;
		if (rsc_ctx_add_json_at(&ctx, line, &where, msg, sizeof msg) < 0) {
			if (where)
				snprintf(err, errlen, "%s:%llu:%zu: error: %s", path,
					 (unsigned long long)lineno, where, msg);
			else
				snprintf(err, errlen, "%s:%llu: error: %s", path,
					 (unsigned long long)lineno, msg);
			rsc_ctx_free(&ctx);
			rc = where ? RSC_EINVALID : RSC_EIO;
			break;
		}
		rsc_ctx_finish(&ctx);
		ctx.ctx.now = s->now;
		s->contexts++;
		tally(s, &ctx.ctx);
		rsc_ctx_free(&ctx);
	}
	if (rc == RSC_OK && ferror(in)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno : EIO));
		rc = RSC_EIO;
	}
	free(line);
	return rc;
}

void rsc_sim_free(rsc_sim *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nenvs; i++) {
		for (size_t k = 0; k < s->envs[i].nflags; k++) {
			free((void *)s->envs[i].flags[k].names);
			free(s->envs[i].flags[k].m);
		}
		free(s->envs[i].flags);
	}
	free(s->envs);
	memset(s, 0, sizeof *s);
}
