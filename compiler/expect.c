/* expect.c - reading rsc test's expectation files; see expect.h. */
#include "expect.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "scalar.h"
#include "suggest.h"

static const char *const expectation_keys[] = {
	"name", "environment", "flag", "context", "now", "expect", NULL
};
static const char *const expect_keys[] = { "variant", "value", "reason", NULL };

#define NREASONS 7 /* rsl_reason's names, RSL_REASON_STATIC..PREREQUISITE_FAILED */

/* "; did you mean 'x'?" or "" (in a). */
static const char *guess(rsc_arena *a, const char *word, const char *const *names, size_t n)
{
	const char *best = rsc_suggest(word, names, n);
	return best ? rsc_arena_printf(a, "; did you mean '%s'?", best) : "";
}

static const char *env_of(rsc_loader *L, const rsc_ynode *n)
{
	const rsc_ruleset *rs = L->rs;
	const char *name;
	if (rsc_scalar_text(&name, n, "environment", L->d) < 0)
		return NULL;
	if (rsc_model_env_index(rs, name) >= 0)
		return name;
	const char **names = rsc_arena_alloc(&L->scratch, (rs->nenvs + 1) * sizeof *names);
	for (size_t i = 0; i < rs->nenvs; i++)
		names[i] = rs->envs[i].name;
	rsc_yerror(L->d, n, "unknown environment '%s'; the ruleset has %s%s",
		   rsc_show(L->d, n->text, n->len), rsc_load_join(&L->scratch, names, rs->nenvs),
		   guess(&L->scratch, name, names, rs->nenvs));
	return NULL;
}

static const rsc_flag *flag_of(rsc_loader *L, const rsc_ynode *n, const char **key)
{
	const rsc_ruleset *rs = L->rs;
	if (rsc_scalar_text(key, n, "flag", L->d) < 0)
		return NULL;
	int i = rsc_model_flag_index(rs, *key);
	if (i >= 0)
		return &rs->flags[i];
	const char **keys = rsc_arena_alloc(&L->scratch, (rs->nflags + 1) * sizeof *keys);
	for (size_t k = 0; k < rs->nflags; k++)
		keys[k] = rs->flags[k].key;
	const char *g = guess(&L->scratch, *key, keys, rs->nflags);
	rsc_yerror(L->d, n, "unknown flag '%s'%s", rsc_show(L->d, n->text, n->len),
		   *g ? g : "; 'rsc inspect' or the <flag>.yaml files list the flags");
	return NULL;
}

/* A context attribute from a scalar or a list of strings. */
static int attribute(rsc_loader *L, rsc_expect *e, const rsc_ynode *k, const rsc_ynode *v)
{
	rsl_attr at;
	rsc_value x;
	char err[256];
	memset(&at, 0, sizeof at);
	at.name = k->text;
	if (v->kind == RSC_Y_MAP) {
		rsc_yerror(L->d, v, "context attribute '%s' must be a string, number, "
			   "boolean or list of strings, found a mapping", k->text);
		return -1;
	}
	if (v->kind == RSC_Y_SEQ) {
		const char **list = rsc_arena_alloc(L->a, (v->n + 1) * sizeof *list);
		for (size_t i = 0; i < v->n; i++) {
			if (rsc_scalar_value(&x, v->items[i], k->text, L->d) < 0)
				return -1;
			if (x.kind != RSC_V_STRING) {
				rsc_yerror(L->d, v->items[i], "context attribute '%s' is a list: "
					   "it holds only strings, found %s; quote it",
					   k->text, rsc_describe_value(L->d, &x));
				return -1;
			}
			list[i] = x.s;
		}
		at.type = RSL_ATTR_LIST;
		at.list = list;
		at.len = v->n;
	} else {
		if (rsc_scalar_value(&x, v, k->text, L->d) < 0)
			return -1;
		at.type = x.kind == RSC_V_BOOL	 ? RSL_ATTR_BOOL
			  : x.kind == RSC_V_STRING ? RSL_ATTR_STRING
						   : RSL_ATTR_NUMBER;
		at.b = x.b;
		at.s = x.s;
		at.n = x.kind == RSC_V_INT ? (double)x.i : x.f;
	}
	if (rsc_ctx_add_attr(&e->ctx, &at, err, sizeof err) < 0) {
		rsc_yerror(L->d, at.type == RSL_ATTR_STRING || at.type == RSL_ATTR_LIST ? k : v,
			   "context: %s", err);
		return -1;
	}
	return 0;
}

