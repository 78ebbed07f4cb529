/* cmd_inspect.c - `rsc inspect`: a snapshot's content for an operator,
 * decoded with libcbor (independently of librsl's decoder, and without a
 * key: the signature is not checked). */
#include <cbor.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

int rsc_cmd_inspect(int argc, char **argv);

static const char inspect_help[] =
"usage: rsc inspect SNAPSHOT [--format text|json]\n"
"\n"
"Prints what a snapshot holds: the COSE header (algorithm, key id), every\n"
"field of the body (environment, version, expiry, provenance), the segments,\n"
"and each flag with its variants, rules (conditions written out, e.g.\n"
"`country in [DE, AT]`), default and the source file:line of each.\n"
"The signature is NOT checked: use rsc verify for that.\n"
"\n"
"  --format FMT    text (default) or json (the decoded CBOR as one JSON\n"
"                  object: {\"protected\":..., \"body\":...}; the codes op,\n"
"                  type and kind by name: \"semver_lt\", \"string\", \"variant\")\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 printed, 1 not a well-formed snapshot, 2 usage error,\n"
"3 I/O error.\n"
"\n"
"Example:  rsc inspect out/prod.rsnap --format json | jq '.body.flags[].key'\n";

#define MAX_SNAPSHOT (64u * 1024u * 1024u)

/* --------------------------------------------------------- item access */

static cbor_item_t *get(const cbor_item_t *map, const char *key)
{
	if (!map || !cbor_isa_map(map))
		return NULL;
	size_t n = cbor_map_size(map), klen = strlen(key);
	struct cbor_pair *p = cbor_map_handle(map);
	for (size_t i = 0; i < n; i++)
		if (cbor_isa_string(p[i].key) && cbor_string_is_definite(p[i].key) &&
		    cbor_string_length(p[i].key) == klen &&
		    memcmp(cbor_string_handle(p[i].key), key, klen) == 0)
			return p[i].value;
	return NULL;
}

static cbor_item_t *get_int_key(const cbor_item_t *map, int64_t key)
{
	if (!map || !cbor_isa_map(map))
		return NULL;
	size_t n = cbor_map_size(map);
	struct cbor_pair *p = cbor_map_handle(map);
	for (size_t i = 0; i < n; i++) {
		int64_t k;
		if (cbor_isa_uint(p[i].key))
			k = (int64_t)cbor_get_int(p[i].key);
		else if (cbor_isa_negint(p[i].key))
			k = -1 - (int64_t)cbor_get_int(p[i].key);
		else
			continue;
		if (k == key)
			return p[i].value;
	}
	return NULL;
}

static int as_int(const cbor_item_t *it, int64_t *out)
{
	if (it && cbor_isa_uint(it) && cbor_get_int(it) <= INT64_MAX) {
		*out = (int64_t)cbor_get_int(it);
		return 1;
	}
	if (it && cbor_isa_negint(it) && cbor_get_int(it) <= INT64_MAX) {
		*out = -1 - (int64_t)cbor_get_int(it);
		return 1;
	}
	return 0;
}

static int64_t int_or(const cbor_item_t *it, int64_t dflt)
{
	int64_t v;
	return as_int(it, &v) ? v : dflt;
}

static int is_text(const cbor_item_t *it)
{
	return it && cbor_isa_string(it) && cbor_string_is_definite(it);
}

/* cbor_is_bool asserts on a float: ask whether it is a control value first. */
static int is_bool(const cbor_item_t *it)
{
	return it && cbor_isa_float_ctrl(it) && cbor_float_ctrl_is_ctrl(it) &&
	       cbor_is_bool(it);
}

static size_t arr_n(const cbor_item_t *it)
{
	return it && cbor_isa_array(it) ? cbor_array_size(it) : 0;
}

static cbor_item_t *arr_at(const cbor_item_t *it, size_t i)
{
	return cbor_array_handle(it)[i];
}

/* ------------------------------------------------------------- printing */

