/* cmd_diff.c - `rsc diff`: what a change does to the compiled flags, in
 * words a reviewer reads (diff.c), between two revisions (revs.c). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "diff.h"
#include "revs.h"

/* A side that is not a valid ruleset: nothing to compare. */
#define RSC_EXIT_SIDE_INVALID 4

static const char diff_help[] =
"usage: rsc diff [REV_A [REV_B]] [--root DIR] [--env ENV] [--worktree]\n"
"                [--format text|json|markdown]\n"
"\n"
"What a change does to the flags, per environment, in words: a split moved\n"
"(\"new-checkout: default split on 10% \xe2\x86\x92 25% (15% of traffic moves from\n"
"off to on)\"), a kill switch engaged, a rule added, removed or changed, a\n"
"segment changed (and how many flags use it), flags added and removed.\n"
"It compares the compiled rulesets, so a comment or a reformatting is no\n"
"change.  Protected environments come first and are marked.\n"
"\n"
"  REV_A           default: the merge base of HEAD with its upstream branch,\n"
"                  or HEAD~1 when there is none (or HEAD is at it)\n"
"  REV_B           default: HEAD\n"
"  --worktree      side B is the files on disk (A then defaults to the merge\n"
"                  base, or HEAD)\n"
"  --root DIR      the ruleset root, holding rulestead.yaml (default: .)\n"
"  --env ENV       only ENV's changes (and the whole ruleset's)\n"
"  --format FMT    text (default), json (one object, docs/review.md), or\n"
"                  markdown: the body of one pull-request comment, starting\n"
"                  with the line <!-- rulestead-diff --> that a bot finds to\n"
"                  update its comment instead of adding one\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 no change, 1 changed, 2 usage error, 3 I/O or git error,\n"
"4 a side is not a valid ruleset (its problems are printed).\n"
"\n"
"Examples:  rsc diff --root flags\n"
"           rsc diff origin/main --root flags --format markdown > comment.md\n"
"           rsc diff --root flags --worktree --env prod\n";

/* Reads and checks one side; prints its problems.  An exit code. */
static int read_side(rsc_ruleset *rs, rsc_arena *a, const char *root,
		     const rsc_rev_side *side, const char *which)
{
	rsc_fileset *fs = rsc_arena_alloc(a, sizeof *fs);
	rsc_diags d;
	rsc_diags_init(&d, a);
	rsc_cli_source src = RSC_CLI_SOURCE_INIT;
	src.root = root;
	src.worktree = side->worktree;
	src.rev = side->worktree ? "HEAD" : side->commit;
	int rc = rsc_cli_read_ruleset(rs, fs, a, &d, &src);
	if (rc != RSC_OK) {
		rsc_diags_sort(&d);
		if (rc == RSC_EINVALID)
			rsc_errorf("diff", "side %s (%s) is not a valid ruleset:", which, side->label);
		rsc_diags_print_at(stderr, &d, RSC_FORMAT_TEXT, fs, fs->root_path, root);
	}
	rsc_diags_free(&d);
	return rc == RSC_OK ? RSC_EXIT_OK :
	       rc == RSC_EINVALID ? RSC_EXIT_SIDE_INVALID : rsc_cli_exit_code(rc);
}

/* ", "-joined names of the environments of x and of y not in x. */
static const char *env_names(rsc_arena *a, const rsc_ruleset *x, const rsc_ruleset *y)
{
	const char *s = "";
	for (size_t e = 0; e < x->nenvs; e++)
		s = rsc_arena_printf(a, "%s%s%s", s, *s ? ", " : "", x->envs[e].name);
	for (size_t e = 0; e < y->nenvs; e++)
		if (rsc_model_env_index(x, y->envs[e].name) < 0)
			s = rsc_arena_printf(a, "%s%s%s", s, *s ? ", " : "", y->envs[e].name);
	return s;
}

int rsc_cmd_diff(int argc, char **argv);
int rsc_cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 0x200 },
		{ "env", required_argument, NULL, 0x201 },
		{ "worktree", no_argument, NULL, 0x202 },
		{ "format", required_argument, NULL, 0x203 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_parser p = RSC_CLI_PARSER("diff", diff_help, opts, NULL, argc, argv);
	const char *root = ".", *env = NULL;
	int worktree = 0, c;
	rsc_diff_format fmt = RSC_DIFF_TEXT;
	while ((c = rsc_cli_next(&p)) > 0) {
		switch (c) {
		case 0x200:
			root = p.arg;
			break;
		case 0x201:
			env = p.arg;
			break;
		case 0x202:
			worktree = 1;
			break;
		default:
			if (strcmp(p.arg, "text") == 0)
				fmt = RSC_DIFF_TEXT;
			else if (strcmp(p.arg, "json") == 0)
				fmt = RSC_DIFF_JSON;
			else if (strcmp(p.arg, "markdown") == 0)
				fmt = RSC_DIFF_MARKDOWN;
			else
				return rsc_usage("diff", "unknown --format '%s'; expected text, json "
						 "or markdown", p.arg);
		}
	}
	if (c < 0)
		return p.exit;
	int npos = argc - p.next;
	if (npos > 2)
		return rsc_usage("diff", "unexpected argument '%s': give at most two revisions",
				 argv[p.next + 2]);
	const char *rev_a = npos > 0 ? argv[p.next] : NULL;
	const char *rev_b = npos > 1 ? argv[p.next + 1] : NULL;
	if (rev_b && worktree)
		return rsc_usage("diff", "--worktree is side B: give at most one revision with "
				 "it (found '%s' and '%s')", rev_a, rev_b);

	rsc_arena arena = RSC_ARENA_INIT;
	rsc_diags d;
	rsc_diags_init(&d, &arena);
	rsc_revs revs;
	rsc_ruleset ra, rb;
	rsc_diff diff = { 0 };
	int exit = RSC_EXIT_OK;
	int rc = rsc_revs_resolve(&revs, &arena, root, rev_a, rev_b, worktree, &d);
	if (rc != RSC_OK) {
		for (size_t i = 0; i < d.n; i++)
			rsc_errorf("diff", "%s", d.v[i].message);
		exit = rsc_cli_exit_code(rc);
		goto out;
	}
	memset(&ra, 0, sizeof ra);
	memset(&rb, 0, sizeof rb);
	/* Both sides' problems are printed, not only the first side's. */
	int exit_a = read_side(&ra, &arena, root, &revs.a, "A");
	int exit_b = read_side(&rb, &arena, root, &revs.b, "B");
	exit = exit_a > exit_b ? exit_a : exit_b;
	if (exit != RSC_EXIT_OK)
		goto out;
	if (env && rsc_model_env_index(&ra, env) < 0 && rsc_model_env_index(&rb, env) < 0) {
		exit = rsc_usage("diff", "no environment '%s' on either side; the environments "
				 "are %s", env, env_names(&arena, &rb, &ra));
		goto out;
	}
	rsc_diff_models(&diff, &arena, &ra, &rb, env);
	rsc_diff_print(stdout, &diff, fmt, revs.a.label, rsc_revs_source_rev(&revs.a),
		       revs.b.label, rsc_revs_source_rev(&revs.b));
	exit = diff.n ? 1 : RSC_EXIT_OK;
out:
	rsc_diff_free(&diff);
	rsc_diags_free(&d);
	rsc_arena_free(&arena);
	return exit;
}
