/*
 * check_check.c - cross-file semantic checks (compiler/check.c): rulesets
 * written to tests/tmp/, read from the work tree, loaded and checked; every
 * error asserted with its message and file:line:col.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "model.h"
#include "testutil.h"

typedef struct run {
	rsc_arena arena;
	rsc_diags d;
	rsc_fileset fs;
	rsc_ruleset rs;
	int rc;
} run;

/* All diagnostics, one a line, for failure messages. */
static const char *dump(const rsc_diags *d)
{
	static char buf[8192];
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < d->n && n < sizeof buf - 1; i++) {
		int w = snprintf(buf + n, sizeof buf - n, "\n  %s:%u:%u: %s: %s",
				 d->v[i].file, d->v[i].line, d->v[i].col,
				 d->v[i].severity == RSC_ERROR ? "error"
							       : "warning",
				 d->v[i].message);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	return buf;
}

static void run_check(run *r, const char *dir)
{
	memset(r, 0, sizeof *r);
	rsc_diags_init(&r->d, &r->arena);
	ck_assert_int_eq(rsc_source_read(&r->fs, &r->arena, dir, NULL, &r->d),
			 RSC_OK);
	int rc = rsc_model_load(&r->rs, &r->arena, &r->fs, &r->d);
	ck_assert_msg(rc == RSC_OK, "load failed:%s", dump(&r->d));
	r->rc = rsc_model_check(&r->rs, &r->d);
}

static void run_free(run *r)
{
	rsc_diags_free(&r->d);
	rsc_arena_free(&r->arena);
}

static void expect(const rsc_diags *d, const char *file, uint32_t line,
		   uint32_t col, const char *msg)
{
	for (size_t i = 0; i < d->n; i++) {
		const rsc_diag *g = &d->v[i];
		if (strcmp(g->message, msg) != 0)
			continue;
		ck_assert_int_eq(g->severity, RSC_ERROR);
		ck_assert_msg(strcmp(g->file, file) == 0 && g->line == line &&
				      g->col == col,
			      "'%s' at %s:%u:%u, expected %s:%u:%u", msg,
			      g->file, g->line, g->col, file, line, col);
		return;
	}
	ck_abort_msg("no error '%s'; got:%s", msg, dump(d));
}

#define EXPECT_ERRORS(r, n)                                                \
	do {                                                               \
		ck_assert_msg((r)->d.errors == (n) && (r)->d.warnings == 0, \
			      "%zu errors, %zu warnings, expected %d:%s",  \
			      (r)->d.errors, (r)->d.warnings, (n),         \
			      dump(&(r)->d));                              \
		ck_assert_int_eq((r)->rc, (n) ? RSC_EINVALID : RSC_OK);    \
	} while (0)

/* rulestead.yaml with dev and prod, boolean flags a, b and c, and a
 * string flag color (red, green, blue; off red). */
static char *base(const char *name)
{
	char *dir = tu_tmpdir(name);
	tu_write(dir, "rulestead.yaml", "environments:\n  - dev\n  - prod\n");
	static const char *const bools[] = { "a", "b", "c" };
	for (size_t i = 0; i < 3; i++) {
		char rel[32], text[128];
		snprintf(rel, sizeof rel, "%s.yaml", bools[i]);
		snprintf(text, sizeof text,
			 "key: %s\ndescription: Flag %s.\nowner: team\n",
			 bools[i], bools[i]);
		tu_write(dir, rel, text);
	}
	tu_write(dir, "color.yaml",
		 "key: color\n"
		 "description: A colour.\n"
		 "owner: team\n"
		 "type: string\n"
		 "variants:\n"
		 "  red: \"#f00\"\n"
		 "  green: \"#0f0\"\n"
		 "  blue: \"#00f\"\n"
		 "off_variant: red\n");
	return dir;
}

