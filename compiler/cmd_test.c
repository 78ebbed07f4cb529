/* cmd_test.c - `rsc test`: the ruleset compiled in memory (review.h), each
 * expectation of tests/<name>.yaml (expect.h) decided by librsl, and the
 * report as text, GitHub annotations or JUnit XML. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "expect.h"
#include "review.h"
#include "scalar.h"

int rsc_cmd_test(int argc, char **argv);

static const char test_help[] =
"usage: rsc test [--root DIR] [--rev REV | --worktree]\n"
"                [--format text|github|junit]\n"
"\n"
"Runs the expectations kept in the ruleset, tests/<name>.yaml: each names an\n"
"environment, a flag, a context (and optionally now:, the evaluation time)\n"
"and the variant and/or value it expects (and optionally the reason), so\n"
"that CI refuses a change that breaks pinned behaviour.  The ruleset is\n"
"compiled in memory, as rsc explain --root does (no key; nothing written),\n"
"and every decision is librsl's.  A failure prints the expectation's\n"
"file:line and the explain trace of the actual decision.  The format is in\n"
"docs/review.md, \"Pinning behaviour: rsc test\", and in\n"
"schema/expectations.schema.json.\n"
"\n"
"  --root DIR      the ruleset root, holding rulestead.yaml (default: .)\n"
"  --rev REV       the commit to test (default: HEAD)\n"
"  --worktree      test the files on disk instead\n"
"  --format FMT    text (default), github (an ::error annotation on each\n"
"                  failing expectation's line) or junit (JUnit XML on stdout)\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 every expectation holds (or there are none), 1 one fails, or\n"
"the ruleset or an expectation file is invalid (file:line:col printed),\n"
"2 usage error, 3 I/O or git error.\n"
"\n"
"Example:  rsc test --root flags --format github\n";

enum { OUT_TEXT, OUT_GITHUB, OUT_JUNIT };

typedef struct outcome {
	int ok;
	char why[512];
	char *trace;   /* the explain trace, for a failure */
} outcome;

/* XML text or attribute: the five entities, and the C0 controls XML 1.0
 * cannot carry at all (a trace escapes them already) as U+FFFD. */
static void xml(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '<')
			fputs("&lt;", out);
		else if (c == '>')
			fputs("&gt;", out);
		else if (c == '&')
			fputs("&amp;", out);
		else if (c == '"')
			fputs("&quot;", out);
		else if (c == '\'')
			fputs("&apos;", out);
		else if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
			fputs("\xef\xbf\xbd", out);
		else
			fputc(*s, out);
	}
}

/* The trace indented under a failure. */
static void indented(FILE *out, const char *trace)
{
	const char *s = trace;
	while (*s) {
		const char *nl = strchr(s, '\n');
		size_t n = nl ? (size_t)(nl - s) : strlen(s);
		fprintf(out, "    %.*s\n", (int)n, s);
		s += n + (nl != NULL);
	}
}

/* A name (free text, perhaps a YAML block) stays on its line. */
static void report_text(FILE *out, rsc_arena *a, const rsc_expect_set *set, const outcome *o,
			const char *shown, size_t shown_len)
{
	const char *sep = shown_len ? "/" : "";
	for (size_t i = 0; i < set->n; i++) {
		const rsc_expect *e = &set->v[i];
		fprintf(out, "%s %.*s%s%s:%u: %s", o[i].ok ? "ok  " : "FAIL", (int)shown_len,
			shown, sep, e->file, (unsigned)e->line,
			rsc_escape(a, e->name, strlen(e->name), 200));
		if (o[i].ok) {
			fputc('\n', out);
			continue;
		}
		fprintf(out, ": %s\n", o[i].why);
		indented(out, o[i].trace);
	}
}

