/*
 * load.c - the ruleset's YAML trees to the model (model.h), file by file and
 * field by field: where each file belongs, which keys it may have, what type
 * each value is.  Everything here is local to one file; references between
 * files are resolved by check.c.  It reports every problem it can find and
 * goes on, so that one run shows them all.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "load.h"
#include "scalar.h"
#include "suggest.h"

/* ------------------------------------------------------------------ */
/* Files */

static const char *const config_keys[] = { "environments", "protected", "settings", NULL };
static const char *const settings_keys[] = { "snapshot_ttl", NULL };
static const char *const flag_keys[] = {
	"key", "description", "owner", "type", "variants", "off_variant",
	"expires", "tags", "salt", NULL
};
static const char *const segment_keys[] = { "key", "description", "when", NULL };
static const char *const targeting_keys[] = { "enabled", "requires", "rules", "default", NULL };
static const char *const req_keys[] = { "flag", "variant", NULL };
static const char *const rule_keys[] = { "name", "when", "serve", NULL };
static const char *const type_names[] = { "boolean", "string", "integer", "float", "object", NULL };

#define TTL_MIN 60
#define TTL_MAX (365 * 86400)

static const char *env_list(rsc_loader *L)
{
	const char **names = rsc_arena_alloc(L->a, (L->rs->nenvs + 1) * sizeof *names);
	for (size_t i = 0; i < L->rs->nenvs; i++)
		names[i] = L->rs->envs[i].name;
	return rsc_load_join(L->a, names, L->rs->nenvs);
}

/* "; did you mean 'prod'?" for a directory named like a declared
 * environment, else "". */
static const char *env_guess(rsc_loader *L, const char *name)
{
	const char **names = rsc_arena_alloc(L->a, (L->rs->nenvs + 1) * sizeof *names);
	for (size_t i = 0; i < L->rs->nenvs; i++)
		names[i] = L->rs->envs[i].name;
	const char *best = rsc_suggest(name, names, L->rs->nenvs);
	return best ? rsc_arena_printf(L->a, "; did you mean '%s'?", best) : "";
}

/* 0 when the environments were read without a problem. */
static int load_config(rsc_loader *L, const rsc_ynode *root)
{
	rsc_ruleset *rs = L->rs;
	rsc_diags *d = L->d;
	size_t e0 = d->errors;
	if (!rsc_load_want(L, root, RSC_Y_MAP, "rulestead.yaml"))
		return -1;
	rsc_load_unknown_keys(L, root, "rulestead.yaml", config_keys);
	const rsc_ynode *envs = rsc_load_required(L, root, "environments", "rulestead.yaml");
	if (envs && rsc_load_want(L, envs, RSC_Y_SEQ, "'environments'")) {
		if (envs->n == 0)
			rsc_yerror(d, envs, "'environments' must list at least one environment");
		rs->envs = rsc_arena_alloc(L->a, envs->n * sizeof *rs->envs);
		for (size_t i = 0; i < envs->n; i++) {
			const rsc_ynode *e = envs->items[i];
			const char *name;
			if (rsc_scalar_identifier(&name, e, "environment name", d) < 0)
				continue;
			int dup = rsc_model_env_index(rs, name);
			if (dup >= 0) {
				rsc_yerror(d, e, "duplicate environment '%s' (first at %u:%u)", name,
					   (unsigned)rs->envs[dup].pos.line,
					   (unsigned)rs->envs[dup].pos.col);
				continue;
			}
			rs->envs[rs->nenvs].name = name;
			rs->envs[rs->nenvs].pos = rsc_load_pos(e);
			rs->nenvs++;
		}
	}
	int envs_ok = d->errors == e0 && envs;
	const rsc_ynode *prot = rsc_ymap_get(root, "protected");
	if (prot && rsc_load_want(L, prot, RSC_Y_SEQ, "'protected'")) {
		for (size_t i = 0; i < prot->n; i++) {
			const char *name;
			if (rsc_scalar_text(&name, prot->items[i], "protected", d) < 0)
				continue;
			int e = rsc_model_env_index(rs, name);
			if (e >= 0)
				rs->envs[e].protected_ = 1;
			else if (envs_ok)
				rsc_yerror(d, prot->items[i],
					   "protected environment '%s' is not in environments (%s)",
					   rsc_show(d, name, strlen(name)), env_list(L));
		}
	}
	const rsc_ynode *set = rsc_ymap_get(root, "settings");
	if (set && rsc_load_want(L, set, RSC_Y_MAP, "'settings'")) {
		rsc_load_unknown_keys(L, set, "settings", settings_keys);
		const rsc_ynode *ttl = rsc_ymap_get(set, "snapshot_ttl");
		if (ttl && rsc_scalar_duration(&rs->ttl_seconds, ttl, "snapshot_ttl", TTL_MIN,
					       TTL_MAX, d) == 0)
			rs->has_ttl = 1;
	}
	return envs_ok ? 0 : -1;
}

