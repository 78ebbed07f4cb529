/* cmd_validate.c - `rsc validate` and `rsc lint`: read a ruleset at a
 * revision (or the work tree), report every problem, exit 0/1/2/3. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

static const char validate_help[] =
"usage: rsc validate [--root DIR] [--rev REV | --worktree] [--format FMT]\n"
"\n"
"Reads the ruleset under DIR as committed at REV (not the files on disk, so\n"
"that what is checked is exactly what was reviewed) and reports every\n"
"problem at once, as file:line:col: error: message.\n"
"\n"
"  --root DIR      the ruleset root, holding rulestead.yaml (default: .)\n"
"  --rev REV       a commit, branch or tag (default: HEAD); works in a\n"
"                  shallow clone\n"
"  --worktree      read the files on disk instead, for local editing\n"
"  --format FMT    text (default: the line and a caret, on stderr),\n"
"                  json (one object on stdout), or github (workflow\n"
"                  annotations on stdout, shown on the pull request's diff)\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 valid, 1 invalid, 2 usage error, 3 I/O or git error.\n"
"\n"
"Example:  rsc validate --root flags --rev origin/main --format github\n";

static const char lint_help[] =
"usage: rsc lint [--root DIR] [--rev REV | --worktree] [--format FMT]\n"
"                [--today YYYY-MM-DD]\n"
"\n"
"Validates like `rsc validate`, then warns about what is legal but likely a\n"
"mistake: flags past their expires date, rules that can never match (after a\n"
"rule without `when`), unused segments and variants, flags configured in no\n"
"environment, splits with a 0% variant.  Warnings do not fail the run.\n"
"\n"
"  --root, --rev, --worktree, --format   as for rsc validate\n"
"  --today DATE    the date expiry is judged against (default: today, UTC)\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 valid (warnings or not), 1 invalid, 2 usage error,\n"
"3 I/O or git error.\n"
"\n"
"Example:  rsc lint --root flags --worktree\n";

/* YYYY-MM-DD, a real calendar date (the same reader as 'expires'). */
static int valid_date(const char *s)
{
	char stamp[32];
	int64_t t;
	if (strlen(s) != 10)
		return 0;
	snprintf(stamp, sizeof stamp, "%sT00:00:00Z", s);
	return rsc_parse_rfc3339(stamp, &t) == 0;
}

static int run(int argc, char **argv, int lint)
{
	const char *cmd = lint ? "lint" : "validate";
	static const struct option opts[] = {
		{ "today", required_argument, NULL, 0x200 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_source src = RSC_CLI_SOURCE_INIT;
	rsc_cli_parser p = RSC_CLI_PARSER(cmd, lint ? lint_help : validate_help, opts,
					  &src, argc, argv);
	char today[16] = "";
	int c;
	while ((c = rsc_cli_next(&p)) > 0) {
		if (!lint)
			return rsc_usage(cmd, "unknown option '--today'");
		if (!valid_date(p.arg))
			return rsc_usage(cmd, "--today expects YYYY-MM-DD, found '%s'", p.arg);
		snprintf(today, sizeof today, "%s", p.arg);
	}
	if (c < 0)
		return p.exit;
	if (rsc_cli_positionals(&p, 0, "") != RSC_EXIT_OK)
		return RSC_EXIT_USAGE;
	if (!*today) {
		char now[RSC_TIME_MAX];
		rsc_cli_utc_time(now, (int64_t)time(NULL));
		snprintf(today, sizeof today, "%.10s", now); /* the date part */
	}

	/* Before the ruleset is read, not after: git's status of a large work
	 * tree takes a quarter as much memory as the model (90 MiB at 100,000
	 * flags), which would otherwise come on top of it. */
	size_t changed = 0;
	int note_changes = src.format == RSC_FORMAT_TEXT && !src.worktree &&
			   strcmp(src.rev, "HEAD") == 0;
	if (note_changes && rsc_source_uncommitted(&changed, src.root) != RSC_OK)
		changed = 0;

	rsc_arena arena = RSC_ARENA_INIT;
	rsc_diags d;
	rsc_diags_init(&d, &arena);
	rsc_fileset fs;
	rsc_ruleset rs;
	memset(&fs, 0, sizeof fs);
	memset(&rs, 0, sizeof rs);
	int rc = rsc_cli_read_ruleset(&rs, &fs, &arena, &d, &src);
	if (rc == RSC_OK && lint) {
		rsc_model_lint(&rs, today, &d);
		rsc_source_refill(&fs, &arena, &d);
	}
	rsc_diags_sort(&d);

	FILE *out = src.format == RSC_FORMAT_TEXT ? stderr : stdout;
	rsc_diags_print_at(out, &d, src.format, &fs, fs.root_path, src.root);
	/* The root as the user can open it: no trailing '/', "." for the top. */
	const char *shown;
	size_t shown_len = rsc_root_prefix(&shown, src.root);
	const char *root = shown_len ? rsc_arena_strndup(&arena, shown, shown_len) : ".";
	if (note_changes && changed && (rc == RSC_OK || rc == RSC_EINVALID))
		fprintf(stderr,
			"note: %zu uncommitted change%s under %s%s %s not checked; "
			"use --worktree to check the files on disk\n",
			changed, rsc_cli_plural(changed), root,
			strcmp(root, "/") == 0 ? "" : "/", changed == 1 ? "is" : "are");
	if (src.format == RSC_FORMAT_TEXT) {
		const char *where = src.worktree ? "work tree" : src.rev;
		if (rc == RSC_OK)
			printf("%s (%s): %zu flag%s, %zu segment%s, %zu environment%s: "
			       "valid", root, where, rs.nflags, rsc_cli_plural(rs.nflags),
			       rs.nsegments, rsc_cli_plural(rs.nsegments), rs.nenvs,
			       rsc_cli_plural(rs.nenvs));
		if (rc == RSC_OK && lint)
			printf(", %zu warning%s", d.warnings, rsc_cli_plural(d.warnings));
		if (rc == RSC_OK)
			putchar('\n');
		else if (rc == RSC_EINVALID)
			fprintf(stderr, "%s (%s): %zu error%s\n", root, where,
				d.errors, rsc_cli_plural(d.errors));
	}
	rsc_diags_free(&d);
	rsc_arena_free(&arena);
	return rsc_cli_exit_code(rc);
}

int rsc_cmd_validate(int argc, char **argv);
int rsc_cmd_lint(int argc, char **argv);

int rsc_cmd_validate(int argc, char **argv)
{
	return run(argc, argv, 0);
}

int rsc_cmd_lint(int argc, char **argv)
{
	return run(argc, argv, 1);
}
