/* cmd_simulate.c - `rsc simulate`: the two sides (revs.h) compiled in
 * memory (review.h), a contexts file streamed through both (simulate.h),
 * and who moves, as text, JSON or a Markdown pull-request comment. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "revs.h"
#include "simulate.h"

int rsc_cmd_simulate(int argc, char **argv);

static const char simulate_help[] =
"usage: rsc simulate --contexts FILE [--root DIR] [--env ENV]... [--now TIME]\n"
"                    [REV_A [REV_B] | [REV_A] --worktree]\n"
"                    [--format text|json|markdown]\n"
"\n"
"Runs a population of contexts through two revisions of the ruleset, with\n"
"librsl on both sides (compiled in memory, as rsc explain --root does: no\n"
"key, nothing written), and reports per environment and flag the share of\n"
"contexts whose variant changes, the from -> to moves, and the distribution\n"
"of variants before and after.  A variant that loses nobody while the flag\n"
"changes is said plainly: a ramp from 10% to 25% reads \"nobody leaves on\".\n"
"\n"
"The sides, as for rsc diff: REV_A defaults to the merge base of HEAD with\n"
"its upstream branch (else HEAD~1), REV_B to HEAD, or the files on disk with\n"
"--worktree (docs/review.md, \"Who moves: rsc simulate\").\n"
"\n"
"  --contexts FILE  JSON Lines: one context per line, the JSON object that\n"
"                   rsc explain --context takes (targeting_key, tenant_key,\n"
"                   environment and attributes); '-' for standard input.  Read\n"
"                   as a stream: any number of lines in constant memory.  A\n"
"                   context naming an environment counts only there.  Blank\n"
"                   lines are skipped; any other bad line stops the run with\n"
"                   FILE:LINE:COL\n"
"  --root DIR       the ruleset root, holding rulestead.yaml (default: .)\n"
"  --env ENV        only this environment (repeatable; default: all)\n"
"  --now TIME       evaluate every context at this time (RFC 3339, seconds\n"
"                   since the epoch, or now; default: now, the same instant on\n"
"                   both sides)\n"
"  --worktree       side B is the files on disk\n"
"  --format FMT     text (default), json, or markdown (one pull-request\n"
"                   comment)\n"
"  -h, --help       this help\n"
"\n"
"Exit status: 0 simulated (whether or not anything moves), 1 an invalid\n"
"ruleset on either side or a bad context line, 2 usage error (an unknown\n"
"environment), 3 I/O or git error (a revision that does not resolve, a\n"
"contexts file that cannot be read).\n"
"\n"
"Example:  rsc simulate --root flags --contexts sample.jsonl --env prod main\n";

enum { OUT_TEXT, OUT_JSON, OUT_MARKDOWN };

static double pct(uint64_t n, uint64_t of)
{
	return of ? 100.0 * (double)n / (double)of : 0.0;
}

/* Contexts on variant i before (row) or after (column). */
static uint64_t before(const rsc_sim_flag *f, size_t i)
{
	uint64_t n = 0;
	for (size_t k = 0; k < f->nnames; k++)
		n += f->m[i * f->nnames + k];
	return n;
}

static uint64_t after(const rsc_sim_flag *f, size_t i)
{
	uint64_t n = 0;
	for (size_t k = 0; k < f->nnames; k++)
		n += f->m[k * f->nnames + i];
	return n;
}

/* Whether variant i had contexts and kept every one of them. */
static int nobody_leaves(const rsc_sim_flag *f, size_t i)
{
	return f->changed && i + 1 < f->nnames && before(f, i) > 0 &&
	       f->m[i * f->nnames + i] == before(f, i);
}

static void distribution(FILE *out, const rsc_sim_flag *f, uint64_t total, int after_side,
			 const char *quote)
{
	int first = 1;
	for (size_t i = 0; i < f->nnames; i++) {
		uint64_t n = after_side ? after(f, i) : before(f, i);
		if (n == 0)
			continue;
		fprintf(out, "%s%s%s%s %llu (%.1f%%)", first ? "" : ", ", quote, f->names[i],
			quote, (unsigned long long)n, pct(n, total));
		first = 0;
	}
	if (first)
		fputs("none", out);
}