/* key: must be an identifier equal to the file's name. */
static void load_key(rsc_loader *L, const rsc_ynode *map, const char *ctx,
		     const char *what, const char *stem)
{
	const rsc_ynode *k = rsc_load_required(L, map, "key", ctx);
	const char *key;
	if (k && rsc_scalar_identifier(&key, k, what, L->d) == 0 && strcmp(key, stem) != 0)
		rsc_yerror(L->d, k, "key '%s' does not match the file name '%s.yaml'", key,
			   rsc_show(L->d, stem, strlen(stem)));
}

static void load_text(rsc_loader *L, const char **out, const rsc_ynode *map,
		      const char *key, const char *ctx)
{
	const rsc_ynode *v = rsc_load_required(L, map, key, ctx);
	if (v)
		rsc_scalar_text(out, v, key, L->d);
}

static const char *const type_articles[] = { "a boolean", "a string", "an integer",
					     "a float", "an object" };

void rsc_load_value(rsc_loader *L, rsc_value *v, const rsc_ynode *n,
		    enum rsl_flag_type type, const char *name, const char *what)
{
	rsc_diags *d = L->d;
	const char *flag = type_articles[type];
	switch (type) {
	case RSL_TYPE_BOOLEAN:
		if (rsc_scalar_bool(&v->b, n, name, d) == 0)
			v->kind = RSC_V_BOOL;
		return;
	case RSL_TYPE_OBJECT:
		if (n->kind == RSC_Y_SCALAR)
			rsc_yerror(d, n,
				   "%s of an object flag must be a mapping or a "
				   "list, found '%s'",
				   what, rsc_show(d, n->text, n->len));
		else
			rsc_scalar_json(v, L->a, n, name, d);
		return;
	default:
		break;
	}
	const char *expect = type == RSL_TYPE_STRING ? "a string"
			   : type == RSL_TYPE_INTEGER ? "an integer"
						      : "a number";
	if (n->kind != RSC_Y_SCALAR) {
		rsc_yerror(d, n, "%s of %s flag must be %s, found %s", what, flag,
			   expect, rsc_ynode_kind_name(n));
		return;
	}
	if (rsc_scalar_value(v, n, name, d) < 0)
		return;
	if (type == RSL_TYPE_FLOAT && v->kind == RSC_V_INT) {
		v->kind = RSC_V_FLOAT;
		v->f = (double)v->i;
		v->i = 0;
	}
	int ok = type == RSL_TYPE_STRING ? v->kind == RSC_V_STRING
	       : type == RSL_TYPE_INTEGER ? v->kind == RSC_V_INT
					  : v->kind == RSC_V_FLOAT;
	if (ok)
		return;
	if (type == RSL_TYPE_STRING)
		rsc_yerror(d, n,
			   "%s of a string flag must be a string, found %s; "
			   "quote it (\"%s\") for a string",
			   what, rsc_describe_value(d, v), rsc_show(d, n->text, n->len));
	else
		rsc_yerror(d, n, "%s of %s flag must be %s, found %s", what, flag,
			   expect, rsc_describe_value(d, v));
	memset(v, 0, sizeof *v);
}

/* A flag from its file; root NULL when the file did not parse (f is then
 * only its key, marked broken). */