START_TEST(valid_ruleset_has_no_errors)
{
	run r;
	run_check(&r, "tests/fixtures/check/valid");
	EXPECT_ERRORS(&r, 0);

	/* Every reference is resolved to its index. */
	int fi = rsc_model_flag_index(&r.rs, "new-checkout");
	int pi = rsc_model_flag_index(&r.rs, "payments-api-v2");
	int dev = rsc_model_env_index(&r.rs, "dev");
	int prod = rsc_model_env_index(&r.rs, "prod");
	ck_assert_int_ge(fi, 0);
	ck_assert_int_ge(pi, 0);
	const rsc_flag *f = &r.rs.flags[fi];
	ck_assert_int_eq(f->off_variant.index,
			 rsc_model_variant_index(f, "off"));
	const rsc_targeting *t = f->targeting[dev];
	ck_assert_int_eq(t->requires[0].flag_index, pi);
	ck_assert_int_eq(t->requires[0].variant.index,
			 rsc_model_variant_index(&r.rs.flags[pi], "on"));
	ck_assert_int_eq(t->rules[0].when->segment_index,
			 rsc_model_segment_index(&r.rs, "beta-testers"));
	ck_assert_int_eq(t->rules[0].serve.variant.index,
			 rsc_model_variant_index(f, "on"));
	ck_assert_int_eq(t->rules[1].serve.split.variants[1].index,
			 rsc_model_variant_index(f, "off"));
	ck_assert_int_eq(t->dflt.variant.index,
			 rsc_model_variant_index(f, "off"));
	const rsc_serve *s = &f->targeting[prod]->dflt;
	ck_assert_int_eq(s->kind, RSL_SERVE_SCHEDULE);
	ck_assert_int_eq(s->steps[1].split.variants[0].index,
			 rsc_model_variant_index(f, "on"));
	ck_assert_int_eq(s->steps[2].variant.index,
			 rsc_model_variant_index(f, "on"));
	int staff = rsc_model_segment_index(&r.rs, "staff");
	int beta = rsc_model_segment_index(&r.rs, "beta-testers");
	ck_assert_int_eq(r.rs.segments[beta].when->kids[1]->segment_index,
			 staff);
	run_free(&r);
}
END_TEST

START_TEST(unknown_variants)
{
	char *dir = base("check-unknown-variants");
	tu_write(dir, "environments/dev/color.yaml",
		 "enabled: true\n"
		 "rules:\n"
		 "  - name: one\n"
		 "    serve: gren\n"
		 "  - name: two\n"
		 "    serve:\n"
		 "      split:\n"
		 "        red: 50\n"
		 "        bleu: 50\n"
		 "default: Red\n");
	tu_write(dir, "environments/prod/color.yaml",
		 "enabled: true\n"
		 "default:\n"
		 "  schedule:\n"
		 "    - at: 2026-12-01T09:00:00Z\n"
		 "      variant: purple\n"
		 "    - at: 2026-12-02T09:00:00Z\n"
		 "      split: { red: 50, grey: 50 }\n");
	run r;
	run_check(&r, dir);
	const char *dev = "environments/dev/color.yaml";
	const char *prod = "environments/prod/color.yaml";
	expect(&r.d, dev, 4, 12,
	       "unknown variant 'gren' for flag 'color'; expected one of red, "
	       "green, blue; did you mean 'green'?");
	expect(&r.d, dev, 9, 9,
	       "unknown variant 'bleu' for flag 'color'; expected one of red, "
	       "green, blue; did you mean 'blue'?");
	expect(&r.d, dev, 10, 10,
	       "unknown variant 'Red' for flag 'color'; expected one of red, "
	       "green, blue; did you mean 'red'?");
	expect(&r.d, prod, 5, 16,
	       "unknown variant 'purple' for flag 'color'; expected one of "
	       "red, green, blue");
	expect(&r.d, prod, 7, 25,
	       "unknown variant 'grey' for flag 'color'; expected one of red, "
	       "green, blue; did you mean 'green'?");
	EXPECT_ERRORS(&r, 5);
	run_free(&r);
}
END_TEST

START_TEST(unknown_off_variant)
{
	char *dir = base("check-off-variant");
	tu_write(dir, "size.yaml",
		 "key: size\n"
		 "description: A size.\n"
		 "owner: team\n"
		 "type: integer\n"
		 "variants:\n"
		 "  small: 1\n"
		 "  large: 2\n"
		 "off_variant: medium\n");
	run r;
	run_check(&r, dir);
	expect(&r.d, "size.yaml", 8, 14,
	       "unknown variant 'medium' for flag 'size'; expected one of "
	       "small, large");
	EXPECT_ERRORS(&r, 1);
	run_free(&r);
}
END_TEST