static void text_flag(FILE *out, const rsc_sim_flag *f, uint64_t total)
{
	fprintf(out, "  %s: %llu of %llu context%s (%.1f%%) change variant\n", f->key,
		(unsigned long long)f->changed, (unsigned long long)total,
		rsc_cli_plural(total), pct(f->changed, total));
	for (size_t i = 0; i < f->nnames; i++)
		for (size_t k = 0; k < f->nnames; k++) {
			uint64_t n = f->m[i * f->nnames + k];
			if (i != k && n)
				fprintf(out, "    %s -> %s: %llu (%.1f%%)\n", f->names[i],
					f->names[k], (unsigned long long)n, pct(n, total));
		}
	for (size_t i = 0; i < f->nnames; i++)
		if (nobody_leaves(f, i))
			fprintf(out, "    nobody leaves %s: all %llu who had it keep it\n",
				f->names[i], (unsigned long long)before(f, i));
	fputs("    before: ", out);
	distribution(out, f, total, 0, "");
	fputs("\n    after:  ", out);
	distribution(out, f, total, 1, "");
	fputc('\n', out);
}

static void report_text(FILE *out, const rsc_sim *s)
{
	for (size_t i = 0; i < s->nenvs; i++) {
		const rsc_sim_env *e = &s->envs[i];
		size_t moved = 0;
		for (size_t k = 0; k < e->nflags; k++)
			moved += e->flags[k].changed > 0;
		fprintf(out, "%s%s: %llu context%s, ", e->name, e->protected_ ? " (protected)" : "",
			(unsigned long long)e->contexts, rsc_cli_plural(e->contexts));
		if (moved == 0) {
			fprintf(out, "no variant changes in %zu flag%s\n", e->nflags,
				rsc_cli_plural(e->nflags));
			continue;
		}
		fprintf(out, "%zu of %zu flag%s change\n", moved, e->nflags,
			rsc_cli_plural(e->nflags));
		for (size_t k = 0; k < e->nflags; k++)
			if (e->flags[k].changed)
				text_flag(out, &e->flags[k], e->contexts);
	}
}

/* Markdown: backticks in a label would end its code span. */
static void md_code(FILE *out, const char *s)
{
	fputc('`', out);
	for (; *s; s++)
		fputc(*s == '`' ? '\'' : *s, out);
	fputc('`', out);
}

static void report_markdown(FILE *out, const rsc_sim *s, const rsc_revs *r, const char *path)
{
	fputs("### rsc simulate\n\n", out);
	fprintf(out, "%llu context%s from ", (unsigned long long)s->contexts,
		rsc_cli_plural(s->contexts));
	md_code(out, path);
	fputs(", ", out);
	md_code(out, r->a.label);
	fputs(" \xe2\x86\x92 ", out);
	md_code(out, r->b.label);
	fputs(".\n", out);
	for (size_t i = 0; i < s->nenvs; i++) {
		const rsc_sim_env *e = &s->envs[i];
		size_t moved = 0;
		for (size_t k = 0; k < e->nflags; k++)
			moved += e->flags[k].changed > 0;
		fprintf(out, "\n#### %s%s\n\n", e->name, e->protected_ ? " (protected)" : "");
		if (moved == 0) {
			fprintf(out, "No context changes variant (%llu context%s, %zu flag%s).\n",
				(unsigned long long)e->contexts, rsc_cli_plural(e->contexts),
				e->nflags, rsc_cli_plural(e->nflags));
			continue;
		}
		fputs("| flag | contexts that change | moves | before | after |\n"
		      "|---|---:|---|---|---|\n", out);
		for (size_t k = 0; k < e->nflags; k++) {
			const rsc_sim_flag *f = &e->flags[k];
			if (!f->changed)
				continue;
			fprintf(out, "| `%s` | %llu (%.1f%%) | ", f->key,
				(unsigned long long)f->changed, pct(f->changed, e->contexts));
			const char *sep = "";
			for (size_t a = 0; a < f->nnames; a++)
				for (size_t b = 0; b < f->nnames; b++)
					if (a != b && f->m[a * f->nnames + b]) {
						fprintf(out, "%s`%s` \xe2\x86\x92 `%s`: %llu", sep,
							f->names[a], f->names[b],
							(unsigned long long)f->m[a * f->nnames + b]);
						sep = "<br>";
					}
			fputs(" | ", out);
			distribution(out, f, e->contexts, 0, "`");
			fputs(" | ", out);
			distribution(out, f, e->contexts, 1, "`");
			fputs(" |\n", out);
		}
		for (size_t k = 0; k < e->nflags; k++)
			for (size_t v = 0; v < e->flags[k].nnames; v++)
				if (nobody_leaves(&e->flags[k], v))
					fprintf(out, "\nNobody leaves `%s` in `%s`: all %llu who "
						"had it keep it.\n", e->flags[k].names[v],
						e->flags[k].key,
						(unsigned long long)before(&e->flags[k], v));
	}
}