static void load_flag(rsc_loader *L, rsc_flag *f, const char *stem, const char *path,
		      const rsc_ynode *root)
{
	rsc_diags *d = L->d;
	memset(f, 0, sizeof *f);
	f->key = stem;
	f->file = path;
	f->pos = root ? rsc_load_pos(root) : (rsc_pos){ path, 1, 1 };
	f->salt = stem;
	f->off_variant.index = -1;
	if (!root) {
		f->broken = 1;
		return;
	}
	f->broken = 1;
	if (!rsc_load_want(L, root, RSC_Y_MAP, "the flag definition"))
		return;
	rsc_load_unknown_keys(L, root, "flag", flag_keys);
	load_key(L, root, "flag", "flag key", stem);
	load_text(L, &f->description, root, "description", "flag");
	load_text(L, &f->owner, root, "owner", "flag");

	size_t e_variants = d->errors;
	int type_ok = 1;
	const rsc_ynode *tn = rsc_ymap_get(root, "type");
	if (tn) {
		type_ok = 0;
		const char *t;
		if (rsc_scalar_text(&t, tn, "type", d) == 0) {
			for (size_t i = 0; type_names[i]; i++)
				if (strcmp(t, type_names[i]) == 0) {
					f->type = (enum rsl_flag_type)i;
					type_ok = 1;
				}
			if (!type_ok)
				rsc_yerror(d, tn, "unknown flag type '%s'; expected one of %s",
					   rsc_show(d, tn->text, tn->len),
					   rsc_load_join(L->a, type_names, rsc_load_count_words(type_names)));
		}
	}

	const rsc_ynode *keyn = rsc_ymap_get(root, "key");
	rsc_pos synth = rsc_load_pos(keyn ? keyn : root);
	const rsc_ynode *vn = rsc_ymap_get(root, "variants");
	int defaulted = 0;
	if (!vn) {
		if (f->type == RSL_TYPE_BOOLEAN && type_ok) {
			defaulted = 1;
			f->variants = rsc_arena_alloc(L->a, 2 * sizeof *f->variants);
			f->nvariants = 2;
			f->variants[0].name = "on";
			f->variants[0].pos = synth;
			f->variants[0].value.kind = RSC_V_BOOL;
			f->variants[0].value.b = 1;
			f->variants[1].name = "off";
			f->variants[1].pos = synth;
			f->variants[1].value.kind = RSC_V_BOOL;
		} else if (type_ok && !rsc_load_guessed(L, root, "variants")) {
			rsc_yerror(d, root,
				   "missing required key 'variants' in flag: only a boolean "
				   "flag has default variants");
		}
	} else if (rsc_load_want(L, vn, RSC_Y_MAP, "'variants'")) {
		if (vn->n == 0 || vn->n > RSL_MAX_VARIANTS)
			rsc_yerror(d, vn, "'variants' needs 1 to %d variants, found %zu",
				   RSL_MAX_VARIANTS, vn->n);
		f->variants = rsc_arena_alloc(L->a, vn->n * sizeof *f->variants);
		for (size_t i = 0; i < vn->n; i++) {
			rsc_variant *var = &f->variants[f->nvariants];
			if (rsc_scalar_identifier(&var->name, vn->keys[i], "variant name", d) < 0)
				continue;
			var->pos = rsc_load_pos(vn->keys[i]);
			if (type_ok)
				rsc_load_value(L, &var->value, vn->items[i], f->type, var->name,
					       rsc_arena_printf(&L->scratch, "variant '%s'", var->name));
			f->nvariants++;
		}
	}

	const rsc_ynode *off = rsc_ymap_get(root, "off_variant");
	if (off) {
		rsc_load_vref(L, &f->off_variant, off, "off_variant");
	} else if (defaulted) {
		f->off_variant.name = "off";
		f->off_variant.pos = synth;
	} else if (type_ok && !rsc_load_guessed(L, root, "off_variant")) {
		rsc_yerror(d, root, "missing required key 'off_variant' in flag");
	}
	f->broken = d->errors > e_variants;

	const rsc_ynode *ex = rsc_ymap_get(root, "expires");
	if (ex && rsc_scalar_date(&f->expires_y, &f->expires_m, &f->expires_d, ex,
				  "expires", d) == 0) {
		f->has_expires = 1;
		f->expires_pos = rsc_load_pos(ex);
	}

	const rsc_ynode *tags = rsc_ymap_get(root, "tags");
	if (tags && rsc_load_want(L, tags, RSC_Y_SEQ, "'tags'")) {
		f->tags = rsc_arena_alloc(L->a, tags->n * sizeof *f->tags);
		for (size_t i = 0; i < tags->n; i++)
			if (rsc_scalar_identifier(&f->tags[f->ntags], tags->items[i], "tag", d) == 0)
				f->ntags++;
	}

	const rsc_ynode *salt = rsc_ymap_get(root, "salt");
	if (salt)
		rsc_scalar_text(&f->salt, salt, "salt", d);
}