/* RFC 3339 UTC text: room for any int year. */
#define TIME_MAX 80

static void rfc3339(char out[TIME_MAX], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm)) {
		snprintf(out, TIME_MAX, "%lld", (long long)t);
		return;
	}
	snprintf(out, TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Shortest "%.*g" that reads back to v (rsc never calls setlocale, so the
 * decimal point is '.'). */
static void print_double(FILE *out, double v)
{
	char buf[40];
	if (!isfinite(v)) {
		fputs(isnan(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity", out);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	fputs(buf, out);
	if (!strpbrk(buf, ".eE"))
		fputs(".0", out);
}

static void print_json_string(FILE *out, const unsigned char *s, size_t n)
{
	fputc('"', out);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = s[i];
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", out);
		else if (ch == '\t')
			fputs("\\t", out);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

static void print_hex(FILE *out, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", p[i]);
}

/* The names JSON output gives the format's numeric codes (the spellings of
 * docs/ruleset.md and docs/snapshot-format.md). */
static const char *const json_op_names[] = {
	[RSL_OP_EQ] = "eq", [RSL_OP_NE] = "ne", [RSL_OP_IN] = "in",
	[RSL_OP_NOT_IN] = "not_in", [RSL_OP_CONTAINS] = "contains",
	[RSL_OP_STARTS_WITH] = "starts_with", [RSL_OP_ENDS_WITH] = "ends_with",
	[RSL_OP_LT] = "lt", [RSL_OP_LTE] = "lte", [RSL_OP_GT] = "gt",
	[RSL_OP_GTE] = "gte", [RSL_OP_SEMVER_EQ] = "semver_eq",
	[RSL_OP_SEMVER_LT] = "semver_lt", [RSL_OP_SEMVER_LTE] = "semver_lte",
	[RSL_OP_SEMVER_GT] = "semver_gt", [RSL_OP_SEMVER_GTE] = "semver_gte",
	[RSL_OP_BEFORE] = "before", [RSL_OP_AFTER] = "after",
	[RSL_OP_EXISTS] = "exists", [RSL_OP_ALL] = "all", [RSL_OP_ANY] = "any",
	[RSL_OP_NOT] = "not", [RSL_OP_SEGMENT] = "segment",
};
static const char *const type_names[] = { "boolean", "string", "integer",
					   "float", "object" };
static const char *const kind_names[] = {
	[RSL_SERVE_VARIANT] = "variant", [RSL_SERVE_SPLIT] = "split",
	[RSL_SERVE_SCHEDULE] = "schedule",
};

#define NAMED(table, v) ((v) < sizeof(table) / sizeof(table[0]) ? (table)[v] : NULL)

/* The name of the code v under a map key "op", "type" or "kind"; NULL when
 * the key is another or the code unknown (then printed as the number). */
static const char *code_name(const cbor_item_t *key, const cbor_item_t *v)
{
	if (!is_text(key) || !cbor_isa_uint(v))
		return NULL;
	size_t n = cbor_string_length(key);
	const unsigned char *k = cbor_string_handle(key);
	uint64_t c = cbor_get_int(v);
	if (n == 2 && memcmp(k, "op", 2) == 0)
		return NAMED(json_op_names, c);
	if (n == 4 && memcmp(k, "type", 4) == 0)
		return NAMED(type_names, c);
	if (n == 4 && memcmp(k, "kind", 4) == 0)
		return NAMED(kind_names, c);
	return NULL;
}

/* Any item as JSON: byte strings as hex strings, tags dropped, the codes
 * op, type and kind by name. */
static void json_item(FILE *out, const cbor_item_t *it)
{
	switch (cbor_typeof(it)) {
	case CBOR_TYPE_UINT:
		fprintf(out, "%llu", (unsigned long long)cbor_get_int(it));
		break;
	case CBOR_TYPE_NEGINT:
		if (cbor_get_int(it) <= INT64_MAX)
			fprintf(out, "%lld", -1 - (long long)cbor_get_int(it));
		else
			fprintf(out, "-1-%llu", (unsigned long long)cbor_get_int(it));
		break;
	case CBOR_TYPE_BYTESTRING:
		fputc('"', out);
		if (cbor_bytestring_is_definite(it))
			print_hex(out, cbor_bytestring_handle(it),
				  cbor_bytestring_length(it));
		fputc('"', out);
		break;
	case CBOR_TYPE_STRING:
		if (cbor_string_is_definite(it))
			print_json_string(out, cbor_string_handle(it),
					  cbor_string_length(it));
		else
			fputs("\"\"", out);
		break;
	case CBOR_TYPE_ARRAY:
		fputc('[', out);
		for (size_t i = 0; i < cbor_array_size(it); i++) {
			if (i)
				fputc(',', out);
			json_item(out, arr_at(it, i));
		}
		fputc(']', out);
		break;
	case CBOR_TYPE_MAP: {
		struct cbor_pair *p = cbor_map_handle(it);
		fputc('{', out);
		for (size_t i = 0; i < cbor_map_size(it); i++) {
			if (i)
				fputc(',', out);
			if (is_text(p[i].key))
				json_item(out, p[i].key);
			else {
				int64_t k;
				fprintf(out, "\"%lld\"", as_int(p[i].key, &k) ? (long long)k : 0LL);
			}
			fputc(':', out);
			const char *name = code_name(p[i].key, p[i].value);
			if (name)
				fprintf(out, "\"%s\"", name);
			else
				json_item(out, p[i].value);
		}
		fputc('}', out);
		break;
	}
	case CBOR_TYPE_TAG: {
		cbor_item_t *inner = cbor_tag_item(it);
		json_item(out, inner);
		cbor_decref(&inner);
		break;
	}
	case CBOR_TYPE_FLOAT_CTRL:
		if (is_bool(it))
			fputs(cbor_get_bool(it) ? "true" : "false", out);
		else if (cbor_float_ctrl_is_ctrl(it))
			fputs("null", out);
		else
			print_double(out, cbor_float_get_float(it));
		break;
	}
}

/* Text: identifier-like strings bare, others quoted. */
static void text_value(FILE *out, const cbor_item_t *it)
{
	if (is_text(it)) {
		const unsigned char *s = cbor_string_handle(it);
		size_t n = cbor_string_length(it);
		int bare = n > 0;
		for (size_t i = 0; i < n && bare; i++)
			bare = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
			       (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_' ||
			       s[i] == '.';
		/* a bare "true" or "42" would read as another type */
		if (bare && ((n == 4 && !memcmp(s, "true", 4)) ||
			     (n == 5 && !memcmp(s, "false", 5)) ||
			     (s[0] >= '0' && s[0] <= '9') || s[0] == '-'))
			bare = 0;
		if (bare)
			fwrite(s, 1, n, out);
		else
			print_json_string(out, s, n);
	} else if (it) {
		json_item(out, it);
	} else {
		fputs("?", out);
	}
}

static void text_str(FILE *out, const cbor_item_t *it)
{
	if (is_text(it))
		fwrite(cbor_string_handle(it), 1, cbor_string_length(it), out);
	else
		fputs("?", out);
}

typedef struct view {
	FILE *out;
	const cbor_item_t *segments;
	const cbor_item_t *flags;
	const cbor_item_t *flag; /* the flag being printed, for variant names */
} view;

static const char *const op_names[] = {
	[RSL_OP_EQ] = "eq", [RSL_OP_NE] = "ne", [RSL_OP_IN] = "in",
	[RSL_OP_NOT_IN] = "not_in", [RSL_OP_CONTAINS] = "contains",
	[RSL_OP_STARTS_WITH] = "starts_with", [RSL_OP_ENDS_WITH] = "ends_with",
	[RSL_OP_LT] = "<", [RSL_OP_LTE] = "<=", [RSL_OP_GT] = ">",
	[RSL_OP_GTE] = ">=", [RSL_OP_SEMVER_EQ] = "semver_eq",
	[RSL_OP_SEMVER_LT] = "semver_lt", [RSL_OP_SEMVER_LTE] = "semver_lte",
	[RSL_OP_SEMVER_GT] = "semver_gt", [RSL_OP_SEMVER_GTE] = "semver_gte",
	[RSL_OP_BEFORE] = "before", [RSL_OP_AFTER] = "after",
	[RSL_OP_EXISTS] = "exists",
};

static void cond(view *v, const cbor_item_t *c)
{
	FILE *out = v->out;
	int64_t op = int_or(get(c, "op"), -1);
	const cbor_item_t *kids = get(c, "kids");
	if (op == RSL_OP_ALL || op == RSL_OP_ANY || op == RSL_OP_NOT) {
		fputs(op == RSL_OP_ALL ? "all(" : op == RSL_OP_ANY ? "any(" : "not(", out);
		for (size_t i = 0; i < arr_n(kids); i++) {
			if (i)
				fputs(", ", out);
			cond(v, arr_at(kids, i));
		}
		fputc(')', out);
		return;
	}
	if (op == RSL_OP_SEGMENT) {
		int64_t k = int_or(get(c, "segment"), -1);
		fputs("segment ", out);
		if (k >= 0 && (size_t)k < arr_n(v->segments))
			text_str(out, get(arr_at(v->segments, (size_t)k), "key"));
		else
			fprintf(out, "#%lld", (long long)k);
		return;
	}
	if (op < RSL_OP_EQ || op > RSL_OP_EXISTS) {
		fprintf(out, "<unknown op %lld>", (long long)op);
		return;
	}
	text_str(out, get(c, "attr"));
	fprintf(out, " %s ", op_names[op]);
	if (op == RSL_OP_IN || op == RSL_OP_NOT_IN) {
		const cbor_item_t *vals = get(c, "values");
		fputc('[', out);
		for (size_t i = 0; i < arr_n(vals); i++) {
			if (i)
				fputs(", ", out);
			text_value(out, arr_at(vals, i));
		}
		fputc(']', out);
	} else if (op == RSL_OP_BEFORE || op == RSL_OP_AFTER) {
		char t[TIME_MAX];
		rfc3339(t, int_or(get(c, "value"), 0));
		fputs(t, out);
	} else {
		text_value(out, get(c, "value"));
	}
	const cbor_item_t *ci = get(c, "ci");
	if (is_bool(ci) && cbor_get_bool(ci))
		fputs(" (case-insensitive)", out);
}

static void variant_name(view *v, int64_t i)
{
	const cbor_item_t *vs = get(v->flag, "variants");
	if (i >= 0 && (size_t)i < arr_n(vs) && arr_n(arr_at(vs, (size_t)i)) == 2)
		text_str(v->out, arr_at(arr_at(vs, (size_t)i), 0));
	else
		fprintf(v->out, "#%lld", (long long)i);
}

static void split(view *v, const cbor_item_t *s)
{
	for (size_t i = 0; i < arr_n(s); i++) {
		const cbor_item_t *p = arr_at(s, i);
		int64_t w = arr_n(p) == 2 ? int_or(arr_at(p, 1), 0) : 0;
		fputs(i ? ", " : "", v->out);
		variant_name(v, arr_n(p) == 2 ? int_or(arr_at(p, 0), -1) : -1);
		/* weights are in 1/1000 % */
		char pct[32];
		snprintf(pct, sizeof pct, "%lld.%03lld", (long long)(w / 1000),
			 (long long)(w % 1000));
		size_t n = strlen(pct);
		while (pct[n - 1] == '0')
			pct[--n] = '\0';
		if (pct[n - 1] == '.')
			pct[--n] = '\0';
		fprintf(v->out, " %s%%", pct);
	}
}

static void serve(view *v, const cbor_item_t *s, const char *indent)
{
	FILE *out = v->out;
	int64_t kind = int_or(get(s, "kind"), -1);
	if (kind == RSL_SERVE_VARIANT) {
		variant_name(v, int_or(get(s, "variant"), -1));
	} else if (kind == RSL_SERVE_SPLIT) {
		fputs("split by ", out);
		text_str(out, get(s, "by"));
		fputs(": ", out);
		split(v, get(s, "split"));
	} else if (kind == RSL_SERVE_SCHEDULE) {
		const cbor_item_t *steps = get(s, "steps");
		fputs("schedule by ", out);
		text_str(out, get(s, "by"));
		fputs(" (off variant before the first step)", out);
		for (size_t i = 0; i < arr_n(steps); i++) {
			const cbor_item_t *st = arr_at(steps, i);
			char t[TIME_MAX];
			rfc3339(t, int_or(get(st, "at"), 0));
			fprintf(out, "\n%s  from %s: ", indent, t);
			if (get(st, "split")) {
				fputs("split ", out);
				split(v, get(st, "split"));
			} else {
				variant_name(v, int_or(get(st, "variant"), -1));
			}
		}
	} else {
		fprintf(out, "<unknown serve kind %lld>", (long long)kind);
	}
}

static void text_flag(view *v, const cbor_item_t *f)
{
	FILE *out = v->out;
	v->flag = f;
	int64_t type = int_or(get(f, "type"), -1);
	int64_t off = int_or(get(f, "off"), -1);
	fputs("\n", out);
	text_str(out, get(f, "key"));
	fprintf(out, " (%s)  ", type >= 0 && type <= 4 ? type_names[type] : "?");
	text_str(out, get(f, "file"));
	fprintf(out, ":%lld\n  salt: ", (long long)int_or(get(f, "line"), 0));
	text_str(out, get(f, "salt"));
	fputs("\n  variants:\n", out);
	const cbor_item_t *vs = get(f, "variants");
	for (size_t i = 0; i < arr_n(vs); i++) {
		const cbor_item_t *p = arr_at(vs, i);
		fprintf(out, "    [%zu] ", i);
		if (arr_n(p) != 2) {
			fputs("?\n", out);
			continue;
		}
		text_str(out, arr_at(p, 0));
		fputs(" = ", out);
		if (type == RSL_TYPE_OBJECT)
			text_str(out, arr_at(p, 1));
		else
			json_item(out, arr_at(p, 1));
		fputs((int64_t)i == off ? "   (off)\n" : "\n", out);
	}
	const cbor_item_t *t = get(f, "targeting");
	if (!t) {
		fputs("  not configured in this environment: serves ", out);
		variant_name(v, off);
		fputs(" (off)\n", out);
		return;
	}
	const cbor_item_t *en = get(t, "enabled");
	int enabled = is_bool(en) && cbor_get_bool(en);
	fputs("  targeting: ", out);
	text_str(out, get(t, "file"));
	fputs(enabled ? "\n    enabled\n" : "\n    DISABLED (kill switch): serves the off variant\n",
	      out);
	const cbor_item_t *req = get(t, "requires");
	for (size_t i = 0; i < arr_n(req); i++) {
		const cbor_item_t *r = arr_at(req, i);
		int64_t fi = int_or(arr_n(r) == 2 ? arr_at(r, 0) : NULL, -1);
		int64_t vi = int_or(arr_n(r) == 2 ? arr_at(r, 1) : NULL, -1);
		fputs("    requires ", out);
		if (fi >= 0 && (size_t)fi < arr_n(v->flags)) {
			view pv = *v;
			pv.flag = arr_at(v->flags, (size_t)fi);
			text_str(out, get(pv.flag, "key"));
			fputs(" = ", out);
			variant_name(&pv, vi);
		} else {
			fprintf(out, "flag #%lld = #%lld", (long long)fi, (long long)vi);
		}
		fputc('\n', out);
	}
	const cbor_item_t *rules = get(t, "rules");
	for (size_t i = 0; i < arr_n(rules); i++) {
		const cbor_item_t *r = arr_at(rules, i);
		fprintf(out, "    rule %zu ", i + 1);
		text_value(out, get(r, "name"));
		fprintf(out, " (line %lld)\n      when ", (long long)int_or(get(r, "line"), 0));
		if (get(r, "when"))
			cond(v, get(r, "when"));
		else
			fputs("everyone", out);
		fputs("\n      serve ", out);
		serve(v, get(r, "serve"), "      ");
		fputc('\n', out);
	}
	fprintf(out, "    default (line %lld): ", (long long)int_or(get(t, "default_line"), 0));
	serve(v, get(t, "default"), "    ");
	fputc('\n', out);
}

static void text_field(FILE *out, const char *name, const cbor_item_t *it, int time)
{
	if (!it)
		return;
	fprintf(out, "  %-12s ", name);
	if (is_text(it))
		text_str(out, it);
	else
		json_item(out, it);
	int64_t t;
	if (time && as_int(it, &t) && t != 0) {
		char s[TIME_MAX];
		rfc3339(s, t);
		fprintf(out, "  (%s)", s);
	}
	fputc('\n', out);
}

static void text_snapshot(FILE *out, const char *path, size_t size, int64_t alg,
			  const cbor_item_t *kid, const cbor_item_t *body)
{
	view v = { out, get(body, "segments"), get(body, "flags"), NULL };
	fprintf(out, "%s: %zu bytes; signature not checked (use rsc verify)\n", path, size);
	fprintf(out, "  %-12s %lld%s\n", "alg", (long long)alg,
		alg == -8 ? " (EdDSA)" : alg == -19 ? " (Ed25519)" : "");
	fprintf(out, "  %-12s ", "kid");
	if (kid && cbor_isa_bytestring(kid) && cbor_bytestring_is_definite(kid))
		print_hex(out, cbor_bytestring_handle(kid), cbor_bytestring_length(kid));
	fputc('\n', out);
	text_field(out, "format", get(body, "format"), 0);
	text_field(out, "env", get(body, "env"), 0);
	text_field(out, "version", get(body, "version"), 0);
	text_field(out, "issued_at", get(body, "issued_at"), 1);
	text_field(out, "expires_at", get(body, "expires_at"), 1);
	if (!get(body, "expires_at"))
		fprintf(out, "  %-12s never\n", "expires_at");
	text_field(out, "bucketing", get(body, "bucketing"), 0);
	const cbor_item_t *p = get(body, "provenance");
	fputs("provenance\n", out);
	static const char *const prov[] = { "repo", "path", "commit", "commit_time",
					    "author", "subject", "rsc" };
	for (size_t i = 0; i < sizeof prov / sizeof prov[0]; i++) {
		const cbor_item_t *it = get(p, prov[i]);
		if (i == 1 && is_text(it) && cbor_string_length(it) == 0)
			fprintf(out, "  %-12s (repository top)\n", prov[i]);
		else
			text_field(out, prov[i], it, i == 3);
	}
	fprintf(out, "segments (%zu)\n", arr_n(v.segments));
	for (size_t i = 0; i < arr_n(v.segments); i++) {
		const cbor_item_t *s = arr_at(v.segments, i);
		fputs("  ", out);
		text_str(out, get(s, "key"));
		fputs(": ", out);
		cond(&v, get(s, "when"));
		fputc('\n', out);
	}
	fprintf(out, "flags (%zu)\n", arr_n(v.flags));
	for (size_t i = 0; i < arr_n(v.flags); i++)
		text_flag(&v, arr_at(v.flags, i));
}

/* ------------------------------------------------------------- the command */

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 65536, n = 0;
	unsigned char *buf = malloc(cap);
	while (buf) {
		size_t k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (k == 0 || n > MAX_SNAPSHOT)
			break;
		if (n == cap) {
			unsigned char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			} else {
				buf = nb;
			}
		}
	}
	int bad = ferror(f) || n > MAX_SNAPSHOT;
	fclose(f);
	if (bad || !buf) {
		free(buf);
		errno = bad && n > MAX_SNAPSHOT ? EFBIG : errno ? errno : EIO;
		return NULL;
	}
	*len = n;
	return buf;
}

/* Decodes exactly one item filling data[0..len). */
static cbor_item_t *load_one(const unsigned char *data, size_t len)
{
	struct cbor_load_result res;
	cbor_item_t *it = cbor_load(data, len, &res);
	if (it && (res.error.code != CBOR_ERR_NONE || res.read != len)) {
		cbor_decref(&it);
		return NULL;
	}
	return it;
}

int rsc_cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int json = 0, c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "text") == 0)
				json = 0;
			else
				return rsc_usage("inspect", "unknown --format '%s'; "
						 "expected text or json", optarg);
			break;
		case 'h':
			fputs(inspect_help, stdout);
			return RSC_EXIT_OK;
		case ':':
			return rsc_usage("inspect", "option '%s' needs a value",
					 argv[optind - 1]);
		default:
			return rsc_usage("inspect", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return rsc_usage("inspect", "which snapshot? give SNAPSHOT");
	if (optind + 1 < argc)
		return rsc_usage("inspect", "unexpected argument '%s'", argv[optind + 1]);
	const char *path = argv[optind];

	size_t len = 0;
	unsigned char *data = read_all(path, &len);
	if (!data) {
		rsc_errorf("inspect", "%s: %s", path, strerror(errno));
		return RSC_EXIT_IO;
	}
	int rc = RSC_EXIT_INVALID;
	const char *why = NULL;
	cbor_item_t *arr = NULL, *prot = NULL, *body = NULL;
	/* The tag head is read here: libcbor before 0.11 refuses tags 6..20,
	 * COSE_Sign1's 18 among them (libcbor issue #307).  The format puts it
	 * in one byte, 0xd2. */
	if (len < 1 || data[0] != 0xd2) {
		why = "not a COSE_Sign1 message (it must start with 0xd2, CBOR tag 18)";
		goto out;
	}
	arr = load_one(data + 1, len - 1);
	if (!arr) {
		why = "not one well-formed CBOR item";
		goto out;
	}
	cbor_item_t **f = arr_n(arr) == 4 ? cbor_array_handle(arr) : NULL;
	if (!f || !cbor_isa_bytestring(f[0]) || !cbor_bytestring_is_definite(f[0]) ||
	    !cbor_isa_bytestring(f[2]) || !cbor_bytestring_is_definite(f[2])) {
		why = "a COSE_Sign1 message must be [protected, unprotected, payload, signature]";
		goto out;
	}
	prot = load_one(cbor_bytestring_handle(f[0]), cbor_bytestring_length(f[0]));
	body = load_one(cbor_bytestring_handle(f[2]), cbor_bytestring_length(f[2]));
	if (!prot || !cbor_isa_map(prot)) {
		why = "the protected header is not a CBOR map";
		goto out;
	}
	if (!body || !cbor_isa_map(body)) {
		why = "the payload is not a CBOR map";
		goto out;
	}
	int64_t alg = int_or(get_int_key(prot, 1), 0);
	const cbor_item_t *kid = get_int_key(prot, 4);
	if (json) {
		printf("{\"file\":");
		print_json_string(stdout, (const unsigned char *)path, strlen(path));
		printf(",\"size\":%zu,\"signature_checked\":false,\"protected\":"
		       "{\"alg\":%lld,\"kid\":", len, (long long)alg);
		if (kid)
			json_item(stdout, kid);
		else
			fputs("null", stdout);
		printf("},\"signature\":");
		json_item(stdout, f[3]);
		printf(",\"body\":");
		json_item(stdout, body);
		printf("}\n");
	} else {
		text_snapshot(stdout, path, len, alg, kid, body);
	}
	rc = RSC_EXIT_OK;
out:
	if (why)
		rsc_errorf("inspect", "%s: %s", path, why);
	if (body)
		cbor_decref(&body);
	if (prot)
		cbor_decref(&prot);
	if (arr)
		cbor_decref(&arr);
	free(data);
	return rc;
}