START_TEST(split_sums)
{
	char *dir = base("check-split-sums");
	tu_write(dir, "environments/dev/color.yaml",
		 "enabled: true\n"
		 "rules:\n"
		 "  - name: under\n"
		 "    serve:\n"
		 "      split:\n"
		 "        red: 50\n"
		 "        green: 45.5\n"
		 "default:\n"
		 "  split: { red: 50, green: 50.001 }\n");
	tu_write(dir, "environments/prod/color.yaml",
		 "enabled: true\n"
		 "default:\n"
		 "  schedule:\n"
		 "    - at: 2026-12-01T09:00:00Z\n"
		 "      split: { red: 0.5, blue: 0.25 }\n"
		 "    - at: 2026-12-02T09:00:00Z\n"
		 "      split: { red: 99.999, blue: 0.001 }\n");
	run r;
	run_check(&r, dir);
	expect(&r.d, "environments/dev/color.yaml", 6, 9,
	       "split percentages sum to 95.5, expected 100");
	expect(&r.d, "environments/dev/color.yaml", 9, 10,
	       "split percentages sum to 100.001, expected 100");
	expect(&r.d, "environments/prod/color.yaml", 5, 14,
	       "split percentages sum to 0.75, expected 100");
	EXPECT_ERRORS(&r, 3);
	run_free(&r);
}
END_TEST

/* YAML refuses duplicate keys, so a split naming a variant twice can only
 * come from a model built otherwise; check.c must not trust the reader. */
START_TEST(split_variant_twice)
{
	char *dir = base("check-split-twice");
	tu_write(dir, "environments/dev/color.yaml",
		 "enabled: true\n"
		 "default:\n"
		 "  split:\n"
		 "    red: 40\n"
		 "    green: 60\n");
	run r;
	run_check(&r, dir);
	EXPECT_ERRORS(&r, 0);
	rsc_split *s = &r.rs.flags[rsc_model_flag_index(&r.rs, "color")]
				.targeting[0]
				->dflt.split;
	s->variants[1].name = "red";
	rsc_diags_free(&r.d);
	rsc_diags_init(&r.d, &r.arena);
	r.rc = rsc_model_check(&r.rs, &r.d);
	expect(&r.d, "environments/dev/color.yaml", 5, 5,
	       "variant 'red' appears more than once in this split");
	EXPECT_ERRORS(&r, 1);
	run_free(&r);
}
END_TEST

START_TEST(schedule_times_increase)
{
	char *dir = base("check-schedule");
	tu_write(dir, "environments/prod/color.yaml",
		 "enabled: true\n"
		 "default:\n"
		 "  schedule:\n"
		 "    - at: 2026-12-03T09:00:00Z\n"
		 "      variant: green\n"
		 "    - at: 2026-12-01T09:00:00Z\n"
		 "      variant: blue\n"
		 "    - at: 2026-12-01T11:00:00+02:00\n"
		 "      variant: green\n"
		 "    - at: 2027-01-01T00:00:00Z\n"
		 "      variant: blue\n");
	run r;
	run_check(&r, dir);
	const char *f = "environments/prod/color.yaml";
	expect(&r.d, f, 6, 7,
	       "schedule step at 2026-12-01T09:00:00Z is not after the "
	       "previous step (2026-12-03T09:00:00Z)");
	/* Equal instants written with different offsets. */
	expect(&r.d, f, 8, 7,
	       "schedule step at 2026-12-01T09:00:00Z is not after the "
	       "previous step (2026-12-01T09:00:00Z)");
	EXPECT_ERRORS(&r, 2);
	run_free(&r);
}
END_TEST

START_TEST(unknown_segments)
{
	char *dir = base("check-unknown-segments");
	tu_write(dir, "segments/staff.yaml",
		 "key: staff\n"
		 "description: Staff.\n"
		 "when:\n"
		 "  any:\n"
		 "    - attribute: email\n"
		 "      ends_with: \"@example.com\"\n"
		 "    - not:\n"
		 "        segment: contractors\n");
	tu_write(dir, "environments/dev/a.yaml",
		 "enabled: true\n"
		 "rules:\n"
		 "  - name: beta\n"
		 "    when:\n"
		 "      segment: beta\n"
		 "    serve: on\n"
		 "  - name: staff\n"
		 "    when:\n"
		 "      segment: staff\n"
		 "    serve: on\n"
		 "  - name: typo\n"
		 "    when:\n"
		 "      segment: staf\n"
		 "    serve: on\n"
		 "default: off\n");
	run r;
	run_check(&r, dir);
	expect(&r.d, "environments/dev/a.yaml", 13, 7,
	       "unknown segment 'staf'; no file segments/staf.yaml; "
	       "did you mean 'staff'?");
	expect(&r.d, "segments/staff.yaml", 8, 9,
	       "unknown segment 'contractors'; no file "
	       "segments/contractors.yaml");
	expect(&r.d, "environments/dev/a.yaml", 5, 7,
	       "unknown segment 'beta'; no file segments/beta.yaml");
	EXPECT_ERRORS(&r, 3);
	run_free(&r);
}
END_TEST

