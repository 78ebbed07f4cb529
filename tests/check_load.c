/*
 * check_load.c - reading rulesets into the model (load.c, scalar.c): a
 * complete valid ruleset field by field, and each refusal with its message
 * and position.
 */
#include <check.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "scalar.h"
#include "source.h"
#include "testutil.h"

typedef struct loaded {
	rsc_arena a;
	rsc_diags d;
	rsc_fileset fs;
	rsc_ruleset rs;
	int rc;
} loaded;

static loaded *load_dir(const char *dir)
{
	loaded *l = calloc(1, sizeof *l);
	ck_assert_ptr_nonnull(l);
	rsc_diags_init(&l->d, &l->a);
	ck_assert_int_eq(rsc_source_read(&l->fs, &l->a, dir, NULL, &l->d), RSC_OK);
	l->rc = rsc_model_load(&l->rs, &l->a, &l->fs, &l->d);
	rsc_diags_sort(&l->d);
	return l;
}

static void unload(loaded *l)
{
	rsc_diags_free(&l->d);
	rsc_arena_free(&l->a);
	free(l);
}

/* All diagnostics, for failure messages. */
static const char *dump(const loaded *l)
{
	static char buf[8192];
	size_t o = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < l->d.n && o < sizeof buf - 1; i++) {
		int k = snprintf(buf + o, sizeof buf - o, "\n  %s:%u:%u: %s", l->d.v[i].file,
				 (unsigned)l->d.v[i].line, (unsigned)l->d.v[i].col,
				 l->d.v[i].message);
		if (k < 0)
			break;
		o += (size_t)k;
	}
	return buf;
}

/* Writes a ruleset into a fresh directory: a rulestead.yaml with dev and prod
 * and a boolean flag f.yaml unless the pairs (path, text, ..., NULL) replace
 * them; a NULL text omits a file. */
static char *ruleset(const char *name, ...)
{
	char *dir = tu_tmpdir(name);
	const char *paths[32], *texts[32];
	size_t n = 0;
	va_list ap;
	va_start(ap, name);
	for (const char *p; (p = va_arg(ap, const char *)) != NULL && n < 32; n++) {
		paths[n] = p;
		texts[n] = va_arg(ap, const char *);
	}
	va_end(ap);
	int have_config = 0, have_flag = 0;
	for (size_t i = 0; i < n; i++) {
		have_config |= strcmp(paths[i], "rulestead.yaml") == 0;
		have_flag |= strcmp(paths[i], "f.yaml") == 0;
		if (texts[i])
			tu_write(dir, paths[i], texts[i]);
	}
	if (!have_config)
		tu_write(dir, "rulestead.yaml", "environments: [dev, prod]\n");
	if (!have_flag)
		tu_write(dir, "f.yaml", "key: f\ndescription: A flag.\nowner: me\n");
	return dir;
}

/* Exactly one diagnostic, an error with this position and message. */
static void expect_one(const loaded *l, const char *file, unsigned line, unsigned col,
		       const char *msg)
{
	ck_assert_msg(l->d.n == 1, "expected 1 diagnostic, got %zu:%s", l->d.n, dump(l));
	ck_assert_int_eq(l->rc, RSC_EINVALID);
	const rsc_diag *g = &l->d.v[0];
	ck_assert_msg(g->severity == RSC_ERROR && strcmp(g->file, file) == 0 &&
			      g->line == line && g->col == col && strcmp(g->message, msg) == 0,
		      "expected %s:%u:%u: %s\ngot:%s", file, line, col, msg, dump(l));
}

/* Diagnostic i (after sorting) has this position and message. */
static void expect_at(const loaded *l, size_t i, const char *file, unsigned line,
		      unsigned col, const char *msg)
{
	ck_assert_msg(i < l->d.n, "expected a diagnostic #%zu:%s", i, dump(l));
	const rsc_diag *g = &l->d.v[i];
	ck_assert_msg(strcmp(g->file, file) == 0 && g->line == line && g->col == col &&
			      strcmp(g->message, msg) == 0,
		      "expected #%zu %s:%u:%u: %s\ngot:%s", i, file, line, col, msg, dump(l));
}

/* A ruleset whose prod targeting of f is text: the single error it gives.
 * The flag g and the segment s exist, so that the checks that run after a
 * load error find nothing more to say about references to them. */
static void targeting_error(const char *name, const char *text, unsigned line,
			    unsigned col, const char *msg)
{
	char *dir = ruleset(name, "environments/prod/f.yaml", text, "g.yaml",
			    "key: g\ndescription: G.\nowner: me\n", "segments/s.yaml",
			    "key: s\ndescription: S.\nwhen: {attribute: a, eq: b}\n", NULL);
	loaded *l = load_dir(dir);
	expect_one(l, "environments/prod/f.yaml", line, col, msg);
	unload(l);
}

static void flag_error(const char *name, const char *text, unsigned line, unsigned col,
		       const char *msg)
{
	char *dir = ruleset(name, "f.yaml", text, NULL);
	loaded *l = load_dir(dir);
	expect_one(l, "f.yaml", line, col, msg);
	unload(l);
}

/* A condition (indented under "when:" of a rule) and the error it gives. */
static void cond_error(const char *name, const char *cond, unsigned line, unsigned col,
		       const char *msg)
{
	char text[4096];
	snprintf(text, sizeof text,
		 "enabled: true\nrules:\n  - name: r\n    serve: on\n    when:\n%sdefault: off\n",
		 cond);
	targeting_error(name, text, line, col, msg);
}

/* ------------------------------------------------------------------ */
/* The complete valid example */

static const rsc_flag *flag(const loaded *l, const char *key)
{
	int i = rsc_model_flag_index(&l->rs, key);
	ck_assert_msg(i >= 0, "no flag %s", key);
	return &l->rs.flags[i];
}