static void context(rsc_loader *L, rsc_expect *e, const rsc_ynode *n)
{
	if (!rsc_load_want(L, n, RSC_Y_MAP, "'context'"))
		return;
	for (size_t i = 0; i < n->n; i++)
		attribute(L, e, n->keys[i], n->items[i]);
	if (e->ctx.ctx.environment && e->env && strcmp(e->ctx.ctx.environment, e->env) != 0)
		rsc_yerror(L->d, rsc_ymap_get(n, "environment"),
			   "the context's environment '%s' is not the expectation's "
			   "environment '%s'; drop it from the context",
			   e->ctx.ctx.environment, e->env);
}

static void variant(rsc_loader *L, rsc_expect *e, const rsc_flag *f, const rsc_ynode *n)
{
	if (rsc_scalar_text(&e->variant, n, "variant", L->d) < 0 || f == NULL)
		return;
	if (rsc_model_variant_index(f, e->variant) >= 0)
		return;
	const char **names = rsc_arena_alloc(&L->scratch, (f->nvariants + 1) * sizeof *names);
	for (size_t i = 0; i < f->nvariants; i++)
		names[i] = f->variants[i].name;
	rsc_yerror(L->d, n, "flag '%s' has no variant '%s'; its variants are %s%s", f->key,
		   rsc_show(L->d, n->text, n->len),
		   rsc_load_join(&L->scratch, names, f->nvariants),
		   guess(&L->scratch, e->variant, names, f->nvariants));
}