static void segment(const char *dir, const char *key, const char *uses)
{
	char rel[64], text[256];
	snprintf(rel, sizeof rel, "segments/%s.yaml", key);
	snprintf(text, sizeof text,
		 "key: %s\n"
		 "description: Segment %s.\n"
		 "when:\n"
		 "  any:\n"
		 "    - attribute: plan\n"
		 "      eq: pro\n"
		 "    - segment: %s\n",
		 key, key, uses);
	tu_write(dir, rel, text);
}

START_TEST(segment_cycles)
{
	char *dir = base("check-segment-cycles");
	/* b -> c -> a -> b: reported once, from its smallest key. */
	segment(dir, "a", "b");
	segment(dir, "b", "c");
	segment(dir, "c", "a");
	segment(dir, "self", "self");
	segment(dir, "x", "a"); /* leads into a cycle, is not in one */
	run r;
	run_check(&r, dir);
	expect(&r.d, "segments/a.yaml", 7, 7, "segment cycle: a -> b -> c -> a");
	expect(&r.d, "segments/self.yaml", 7, 7,
	       "segment cycle: self -> self");
	EXPECT_ERRORS(&r, 2);
	run_free(&r);
}
END_TEST

START_TEST(segment_cycle_found_from_later_entry)
{
	/* The search enters the cycle at d (via a), not at its smallest key
	 * c; the message still starts at c. */
	char *dir = base("check-segment-cycle-rotate");
	segment(dir, "a", "d");
	segment(dir, "c", "d");
	segment(dir, "d", "e");
	segment(dir, "e", "c");
	run r;
	run_check(&r, dir);
	expect(&r.d, "segments/c.yaml", 7, 7, "segment cycle: c -> d -> e -> c");
	EXPECT_ERRORS(&r, 1);
	run_free(&r);
}
END_TEST

START_TEST(prerequisite_references)
{
	char *dir = base("check-requires");
	tu_write(dir, "environments/dev/a.yaml",
		 "enabled: true\n"
		 "requires:\n"
		 "  - flag: nope\n"
		 "    variant: on\n"
		 "  - flag: color\n"
		 "    variant: on\n"
		 "  - flag: a\n"
		 "    variant: on\n"
		 "  - flag: color\n"
		 "    variant: green\n"
		 "  - flag: colr\n"
		 "    variant: red\n"
		 "default: off\n");
	run r;
	run_check(&r, dir);
	const char *f = "environments/dev/a.yaml";
	expect(&r.d, f, 3, 5, "unknown flag 'nope'; no file nope.yaml");
	/* 'on' is a's variant, not color's. */
	expect(&r.d, f, 6, 14,
	       "unknown variant 'on' for flag 'color'; expected one of red, "
	       "green, blue");
	expect(&r.d, f, 7, 5, "flag 'a' requires itself");
	/* The loader refuses a flag required twice (its cost would count twice). */
	expect(&r.d, f, 9, 5, "flag 'color' is required twice (first at 5:5)");
	expect(&r.d, f, 11, 5,
	       "unknown flag 'colr'; no file colr.yaml; did you mean 'color'?");
	EXPECT_ERRORS(&r, 5);
	int a = rsc_model_flag_index(&r.rs, "a");
	int color = rsc_model_flag_index(&r.rs, "color");
	const rsc_targeting *t = r.rs.flags[a].targeting[0];
	ck_assert_int_eq(t->requires[0].flag_index, -1);
	ck_assert_int_eq(t->requires[3].flag_index, color);
	ck_assert_int_eq(t->requires[3].variant.index, 1);
	run_free(&r);
}
END_TEST

static void requires(const char *dir, const char *env, const char *flag,
		     const char *needs)
{
	char rel[64], text[256];
	snprintf(rel, sizeof rel, "environments/%s/%s.yaml", env, flag);
	snprintf(text, sizeof text,
		 "enabled: true\n"
		 "requires:\n"
		 "  - flag: %s\n"
		 "    variant: on\n"
		 "default: on\n",
		 needs);
	tu_write(dir, rel, text);
}

