/* diff_out.c - changes as text, JSON and a pull-request comment; see
 * diff.h and docs/review.md. */
#include <string.h>

#include "diag.h"
#include "diff.h"
#include "render.h"

#define ARROW " \xe2\x86\x92 " /* " → " */

void rsc_diff_print_line(FILE *out, const rsc_change *c, const char *indent)
{
	fputs(indent, out);
	if (c->env)
		fprintf(out, "%s%s: ", c->env, c->protected_ ? " (protected)" : "");
	fprintf(out, "%s\n", c->text);
}

void rsc_diff_print_json_change(FILE *out, const rsc_change *c)
{
	fputs("{\"kind\":", out);
	rsc_json_string_or_null(out, c->kind);
	fputs(",\"environment\":", out);
	rsc_json_string_or_null(out, c->env);
	fprintf(out, ",\"protected\":%s,\"flag\":", c->protected_ ? "true" : "false");
	rsc_json_string_or_null(out, c->flag);
	fputs(",\"segment\":", out);
	rsc_json_string_or_null(out, c->segment);
	fputs(",\"rule\":", out);
	rsc_json_string_or_null(out, c->rule);
	fputs(",\"text\":", out);
	rsc_json_string_or_null(out, c->text);
	fputs(",\"before\":", out);
	rsc_json_string_or_null(out, c->before);
	fputs(",\"after\":", out);
	rsc_json_string_or_null(out, c->after);
	fputs(",\"moved\":[", out);
	for (size_t i = 0; i < c->nmoved; i++) {
		fputs(i ? ",{\"from\":" : "{\"from\":", out);
		rsc_json_string_or_null(out, c->moved[i].from);
		fputs(",\"to\":", out);
		rsc_json_string_or_null(out, c->moved[i].to);
		fputs(",\"percent\":", out);
		rsc_render_number_of_percent(out, c->moved[i].weight);
		fputc('}', out);
	}
	fputs("]}", out);
}

static void json_side(FILE *out, const char *label, const char *commit)
{
	fputs("{\"label\":", out);
	rsc_json_string_or_null(out, label);
	fputs(",\"commit\":", out);
	rsc_json_string_or_null(out, commit);
	fprintf(out, ",\"worktree\":%s}", commit ? "false" : "true");
}

/* Text a pull-request comment shows as written: every character markdown
 * (or the HTML it allows) would read as markup inside a line is escaped, so
 * that a rule or value cannot format the comment nor hide the marker.  (No
 * text starts a line: list items and "Comparing" come first.) */
static void md(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (strchr("\\`*_[]<>|~&", *s))
			fputc('\\', out);
		fputc(*s, out);
	}
}

static void summary(FILE *out, const rsc_diff *d)
{
	fprintf(out, "%zu change%s", d->n, d->n == 1 ? "" : "s");
	if (d->nprotected == 1)
		fputs(", 1 in a protected environment", out);
	else if (d->nprotected)
		fprintf(out, ", %zu in protected environments", d->nprotected);
}

static void markdown(FILE *out, const rsc_diff *d, const char *la, const char *lb)
{
	fputs(RSC_DIFF_MARKER "\n### Rulestead: ", out);
	if (d->n)
		summary(out, d);
	else
		fputs("no change", out);
	fputs("\n\nComparing ", out);
	md(out, la);
	fputs(ARROW, out);
	md(out, lb);
	fputs("\n", out);
	if (!d->n)
		fputs("\nNothing that is compiled changed (comments and formatting do not "
		      "count).\n", out);
	const char *env = "";
	int whole = 0;
	for (size_t i = 0; i < d->n; i++) {
		const rsc_change *c = &d->v[i];
		if (c->env && strcmp(c->env, env) != 0) {
			env = c->env;
			fputs("\n#### ", out);
			md(out, env);
			fputs(c->protected_ ? " (protected)\n\n" : "\n\n", out);
		} else if (!c->env && !whole) {
			whole = 1;
			fputs("\n#### Whole ruleset\n\n", out);
		}
		fputs("- ", out);
		md(out, c->text);
		fputc('\n', out);
	}
}

void rsc_diff_print(FILE *out, const rsc_diff *d, rsc_diff_format fmt,
		    const char *label_a, const char *commit_a,
		    const char *label_b, const char *commit_b)
{
	switch (fmt) {
	case RSC_DIFF_JSON:
		fputs("{\"a\":", out);
		json_side(out, label_a, commit_a);
		fputs(",\"b\":", out);
		json_side(out, label_b, commit_b);
		fprintf(out, ",\"changed\":%s,\"protected_changes\":%zu,\"changes\":[",
			d->n ? "true" : "false", d->nprotected);
		for (size_t i = 0; i < d->n; i++) {
			if (i)
				fputc(',', out);
			rsc_diff_print_json_change(out, &d->v[i]);
		}
		fputs("]}\n", out);
		break;
	case RSC_DIFF_MARKDOWN:
		markdown(out, d, label_a, label_b);
		break;
	default:
		fprintf(out, "Comparing %s" ARROW "%s\n", label_a, label_b);
		for (size_t i = 0; i < d->n; i++)
			rsc_diff_print_line(out, &d->v[i], "");
		if (d->n) {
			summary(out, d);
			fputc('\n', out);
		} else {
			fputs("no change to what is compiled (comments and formatting do not "
			      "count)\n", out);
		}
	}
}
