/* cmd_log.c - `rsc log`: the audit trail from git, newest first, each
 * commit that changed the compiled flags with the change in words (log.c). */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "scalar.h"

static const char log_help[] =
"usage: rsc log [FLAG] [--root DIR] [--env ENV] [--since DATE] [--rev REV]\n"
"               [--format text|json]\n"
"\n"
"The audit trail: the commits of the first-parent history of REV, newest\n"
"first, that changed what is compiled (of FLAG, or of any flag), each with\n"
"its author, date, subject and the change in words, as rsc diff says it.\n"
"Commits that do not touch the ruleset, or only its comments and layout,\n"
"are not shown.  A merge shows what it brought to the branch; a revert\n"
"says which commit it reverts; in a shallow clone the log says where\n"
"history stops.\n"
"\n"
"  FLAG            only this flag's changes (and the segments it uses)\n"
"  --root DIR      the ruleset root, holding rulestead.yaml (default: .)\n"
"  --env ENV       only ENV's changes (and the whole ruleset's)\n"
"  --since DATE    stop at the first commit that landed before DATE:\n"
"                  2026-12-01, 2026-12-01T09:00:00Z or seconds since 1970\n"
"  --rev REV       start from REV instead of HEAD\n"
"  --format FMT    text (default) or json (docs/review.md)\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 success, 2 usage error, 3 I/O or git error.\n"
"\n"
"Examples:  rsc log --root flags\n"
"           rsc log new-checkout --root flags --env prod --since 2026-11-01\n";

typedef struct printer {
	int json;
	size_t n;
	rsc_arena *a;
} printer;

static const char *one_line(rsc_arena *a, const char *s)
{
	return rsc_escape(a, s, strlen(s), SIZE_MAX);
}

static int print_entry(void *arg, const rsc_log_entry *e)
{
	printer *p = arg;
	char when[RSC_TIME_MAX];
	rsc_cli_utc_time(when, e->time);
	if (p->json) {
		fputs(p->n ? ",{\"commit\":" : "{\"commit\":", stdout);
		rsc_json_string_or_null(stdout, e->commit);
		fputs(",\"author\":", stdout);
		rsc_json_string_or_null(stdout, e->author);
		fputs(",\"date\":", stdout);
		rsc_json_string_or_null(stdout, when);
		fputs(",\"subject\":", stdout);
		rsc_json_string_or_null(stdout, e->subject);
		fputs(",\"reverts\":", stdout);
		rsc_json_string_or_null(stdout, e->reverts);
		fputs(",\"reverts_subject\":", stdout);
		rsc_json_string_or_null(stdout, e->reverts_subject);
		fputs(",\"problem\":", stdout);
		rsc_json_string_or_null(stdout, e->problem);
		fputs(",\"changes\":[", stdout);
		for (size_t i = 0; i < e->diff->n; i++) {
			if (i)
				putchar(',');
			rsc_diff_print_json_change(stdout, &e->diff->v[i]);
		}
		fputs("]}", stdout);
	} else {
		/* A commit's words may hold control characters: one line each. */
		printf("%s%.7s %s %s\n    %s\n", p->n ? "\n" : "", e->commit, when,
		       one_line(p->a, e->author), one_line(p->a, e->subject));
		if (e->reverts && e->reverts_subject)
			printf("    reverts %.7s (%s)\n", e->reverts,
			       one_line(p->a, e->reverts_subject));
		else if (e->reverts)
			printf("    reverts %.7s (not in this clone)\n", e->reverts);
		if (e->problem)
			printf("    %s\n", e->problem);
		for (size_t i = 0; i < e->diff->n; i++)
			rsc_diff_print_line(stdout, &e->diff->v[i], "    ");
	}
	p->n++;
	return 0;
}

/* --since: a date (midnight UTC), or what rsc_cli_time_arg reads. */
static int since_arg(int64_t *out, const char *s)
{
	char stamp[32];
	if (strlen(s) == 10 && s[4] == '-' && s[7] == '-') {
		snprintf(stamp, sizeof stamp, "%sT00:00:00Z", s);
		s = stamp;
	}
	return rsc_cli_time_arg(out, s);
}

int rsc_cmd_log(int argc, char **argv);
int rsc_cmd_log(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 0x200 },
		{ "env", required_argument, NULL, 0x201 },
		{ "since", required_argument, NULL, 0x202 },
		{ "format", required_argument, NULL, 0x203 },
		{ "rev", required_argument, NULL, 0x204 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_parser p = RSC_CLI_PARSER("log", log_help, opts, NULL, argc, argv);
	rsc_log_options o = { .root = "." };
	rsc_arena arena = RSC_ARENA_INIT;
	printer pr = { 0, 0, &arena };
	int c;
	while ((c = rsc_cli_next(&p)) > 0) {
		switch (c) {
		case 0x200:
			o.root = p.arg;
			break;
		case 0x201:
			o.env = p.arg;
			break;
		case 0x202:
			if (since_arg(&o.since, p.arg) < 0)
				return rsc_usage("log", "--since expects a date (2026-12-01), an RFC "
						 "3339 time or seconds since 1970, found '%s'", p.arg);
			o.has_since = 1;
			break;
		case 0x204:
			o.rev = p.arg;
			break;
		default:
			if (strcmp(p.arg, "json") == 0)
				pr.json = 1;
			else if (strcmp(p.arg, "text") != 0)
				return rsc_usage("log", "unknown --format '%s'; expected text or json",
						 p.arg);
		}
	}
	if (c < 0)
		return p.exit;
	if (argc - p.next > 1)
		return rsc_usage("log", "unexpected argument '%s': give at most one flag",
				 argv[p.next + 1]);
	o.flag = argc - p.next == 1 ? argv[p.next] : NULL;
	o.entry = print_entry;
	o.arg = &pr;

	rsc_diags d;
	rsc_diags_init(&d, &arena);
	rsc_log_end end;
	if (pr.json)
		fputs("{\"commits\":[", stdout);
	int rc = rsc_log_walk(&o, &end, &d);
	char when[RSC_TIME_MAX];
	rsc_cli_utc_time(when, end.shallow_time);
	if (pr.json) {
		fputs("],\"shallow\":", stdout);
		if (end.shallow_at[0]) {
			fputs("{\"commit\":", stdout);
			rsc_json_string_or_null(stdout, end.shallow_at);
			fputs(",\"date\":", stdout);
			rsc_json_string_or_null(stdout, when);
			fputs("}", stdout);
		} else {
			fputs("null", stdout);
		}
		printf(",\"complete\":%s}\n", rc == RSC_OK ? "true" : "false");
	} else if (rc == RSC_OK) {
		if (pr.n == 0 && !end.shallow_at[0])
			printf("no commit changed %s%s%s\n", o.flag ? "flag " : "the compiled flags",
			       o.flag ? o.flag : "", o.env ? rsc_arena_printf(&arena, " in %s",
									    o.env) : "");
		if (end.shallow_at[0])
			printf("%shistory stops at %.7s (%s): this clone is shallow, so older "
			       "changes, and this commit's own, are not shown; fetch the rest "
			       "with git fetch --unshallow\n", pr.n ? "\n" : "", end.shallow_at,
			       when);
	}
	for (size_t i = 0; i < d.n; i++)
		rsc_errorf("log", "%s%s%s", d.v[i].file, *d.v[i].file ? ": " : "", d.v[i].message);
	rsc_diags_free(&d);
	rsc_arena_free(&arena);
	return rsc_cli_exit_code(rc);
}