START_TEST(prerequisite_cycles)
{
	char *dir = base("check-requires-cycle");
	/* dev: a -> b, c -> b: no cycle. prod: b -> c -> a -> b. */
	requires(dir, "dev", "a", "b");
	requires(dir, "dev", "c", "b");
	requires(dir, "prod", "b", "c");
	requires(dir, "prod", "c", "a");
	requires(dir, "prod", "a", "b");
	run r;
	run_check(&r, dir);
	expect(&r.d, "environments/prod/a.yaml", 3, 5,
	       "prerequisite cycle in prod: a -> b -> c -> a");
	EXPECT_ERRORS(&r, 1);
	run_free(&r);
}
END_TEST

START_TEST(prerequisite_unconfigured_is_allowed)
{
	/* b has no targeting in dev: it resolves to its off_variant there,
	 * which is legal; and a cycle needs the edges in one environment. */
	char *dir = base("check-requires-unconfigured");
	requires(dir, "dev", "a", "b");
	requires(dir, "prod", "b", "a");
	run r;
	run_check(&r, dir);
	EXPECT_ERRORS(&r, 0);
	run_free(&r);
}
END_TEST

START_TEST(every_problem_reported)
{
	/* Problems in several files and kinds: all of them, in one run. */
	char *dir = base("check-everything");
	segment(dir, "s", "s");
	tu_write(dir, "environments/dev/color.yaml",
		 "enabled: false\n"
		 "requires:\n"
		 "  - flag: zz\n"
		 "    variant: on\n"
		 "rules:\n"
		 "  - name: r\n"
		 "    when:\n"
		 "      segment: t\n"
		 "    serve:\n"
		 "      split: { red: 10, green: 10, cyan: 10 }\n"
		 "default: magenta\n");
	run r;
	run_check(&r, dir);
	EXPECT_ERRORS(&r, 6);
	run_free(&r);
}
END_TEST

/* What rsc accepts must load: depth is counted through segments as the
 * loader counts it, and prerequisite chains are bounded per environment. */
START_TEST(evaluation_bounds)
{
	char *dir = tu_tmpdir("check-bounds");
	char path[128], text[512];
	tu_write(dir, "rulestead.yaml", "environments: [prod]\n");
	/* s1 is one test; s(k) = not: segment s(k-1), two more levels each. */
	tu_write(dir, "segments/s1.yaml",
		 "key: s1\ndescription: d\nwhen:\n  attribute: a\n  exists: true\n");
	for (int k = 2; k <= 8; k++) {
		snprintf(path, sizeof path, "segments/s%d.yaml", k);
		snprintf(text, sizeof text, "key: s%d\ndescription: d\nwhen:\n"
			 "  not:\n    segment: s%d\n", k, k - 1);
		tu_write(dir, path, text);
	}
	/* s8 is 1 + 2*7 = 15 levels; a reference to it is 16 (allowed), and
	 * `not` around that reference 17. */
	tu_write(dir, "f.yaml", "key: f\ndescription: d\nowner: o\n");
	tu_write(dir, "environments/prod/f.yaml",
		 "enabled: true\n"
		 "rules:\n"
		 "  - name: sixteen\n"
		 "    when:\n"
		 "      segment: s8\n"
		 "    serve: on\n"
		 "  - name: seventeen\n"
		 "    when:\n"
		 "      not:\n"
		 "        segment: s8\n"
		 "    serve: on\n"
		 "default: off\n");
	/* A prerequisite chain of 17 flags: p0 requires p1 ... requires p16. */
	for (int k = 0; k <= 16; k++) {
		snprintf(path, sizeof path, "p%d.yaml", k);
		snprintf(text, sizeof text, "key: p%d\ndescription: d\nowner: o\n", k);
		tu_write(dir, path, text);
		snprintf(path, sizeof path, "environments/prod/p%d.yaml", k);
		if (k < 16)
			snprintf(text, sizeof text, "enabled: true\nrequires:\n"
				 "  - flag: p%d\n    variant: on\ndefault: on\n", k + 1);
		else
			snprintf(text, sizeof text, "enabled: true\ndefault: on\n");
		tu_write(dir, path, text);
	}
	run r;
	run_check(&r, dir);
	expect(&r.d, "environments/prod/f.yaml", 9, 7,
	       "condition nests 17 levels deep counting through segments; "
	       "at most 16 are allowed");
	expect(&r.d, "environments/prod/p0.yaml", 3, 5,
	       "prerequisites of 'p0' in prod chain 17 flags; at most 16 are allowed");
	EXPECT_ERRORS(&r, 2);
	run_free(&r);
}
END_TEST