START_TEST(valid_ruleset_config_and_flags)
{
	loaded *l = load_dir("tests/fixtures/load/valid");
	ck_assert_msg(l->rc == RSC_OK && l->d.n == 0, "diagnostics:%s", dump(l));
	const rsc_ruleset *rs = &l->rs;

	ck_assert_uint_eq(rs->nenvs, 3);
	ck_assert_str_eq(rs->envs[0].name, "dev");
	ck_assert_str_eq(rs->envs[1].name, "staging");
	ck_assert_str_eq(rs->envs[2].name, "prod");
	ck_assert_int_eq(rs->envs[0].protected_, 0);
	ck_assert_int_eq(rs->envs[2].protected_, 1);
	ck_assert_uint_eq(rs->envs[2].pos.line, 4);
	ck_assert_uint_eq(rs->envs[2].pos.col, 5);
	ck_assert_int_eq(rs->has_ttl, 1);
	ck_assert_int_eq(rs->ttl_seconds, 7 * 86400);
	ck_assert_int_eq(rsc_model_env_index(rs, "prod"), 2);
	ck_assert_int_eq(rsc_model_env_index(rs, "qa"), -1);

	/* sorted by key */
	ck_assert_uint_eq(rs->nflags, 5);
	const char *keys[] = { "button-color", "max-items", "new-checkout", "ratio",
			       "search-tuning" };
	for (size_t i = 0; i < 5; i++)
		ck_assert_str_eq(rs->flags[i].key, keys[i]);
	ck_assert_int_eq(rsc_model_flag_index(rs, "zzz"), -1);

	/* a boolean flag with default variants */
	const rsc_flag *nc = flag(l, "new-checkout");
	ck_assert_str_eq(nc->file, "new-checkout.yaml");
	ck_assert_int_eq(nc->type, RSL_TYPE_BOOLEAN);
	ck_assert_str_eq(nc->description, "The redesigned checkout flow.");
	ck_assert_str_eq(nc->owner, "team-payments");
	ck_assert_uint_eq(nc->nvariants, 2);
	ck_assert_str_eq(nc->variants[0].name, "on");
	ck_assert_int_eq(nc->variants[0].value.kind, RSC_V_BOOL);
	ck_assert_int_eq(nc->variants[0].value.b, 1);
	ck_assert_str_eq(nc->variants[1].name, "off");
	ck_assert_int_eq(nc->variants[1].value.b, 0);
	ck_assert_uint_eq(nc->variants[1].pos.line, 1);
	ck_assert_uint_eq(nc->variants[1].pos.col, 6);
	ck_assert_str_eq(nc->off_variant.name, "off");
	ck_assert_int_eq(nc->off_variant.index, -1);
	ck_assert_int_eq(rsc_model_variant_index(nc, "off"), 1);
	ck_assert_int_eq(rsc_model_variant_index(nc, "maybe"), -1);
	ck_assert_int_eq(nc->has_expires, 1);
	ck_assert_int_eq(nc->expires_y, 2028);
	ck_assert_int_eq(nc->expires_m, 2);
	ck_assert_int_eq(nc->expires_d, 29);
	ck_assert_uint_eq(nc->expires_pos.line, 4);
	ck_assert_uint_eq(nc->ntags, 2);
	ck_assert_str_eq(nc->tags[1], "payments");
	ck_assert_str_eq(nc->salt, "new-checkout");
	ck_assert_ptr_null(nc->targeting[1]);

	/* string: quoted 'no' is a string */
	const rsc_flag *bc = flag(l, "button-color");
	ck_assert_int_eq(bc->type, RSL_TYPE_STRING);
	ck_assert_uint_eq(bc->nvariants, 3);
	ck_assert_str_eq(bc->variants[0].value.s, "blue");
	ck_assert_str_eq(bc->variants[1].value.s, "green");
	ck_assert_str_eq(bc->variants[2].value.s, "no");
	ck_assert_uint_eq(bc->variants[2].value.slen, 2);
	ck_assert_str_eq(bc->off_variant.name, "control");
	ck_assert_uint_eq(bc->off_variant.pos.line, 9);
	ck_assert_uint_eq(bc->off_variant.pos.col, 14);
	ck_assert_str_eq(bc->salt, "button-v2");
	ck_assert_int_eq(bc->has_expires, 0);

	const rsc_flag *mi = flag(l, "max-items");
	ck_assert_int_eq(mi->variants[0].value.kind, RSC_V_INT);
	ck_assert_int_eq(mi->variants[0].value.i, 10);
	ck_assert_int_eq(mi->variants[1].value.i, INT64_MIN);
	ck_assert_int_eq(mi->variants[2].value.i, INT64_MAX);

	const rsc_flag *ra = flag(l, "ratio");
	ck_assert_int_eq(ra->variants[0].value.kind, RSC_V_FLOAT);
	ck_assert_double_eq(ra->variants[0].value.f, 0.1);
	ck_assert_int_eq(ra->variants[1].value.kind, RSC_V_FLOAT);
	ck_assert_double_eq(ra->variants[1].value.f, 2.0);
	ck_assert_double_eq(ra->variants[2].value.f, -2000.0);

	const rsc_flag *st = flag(l, "search-tuning");
	ck_assert_int_eq(st->type, RSL_TYPE_OBJECT);
	ck_assert_int_eq(st->variants[0].value.kind, RSC_V_JSON);
	ck_assert_str_eq(st->variants[0].value.s,
			 "{\"boost_title\":2.0,\"max_results\":50,\"synonyms\":true,"
			 "\"extra\":null,\"name\":\"say \\\"hi\\\"\\n\\tbye\\\\\","
			 "\"ratio\":0.1}");
	ck_assert_uint_eq(st->variants[0].value.slen, strlen(st->variants[0].value.s));
	ck_assert_str_eq(st->variants[1].value.s,
			 "[\"a\",1.5e+300,{\"x\":[1,-2],\"\":[]},{}]");
	unload(l);
}
END_TEST

static const rsc_cond *kid(const rsc_cond *c, size_t i)
{
	ck_assert_uint_gt(c->nkids, i);
	return c->kids[i];
}

START_TEST(valid_ruleset_conditions)
{
	loaded *l = load_dir("tests/fixtures/load/valid");
	ck_assert_msg(l->rc == RSC_OK, "diagnostics:%s", dump(l));
	const rsc_ruleset *rs = &l->rs;
	ck_assert_uint_eq(rs->nsegments, 2);
	ck_assert_str_eq(rs->segments[0].key, "beta-testers");
	ck_assert_int_eq(rsc_model_segment_index(rs, "everything"), 1);
	ck_assert_int_eq(rsc_model_segment_index(rs, "nothing"), -1);

	const rsc_segment *bt = &rs->segments[0];
	ck_assert_str_eq(bt->file, "segments/beta-testers.yaml");
	ck_assert_int_eq(bt->when->op, RSL_OP_ANY);
	ck_assert_uint_eq(bt->when->nkids, 2);
	const rsc_cond *ew = kid(bt->when, 1);
	ck_assert_int_eq(ew->op, RSL_OP_ENDS_WITH);
	ck_assert_str_eq(ew->attribute, "email");
	ck_assert_uint_eq(ew->attribute_pos.line, 7);
	ck_assert_uint_eq(ew->attribute_pos.col, 18);
	ck_assert_uint_eq(ew->pos.line, 7);
	ck_assert_uint_eq(ew->pos.col, 7);
	ck_assert_int_eq(ew->case_insensitive, 1);
	ck_assert_str_eq(ew->value.s, "@example.com");

	const rsc_cond *all = rs->segments[1].when;
	ck_assert_int_eq(all->op, RSL_OP_ALL);
	ck_assert_uint_eq(all->nkids, 20);
	/* every operator in order, eq .. exists, then not */
	for (size_t i = 0; i < 19; i++)
		ck_assert_int_eq(kid(all, i)->op, (int)i + 1);
	const rsc_cond *c = kid(all, 0);
	ck_assert_int_eq(c->value.kind, RSC_V_STRING);
	ck_assert_str_eq(c->value.s, "pro");
	c = kid(all, 1);
	ck_assert_int_eq(c->value.kind, RSC_V_INT);
	ck_assert_int_eq(c->value.i, 3);
	c = kid(all, 2);
	ck_assert_uint_eq(c->nlist, 4);
	ck_assert_str_eq(c->list[0].s, "DE");
	ck_assert_str_eq(c->list[1].s, "AT");
	ck_assert_int_eq(c->list[2].kind, RSC_V_INT);
	ck_assert_int_eq(c->list[2].i, 7);
	ck_assert_int_eq(c->list[3].kind, RSC_V_FLOAT);
	ck_assert_double_eq(c->list[3].f, 1.5);
	c = kid(all, 3);
	ck_assert_uint_eq(c->nlist, 1);
	ck_assert_str_eq(c->list[0].s, "eu-west");
	ck_assert_int_eq(c->case_insensitive, 0);
	ck_assert_str_eq(kid(all, 4)->value.s, "@");
	ck_assert_str_eq(kid(all, 5)->attribute, "Name.first");
	ck_assert_str_eq(kid(all, 5)->value.s, "Dr");
	ck_assert_str_eq(kid(all, 6)->value.s, ".example.com");
	ck_assert_int_eq(kid(all, 7)->value.kind, RSC_V_FLOAT);
	ck_assert_double_eq(kid(all, 7)->value.f, 1.5);
	ck_assert_int_eq(kid(all, 8)->value.kind, RSC_V_INT);
	ck_assert_int_eq(kid(all, 8)->value.i, 2);
	ck_assert_int_eq(kid(all, 9)->value.i, -1);
	ck_assert_int_eq(kid(all, 10)->value.i, 10);
	ck_assert_str_eq(kid(all, 11)->value.s, "1.0.0-rc.1");
	ck_assert_str_eq(kid(all, 12)->value.s, "v2.0.0");
	ck_assert_str_eq(kid(all, 13)->value.s, "2.0.0+build.5");
	ck_assert_str_eq(kid(all, 15)->value.s, "2.3.0");
	ck_assert_int_eq(kid(all, 16)->time, 1767225600);
	ck_assert_int_eq(kid(all, 17)->time, 1767225600);
	ck_assert_str_eq(kid(all, 18)->attribute, "_email");
	ck_assert_int_eq(kid(all, 18)->value.kind, RSC_V_BOOL);
	ck_assert_int_eq(kid(all, 18)->value.b, 0);
	c = kid(all, 19);
	ck_assert_int_eq(c->op, RSL_OP_NOT);
	ck_assert_int_eq(kid(c, 0)->op, RSL_OP_SEGMENT);
	ck_assert_str_eq(kid(c, 0)->segment, "beta-testers");
	ck_assert_int_eq(kid(c, 0)->segment_index, -1);
	unload(l);
}
END_TEST