static void json_side(FILE *out, const rsc_rev_side *s)
{
	fputs("{\"label\":", out);
	rsc_json_string(out, s->label, strlen(s->label));
	fputs(",\"commit\":", out);
	rsc_json_string_or_null(out, s->worktree ? NULL : s->commit);
	fputc('}', out);
}

static void json_counts(FILE *out, const rsc_sim_flag *f, int after_side)
{
	int first = 1;
	fputc('{', out);
	for (size_t i = 0; i < f->nnames; i++) {
		uint64_t n = after_side ? after(f, i) : before(f, i);
		if (n == 0)
			continue;
		fprintf(out, "%s\"%s\":%llu", first ? "" : ",", f->names[i], (unsigned long long)n);
		first = 0;
	}
	fputc('}', out);
}

static void report_json(FILE *out, const rsc_sim *s, const rsc_revs *r, const char *path)
{
	char now[RSC_TIME_MAX];
	rsc_cli_utc_time(now, s->now);
	fputs("{\"contexts_file\":", out);
	rsc_json_string(out, path, strlen(path));
	fprintf(out, ",\"contexts\":%llu,\"now\":\"%s\",\"a\":", (unsigned long long)s->contexts,
		now);
	json_side(out, &r->a);
	fputs(",\"b\":", out);
	json_side(out, &r->b);
	fputs(",\"environments\":[", out);
	for (size_t i = 0; i < s->nenvs; i++) {
		const rsc_sim_env *e = &s->envs[i];
		fprintf(out, "%s{\"name\":\"%s\",\"protected\":%s,\"contexts\":%llu,\"flags\":[",
			i ? "," : "", e->name, e->protected_ ? "true" : "false",
			(unsigned long long)e->contexts);
		for (size_t k = 0; k < e->nflags; k++) {
			const rsc_sim_flag *f = &e->flags[k];
			fprintf(out, "%s{\"key\":\"%s\",\"changed\":%llu,\"moves\":[", k ? "," : "",
				f->key, (unsigned long long)f->changed);
			const char *sep = "";
			for (size_t a = 0; a < f->nnames; a++)
				for (size_t b = 0; b < f->nnames; b++)
					if (a != b && f->m[a * f->nnames + b]) {
						fprintf(out, "%s{\"from\":\"%s\",\"to\":\"%s\","
							"\"count\":%llu}", sep, f->names[a],
							f->names[b],
							(unsigned long long)f->m[a * f->nnames + b]);
						sep = ",";
					}
			fputs("],\"before\":", out);
			json_counts(out, f, 0);
			fputs(",\"after\":", out);
			json_counts(out, f, 1);
			fputs(",\"nobody_leaves\":[", out);
			sep = "";
			for (size_t v = 0; v < f->nnames; v++)
				if (nobody_leaves(f, v)) {
					fprintf(out, "%s\"%s\"", sep, f->names[v]);
					sep = ",";
				}
			fputs("]}", out);
		}
		fputs("]}", out);
	}
	fputs("]}\n", out);
}

/* Compiles one side; prints why not (diagnostics under the side's name). */
static int open_side(rsc_review *r, const char *cmd, const rsc_cli_source *src,
		     const rsc_rev_side *side)
{
	int rc = rsc_review_open(r, src->root, rsc_revs_source_rev(side), NULL, 0);
	if (rc == RSC_OK)
		return RSC_EXIT_OK;
	rsc_diags_sort(&r->c.diags);
	rsc_diags_print_at(stderr, &r->c.diags, RSC_FORMAT_TEXT, &r->c.files,
			   r->c.files.root_path, src->root);
	if (*r->c.message)
		rsc_errorf(cmd, "%s: %s", side->label, r->c.message);
	else if (rc == RSC_EINVALID)
		rsc_errorf(cmd, "%s: the ruleset is invalid; nothing simulated", side->label);
	return rsc_cli_exit_code(rc);
}

#define MAX_ENVS 256