static void report_github(FILE *out, const rsc_expect_set *set, const outcome *o,
			  const char *repo_prefix)
{
	for (size_t i = 0; i < set->n; i++) {
		const rsc_expect *e = &set->v[i];
		if (o[i].ok)
			continue;
		fputs("::error file=", out);
		if (repo_prefix && *repo_prefix) {
			rsc_gh_escape(out, repo_prefix, 1);
			fputc('/', out);
		}
		rsc_gh_escape(out, e->file, 1);
		fprintf(out, ",line=%u,col=%u,title=", (unsigned)e->line, (unsigned)e->col);
		rsc_gh_escape(out, "rsc test: ", 1);
		rsc_gh_escape(out, e->name, 1);
		fputs("::", out);
		rsc_gh_escape(out, o[i].why, 0);
		/* The trace under it, in the same annotation: no final newline. */
		size_t n = strlen(o[i].trace);
		while (n && o[i].trace[n - 1] == '\n')
			o[i].trace[--n] = 0;
		fputs("%0A", out);
		rsc_gh_escape(out, o[i].trace, 0);
		fputc('\n', out);
	}
}

/* One <testsuite> per expectation file, in the order read. */
static void report_junit(FILE *out, const rsc_expect_set *set, const outcome *o,
			 size_t failed, const char *shown, size_t shown_len)
{
	const char *sep = shown_len ? "/" : "";
	fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"rsc test\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
		set->n, failed);
	for (size_t i = 0; i < set->n;) {
		size_t j = i, nfail = 0;
		while (j < set->n && strcmp(set->v[j].file, set->v[i].file) == 0)
			nfail += !o[j++].ok;
		fputs("  <testsuite name=\"", out);
		xml(out, set->v[i].file);
		fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n", j - i, nfail);
		for (size_t k = i; k < j; k++) {
			const rsc_expect *e = &set->v[k];
			fputs("    <testcase classname=\"", out);
			xml(out, e->file);
			fputs("\" name=\"", out);
			xml(out, e->name);
			fprintf(out, "\" file=\"%.*s%s", (int)shown_len, shown, sep);
			xml(out, e->file);
			fprintf(out, "\" line=\"%u\"", (unsigned)e->line);
			if (o[k].ok) {
				fputs("/>\n", out);
				continue;
			}
			fputs(">\n      <failure message=\"", out);
			xml(out, o[k].why);
			fputs("\" type=\"expectation\">", out);
			xml(out, o[k].trace);
			fputs("</failure>\n    </testcase>\n", out);
		}
		fputs("  </testsuite>\n", out);
		i = j;
	}
	fputs("</testsuites>\n", out);
}

/* Decides every expectation; returns how many failed (-1: out of memory). */
static long run_all(outcome *o, const rsc_review *r, const rsc_expect_set *set)
{
	long failed = 0;
	for (size_t i = 0; i < set->n; i++) {
		const rsc_expect *e = &set->v[i];
		const rsl_snapshot *snap = rsc_review_snapshot(r, e->env);
		rsl_result res;
		rsc_review_evaluate(&res, snap, rsc_review_flag(r, e->flag), e->flag, &e->ctx.ctx);
		o[i].ok = rsc_expect_met(e, &res, o[i].why, sizeof o[i].why);
		if (o[i].ok)
			continue;
		failed++;
		size_t need = rsl_explain(NULL, 0, snap, e->flag, &e->ctx.ctx, RSL_EXPLAIN_TEXT);
		if ((o[i].trace = malloc(need + 1)) == NULL)
			return -1;
		rsl_explain(o[i].trace, need + 1, snap, e->flag, &e->ctx.ctx, RSL_EXPLAIN_TEXT);
	}
	return failed;
}