START_TEST(valid_ruleset_targeting)
{
	loaded *l = load_dir("tests/fixtures/load/valid");
	ck_assert_msg(l->rc == RSC_OK, "diagnostics:%s", dump(l));
	const rsc_flag *nc = flag(l, "new-checkout");
	const rsc_targeting *dev = nc->targeting[0], *prod = nc->targeting[2];
	ck_assert_ptr_nonnull(dev);
	ck_assert_ptr_null(nc->targeting[1]);
	ck_assert_ptr_nonnull(prod);
	ck_assert_ptr_null(flag(l, "ratio")->targeting[2]);

	ck_assert_str_eq(dev->file, "environments/dev/new-checkout.yaml");
	ck_assert_int_eq(dev->enabled, 0);
	ck_assert_uint_eq(dev->nrules, 0);
	ck_assert_int_eq(dev->dflt.kind, RSL_SERVE_SPLIT);
	ck_assert_uint_eq(dev->dflt_pos.line, 3);
	ck_assert_uint_eq(dev->dflt_pos.col, 3);
	ck_assert_uint_eq(dev->dflt.split.n, 2);
	ck_assert_uint_eq(dev->dflt.split.weights[0], 100000);
	ck_assert_uint_eq(dev->dflt.split.weights[1], 0);
	ck_assert_str_eq(dev->dflt.by, "targeting_key");

	ck_assert_int_eq(prod->enabled, 1);
	ck_assert_uint_eq(prod->pos.line, 1);
	ck_assert_uint_eq(prod->nrequires, 1);
	ck_assert_str_eq(prod->requires[0].flag, "button-color");
	ck_assert_str_eq(prod->requires[0].variant.name, "green");
	ck_assert_int_eq(prod->requires[0].flag_index, -1);
	ck_assert_uint_eq(prod->nrules, 3);

	const rsc_rule *r = &prod->rules[0];
	ck_assert_str_eq(r->name, "staff");
	ck_assert_uint_eq(r->pos.line, 6);
	ck_assert_uint_eq(r->pos.col, 5);
	ck_assert_int_eq(r->when->op, RSL_OP_ENDS_WITH);
	ck_assert_int_eq(r->serve.kind, RSL_SERVE_VARIANT);
	ck_assert_str_eq(r->serve.variant.name, "on");
	ck_assert_int_eq(r->serve.variant.index, -1);
	ck_assert_uint_eq(r->serve.variant.pos.line, 11);
	ck_assert_uint_eq(r->serve.variant.pos.col, 12);

	r = &prod->rules[1];
	ck_assert_int_eq(r->when->op, RSL_OP_SEGMENT);
	ck_assert_int_eq(r->serve.kind, RSL_SERVE_SPLIT);
	ck_assert_str_eq(r->serve.by, "tenant_key");
	ck_assert_uint_eq(r->serve.split.n, 2);
	ck_assert_str_eq(r->serve.split.variants[0].name, "on");
	ck_assert_uint_eq(r->serve.split.weights[0], 12500);
	ck_assert_str_eq(r->serve.split.variants[1].name, "off");
	ck_assert_uint_eq(r->serve.split.weights[1], 87500);
	ck_assert_uint_eq(r->serve.split.pos.line, 17);

	r = &prod->rules[2];
	ck_assert_ptr_null(r->when);
	ck_assert_int_eq(r->serve.kind, RSL_SERVE_SCHEDULE);
	ck_assert_str_eq(r->serve.by, "targeting_key");
	ck_assert_uint_eq(r->serve.nsteps, 2);
	ck_assert_int_eq(r->serve.steps[0].at, 1796115600);
	ck_assert_int_eq(r->serve.steps[0].kind, RSL_SERVE_SPLIT);
	ck_assert_uint_eq(r->serve.steps[0].split.weights[0], 1);
	ck_assert_uint_eq(r->serve.steps[0].split.weights[1], 99999);
	ck_assert_uint_eq(r->serve.steps[0].pos.line, 23);
	ck_assert_int_eq(r->serve.steps[1].at, 1796713200);
	ck_assert_int_eq(r->serve.steps[1].kind, RSL_SERVE_VARIANT);
	ck_assert_str_eq(r->serve.steps[1].variant.name, "on");

	ck_assert_int_eq(prod->dflt.kind, RSL_SERVE_VARIANT);
	ck_assert_str_eq(prod->dflt.variant.name, "off");
	ck_assert_uint_eq(prod->dflt_pos.line, 27);
	ck_assert_uint_eq(prod->dflt_pos.col, 10);
	unload(l);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Files */

START_TEST(missing_config)
{
	/* A mistyped --root (the segments directory): only the one error that
	 * matters, not one "unexpected file" per file. */
	char *dir = tu_tmpdir("load-noconfig");
	tu_write(dir, "f.yaml", "key: f\ndescription: A flag.\nowner: me\n");
	tu_write(dir, "a/b/c.yaml", "x: 1\n");
	tu_write(dir, "g.yml", "x: 1\n");
	loaded *l = load_dir("tests/tmp/load-noconfig");
	expect_one(l, "rulestead.yaml", 1, 1,
		   "missing rulestead.yaml: is 'tests/tmp/load-noconfig' the ruleset root? "
		   "(--root names the directory holding rulestead.yaml)");
	ck_assert_int_eq(l->rc, RSC_EINVALID);
	unload(l);

	/* A fileset built without rsc_source_read does not know its root. */
	rsc_arena a = RSC_ARENA_INIT;
	rsc_diags d;
	rsc_diags_init(&d, &a);
	rsc_file files[] = { { "f.yaml", "key: f\n", 7 } };
	rsc_fileset fs;
	memset(&fs, 0, sizeof fs);
	fs.v = files;
	fs.n = 1;
	rsc_ruleset rs;
	ck_assert_int_eq(rsc_model_load(&rs, &a, &fs, &d), RSC_EINVALID);
	ck_assert_uint_eq(d.n, 1);
	ck_assert_str_eq(d.v[0].message,
			 "missing rulestead.yaml: every ruleset root needs one (environments: [...])");
	rsc_diags_free(&d);
	rsc_arena_free(&a);
}
END_TEST

START_TEST(misplaced_files)
{
	char *dir = ruleset("load-misplaced", "segments/a/b.yaml", "key: b\n",
			   "environments/prod/x/f.yaml", "enabled: true\n",
			   "environments/dev/f.yml", "enabled: true\n", "notes.txt", "hi\n",
			   NULL);
	tu_write(dir, "docs/example.yaml", "x: 1\n");
	tu_write(dir, "docs/mkdocs.yml", "x: 1\n");
	/* Other tools' files, in dot-directories or dot-files: not ours. */
	tu_write(dir, ".github/workflows/ci.yml", "on: push\n");
	tu_write(dir, ".github/workflows/x.yaml", "on: push\n");
	tu_write(dir, ".pre-commit-config.yaml", "repos: []\n");
	tu_write(dir, "environments/.hidden/f.yaml", "x: 1\n");
	loaded *l = load_dir(dir);
	ck_assert_msg(l->d.n == 5, "%s", dump(l));
	const char *unexpected =
		"unexpected file: a ruleset root holds only rulestead.yaml, <flag>.yaml, "
		"segments/<segment>.yaml, environments/<env>/<flag>.yaml and "
		"tests/<name>.yaml (rsc test's expectations); keep other YAML "
		"in a dot-directory (such as .github/) or outside the ruleset root "
		"(rsc validate --root <dir>)";
	expect_at(l, 0, "docs/example.yaml", 1, 1, unexpected);
	expect_at(l, 1, "docs/mkdocs.yml", 1, 1, unexpected);
	expect_at(l, 2, "environments/dev/f.yml", 1, 1,
		  "use the .yaml extension ('f.yml' \xe2\x86\x92 'f.yaml')");
	expect_at(l, 3, "environments/prod/x/f.yaml", 1, 1, unexpected);
	expect_at(l, 4, "segments/a/b.yaml", 1, 1, unexpected);
	unload(l);
}
END_TEST

START_TEST(undeclared_environment_and_missing_definition)
{
	char *dir = ruleset("load-undeclared", "environments/qa/f.yaml",
			   "enabled: true\ndefault: on\n", "environments/prod/g.yaml",
			   "enabled: true\ndefault: on\n", NULL);
	loaded *l = load_dir(dir);
	ck_assert_msg(l->d.n == 2, "%s", dump(l));
	expect_at(l, 0, "environments/prod/g.yaml", 1, 1,
		  "no flag definition 'g.yaml' for this targeting file");
	expect_at(l, 1, "environments/qa/f.yaml", 1, 1,
		  "environment directory 'qa' is not declared in rulestead.yaml "
		  "(environments: dev, prod)");
	ck_assert_ptr_null(l->rs.flags[0].targeting[0]);
	ck_assert_ptr_null(l->rs.flags[0].targeting[1]);
	unload(l);

	/* A misspelt environment directory gets a suggestion. */
	dir = ruleset("load-env-typo", "environments/prodd/f.yaml",
		      "enabled: true\ndefault: on\n", NULL);
	l = load_dir(dir);
	expect_one(l, "environments/prodd/f.yaml", 1, 1,
		   "environment directory 'prodd' is not declared in rulestead.yaml "
		   "(environments: dev, prod); did you mean 'prod'?");
	unload(l);
}
END_TEST

START_TEST(key_must_match_file_name)
{
	char *dir = ruleset("load-keymismatch", "f.yaml",
			   "key: foo\ndescription: A flag.\nowner: me\n", "segments/s.yaml",
			   "key: Beta\ndescription: d\nwhen: {segment: x}\n", NULL);
	loaded *l = load_dir(dir);
	ck_assert_msg(l->d.n == 3, "%s", dump(l));
	expect_at(l, 0, "f.yaml", 1, 6, "key 'foo' does not match the file name 'f.yaml'");
	expect_at(l, 1, "segments/s.yaml", 1, 6,
		  "invalid segment key 'Beta': expected 1 to 64 lowercase letters, "
		  "digits, '-' or '_', starting with a letter");
	/* the checks of references run too, in the same call */
	expect_at(l, 2, "segments/s.yaml", 3, 7,
		  "unknown segment 'x'; no file segments/x.yaml; did you mean 's'?");
	/* the model keeps the file's name */
	ck_assert_str_eq(l->rs.flags[0].key, "f");
	unload(l);
}
END_TEST

START_TEST(yaml_errors_do_not_stop_other_files)
{
	char *dir = ruleset("load-yamlerr", "g.yaml", "key: g\nkey: g\n",
			   "environments/prod/g.yaml", "enabled: true\ndefault: on\n",
			   "environments/prod/f.yaml", "enabled: maybe\ndefault: on\n", NULL);
	loaded *l = load_dir(dir);
	/* g.yaml's duplicate key is the reader's; its targeting file is read but
	 * not blamed for the broken definition */
	ck_assert_msg(l->d.n == 2, "%s", dump(l));
	expect_at(l, 0, "environments/prod/f.yaml", 1, 10,
		  "'maybe' is not a boolean: write true or false");
	ck_assert_str_eq(l->d.v[1].file, "g.yaml");
	ck_assert_int_eq(l->rc, RSC_EINVALID);
	unload(l);
}
END_TEST

/* ------------------------------------------------------------------ */
/* rulestead.yaml */

START_TEST(config_refusals)
{
	char *dir = ruleset("load-config", "rulestead.yaml",
			   "environments: [dev, prod, dev, Prod]\n"
			   "protected: [prd]\n"
			   "settings:\n  snapshot_ttl: 7w\n  color: red\n"
			   "extra: 1\n",
			   NULL);
	loaded *l = load_dir(dir);
	ck_assert_msg(l->d.n == 5, "%s", dump(l));
	expect_at(l, 0, "rulestead.yaml", 1, 27,
		  "duplicate environment 'dev' (first at 1:16)");
	expect_at(l, 1, "rulestead.yaml", 1, 32,
		  "invalid environment name 'Prod': expected 1 to 64 lowercase letters, "
		  "digits, '-' or '_', starting with a letter");
	/* 'protected' is checked only against a clean environment list */
	expect_at(l, 2, "rulestead.yaml", 4, 17,
		  "invalid duration '7w' for 'snapshot_ttl': expected an integer "
		  "followed by s, m, h or d (90m, 36h, 7d)");
	expect_at(l, 3, "rulestead.yaml", 5, 3,
		  "unknown key 'color' in settings; expected one of snapshot_ttl");
	expect_at(l, 4, "rulestead.yaml", 6, 1,
		  "unknown key 'extra' in rulestead.yaml; expected one of environments, "
		  "protected, settings");
	unload(l);
}
END_TEST

START_TEST(config_protected_and_ttl_range)
{
	static const struct {
		const char *ttl, *msg;
	} cases[] = {
		{ "30s", "duration '30s' for 'snapshot_ttl' is out of range: expected 1 minute to 365 days" },
		{ "366d", "duration '366d' for 'snapshot_ttl' is out of range: expected 1 minute to 365 days" },
		{ "07d", "invalid duration '07d' for 'snapshot_ttl': expected an integer followed by s, m, h or d (90m, 36h, 7d)" },
		{ "d", "invalid duration 'd' for 'snapshot_ttl': expected an integer followed by s, m, h or d (90m, 36h, 7d)" },
		{ "90", "invalid duration '90' for 'snapshot_ttl': expected an integer followed by s, m, h or d (90m, 36h, 7d)" },
		{ "0s", "duration '0s' for 'snapshot_ttl' is out of range: expected 1 minute to 365 days" },
		/* rsc agent's ms and bare 0 are not the ruleset's; 12 digits at most */
		{ "5000ms", "invalid duration '5000ms' for 'snapshot_ttl': expected an integer followed by s, m, h or d (90m, 36h, 7d)" },
		{ "0", "invalid duration '0' for 'snapshot_ttl': expected an integer followed by s, m, h or d (90m, 36h, 7d)" },
		{ "+5m", "invalid duration '+5m' for 'snapshot_ttl': expected an integer followed by s, m, h or d (90m, 36h, 7d)" },
		{ "1000000000000s", "invalid duration '1000000000000s' for 'snapshot_ttl': expected an integer followed by s, m, h or d (90m, 36h, 7d)" },
		{ "999999999999s", "duration '999999999999s' for 'snapshot_ttl' is out of range: expected 1 minute to 365 days" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[256];
		snprintf(text, sizeof text,
			 "environments: [dev, prod]\nsettings:\n  snapshot_ttl: %s\n", cases[i].ttl);
		char *dir = ruleset("load-ttl", "rulestead.yaml", text, NULL);
		loaded *l = load_dir(dir);
		expect_one(l, "rulestead.yaml", 3, 17, cases[i].msg);
		unload(l);
	}
	char *dir = ruleset("load-ttl", "rulestead.yaml",
			   "environments: [dev, prod]\nsettings:\n  snapshot_ttl: 1m\n", NULL);
	loaded *l = load_dir(dir);
	ck_assert_int_eq(l->rc, RSC_OK);
	ck_assert_int_eq(l->rs.ttl_seconds, 60);
	unload(l);
	static const struct {
		const char *ttl;
		int64_t seconds;
	} good[] = { { "90m", 5400 }, { "36h", 129600 }, { "365d", 31536000 }, { "3600s", 3600 } };
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		char text[256];
		snprintf(text, sizeof text,
			 "environments: [dev, prod]\nsettings:\n  snapshot_ttl: %s\n", good[i].ttl);
		dir = ruleset("load-ttl", "rulestead.yaml", text, NULL);
		l = load_dir(dir);
		ck_assert_int_eq(l->rc, RSC_OK);
		ck_assert_int_eq(l->rs.ttl_seconds, good[i].seconds);
		unload(l);
	}

	dir = ruleset("load-protected", "rulestead.yaml",
		      "environments: [dev, prod]\nprotected: [prd]\n", NULL);
	l = load_dir(dir);
	expect_one(l, "rulestead.yaml", 2, 13,
		   "protected environment 'prd' is not in environments (dev, prod)");
	unload(l);

	dir = ruleset("load-noenvs", "rulestead.yaml", "environments: []\n", NULL);
	l = load_dir(dir);
	expect_one(l, "rulestead.yaml", 1, 15,
		   "'environments' must list at least one environment");
	unload(l);

	dir = ruleset("load-envsmissing", "rulestead.yaml", "settings: {}\n", NULL);
	l = load_dir(dir);
	expect_one(l, "rulestead.yaml", 1, 1,
		   "missing required key 'environments' in rulestead.yaml");
	unload(l);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Flags */

START_TEST(flag_refusals)
{
	flag_error("load-flag-desc", "key: f\ndescription:\nowner: me\n", 2, 13,
		   "missing value for 'description'");
	flag_error("load-flag-owner", "key: f\ndescription: d\n", 1, 1,
		   "missing required key 'owner' in flag");
	flag_error("load-flag-unknown", "key: f\ndescription: d\nowner: me\nowners: [x]\n", 4, 1,
		   "unknown key 'owners' in flag; expected one of key, description, owner, "
		   "type, variants, off_variant, expires, tags, salt");
	flag_error("load-flag-type", "key: f\ndescription: d\nowner: me\ntype: bool\n", 4, 7,
		   "unknown flag type 'bool'; expected one of boolean, string, integer, "
		   "float, object");
	flag_error("load-flag-novariants",
		   "key: f\ndescription: d\nowner: me\ntype: string\noff_variant: a\n", 1, 1,
		   "missing required key 'variants' in flag: only a boolean flag has "
		   "default variants");
	flag_error("load-flag-nooff",
		   "key: f\ndescription: d\nowner: me\nvariants: {a: true, b: false}\n", 1, 1,
		   "missing required key 'off_variant' in flag");
	flag_error("load-flag-date", "key: f\ndescription: d\nowner: me\nexpires: 2027-02-29\n",
		   4, 10,
		   "invalid date '2027-02-29' for 'expires': expected YYYY-MM-DD, a real "
		   "calendar date");
	flag_error("load-flag-date2", "key: f\ndescription: d\nowner: me\nexpires: 2027-3-31\n",
		   4, 10,
		   "invalid date '2027-3-31' for 'expires': expected YYYY-MM-DD, a real "
		   "calendar date");
	flag_error("load-flag-tag", "key: f\ndescription: d\nowner: me\ntags: [ok, Not-OK]\n",
		   4, 12,
		   "invalid tag 'Not-OK': expected 1 to 64 lowercase letters, digits, '-' "
		   "or '_', starting with a letter");
	flag_error("load-flag-vname",
		   "key: f\ndescription: d\nowner: me\nvariants:\n  On: true\n  off: false\n"
		   "off_variant: off\n",
		   5, 3,
		   "invalid variant name 'On': expected 1 to 64 lowercase letters, digits, "
		   "'-' or '_', starting with a letter");
	flag_error("load-flag-root", "- key\n", 1, 1,
		   "expected a mapping for the flag definition, found a list");
	flag_error("load-flag-vmap", "key: f\ndescription: d\nowner: me\nvariants: [a]\noff_variant: a\n", 4, 11,
		   "expected a mapping for 'variants', found a list");
}
END_TEST

START_TEST(variant_type_mismatch)
{
	static const struct {
		const char *type, *value, *msg;
	} cases[] = {
		{ "boolean", "yes",
		  "'yes' is not a boolean: write true or false (YAML 1.1 would read it as true)" },
		{ "boolean", "\"true\"",
		  "'true' is quoted, so it is text: write true or false without quotes for 'a'" },
		{ "boolean", "False", "'False' is not a boolean: write true or false in lowercase" },
		{ "string", "5",
		  "variant 'a' of a string flag must be a string, found the integer 5; quote it "
		  "(\"5\") for a string" },
		{ "string", "true",
		  "variant 'a' of a string flag must be a string, found the boolean true; quote "
		  "it (\"true\") for a string" },
		{ "string", "no",
		  "ambiguous plain scalar 'no': YAML 1.1 reads it as a boolean; quote it "
		  "(\"no\") for a string or write false" },
		{ "integer", "1.5",
		  "variant 'a' of an integer flag must be an integer, found the number 1.5" },
		{ "integer", "\"7\"",
		  "variant 'a' of an integer flag must be an integer, found the string '7'" },
		{ "integer", "9223372036854775808",
		  "integer '9223372036854775808' is out of range (-9223372036854775808 to "
		  "9223372036854775807)" },
		{ "integer", "[1]", "variant 'a' of an integer flag must be an integer, found a list" },
		{ "float", "abc", "variant 'a' of a float flag must be a number, found the string 'abc'" },
		{ "float", "1e999", "number '1e999' is out of range" },
		{ "float", "1e-400",
		  "number '1e-400' is too small for a float (it would be read as 0); write 0 "
		  "or a larger number" },
		{ "float", "-0.5e-999",
		  "number '-0.5e-999' is too small for a float (it would be read as 0); "
		  "write 0 or a larger number" },
		{ "object", "abc",
		  "variant 'a' of an object flag must be a mapping or a list, found 'abc'" },
		{ "object", "{x: on}",
		  "ambiguous plain scalar 'on': YAML 1.1 reads it as a boolean; quote it "
		  "(\"on\") for a string or write true" },
		{ "object", "{x: Null}",
		  "ambiguous plain scalar 'Null': YAML reads it as null; quote it (\"Null\") "
		  "for a string" },
		{ "object", "{x: }", "missing value for 'x'" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[512];
		snprintf(text, sizeof text,
			 "key: f\ndescription: d\nowner: me\ntype: %s\nvariants:\n  a: %s\n"
			 "off_variant: a\n",
			 cases[i].type, cases[i].value);
		char *dir = ruleset("load-vtype", "f.yaml", text, NULL);
		loaded *l = load_dir(dir);
		ck_assert_msg(l->d.n == 1, "%s %s:%s", cases[i].type, cases[i].value, dump(l));
		const rsc_diag *g = &l->d.v[0];
		ck_assert_msg(g->line == 6 && strcmp(g->message, cases[i].msg) == 0,
			      "%s %s: expected %s, got%s", cases[i].type, cases[i].value,
			      cases[i].msg, dump(l));
		unload(l);
	}
}
END_TEST

START_TEST(object_depth_limit)
{
	/* 16 levels of nesting are fine, the 17th is not */
	char text[1024], value[256];
	for (int depth = 16; depth <= 17; depth++) {
		size_t o = 0;
		for (int i = 0; i < depth; i++)
			value[o++] = '[';
		value[o++] = '1';
		for (int i = 0; i < depth; i++)
			value[o++] = ']';
		value[o] = '\0';
		snprintf(text, sizeof text,
			 "key: f\ndescription: d\nowner: me\ntype: object\nvariants:\n  a: %s\n"
			 "off_variant: a\n",
			 value);
		char *dir = ruleset("load-depth", "f.yaml", text, NULL);
		loaded *l = load_dir(dir);
		if (depth == 16) {
			ck_assert_msg(l->rc == RSC_OK, "%s", dump(l));
			ck_assert_str_eq(l->rs.flags[0].variants[0].value.s, value);
		} else {
			expect_one(l, "f.yaml", 6, 22,
				   "object value for 'a' is nested deeper than 16 levels");
		}
		unload(l);
	}
}
END_TEST

/* ------------------------------------------------------------------ */
/* Targeting */

START_TEST(targeting_unknown_key_typo)
{
	char *dir = ruleset("load-enabeld", "environments/prod/f.yaml",
			   "default: on\nenabeld: true\n", NULL);
	loaded *l = load_dir(dir);
	/* One error: the key it meant is not also reported missing. */
	expect_one(l, "environments/prod/f.yaml", 2, 1,
		   "unknown key 'enabeld' in targeting; did you mean 'enabled'?");
	unload(l);

	/* Too far from any key: the list of keys, and the missing one. */
	dir = ruleset("load-enbl", "environments/prod/f.yaml", "default: on\nenbl: true\n",
		      NULL);
	l = load_dir(dir);
	ck_assert_msg(l->d.n == 2, "%s", dump(l));
	expect_at(l, 0, "environments/prod/f.yaml", 1, 1,
		  "missing required key 'enabled' in targeting");
	expect_at(l, 1, "environments/prod/f.yaml", 2, 1,
		  "unknown key 'enbl' in targeting; expected one of enabled, requires, "
		  "rules, default");
	unload(l);

	/* A misspelling of a key that is already there is just unknown. */
	dir = ruleset("load-twice", "environments/prod/f.yaml",
		      "enabled: true\ndefault: on\ndefualt: off\n", NULL);
	l = load_dir(dir);
	expect_one(l, "environments/prod/f.yaml", 3, 1,
		   "unknown key 'defualt' in targeting; expected one of enabled, requires, "
		   "rules, default");
	unload(l);

	/* Flags and rules too; the transposition counts as one edit. */
	dir = ruleset("load-flag-typo", "g.yaml",
		      "key: g\ndescription: d\nowner: o\ntype: string\n"
		      "variants: {a: x}\noff_varaint: a\n",
		      "environments/prod/f.yaml",
		      "enabled: true\nrules:\n  - nmae: r\n    serve: on\ndefault: on\n", NULL);
	l = load_dir(dir);
	ck_assert_msg(l->d.n == 2, "%s", dump(l));
	expect_at(l, 0, "environments/prod/f.yaml", 3, 5,
		  "unknown key 'nmae' in rule; did you mean 'name'?");
	expect_at(l, 1, "g.yaml", 6, 1,
		  "unknown key 'off_varaint' in flag; did you mean 'off_variant'?");
	unload(l);
}
END_TEST

START_TEST(targeting_refusals)
{
	targeting_error("load-t-yes", "enabled: yes\ndefault: on\n", 1, 10,
			"'yes' is not a boolean: write true or false (YAML 1.1 would read it as true)");
	targeting_error("load-t-off", "enabled: Off\ndefault: on\n", 1, 10,
			"'Off' is not a boolean: write true or false (YAML 1.1 would read it as false)");
	targeting_error("load-t-nodefault", "enabled: true\n", 1, 1,
			"missing required key 'default' in targeting");
	targeting_error("load-t-rules", "enabled: true\nrules:\n  - [a]\ndefault: on\n", 3, 5,
			"expected a mapping for 'rules' item, found a list");
	targeting_error("load-t-dupname",
			"enabled: true\nrules:\n  - name: a\n    serve: on\n"
			"  - name: a\n    serve: off\ndefault: on\n",
			5, 11, "duplicate rule name 'a' (first at 3:11)");
	targeting_error("load-t-noserve", "enabled: true\nrules:\n  - name: a\ndefault: on\n", 3, 5,
			"missing required key 'serve' in rule");
	targeting_error("load-t-rulekey",
			"enabled: true\nrules:\n  - name: a\n    serve: on\n    then: x\ndefault: on\n",
			5, 5, "unknown key 'then' in rule; did you mean 'when'?");
	targeting_error("load-t-req",
			"enabled: true\nrequires:\n  - flag: g\n    variant: on\n    when: x\n"
			"default: on\n",
			5, 5,
			"unknown key 'when' in requires entry; expected one of flag, variant");
	targeting_error("load-t-reqvar", "enabled: true\nrequires:\n  - flag: g\ndefault: on\n",
			3, 5, "missing required key 'variant' in requires entry");
	targeting_error("load-t-emptydefault", "enabled: true\ndefault:\n", 2, 9,
			"missing value for 'default'");
	targeting_error("load-t-defaultlist", "enabled: true\ndefault: [on]\n", 2, 10,
			"expected a variant name or a mapping for 'default', found a list");

	char longname[400];
	memset(longname, 'x', 201);
	longname[201] = '\0';
	char text[600];
	snprintf(text, sizeof text, "enabled: true\nrules:\n  - name: %s\n    serve: on\ndefault: on\n",
		 longname);
	targeting_error("load-t-longname", text, 3, 11,
			"rule name is 201 characters long; the limit is 200");
}
END_TEST

START_TEST(serve_refusals)
{
	targeting_error("load-s-both", "enabled: true\ndefault:\n  split: {on: 100}\n  schedule: []\n",
			4, 3, "'default' has both 'split' and 'schedule'; write one of them");
	targeting_error("load-s-none", "enabled: true\ndefault:\n  by: tenant_key\n", 3, 3,
			"'default' needs 'split' or 'schedule' (or a variant name)");
	targeting_error("load-s-key", "enabled: true\ndefault:\n  split: {on: 100}\n  bucket: x\n",
			4, 3, "unknown key 'bucket' in serve; expected one of split, schedule, by");
	targeting_error("load-s-4dec", "enabled: true\ndefault:\n  split: {on: 12.3456, off: 87.544}\n",
			3, 15,
			"percentage '12.3456' for 'on' has more than three decimals (0.001 is the "
			"smallest step)");
	targeting_error("load-s-over", "enabled: true\ndefault:\n  split: {on: 100.001}\n", 3, 15,
			"percentage '100.001' for 'on' is out of range: expected 0 to 100");
	targeting_error("load-s-neg", "enabled: true\ndefault:\n  split: {on: -5}\n", 3, 15,
			"percentage '-5' for 'on' is out of range: expected 0 to 100");
	targeting_error("load-s-quoted", "enabled: true\ndefault:\n  split: {on: \"50\", off: 50}\n",
			3, 15,
			"'50' is quoted, so it is text: write the number for 'on' without quotes");
	targeting_error("load-s-exp", "enabled: true\ndefault:\n  split: {on: 1e2}\n", 3, 15,
			"percentage '1e2' for 'on' must be written as a decimal number like 12.5");
	targeting_error("load-s-octal", "enabled: true\ndefault:\n  split: {on: 050, off: 50}\n", 3,
			15,
			"ambiguous number '050': the leading zero means octal in YAML 1.1; write 50 "
			"or quote it");
	targeting_error("load-s-word", "enabled: true\ndefault:\n  split: {on: half}\n", 3, 15,
			"expected a number for 'on', found 'half'");
	targeting_error("load-s-by", "enabled: true\ndefault:\n  split: {on: 100}\n  by: 9lives\n", 4,
			7,
			"invalid attribute name '9lives' for 'by': expected 1 to 64 letters, digits, "
			"'_', '-' or '.', starting with a letter or '_'");
	targeting_error("load-s-nosteps", "enabled: true\ndefault:\n  schedule: []\n", 3, 13,
			"'schedule' needs 1 to 32 steps, found 0");
	targeting_error("load-s-steptime",
			"enabled: true\ndefault:\n  schedule:\n    - at: 2026-12-01T09:00Z\n"
			"      variant: on\n",
			4, 11,
			"invalid time '2026-12-01T09:00Z' for 'at': expected an RFC 3339 time "
			"with an offset, like 2026-12-01T09:00:00Z");
	/* A snapshot holds whole seconds: a fraction is refused, not dropped. */
	targeting_error("load-s-stepfrac",
			"enabled: true\ndefault:\n  schedule:\n    - at: 2026-12-01T09:00:00.25+01:00\n"
			"      variant: on\n",
			4, 11,
			"time '2026-12-01T09:00:00.25+01:00' for 'at' has fractional seconds '.25'; "
			"the ruleset's times are whole seconds: write 2026-12-01T08:00:00Z or "
			"2026-12-01T08:00:01Z");
	targeting_error("load-s-stepboth",
			"enabled: true\ndefault:\n  schedule:\n    - at: 2026-12-01T09:00:00Z\n"
			"      variant: on\n      split: {on: 100}\n",
			6, 7, "schedule step has both 'variant' and 'split'; write one of them");
	targeting_error("load-s-stepnone",
			"enabled: true\ndefault:\n  schedule:\n    - at: 2026-12-01T09:00:00Z\n", 4, 7,
			"schedule step needs 'variant' or 'split'");
	targeting_error("load-s-stepkey",
			"enabled: true\ndefault:\n  schedule:\n    - at: 2026-12-01T09:00:00Z\n"
			"      variant: on\n      until: x\n",
			6, 7,
			"unknown key 'until' in schedule step; expected one of at, variant, split");
}
END_TEST

/* ------------------------------------------------------------------ */
/* Conditions */

START_TEST(condition_traps)
{
	cond_error("load-c-NO", "      attribute: country\n      eq: NO\n", 7, 11,
		   "ambiguous plain scalar 'NO': YAML 1.1 reads it as a boolean; quote it "
		   "(\"NO\") for a string or write false");
	cond_error("load-c-012", "      attribute: zip\n      eq: 012\n", 7, 11,
		   "ambiguous number '012': the leading zero means octal in YAML 1.1; write 12 "
		   "or quote it");
	cond_error("load-c-tilde", "      attribute: x\n      eq: ~\n", 7, 11,
		   "ambiguous plain scalar '~': YAML reads it as null; quote it (\"~\") for a "
		   "string");
	cond_error("load-c-null", "      attribute: x\n      ne: null\n", 7, 11,
		   "'null' is not a value for 'ne' (null is allowed only inside object values); "
		   "quote it (\"null\") for a string");
	cond_error("load-c-TRUE", "      attribute: x\n      eq: TRUE\n", 7, 11,
		   "ambiguous plain scalar 'TRUE': YAML reads it as a boolean; quote it "
		   "(\"TRUE\") for a string or write true");
	cond_error("load-c-plus", "      attribute: x\n      eq: +5\n", 7, 11,
		   "ambiguous number '+5': write it without the '+' or quote it");
	cond_error("load-c-under", "      attribute: x\n      eq: 1_000\n", 7, 11,
		   "ambiguous number '1_000': YAML 1.1 reads '_' as a digit separator; write "
		   "1000 or quote it");
	cond_error("load-c-hex", "      attribute: x\n      eq: 0x1F\n", 7, 11,
		   "ambiguous number '0x1F': YAML reads the '0x' prefix as a base; write it in "
		   "decimal or quote it");
	cond_error("load-c-sexa", "      attribute: x\n      eq: 1:30\n", 7, 11,
		   "ambiguous number '1:30': YAML 1.1 reads it as a base-60 number; quote it");
	cond_error("load-c-inf", "      attribute: x\n      eq: -.inf\n", 7, 11,
		   "ambiguous plain scalar '-.inf': YAML reads it as an infinite or NaN number, "
		   "which a value cannot be; quote it for a string");
	cond_error("load-c-dot", "      attribute: x\n      eq: .5\n", 7, 11,
		   "ambiguous number '.5': YAML versions read it differently; write 0.5 or "
		   "quote it");
	cond_error("load-c-dot-end", "      attribute: x\n      eq: -5.\n", 7, 11,
		   "ambiguous number '-5.': YAML versions read it differently; write -5.0 or "
		   "quote it");
	cond_error("load-c-dot-zero", "      attribute: x\n      eq: 01.5\n", 7, 11,
		   "ambiguous number '01.5': YAML versions read it differently; write 1.5 or "
		   "quote it");
	cond_error("load-c-empty", "      attribute: x\n      eq:\n", 7, 10,
		   "missing value for 'eq'");
	cond_error("load-c-inlist", "      attribute: x\n      in: [a, y]\n", 7, 15,
		   "ambiguous plain scalar 'y': YAML 1.1 reads it as a boolean; quote it "
		   "(\"y\") for a string or write true");
	cond_error("load-c-inbool", "      attribute: x\n      in: [a, true]\n", 7, 15,
		   "'in' holds strings or numbers, found the boolean true");
	cond_error("load-c-exists", "      attribute: x\n      exists: \"true\"\n", 7, 15,
		   "'true' is quoted, so it is text: write true or false without quotes for "
		   "'exists'");
}
END_TEST

START_TEST(condition_refusals)
{
	cond_error("load-c-noop", "      attribute: country\n", 6, 7,
		   "condition on 'country' has no operator; expected one of eq, ne, in, not_in, "
		   "contains, starts_with, ends_with, lt, lte, gt, gte, semver_eq, semver_lt, "
		   "semver_lte, semver_gt, semver_gte, before, after, exists");
	cond_error("load-c-twoops", "      attribute: country\n      eq: DE\n      ne: AT\n", 8, 7,
		   "condition on 'country' has two operators, 'eq' and 'ne'; write one test per "
		   "condition and combine them with all");
	cond_error("load-c-noattr", "      eq: DE\n", 6, 7,
		   "operator 'eq' needs an 'attribute' to test");
	cond_error("load-c-allop", "      all:\n        - segment: s\n      eq: DE\n", 8, 7,
		   "operator 'eq' needs an 'attribute' to test; it cannot be combined with 'all'");
	cond_error("load-c-twokinds", "      segment: s\n      not: {segment: t}\n", 7, 7,
		   "a condition has exactly one of attribute, all, any, not or segment; found "
		   "'segment' and 'not'");
	cond_error("load-c-ci", "      attribute: seats\n      gte: 10\n      case_insensitive: true\n",
		   8, 7,
		   "case_insensitive applies to eq, ne, in, not_in, contains, starts_with and "
		   "ends_with, not to 'gte'");
	cond_error("load-c-unknown", "      attribute: x\n      equals: y\n", 7, 7,
		   "unknown key 'equals' in condition; expected one of attribute, "
		   "case_insensitive, all, any, not, segment, eq, ne, in, not_in, contains, "
		   "starts_with, ends_with, lt, lte, gt, gte, semver_eq, semver_lt, semver_lte, "
		   "semver_gt, semver_gte, before, after, exists");
	cond_error("load-c-emptyall", "      all: []\n", 6, 12, "'all' needs 1 to 64 conditions, found 0");
	cond_error("load-c-emptyin", "      attribute: x\n      in: []\n", 7, 11,
		   "'in' needs 1 to 1000 values, found 0");
	cond_error("load-c-scalar", "      beta\n", 6, 7,
		   "expected a mapping for a condition, found a scalar");
	cond_error("load-c-empty", "      {}\n", 6, 7,
		   "a condition needs one of attribute, all, any, not or segment");
	cond_error("load-c-semver", "      attribute: v\n      semver_gte: 2.3\n", 7, 19,
		   "invalid semantic version '2.3' for 'semver_gte': expected MAJOR.MINOR.PATCH, "
		   "like 2.3.0 or 1.0.0-rc.1");
	cond_error("load-c-semver0", "      attribute: v\n      semver_eq: 1.02.3\n", 7, 18,
		   "invalid semantic version '1.02.3' for 'semver_eq': expected "
		   "MAJOR.MINOR.PATCH, like 2.3.0 or 1.0.0-rc.1");
	cond_error("load-c-time", "      attribute: t\n      after: 2026-01-01\n", 7, 14,
		   "invalid time '2026-01-01' for 'after': expected an RFC 3339 time with an "
		   "offset, like 2026-12-01T09:00:00Z");
	cond_error("load-c-lt", "      attribute: n\n      lt: \"10\"\n", 7, 11,
		   "'10' is quoted, so it is text: write the number for 'lt' without quotes");
	cond_error("load-c-ltword", "      attribute: n\n      lt: ten\n", 7, 11,
		   "expected a number for 'lt', found 'ten'");
	cond_error("load-c-attr", "      attribute: 1st\n      eq: a\n", 6, 18,
		   "invalid attribute name '1st' for 'attribute': expected 1 to 64 letters, "
		   "digits, '_', '-' or '.', starting with a letter or '_'");
}
END_TEST

START_TEST(condition_limits)
{
	/* 16 nested conditions are fine; 17 are not */
	for (int depth = 16; depth <= 17; depth++) {
		char cond[2048];
		size_t o = 0;
		o += (size_t)snprintf(cond + o, sizeof cond - o, "      ");
		for (int i = 1; i < depth; i++)
			o += (size_t)snprintf(cond + o, sizeof cond - o, "{not: ");
		o += (size_t)snprintf(cond + o, sizeof cond - o, "{segment: s}");
		for (int i = 1; i < depth; i++)
			o += (size_t)snprintf(cond + o, sizeof cond - o, "}");
		snprintf(cond + o, sizeof cond - o, "\n");
		if (depth == 16) {
			char text[4096];
			snprintf(text, sizeof text,
				 "enabled: true\nrules:\n  - name: r\n    serve: on\n    when:\n%s"
				 "default: off\n",
				 cond);
			char *dir = ruleset("load-c-depth", "environments/prod/f.yaml", text, NULL);
			loaded *l = load_dir(dir);
			ck_assert_msg(l->rc == RSC_OK, "%s", dump(l));
			const rsc_cond *c = l->rs.flags[0].targeting[1]->rules[0].when;
			for (int i = 1; i < depth; i++)
				c = kid(c, 0);
			ck_assert_int_eq(c->op, RSL_OP_SEGMENT);
			unload(l);
		} else {
			cond_error("load-c-depth", cond, 6, 7 + 6 * 16,
				   "conditions are nested deeper than 16 levels");
		}
	}

	/* 64 children are fine, 65 are not; likewise 1000 and 1001 list items */
	char *cond = malloc(16384);
	for (int n = 64; n <= 65; n++) {
		size_t o = (size_t)snprintf(cond, 16384, "      any: [");
		for (int i = 0; i < n; i++)
			o += (size_t)snprintf(cond + o, 16384 - o, "%s{segment: s}", i ? ", " : "");
		snprintf(cond + o, 16384 - o, "]\n");
		if (n == 65)
			cond_error("load-c-kids", cond, 6, 12, "'any' needs 1 to 64 conditions, found 65");
	}
	for (int n = 1000; n <= 1001; n++) {
		size_t o = (size_t)snprintf(cond, 16384, "      attribute: x\n      not_in: [");
		for (int i = 0; i < n; i++)
			o += (size_t)snprintf(cond + o, 16384 - o, "%s%d", i ? "," : "", i);
		snprintf(cond + o, 16384 - o, "]\n");
		if (n == 1001) {
			cond_error("load-c-list", cond, 7, 15,
				   "'not_in' needs 1 to 1000 values, found 1001");
		} else {
			char *text = malloc(20000);
			snprintf(text, 20000,
				 "enabled: true\nrules:\n  - name: r\n    serve: on\n    when:\n%s"
				 "default: off\n",
				 cond);
			char *dir = ruleset("load-c-list", "environments/prod/f.yaml", text, NULL);
			loaded *l = load_dir(dir);
			ck_assert_msg(l->rc == RSC_OK, "%s", dump(l));
			const rsc_cond *c = l->rs.flags[0].targeting[1]->rules[0].when;
			ck_assert_uint_eq(c->nlist, 1000);
			ck_assert_int_eq(c->list[999].i, 999);
			unload(l);
			free(text);
		}
	}
	free(cond);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Times and numbers */

START_TEST(rfc3339)
{
	static const struct {
		const char *s;
		int64_t t;
	} good[] = {
		{ "1970-01-01T00:00:00Z", 0 },
		{ "2026-12-01T09:00:00Z", 1796115600 },
		{ "2026-12-01t09:00:00z", 1796115600 },
		{ "2026-12-01T11:00:00+02:00", 1796115600 },
		{ "2026-12-01T04:30:00-04:30", 1796115600 },
		{ "2026-12-01T09:00:00.999999Z", 1796115600 },
		{ "2000-02-29T23:59:59Z", 951868799 },
		{ "1969-12-31T23:59:59Z", -1 },
		{ "2028-02-29T12:00:00Z", 1835438400 },
		/* RFC 3339 5.6 NOTE: a space for the T, as contexts may write it */
		{ "2026-12-01 09:00:00Z", 1796115600 },
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
		int64_t t = 42;
		ck_assert_msg(rsc_parse_rfc3339(good[i].s, &t) == 0, "%s", good[i].s);
		ck_assert_msg(t == good[i].t, "%s: %lld", good[i].s, (long long)t);
	}
	static const char *const bad[] = {
		"2026-12-01  09:00:00Z", "2026-12-01T09:00:00", "2026-12-01T09:00Z",
		"2027-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-13-01T00:00:00Z",
		"2026-04-31T00:00:00Z", "2026-12-01T24:00:00Z", "2026-12-01T09:60:00Z",
		"2026-12-01T09:00:00.Z", "2026-12-01T09:00:00+0200", "2026-12-01T09:00:00+24:00",
		"2026-12-01T09:00:00Zjunk", "26-12-01T09:00:00Z", "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t t;
		ck_assert_msg(rsc_parse_rfc3339(bad[i], &t) == -1, "accepted %s", bad[i]);
	}
}
END_TEST

static void double_text_cases(void)
{
	static const struct {
		double v;
		const char *s;
	} cases[] = {
		{ 2.0, "2.0" }, { 0.1, "0.1" }, { -2000.0, "-2000.0" }, { 1e20, "1e+20" },
		{ 1.5e300, "1.5e+300" }, { 0.30000000000000004, "0.30000000000000004" },
		{ 1.0 / 3.0, "0.3333333333333333" }, { -0.0, "-0.0" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[32];
		rsc_format_double(buf, sizeof buf, cases[i].v);
		ck_assert_str_eq(buf, cases[i].s);
	}
}

START_TEST(double_text_is_shortest)
{
	double_text_cases();
}
END_TEST

/* The same under a locale with a decimal comma, where printf writes 0,5:
 * added to the suite only when tu_locale could make one (else reported
 * skipped), so it never passes without it. */
START_TEST(double_text_ignores_locale)
{
	ck_assert_ptr_nonnull(setlocale(LC_NUMERIC, "de_DE.UTF-8"));
	char probe[16];
	snprintf(probe, sizeof probe, "%.1f", 0.5);
	ck_assert_str_eq(probe, "0,5"); /* the locale really is in force */
	double_text_cases();
	setlocale(LC_NUMERIC, "C");
}
END_TEST

/* The operands go through the loader's grammar (loader/semver.c), so what
 * validate accepts is what every node opens. */
START_TEST(semver_operands)
{
	cond_error("load-c-semver-range",
		   "      attribute: v\n      semver_gte: \"18446744073709551616.0.0\"\n", 7, 19,
		   "semantic version '18446744073709551616.0.0' for 'semver_gte' is out of "
		   "range: MAJOR, MINOR and PATCH are each at most 18446744073709551615");
	cond_error("load-c-semver-V", "      attribute: v\n      semver_lt: V1.2.3\n", 7, 18,
		   "invalid semantic version 'V1.2.3' for 'semver_lt': expected "
		   "MAJOR.MINOR.PATCH, like 2.3.0 or 1.0.0-rc.1");
	cond_error("load-c-semver-pre", "      attribute: v\n      semver_eq: 1.0.0-01\n", 7, 18,
		   "invalid semantic version '1.0.0-01' for 'semver_eq': expected "
		   "MAJOR.MINOR.PATCH, like 2.3.0 or 1.0.0-rc.1");
}
END_TEST

/* before/after operands: the one RFC 3339 grammar, whole seconds. */
START_TEST(time_operands)
{
	cond_error("load-c-after-frac",
		   "      attribute: t\n      after: 2026-01-01T00:00:00.500Z\n", 7, 14,
		   "time '2026-01-01T00:00:00.500Z' for 'after' has fractional seconds '.500'; "
		   "the ruleset's times are whole seconds: write 2026-01-01T00:00:00Z or "
		   "2026-01-01T00:00:01Z");
	cond_error("load-c-before-zero-frac",
		   "      attribute: t\n      before: \"2026-01-01T00:00:00.0Z\"\n", 7, 15,
		   "time '2026-01-01T00:00:00.0Z' for 'before' has fractional seconds '.0'; "
		   "the ruleset's times are whole seconds: write 2026-01-01T00:00:00Z or "
		   "2026-01-01T00:00:01Z");
	cond_error("load-c-after-T", "      attribute: t\n      after: 2026-01-01T00:00:00\n", 7, 14,
		   "invalid time '2026-01-01T00:00:00' for 'after': expected an RFC 3339 time "
		   "with an offset, like 2026-12-01T09:00:00Z");
}
END_TEST

Suite *load_suite(void); /* called by the runner */
Suite *load_suite(void)
{
	Suite *s = suite_create("load");
	TCase *tc = tcase_create("load");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, valid_ruleset_config_and_flags);
	tcase_add_test(tc, valid_ruleset_conditions);
	tcase_add_test(tc, valid_ruleset_targeting);
	tcase_add_test(tc, missing_config);
	tcase_add_test(tc, misplaced_files);
	tcase_add_test(tc, undeclared_environment_and_missing_definition);
	tcase_add_test(tc, key_must_match_file_name);
	tcase_add_test(tc, yaml_errors_do_not_stop_other_files);
	tcase_add_test(tc, config_refusals);
	tcase_add_test(tc, config_protected_and_ttl_range);
	tcase_add_test(tc, flag_refusals);
	tcase_add_test(tc, variant_type_mismatch);
	tcase_add_test(tc, object_depth_limit);
	tcase_add_test(tc, targeting_unknown_key_typo);
	tcase_add_test(tc, targeting_refusals);
	tcase_add_test(tc, serve_refusals);
	tcase_add_test(tc, condition_traps);
	tcase_add_test(tc, condition_refusals);
	tcase_add_test(tc, condition_limits);
	tcase_add_test(tc, rfc3339);
	tcase_add_test(tc, double_text_is_shortest);
	char why[256];
	if (tu_locale("de_DE.UTF-8", why, sizeof why) == 0)
		tcase_add_test(tc, double_text_ignores_locale);
	else
		fprintf(stderr, "skipped: load: double_text_ignores_locale: %s\n", why);
	tcase_add_test(tc, semver_operands);
	tcase_add_test(tc, time_operands);
	suite_add_tcase(s, tc);
	return s;
}