/* The loader's per-flag cost budget (rsl_format.h), counted the same way:
 * 1 per flag, 1 + the condition's cost per rule, in/not_in operands one
 * each plus what the test reads (rsl_test_cost), segments expanded,
 * prerequisites' whole costs added. */
START_TEST(evaluation_cost_budget)
{
	char *dir = tu_tmpdir("check-cost");
	char text[16384];
	size_t n = 0;
	tu_write(dir, "rulestead.yaml", "environments: [prod]\n");
	/* big: one `in` of 672 operands (2,578 bytes), cost 1 + 672 + 4 +
	 * 2578 / 8 = 999. */
	n += (size_t)snprintf(text, sizeof text, "key: big\ndescription: d\nwhen:\n"
			      "  attribute: a\n  in: [");
	for (int i = 0; i < 672; i++)
		n += (size_t)snprintf(text + n, sizeof text - n, "%sv%d", i ? ", " : "", i);
	snprintf(text + n, sizeof text - n, "]\n");
	tu_write(dir, "segments/big.yaml", text);
	/* g: 19 rules using big, 1 + 19 * 1001 = 19020; h: 20, 20021. */
	const char *names[] = { "g", "h", "k" };
	for (int f = 0; f < 3; f++) {
		char path[64];
		snprintf(path, sizeof path, "%s.yaml", names[f]);
		snprintf(text, sizeof text, "key: %s\ndescription: d\nowner: o\n", names[f]);
		tu_write(dir, path, text);
		int rules = f == 0 ? 19 : f == 1 ? 20 : f == 2 ? 1 : 0;
		n = (size_t)snprintf(text, sizeof text, "enabled: true\n");
		if (f == 2)  /* k: 1 + 1001 + g's 19020 = 20022 */
			n += (size_t)snprintf(text + n, sizeof text - n, "requires:\n"
					      "  - flag: g\n    variant: on\n");
		if (rules)
			n += (size_t)snprintf(text + n, sizeof text - n, "rules:\n");
		for (int r = 0; r < rules; r++)
			n += (size_t)snprintf(text + n, sizeof text - n, "  - name: r%d\n"
					      "    when:\n      segment: big\n    serve: on\n", r);
		snprintf(text + n, sizeof text - n, "default: off\n");
		snprintf(path, sizeof path, "environments/prod/%s.yaml", names[f]);
		tu_write(dir, path, text);
	}
	run r;
	run_check(&r, dir);
	expect(&r.d, "environments/prod/h.yaml", 1, 1,
	       "evaluating 'h' in prod costs 20021 (condition tests and what they "
	       "read, rules and prerequisites, through segments); at most 20000 "
	       "are allowed");
	expect(&r.d, "environments/prod/k.yaml", 1, 1,
	       "evaluating 'k' in prod costs 20022 (condition tests and what they "
	       "read, rules and prerequisites, through segments); at most 20000 "
	       "are allowed");
	EXPECT_ERRORS(&r, 2);
	run_free(&r);
}
END_TEST

Suite *check_suite(void); /* called by the runner */
Suite *check_suite(void)
{
	Suite *s = suite_create("check");
	TCase *tc = tcase_create("check");
	tcase_add_test(tc, valid_ruleset_has_no_errors);
	tcase_add_test(tc, unknown_variants);
	tcase_add_test(tc, unknown_off_variant);
	tcase_add_test(tc, split_sums);
	tcase_add_test(tc, split_variant_twice);
	tcase_add_test(tc, schedule_times_increase);
	tcase_add_test(tc, unknown_segments);
	tcase_add_test(tc, segment_cycles);
	tcase_add_test(tc, segment_cycle_found_from_later_entry);
	tcase_add_test(tc, prerequisite_references);
	tcase_add_test(tc, prerequisite_cycles);
	tcase_add_test(tc, prerequisite_unconfigured_is_allowed);
	tcase_add_test(tc, every_problem_reported);
	tcase_add_test(tc, evaluation_bounds);
	tcase_add_test(tc, evaluation_cost_budget);
	suite_add_tcase(s, tc);
	return s;
}