static void reason(rsc_loader *L, rsc_expect *e, const rsc_ynode *n)
{
	const char *names[NREASONS], *text;
	if (rsc_scalar_text(&text, n, "reason", L->d) < 0)
		return;
	for (int i = 0; i < NREASONS; i++) {
		names[i] = rsl_reason_name((rsl_reason)i);
		if (strcmp(text, names[i]) == 0) {
			e->has_reason = 1;
			e->reason = (rsl_reason)i;
			return;
		}
	}
	/* "split" is SPLIT: suggest by the upper-case spelling. */
	char *upper = rsc_arena_strdup(&L->scratch, text);
	for (char *c = upper; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	const char *like = guess(&L->scratch, upper, names, NREASONS);
	for (int i = 0; i < NREASONS; i++)
		if (strcmp(upper, names[i]) == 0)
			like = rsc_arena_printf(&L->scratch, "; did you mean '%s'?", names[i]);
	rsc_yerror(L->d, n, "unknown reason '%s'; expected one of %s%s",
		   rsc_show(L->d, n->text, n->len), rsc_load_join(&L->scratch, names, NREASONS),
		   like);
}

static void expectation(rsc_loader *L, rsc_expect *e, const rsc_ynode *item)
{
	const rsc_flag *f = NULL;
	e->file = item->file;
	e->line = item->line;
	e->col = item->col;
	if (!rsc_load_want(L, item, RSC_Y_MAP, "an expectation"))
		return;
	rsc_load_unknown_keys(L, item, "an expectation", expectation_keys);
	const rsc_ynode *n;
	if ((n = rsc_load_required(L, item, "name", "an expectation")))
		rsc_scalar_text(&e->name, n, "name", L->d);
	if ((n = rsc_load_required(L, item, "environment", "an expectation")))
		e->env = env_of(L, n);
	if ((n = rsc_load_required(L, item, "flag", "an expectation")))
		f = flag_of(L, n, &e->flag);
	if ((n = rsc_ymap_get(item, "context")))
		context(L, e, n);
	if ((n = rsc_ymap_get(item, "now")))
		rsc_scalar_time(&e->ctx.ctx.now, n, "now", L->d);
	const rsc_ynode *x = rsc_load_required(L, item, "expect", "an expectation");
	if (!x || !rsc_load_want(L, x, RSC_Y_MAP, "'expect'"))
		return;
	rsc_load_unknown_keys(L, x, "'expect'", expect_keys);
	if ((n = rsc_ymap_get(x, "variant")))
		variant(L, e, f, n);
	if ((n = rsc_ymap_get(x, "value")) && f) {
		size_t before = L->d->errors;
		rsc_load_value(L, &e->value, n, f->type, "value", "the expected value");
		e->has_value = L->d->errors == before;
	}
	if ((n = rsc_ymap_get(x, "reason")))
		reason(L, e, n);
	if (!rsc_ymap_get(x, "variant") && !rsc_ymap_get(x, "value") &&
	    !rsc_load_guessed(L, x, "variant") && !rsc_load_guessed(L, x, "value"))
		rsc_yerror(L->d, x, "'expect' names no variant and no value: give "
			   "variant:, value: or both (and optionally reason:)");
}

/* Whether path is an expectation file: tests/<name>.yaml, no deeper. */
static int is_expectation_file(const char *path)
{
	size_t n = strlen(path);
	return strncmp(path, "tests/", 6) == 0 && !strchr(path + 6, '/') && path[6] != '.' &&
	       n > 11 && strcmp(path + n - 5, ".yaml") == 0;
}

static void read_file(rsc_loader *L, rsc_expect_set *out, const rsc_file *file)
{
	rsc_ynode *root;
	/* The tree in scratch, its text (which the expectations keep) in a. */
	if (rsc_ydoc_parse_split(&root, &L->scratch, L->a, file->path, file->data, file->len,
				  L->d) != RSC_OK)
		return;
	out->files++;
	if (!rsc_load_want(L, root, RSC_Y_SEQ, "an expectation file (a list of expectations)"))
		return;
	size_t first = out->n;
	for (size_t i = 0; i < root->n; i++) {
		out->v = rsc_grow(out->v, &out->cap, out->n, sizeof *out->v);
		rsc_expect *e = &out->v[out->n++];
		memset(e, 0, sizeof *e);
		expectation(L, e, root->items[i]);
		rsc_ctx_finish(&e->ctx);
		for (size_t k = first; e->name && k + 1 < out->n; k++)
			if (out->v[k].name && strcmp(out->v[k].name, e->name) == 0) {
				rsc_yerror(L->d, rsc_ymap_get(root->items[i], "name"),
					   "duplicate expectation name '%s' (first at %u:%u)",
					   e->name, (unsigned)out->v[k].line,
					   (unsigned)out->v[k].col);
				break;
			}
	}
}

int rsc_expect_read(rsc_expect_set *out, rsc_arena *a, const rsc_ruleset *rs,
		    const rsc_fileset *fs, rsc_diags *d)
{
	memset(out, 0, sizeof *out);
	size_t e0 = d->errors;
	/* The loader's checks take a non-const ruleset; they only read it. */
	rsc_loader L = { (rsc_ruleset *)rs, a, d, RSC_ARENA_INIT, NULL, RSC_STRSET_INIT(a) };
	for (size_t i = 0; i < fs->n; i++)
		if (is_expectation_file(fs->v[i].path))
			read_file(&L, out, &fs->v[i]);
	rsc_arena_free(&L.scratch);
	rsc_strset_free(&L.text);
	return d->errors > e0 ? RSC_EINVALID : RSC_OK;
}

/* A value as a message shows it: true, 42, 2.5, 'text', {"a":1}. */
static void show(char *out, size_t cap, rsc_vkind kind, int b, int64_t i, double f,
		 const char *s)
{
	switch (kind) {
	case RSC_V_BOOL:
		snprintf(out, cap, "%s", b ? "true" : "false");
		break;
	case RSC_V_INT:
		snprintf(out, cap, "%" PRId64, i);
		break;
	case RSC_V_FLOAT:
		rsc_format_double(out, cap, f);
		break;
	case RSC_V_STRING:
		snprintf(out, cap, "'%.200s'", s ? s : "");
		break;
	default:
		snprintf(out, cap, "%.200s", s ? s : "null");
	}
}

int rsc_expect_met(const rsc_expect *e, const rsl_result *r, char *why, size_t cap)
{
	const char *got = r->variant ? r->variant : "(none: the fallback)";
	if (e->variant && (!r->variant || strcmp(e->variant, r->variant) != 0)) {
		snprintf(why, cap, "expected variant '%s', got %s%s%s (reason %s)", e->variant,
			 r->variant ? "'" : "", got, r->variant ? "'" : "",
			 rsl_reason_name(r->reason));
		return 0;
	}
	if (e->has_value) {
		const rsc_value *v = &e->value;
		const char *s = r->value.s;
		int same = v->kind == RSC_V_BOOL    ? r->value.b == v->b
			   : v->kind == RSC_V_INT   ? r->value.i == v->i
			   : v->kind == RSC_V_FLOAT ? r->value.f == v->f
						    : s && strcmp(s, v->s) == 0;
		if (r->reason == RSL_REASON_ERROR || !same) {
			char want[256], have[256];
			show(want, sizeof want, v->kind, v->b, v->i, v->f, v->s);
			show(have, sizeof have, v->kind, r->value.b, r->value.i, r->value.f, s);
			snprintf(why, cap, "expected value %s, got %s (variant %s, reason %s)",
				 want, r->reason == RSL_REASON_ERROR ? "none" : have, got,
				 rsl_reason_name(r->reason));
			return 0;
		}
	}
	if (e->has_reason && e->reason != r->reason) {
		snprintf(why, cap, "expected reason %s, got %s (variant %s)",
			 rsl_reason_name(e->reason), rsl_reason_name(r->reason), got);
		return 0;
	}
	return 1;
}

void rsc_expect_set_free(rsc_expect_set *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		rsc_ctx_free(&s->v[i].ctx);
	free(s->v);
	memset(s, 0, sizeof *s);
}