int rsc_cmd_simulate(int argc, char **argv)
{
	static const char *cmd = "simulate";
	static const struct option opts[] = {
		{ "contexts", required_argument, NULL, 0x200 },
		{ "env", required_argument, NULL, 0x201 },
		{ "format", required_argument, NULL, 0x202 },
		{ "now", required_argument, NULL, 0x203 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_source src = RSC_CLI_SOURCE_INIT;
	rsc_cli_parser p = RSC_CLI_PARSER(cmd, simulate_help, opts, &src, argc, argv);
	const char *envs[MAX_ENVS], *path = NULL;
	size_t nenvs = 0;
	int format = OUT_TEXT, c;
	int64_t now = (int64_t)time(NULL);
	while ((c = rsc_cli_next(&p)) > 0) {
		if (c == 0x200) {
			path = p.arg;
		} else if (c == 0x201) {
			if (nenvs == MAX_ENVS)
				return rsc_usage(cmd, "more than %d --env", MAX_ENVS);
			envs[nenvs++] = p.arg;
		} else if (c == 0x203) {
			if (rsc_cli_time_arg(&now, p.arg) < 0)
				return rsc_usage(cmd, "--now '%s': expected an RFC 3339 time "
						 "(2026-12-01T09:00:00Z), seconds since the epoch, "
						 "or now", p.arg);
		} else if (strcmp(p.arg, "text") == 0 || strcmp(p.arg, "json") == 0 ||
			   strcmp(p.arg, "markdown") == 0) {
			format = p.arg[0] == 't' ? OUT_TEXT : p.arg[0] == 'j' ? OUT_JSON : OUT_MARKDOWN;
		} else {
			return rsc_usage(cmd, "unknown --format '%s'; expected text, json or "
					 "markdown", p.arg);
		}
	}
	if (c < 0)
		return p.exit;
	if (src.rev_given)
		return rsc_usage(cmd, "name the sides as REV_A [REV_B], not --rev");
	int npos = argc - p.next;
	if (npos > 2 || (npos == 2 && src.worktree))
		return rsc_usage(cmd, "unexpected argument '%s'; the sides are REV_A [REV_B] "
				 "or [REV_A] --worktree", argv[p.next + (src.worktree ? 1 : 2)]);
	if (!path)
		return rsc_usage(cmd, "--contexts FILE is required (JSON Lines, one context "
				 "per line)");

	rsc_arena arena = RSC_ARENA_INIT;
	rsc_diags d;
	rsc_revs revs;
	rsc_review a, b;
	rsc_sim sim;
	char err[1024];
	FILE *in = NULL;
	int rc;
	memset(&a, 0, sizeof a);
	memset(&b, 0, sizeof b);
	memset(&sim, 0, sizeof sim);
	rsc_diags_init(&d, &arena);
	rc = rsc_revs_resolve(&revs, &arena, src.root, npos > 0 ? argv[p.next] : NULL,
			      npos > 1 ? argv[p.next + 1] : NULL, src.worktree, &d);
	if (rc != RSC_OK) {
		for (size_t i = 0; i < d.n; i++)
			rsc_errorf(cmd, "%s", d.v[i].message);
		rc = rsc_cli_exit_code(rc);
		goto out;
	}
	if ((rc = open_side(&a, cmd, &src, &revs.a)) != RSC_EXIT_OK ||
	    (rc = open_side(&b, cmd, &src, &revs.b)) != RSC_EXIT_OK)
		goto out;
	if ((rc = rsc_sim_init(&sim, &a, &b, envs, nenvs, now, err, sizeof err)) != RSC_OK) {
		rc = rc == RSC_EUSAGE ? rsc_usage(cmd, "%s", err) : RSC_EXIT_IO;
		if (rc == RSC_EXIT_IO)
			rsc_errorf(cmd, "%s", err);
		goto out;
	}
	in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	if (in == NULL) {
		rsc_errorf(cmd, "--contexts %s: %s", path, strerror(errno));
		rc = RSC_EXIT_IO;
		goto out;
	}
	if ((rc = rsc_sim_run(&sim, in, in == stdin ? "<stdin>" : path, err, sizeof err)) !=
	    RSC_OK) {
		fprintf(stderr, "%s\n", err);
		rsc_errorf(cmd, "nothing reported: every line must be a context");
		rc = rsc_cli_exit_code(rc);
		goto out;
	}
	if (format == OUT_JSON) {
		report_json(stdout, &sim, &revs, path);
	} else if (format == OUT_MARKDOWN) {
		report_markdown(stdout, &sim, &revs, path);
	} else {
		char when[RSC_TIME_MAX];
		rsc_cli_utc_time(when, now);
		printf("%llu context%s from %s, at %s\nA: %s\nB: %s\n\n",
		       (unsigned long long)sim.contexts, rsc_cli_plural(sim.contexts), path, when,
		       revs.a.label, revs.b.label);
		report_text(stdout, &sim);
	}
	rc = RSC_EXIT_OK;
out:
	if (in && in != stdin)
		fclose(in);
	rsc_sim_free(&sim);
	rsc_review_free(&a);
	rsc_review_free(&b);
	rsc_diags_free(&d);
	rsc_arena_free(&arena);
	return rc;
}