int rsc_cmd_test(int argc, char **argv)
{
	static const char *cmd = "test";
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 0x200 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_source src = RSC_CLI_SOURCE_INIT;
	rsc_cli_parser p = RSC_CLI_PARSER(cmd, test_help, opts, &src, argc, argv);
	int format = OUT_TEXT, c;
	while ((c = rsc_cli_next(&p)) > 0) {
		if (strcmp(p.arg, "text") == 0)
			format = OUT_TEXT;
		else if (strcmp(p.arg, "github") == 0)
			format = OUT_GITHUB;
		else if (strcmp(p.arg, "junit") == 0)
			format = OUT_JUNIT;
		else
			return rsc_usage(cmd, "unknown --format '%s'; expected text, github or "
					 "junit", p.arg);
	}
	if (c < 0)
		return p.exit;
	if (rsc_cli_positionals(&p, 0, "") != RSC_EXIT_OK)
		return RSC_EXIT_USAGE;

	rsc_review r;
	rsc_expect_set set;
	rsc_diags d;
	outcome *o = NULL;
	const char *shown, *label = src.worktree ? "work tree" : src.rev;
	size_t shown_len = rsc_root_prefix(&shown, src.root);
	int rc = rsc_review_open(&r, src.root, src.worktree ? NULL : src.rev, NULL, 0);
	/* Problems as file:line:col: annotations in github format, text else. */
	rsc_format dfmt = format == OUT_GITHUB ? RSC_FORMAT_GITHUB : RSC_FORMAT_TEXT;
	FILE *dout = format == OUT_GITHUB ? stdout : stderr;
	rsc_diags_init(&d, &r.c.arena);
	memset(&set, 0, sizeof set);
	if (rc != RSC_OK) {
		rsc_diags_sort(&r.c.diags);
		rsc_diags_print_at(dout, &r.c.diags, dfmt, &r.c.files, r.c.files.root_path,
				   src.root);
		if (*r.c.message)
			rsc_errorf(cmd, "%s", r.c.message);
		if (rc == RSC_EINVALID)
			fprintf(stderr, "%.*s (%s): the ruleset is invalid; no expectation run\n",
				shown_len ? (int)shown_len : 1, shown_len ? shown : ".", label);
		rc = rsc_cli_exit_code(rc);
		goto out;
	}
	if (rsc_expect_read(&set, &r.c.arena, &r.c.ruleset, &r.c.files, &d) != RSC_OK) {
		rsc_diags_sort(&d);
		rsc_diags_print_at(dout, &d, dfmt, &r.c.files, r.c.files.root_path, src.root);
		fprintf(stderr, "%.*s (%s): %zu error%s in expectation files; no expectation "
			"run\n", shown_len ? (int)shown_len : 1, shown_len ? shown : ".", label,
			d.errors, rsc_cli_plural(d.errors));
		rc = RSC_EXIT_INVALID;
		goto out;
	}
	o = calloc(set.n + 1, sizeof *o);
	long failed = o ? run_all(o, &r, &set) : -1;
	if (failed < 0) {
		rsc_errorf(cmd, "out of memory");
		rc = RSC_EXIT_IO;
		goto out;
	}
	if (format == OUT_JUNIT)
		report_junit(stdout, &set, o, (size_t)failed, shown, shown_len);
	else if (format == OUT_GITHUB)
		report_github(stdout, &set, o, r.c.files.root_path);
	else
		report_text(stdout, &r.c.arena, &set, o, shown, shown_len);
	FILE *summary = format == OUT_JUNIT ? stderr : stdout;
	if (set.files == 0)
		fprintf(summary, "%.*s (%s): no expectation files (tests/<name>.yaml); "
			"nothing to test\n", shown_len ? (int)shown_len : 1,
			shown_len ? shown : ".", label);
	else
		fprintf(summary, "%.*s (%s): %zu expectation%s in %zu file%s: %zu passed, "
			"%ld failed\n", shown_len ? (int)shown_len : 1, shown_len ? shown : ".",
			label, set.n, rsc_cli_plural(set.n), set.files, rsc_cli_plural(set.files),
			set.n - (size_t)failed, failed);
	rc = failed ? RSC_EXIT_INVALID : RSC_EXIT_OK;
out:
	for (size_t i = 0; o && i < set.n; i++)
		free(o[i].trace);
	free(o);
	rsc_expect_set_free(&set);
	rsc_diags_free(&d);
	rsc_review_free(&r);
	return rc;
}