/* A segment from its file; root NULL when the file did not parse. */
static void load_segment(rsc_loader *L, rsc_segment *s, const char *stem, const char *path,
			 const rsc_ynode *root)
{
	size_t e0 = L->d->errors;
	memset(s, 0, sizeof *s);
	s->key = stem;
	s->file = path;
	s->pos = root ? rsc_load_pos(root) : (rsc_pos){ path, 1, 1 };
	s->broken = 1;
	if (!root || !rsc_load_want(L, root, RSC_Y_MAP, "the segment"))
		return;
	rsc_load_unknown_keys(L, root, "segment", segment_keys);
	load_key(L, root, "segment", "segment key", stem);
	load_text(L, &s->description, root, "description", "segment");
	const rsc_ynode *w = rsc_load_required(L, root, "when", "segment");
	if (w)
		s->when = rsc_load_cond(L, w, 1);
	s->broken = L->d->errors > e0;
}

/* Characters of UTF-8 text (the reader has checked the encoding). */
static size_t utf8_chars(const char *s, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

#define RULE_NAME_MAX 200

static void load_rule(rsc_loader *L, rsc_rule *r, const rsc_ynode *n,
		      const rsc_ynode **names, size_t i)
{
	rsc_diags *d = L->d;
	r->pos = rsc_load_pos(n);
	names[i] = NULL;
	if (!rsc_load_want(L, n, RSC_Y_MAP, "'rules' item"))
		return;
	rsc_load_unknown_keys(L, n, "rule", rule_keys);
	const rsc_ynode *name = rsc_load_required(L, n, "name", "rule");
	if (name && rsc_scalar_text(&r->name, name, "name", d) == 0) {
		size_t chars = utf8_chars(name->text, name->len);
		if (chars > RULE_NAME_MAX) {
			rsc_yerror(d, name, "rule name is %zu characters long; the limit is %d",
				   chars, RULE_NAME_MAX);
		} else {
			for (size_t j = 0; j < i; j++)
				if (names[j] && names[j]->len == name->len &&
				    memcmp(names[j]->text, name->text, name->len) == 0) {
					rsc_yerror(d, name, "duplicate rule name '%s' (first at %u:%u)",
						   rsc_show(d, name->text, name->len),
						   (unsigned)names[j]->line, (unsigned)names[j]->col);
					break;
				}
			names[i] = name;
		}
	}
	const rsc_ynode *w = rsc_ymap_get(n, "when");
	if (w)
		r->when = rsc_load_cond(L, w, 1);
	const rsc_ynode *s = rsc_load_required(L, n, "serve", "rule");
	if (s)
		rsc_load_serve(L, &r->serve, s, "serve");
}

static void load_targeting(rsc_loader *L, rsc_targeting *t, const char *path,
			   const rsc_ynode *root)
{
	rsc_diags *d = L->d;
	t->file = path;
	t->pos = rsc_load_pos(root);
	if (!rsc_load_want(L, root, RSC_Y_MAP, "the targeting"))
		return;
	rsc_load_unknown_keys(L, root, "targeting", targeting_keys);
	const rsc_ynode *en = rsc_load_required(L, root, "enabled", "targeting");
	if (en)
		rsc_scalar_bool(&t->enabled, en, "enabled", d);

	const rsc_ynode *req = rsc_ymap_get(root, "requires");
	if (req && rsc_load_want(L, req, RSC_Y_SEQ, "'requires'")) {
		t->requires = rsc_arena_alloc(L->a, req->n * sizeof *t->requires);
		t->nrequires = req->n;
		for (size_t i = 0; i < req->n; i++) {
			const rsc_ynode *e = req->items[i];
			rsc_req *r = &t->requires[i];
			r->pos = rsc_load_pos(e);
			r->flag_index = -1;
			r->variant.index = -1;
			if (!rsc_load_want(L, e, RSC_Y_MAP, "'requires' item"))
				continue;
			rsc_load_unknown_keys(L, e, "requires entry", req_keys);
			const rsc_ynode *fl = rsc_load_required(L, e, "flag", "requires entry");
			if (fl)
				rsc_scalar_text(&r->flag, fl, "flag", d);
			const rsc_ynode *v = rsc_load_required(L, e, "variant", "requires entry");
			if (v)
				rsc_load_vref(L, &r->variant, v, "variant");
		}
	}

	const rsc_ynode *rules = rsc_ymap_get(root, "rules");
	if (rules && rsc_load_want(L, rules, RSC_Y_SEQ, "'rules'")) {
		if (rules->n > RSL_MAX_RULES) {
			rsc_yerror(d, rules, "too many rules: %zu; the limit is %d", rules->n,
				   RSL_MAX_RULES);
		} else {
			const rsc_ynode **names =
				rsc_arena_alloc(&L->scratch, (rules->n + 1) * sizeof *names);
			t->rules = rsc_arena_alloc(L->a, rules->n * sizeof *t->rules);
			t->nrules = rules->n;
			for (size_t i = 0; i < rules->n; i++)
				load_rule(L, &t->rules[i], rules->items[i], names, i);
		}
	}

	const rsc_ynode *dflt = rsc_load_required(L, root, "default", "targeting");
	if (dflt) {
		t->dflt_pos = rsc_load_pos(dflt);
		rsc_load_serve(L, &t->dflt, dflt, "default");
	} else {
		t->dflt.variant.index = -1;
		t->dflt.by = "targeting_key";
	}
}

/* ------------------------------------------------------------------ */
/* The ruleset */

enum { F_IGNORE, F_BAD, F_CONFIG, F_FLAG, F_SEGMENT, F_TARGETING };

static int ends_with(const char *s, size_t len, const char *suffix)
{
	size_t l = strlen(suffix);
	return len >= l && memcmp(s + len - l, suffix, l) == 0;
}

/* Whether path has a component starting with '.': another tool's file
 * (.github/workflows/ci.yml), never part of the ruleset.  rsc_source_read
 * already skips them; this covers filesets built otherwise. */
static int hidden_path(const char *p)
{
	for (const char *s = p; *s; s++)
		if (*s == '.' && (s == p || s[-1] == '/'))
			return 1;
	return 0;
}

#define LAYOUT_HINT                                                              \
	"a ruleset root holds only rulestead.yaml, <flag>.yaml, "                 \
	"segments/<segment>.yaml, environments/<env>/<flag>.yaml and "            \
	"tests/<name>.yaml (rsc test's expectations); keep other "                \
	"YAML in a dot-directory (such as .github/) or outside the ruleset root " \
	"(rsc validate --root <dir>)"

/* Where a file belongs, from its path; stem is its name without .yaml and
 * env its environment directory. */
static int classify(rsc_loader *L, const rsc_file *f, const char **stem, const char **env)
{
	const char *p = f->path;
	size_t len = strlen(p);
	const char *base = strrchr(p, '/');
	base = base ? base + 1 : p;
	int yml = ends_with(p, len, ".yml");
	if ((!yml && !ends_with(p, len, ".yaml")) || hidden_path(p))
		return F_IGNORE;
	size_t slashes = 0;
	for (const char *s = p; *s; s++)
		slashes += *s == '/';
	int kind = F_BAD;
	if (slashes == 0)
		kind = strncmp(p, "rulestead.", 10) == 0 && len == (yml ? 13u : 14u)
			       ? F_CONFIG : F_FLAG;
	else if (slashes == 1 && strncmp(p, "segments/", 9) == 0)
		kind = F_SEGMENT;
	else if (slashes == 2 && strncmp(p, "environments/", 13) == 0 && p[13] != '/')
		kind = F_TARGETING;
	else if (slashes == 1 && strncmp(p, "tests/", 6) == 0 && !yml)
		return F_IGNORE; /* expectations: rsc test reads them (expect.c) */
	if (kind == F_BAD) {
		rsc_error(L->d, p, 0, 0, "unexpected file: " LAYOUT_HINT);
		return F_BAD;
	}
	if (yml) {
		size_t bl = strlen(base);
		rsc_error(L->d, p, 0, 0, "use the .yaml extension ('%s' \xe2\x86\x92 '%.*s.yaml')",
			  base, (int)(bl - 4), base);
		return F_BAD;
	}
	if (kind == F_CONFIG)
		return F_CONFIG;
	*stem = rsc_arena_strndup(L->a, base, strlen(base) - 5);
	if (kind == F_TARGETING)
		*env = rsc_arena_strndup(L->a, p + 13, (size_t)(base - 1 - (p + 13)));
	return kind;
}

static int by_flag_key(const void *x, const void *y)
{
	return strcmp(((const rsc_flag *)x)->key, ((const rsc_flag *)y)->key);
}

static int by_segment_key(const void *x, const void *y)
{
	return strcmp(((const rsc_segment *)x)->key, ((const rsc_segment *)y)->key);
}

/* The tree of f in L->scratch, with its scalars' text in the run's arena;
 * the previous file's tree is freed first, and f's bytes too when the set
 * is drop_parsed (nothing in the tree points into them). */
static const rsc_ynode *parse(rsc_loader *L, rsc_file *f)
{
	rsc_ynode *root = NULL;
	rsc_arena_free(&L->scratch);
	L->guesses = NULL;
	int rc = rsc_ydoc_parse_interned(&root, &L->scratch, &L->text, f->path, f->data,
					 f->len, L->d);
	if (L->rs->files->drop_parsed) {
		rsc_arena_block_free(L->rs->files->arena, (void *)f->data);
		f->data = NULL;
	}
	return rc == RSC_OK ? root : NULL;
}

/* Is there a file path (any content)?  fs is sorted by path. */
static int has_file(const rsc_fileset *fs, const char *path)
{
	size_t lo = 0, hi = fs->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(fs->v[mid].path, path);
		if (c == 0)
			return 1;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int rsc_model_load(rsc_ruleset *rs, rsc_arena *a, rsc_fileset *fs,
		   rsc_diags *d)
{
	size_t e0 = d->errors;
	memset(rs, 0, sizeof *rs);
	rs->arena = a;
	rs->files = fs;
	rsc_loader L = { rs, a, d, RSC_ARENA_INIT, NULL, RSC_STRSET_INIT(a) };

	/* Without it nothing else can be checked, and a mistyped --root would
	 * bury that under one "unexpected file" per file. */
	if (!has_file(fs, "rulestead.yaml") && !has_file(fs, "rulestead.yml")) {
		if (fs->root)
			rsc_error(d, "rulestead.yaml", 0, 0,
				  "missing rulestead.yaml: is '%s' the ruleset root? (--root "
				  "names the directory holding rulestead.yaml)",
				  rsc_show(d, fs->root, strlen(fs->root)));
		else
			rsc_error(d, "rulestead.yaml", 0, 0,
				  "missing rulestead.yaml: every ruleset root needs one "
				  "(environments: [...])");
		return RSC_EINVALID;
	}

	int *kind = rsc_arena_alloc(a, (fs->n + 1) * sizeof *kind);
	const char **stem = rsc_arena_alloc(a, (fs->n + 1) * sizeof *stem);
	const char **env = rsc_arena_alloc(a, (fs->n + 1) * sizeof *env);
	size_t nflags = 0, nsegments = 0;
	rsc_file *config = NULL;
	for (size_t i = 0; i < fs->n; i++) {
		kind[i] = classify(&L, &fs->v[i], &stem[i], &env[i]);
		nflags += kind[i] == F_FLAG;
		nsegments += kind[i] == F_SEGMENT;
		if (kind[i] == F_CONFIG)
			config = &fs->v[i];
	}

	int envs_ok = 0;
	if (config) {
		const rsc_ynode *root = parse(&L, config);
		if (root)
			envs_ok = load_config(&L, root) == 0;
	}

	rs->flags = rsc_arena_alloc(a, (nflags + 1) * sizeof *rs->flags);
	rs->segments = rsc_arena_alloc(a, (nsegments + 1) * sizeof *rs->segments);
	/* A flag or segment whose file has an error is kept (broken), so that
	 * its targeting and the references to it are still checked. */
	for (size_t i = 0; i < fs->n; i++) {
		if (kind[i] == F_FLAG)
			load_flag(&L, &rs->flags[rs->nflags++], stem[i], fs->v[i].path,
				  parse(&L, &fs->v[i]));
		if (kind[i] == F_SEGMENT)
			load_segment(&L, &rs->segments[rs->nsegments++], stem[i],
				     fs->v[i].path, parse(&L, &fs->v[i]));
	}
	qsort(rs->flags, rs->nflags, sizeof *rs->flags, by_flag_key);
	qsort(rs->segments, rs->nsegments, sizeof *rs->segments, by_segment_key);
	rs->targeting_arenas = rsc_arena_alloc(a, (rs->nenvs + 1) * sizeof *rs->targeting_arenas);
	for (size_t i = 0; i < rs->nenvs; i++)
		rs->targeting_arenas[i] = (rsc_arena)RSC_ARENA_PART(a);
	for (size_t i = 0; i < rs->nflags; i++)
		rs->flags[i].targeting =
			rsc_arena_alloc(a, (rs->nenvs + 1) * sizeof *rs->flags[i].targeting);

	for (size_t i = 0; i < fs->n; i++) {
		if (kind[i] != F_TARGETING)
			continue;
		rsc_file *f = &fs->v[i];
		int e = rsc_model_env_index(rs, env[i]);
		if (e < 0 && envs_ok)
			rsc_error(d, f->path, 0, 0,
				  "environment directory '%s' is not declared in rulestead.yaml "
				  "(environments: %s)%s",
				  rsc_show(d, env[i], strlen(env[i])), env_list(&L),
				  env_guess(&L, env[i]));
		int fi = rsc_model_flag_index(rs, stem[i]);
		if (fi < 0 && !has_file(fs, rsc_arena_printf(a, "%s.yaml", stem[i])))
			rsc_error(d, f->path, 0, 0,
				  "no flag definition '%s.yaml' for this targeting file",
				  rsc_show(d, stem[i], strlen(stem[i])));
		const rsc_ynode *root = parse(&L, f);
		if (!root)
			continue;
		L.a = e >= 0 ? &rs->targeting_arenas[e] : a;
		rsc_targeting *t = rsc_arena_alloc(L.a, sizeof *t);
		load_targeting(&L, t, f->path, root);
		L.a = a;
		if (e >= 0 && fi >= 0)
			rs->flags[fi].targeting[e] = t;
	}
	rsc_arena_free(&L.scratch);
	rsc_strset_free(&L.text);
	if (d->errors == e0)
		return RSC_OK;
	/* The other files' problems too, in the same run. */
	rs->load_failed = 1;
	rsc_model_check(rs, d);
	return RSC_EINVALID;
}

/* ------------------------------------------------------------------ */
/* Lookups */

int rsc_model_flag_index(const rsc_ruleset *rs, const char *key)
{
	size_t lo = 0, hi = rs->nflags;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(rs->flags[mid].key, key);
		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int rsc_model_segment_index(const rsc_ruleset *rs, const char *key)
{
	size_t lo = 0, hi = rs->nsegments;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(rs->segments[mid].key, key);
		if (c == 0)
			return (int)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

int rsc_model_env_index(const rsc_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nenvs; i++)
		if (strcmp(rs->envs[i].name, name) == 0)
			return (int)i;
	return -1;
}

int rsc_model_variant_index(const rsc_flag *f, const char *name)
{
	for (size_t i = 0; i < f->nvariants; i++)
		if (strcmp(f->variants[i].name, name) == 0)
			return (int)i;
	return -1;
}

void rsc_model_drop_targeting(rsc_ruleset *rs, size_t env)
{
	if (!rs->targeting_arenas || env >= rs->nenvs)
		return;
	for (size_t i = 0; i < rs->nflags; i++)
		if (rs->flags[i].targeting)
			rs->flags[i].targeting[env] = NULL;
	rsc_arena_free(&rs->targeting_arenas[env]);
}
