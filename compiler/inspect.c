/* inspect.c - a snapshot's content as text or JSON, read with librsl's
 * strict CBOR reader; see inspect.h. */
#include "inspect.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../loader/freshness.h"
#include "cli.h"
#include "ops.h"
#include "render.h"
#include "rsl_format.h"
#include "source.h" /* RSC_OK */
#include "unimage.h"

typedef rsl__cbor item; /* one item; p NULL when absent */

static const item none = { NULL, NULL };

/* --------------------------------------------------------- item access */

static item get(item map, const char *key)
{
	uint64_t n;
	size_t klen = strlen(key);
	if (!map.p || rsl__cbor_map(&map, &n) < 0)
		return none;
	for (uint64_t i = 0; i < n; i++) {
		const char *k;
		size_t kl;
		int match = 0;
		if (rsl__cbor_text(&map, &k, &kl) == 0)
			match = kl == klen && memcmp(k, key, klen) == 0;
		else if (rsl__cbor_next(&map) < 0)
			return none;
		if (match)
			return map;
		if (rsl__cbor_next(&map) < 0)
			return none;
	}
	return none;
}

static item get_int_key(item map, int64_t key)
{
	uint64_t n;
	if (!map.p || rsl__cbor_map(&map, &n) < 0)
		return none;
	for (uint64_t i = 0; i < n; i++) {
		int64_t k;
		int match = 0;
		if (rsl__cbor_int(&map, &k) == 0)
			match = k == key;
		else if (rsl__cbor_next(&map) < 0)
			return none;
		if (match)
			return map;
		if (rsl__cbor_next(&map) < 0)
			return none;
	}
	return none;
}

static int as_int(item it, int64_t *out)
{
	return it.p && rsl__cbor_int(&it, out) == 0;
}

static int64_t int_or(item it, int64_t dflt)
{
	int64_t v;
	return as_int(it, &v) ? v : dflt;
}

static int text_of(item it, const char **s, size_t *n)
{
	return it.p && rsl__cbor_text(&it, s, n) == 0;
}

static int is_true(item it)
{
	int b;
	return it.p && rsl__cbor_bool(&it, &b) == 0 && b;
}

/* Positions *first at the first element of arr; returns the count (0 when
 * arr is not an array). */
static uint64_t arr_begin(item *first, item arr)
{
	uint64_t n;
	if (!arr.p || rsl__cbor_array(&arr, &n) < 0)
		return 0;
	*first = arr;
	return n;
}

static uint64_t arr_n(item arr)
{
	item first;
	return arr_begin(&first, arr);
}

/* The elements of an array, for access by index in constant time (a
 * snapshot refers to flags, segments and variants by index).  Counts were
 * checked against the bytes, so the table is never larger than the file. */
typedef struct table {
	item *v;
	size_t n;
} table;

static int table_of(table *t, item arr, uint64_t max)
{
	item it;
	uint64_t n = arr_begin(&it, arr);
	if (n > max)
		n = max;
	t->v = NULL;
	t->n = 0;
	if (n == 0)
		return 0;
	if (!(t->v = malloc((size_t)n * sizeof *t->v)))
		return -1;
	for (; t->n < n; t->n++) {
		t->v[t->n] = it;
		if (rsl__cbor_next(&it) < 0)
			break;
	}
	return 0;
}

static item at(const table *t, int64_t i)
{
	return i >= 0 && (uint64_t)i < t->n ? t->v[i] : none;
}

/* ------------------------------------------------------------- printing */

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

static void print_hex(FILE *out, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%02x", p[i]);
}

/* The format's names of its numeric codes (docs/ruleset.md and
 * docs/snapshot-format.md); the operators' are the library's (loader/ops.h). */
static const char *const type_names[] = { "boolean", "string", "integer",
					   "float", "object" };
static const char *const kind_names[] = {
	[RSL_SERVE_VARIANT] = "variant", [RSL_SERVE_SPLIT] = "split",
	[RSL_SERVE_SCHEDULE] = "schedule",
};

#define NAMED(table, v) ((v) < sizeof(table) / sizeof(table[0]) ? (table)[v] : NULL)

/* How text output writes an operator: the numeric comparisons as symbols. */
static const char *op_symbol(int64_t op)
{
	switch (op) {
	case RSL_OP_LT: return "<";
	case RSL_OP_LTE: return "<=";
	case RSL_OP_GT: return ">";
	case RSL_OP_GTE: return ">=";
	default: return op >= 0 && op <= INT32_MAX ? rsl__op_name((int)op) : NULL;
	}
}

/* The name of the code v under the map key k ("op", "type", "kind"); NULL
 * when the key is another or the code unknown (then printed as the number). */
static const char *code_name(const char *k, size_t n, item v)
{
	uint64_t c;
	if (!v.p || rsl__cbor_uint(&v, &c) < 0)
		return NULL;
	if (n == 2 && memcmp(k, "op", 2) == 0)
		return c <= INT32_MAX ? rsl__op_name((int)c) : NULL;
	if (n == 4 && memcmp(k, "type", 4) == 0)
		return NAMED(type_names, c);
	if (n == 4 && memcmp(k, "kind", 4) == 0)
		return NAMED(kind_names, c);
	return NULL;
}

static void json_item(FILE *out, item it);

/* The map member at *h as JSON "key":value; moves *h past it.  Returns 0,
 * or -1 at the end of the items. */
static int json_member(FILE *out, item *h)
{
	const char *s, *name = NULL;
	size_t n;
	int64_t k = 0;
	if (text_of(*h, &s, &n)) {
		rsc_json_string(out, s, n);
		rsl__cbor_next(h);
		name = code_name(s, n, *h);
	} else {
		fprintf(out, "\"%lld\"", as_int(*h, &k) ? (long long)k : 0LL);
		rsl__cbor_next(h);
	}
	fputc(':', out);
	if (name)
		fprintf(out, "\"%s\"", name);
	else
		json_item(out, *h);
	return rsl__cbor_next(h);
}

/* Any item as JSON: byte strings as hex strings, the codes op, type and
 * kind by name.  Depth is bounded by the reader's check. */
static void json_item(FILE *out, item it)
{
	item h = it;
	unsigned m, a;
	uint64_t arg;
	if (!it.p || rsl__cbor_head(&h, &m, &a, &arg) < 0) {
		fputs("null", out);
		return;
	}
	switch (m) {
	case RSL__CBOR_UINT:
		fprintf(out, "%llu", (unsigned long long)arg);
		break;
	case RSL__CBOR_NINT:
		if (arg <= INT64_MAX)
			fprintf(out, "%lld", -1 - (long long)arg);
		else
			fprintf(out, "-1-%llu", (unsigned long long)arg);
		break;
	case RSL__CBOR_BYTES:
		fputc('"', out);
		print_hex(out, h.p, (size_t)arg);
		fputc('"', out);
		break;
	case RSL__CBOR_TEXT:
		rsc_json_string(out, (const char *)h.p, (size_t)arg);
		break;
	case RSL__CBOR_ARRAY:
		fputc('[', out);
		for (uint64_t i = 0; i < arg; i++) {
			fputs(i ? "," : "", out);
			json_item(out, h);
			if (rsl__cbor_next(&h) < 0)
				break;
		}
		fputc(']', out);
		break;
	case RSL__CBOR_MAP:
		fputc('{', out);
		for (uint64_t i = 0; i < arg; i++) {
			fputs(i ? "," : "", out);
			if (json_member(out, &h) < 0)
				break;
		}
		fputc('}', out);
		break;
	default: {
		int b;
		double d;
		if (rsl__cbor_bool(&it, &b) == 0)
			fputs(b ? "true" : "false", out);
		else if (rsl__cbor_float(&it, &d) == 0)
			print_double(out, d);
		else
			fputs("null", out);
	}
	}
}

/* Text: identifier-like strings bare, others quoted. */
static void text_value(FILE *out, item it)
{
	const char *s;
	size_t n;
	if (text_of(it, &s, &n)) {
		if (rsc_render_bare(s, n))
			fwrite(s, 1, n, out);
		else
			rsc_json_string(out, s, n);
	} else if (it.p) {
		json_item(out, it);
	} else {
		fputs("?", out);
	}
}

static void text_str(FILE *out, item it)
{
	const char *s;
	size_t n;
	if (text_of(it, &s, &n))
		fwrite(s, 1, n, out);
	else
		fputs("?", out);
}

static void text_time(FILE *out, int64_t t)
{
	char s[RSC_TIME_MAX];
	rsc_cli_utc_time(s, t);
	fputs(s, out);
}

typedef struct view {
	FILE *out;
	table segments;
	table flags;
	table variants; /* of the flag being printed */
} view;

static void cond(view *v, item c)
{
	FILE *out = v->out;
	int64_t op = int_or(get(c, "op"), -1);
	item kid;
	if (op == RSL_OP_ALL || op == RSL_OP_ANY || op == RSL_OP_NOT) {
		fputs(op == RSL_OP_ALL ? "all(" : op == RSL_OP_ANY ? "any(" : "not(", out);
		uint64_t n = arr_begin(&kid, get(c, "kids"));
		for (uint64_t i = 0; i < n; i++) {
			fputs(i ? ", " : "", out);
			cond(v, kid);
			if (rsl__cbor_next(&kid) < 0)
				break;
		}
		fputc(')', out);
		return;
	}
	if (op == RSL_OP_SEGMENT) {
		int64_t k = int_or(get(c, "segment"), -1);
		fputs("segment ", out);
		if (at(&v->segments, k).p)
			text_str(out, get(at(&v->segments, k), "key"));
		else
			fprintf(out, "#%lld", (long long)k);
		return;
	}
	if (op < RSL_OP_EQ || op > RSL_OP_EXISTS) {
		fprintf(out, "<unknown op %lld>", (long long)op);
		return;
	}
	text_str(out, get(c, "attr"));
	fprintf(out, " %s ", op_symbol(op));
	if (op == RSL_OP_IN || op == RSL_OP_NOT_IN) {
		item val;
		uint64_t n = arr_begin(&val, get(c, "values"));
		fputc('[', out);
		for (uint64_t i = 0; i < n; i++) {
			fputs(i ? ", " : "", out);
			text_value(out, val);
			if (rsl__cbor_next(&val) < 0)
				break;
		}
		fputc(']', out);
	} else if (op == RSL_OP_BEFORE || op == RSL_OP_AFTER) {
		text_time(out, int_or(get(c, "value"), 0));
	} else {
		text_value(out, get(c, "value"));
	}
	if (is_true(get(c, "ci")))
		fputs(" (case-insensitive)", out);
}

static void name_of_pair(FILE *out, item pair, int64_t i)
{
	item name;
	if (arr_begin(&name, pair) == 2)
		text_str(out, name);
	else
		fprintf(out, "#%lld", (long long)i);
}

/* The name of variant i of the variants in t. */
static void variant_name(FILE *out, const table *t, int64_t i)
{
	name_of_pair(out, at(t, i), i);
}

/* The name of variant i of another flag: a walk over at most
 * RSL_MAX_VARIANTS, so that a hostile file cannot make it quadratic. */
static void other_variant_name(FILE *out, item flag, int64_t i)
{
	item pair;
	uint64_t n = arr_begin(&pair, get(flag, "variants"));
	if (i < 0 || (uint64_t)i >= n || i >= RSL_MAX_VARIANTS) {
		fprintf(out, "#%lld", (long long)i);
		return;
	}
	for (int64_t k = 0; k < i; k++)
		if (rsl__cbor_next(&pair) < 0)
			return;
	name_of_pair(out, pair, i);
}

/* A pair [a, b] of integers: -1 for a, and missing_b for b, where it is
 * not one (a [variant, weight] of a split, a [flag, variant] of requires). */
static void int_pair(item pair, int64_t *a, int64_t *b, int64_t missing_b)
{
	item x;
	*a = -1;
	*b = missing_b;
	if (arr_begin(&x, pair) != 2)
		return;
	*a = int_or(x, -1);
	if (rsl__cbor_next(&x) == 0)
		*b = int_or(x, missing_b);
}

static void split(view *v, item s)
{
	item p;
	uint64_t n = arr_begin(&p, s);
	for (uint64_t i = 0; i < n; i++) {
		int64_t vi, w;
		int_pair(p, &vi, &w, 0);
		fputs(i ? ", " : "", v->out);
		variant_name(v->out, &v->variants, vi);
		/* weights are in 1/1000 % */
		char pct[48];
		snprintf(pct, sizeof pct, "%lld.%03lld", (long long)(w / 1000),
			 (long long)(w % 1000));
		size_t len = strlen(pct);
		while (pct[len - 1] == '0')
			pct[--len] = '\0';
		if (pct[len - 1] == '.')
			pct[--len] = '\0';
		fprintf(v->out, " %s%%", pct);
		if (rsl__cbor_next(&p) < 0)
			break;
	}
}

static void serve(view *v, item s, const char *indent)
{
	FILE *out = v->out;
	int64_t kind = int_or(get(s, "kind"), -1);
	if (kind == RSL_SERVE_VARIANT) {
		variant_name(out, &v->variants, int_or(get(s, "variant"), -1));
	} else if (kind == RSL_SERVE_SPLIT) {
		fputs("split by ", out);
		text_str(out, get(s, "by"));
		fputs(": ", out);
		split(v, get(s, "split"));
	} else if (kind == RSL_SERVE_SCHEDULE) {
		item st;
		uint64_t n = arr_begin(&st, get(s, "steps"));
		fputs("schedule by ", out);
		text_str(out, get(s, "by"));
		fputs(" (off variant before the first step)", out);
		for (uint64_t i = 0; i < n; i++) {
			fprintf(out, "\n%s  from ", indent);
			text_time(out, int_or(get(st, "at"), 0));
			fputs(": ", out);
			if (get(st, "split").p) {
				fputs("split ", out);
				split(v, get(st, "split"));
			} else {
				variant_name(out, &v->variants, int_or(get(st, "variant"), -1));
			}
			if (rsl__cbor_next(&st) < 0)
				break;
		}
	} else {
		fprintf(out, "<unknown serve kind %lld>", (long long)kind);
	}
}


static void text_requires(view *v, item req)
{
	FILE *out = v->out;
	item r;
	uint64_t n = arr_begin(&r, req);
	for (uint64_t i = 0; i < n; i++) {
		int64_t fi, vi;
		int_pair(r, &fi, &vi, -1);
		fputs("    requires ", out);
		item other = at(&v->flags, fi);
		if (other.p) {
			text_str(out, get(other, "key"));
			fputs(" = ", out);
			other_variant_name(out, other, vi);
		} else {
			fprintf(out, "flag #%lld = #%lld", (long long)fi, (long long)vi);
		}
		fputc('\n', out);
		if (rsl__cbor_next(&r) < 0)
			break;
	}
}

static void text_rules(view *v, item t)
{
	FILE *out = v->out;
	item r;
	uint64_t n = arr_begin(&r, get(t, "rules"));
	for (uint64_t i = 0; i < n; i++) {
		fprintf(out, "    rule %llu ", (unsigned long long)i + 1);
		text_value(out, get(r, "name"));
		fprintf(out, " (line %lld)\n      when ", (long long)int_or(get(r, "line"), 0));
		if (get(r, "when").p)
			cond(v, get(r, "when"));
		else
			fputs("everyone", out);
		fputs("\n      serve ", out);
		serve(v, get(r, "serve"), "      ");
		fputc('\n', out);
		if (rsl__cbor_next(&r) < 0)
			break;
	}
	fprintf(out, "    default (line %lld): ", (long long)int_or(get(t, "default_line"), 0));
	serve(v, get(t, "default"), "    ");
	fputc('\n', out);
}

static int text_flag(view *v, item f)
{
	FILE *out = v->out;
	int64_t type = int_or(get(f, "type"), -1);
	int64_t off = int_or(get(f, "off"), -1);
	free(v->variants.v);
	if (table_of(&v->variants, get(f, "variants"), RSL_MAX_VARIANTS) < 0)
		return -1;
	fputs("\n", out);
	text_str(out, get(f, "key"));
	fprintf(out, " (%s)  ", type >= 0 && type <= 4 ? type_names[type] : "?");
	text_str(out, get(f, "file"));
	fprintf(out, ":%lld\n  salt: ", (long long)int_or(get(f, "line"), 0));
	text_str(out, get(f, "salt"));
	fputs("\n  variants:\n", out);
	for (size_t i = 0; i < v->variants.n; i++) {
		item x;
		fprintf(out, "    [%zu] ", i);
		if (arr_begin(&x, v->variants.v[i]) != 2) {
			fputs("?\n", out);
			continue;
		}
		text_str(out, x);
		fputs(" = ", out);
		rsl__cbor_next(&x);
		if (type == RSL_TYPE_OBJECT)
			text_str(out, x);
		else
			json_item(out, x);
		fputs((int64_t)i == off ? "   (off)\n" : "\n", out);
	}
	item t = get(f, "targeting");
	if (!t.p) {
		fputs("  not configured in this environment: serves ", out);
		variant_name(out, &v->variants, off);
		fputs(" (off)\n", out);
		return 0;
	}
	fputs("  targeting: ", out);
	text_str(out, get(t, "file"));
	fputs(is_true(get(t, "enabled")) ? "\n    enabled\n"
		: "\n    DISABLED (kill switch): serves the off variant\n", out);
	text_requires(v, get(t, "requires"));
	text_rules(v, t);
	return 0;
}

static void text_field(FILE *out, const char *name, item it, int time)
{
	const char *s;
	size_t n;
	int64_t t;
	if (!it.p)
		return;
	fprintf(out, "  %-12s ", name);
	if (text_of(it, &s, &n))
		fwrite(s, 1, n, out);
	else
		json_item(out, it);
	if (time && as_int(it, &t) && t != 0) {
		fputs("  (", out);
		text_time(out, t);
		fputc(')', out);
	}
	fputc('\n', out);
}

static void text_header(FILE *out, const rsc_inspected *s, const char *path,
			size_t size)
{
	item body = s->body, p = get(body, "provenance");
	const uint8_t *kid;
	size_t kidlen;
	fprintf(out, "%s: %zu bytes; %s\n", path, size, s->verified
		? "signature verified, content checked by librsl"
		: "signature not checked (use rsc verify)");
	fprintf(out, "  %-12s %lld%s\n", "alg", (long long)s->alg,
		s->alg == -8 ? " (EdDSA)" : s->alg == -19 ? " (Ed25519)" : "");
	fprintf(out, "  %-12s ", "kid");
	item k = s->kid;
	if (k.p && rsl__cbor_bytes(&k, &kid, &kidlen) == 0)
		print_hex(out, kid, kidlen);
	fputc('\n', out);
	text_field(out, "format", get(body, "format"), 0);
	text_field(out, "env", get(body, "env"), 0);
	text_field(out, "version", get(body, "version"), 0);
	text_field(out, "issued_at", get(body, "issued_at"), 1);
	text_field(out, "expires_at", get(body, "expires_at"), 1);
	int64_t exp = 0;
	if (!get(body, "expires_at").p)
		fprintf(out, "  %-12s never\n", "expires_at");
	else if (as_int(get(body, "expires_at"), &exp)) {
		char fresh[160];
		rsl__freshness(fresh, sizeof fresh, exp, (int64_t)time(NULL));
		fprintf(out, "  %-12s %s\n", "freshness", fresh);
	}
	text_field(out, "bucketing", get(body, "bucketing"), 0);
	fputs("provenance\n", out);
	static const char *const prov[] = { "repo", "path", "commit", "commit_time",
					    "author", "subject", "rsc" };
	for (size_t i = 0; i < sizeof prov / sizeof prov[0]; i++) {
		item it = get(p, prov[i]);
		const char *t;
		size_t n;
		if (i == 1 && text_of(it, &t, &n) && n == 0)
			fprintf(out, "  %-12s (repository top)\n", prov[i]);
		else
			text_field(out, prov[i], it, i == 3);
	}
}

int rsc_inspect_text(FILE *out, const rsc_inspected *s, const char *path,
		     size_t size)
{
	view v = { out, { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };
	int rc = -1;
	if (table_of(&v.segments, get(s->records, "segments"), UINT64_MAX) < 0 ||
	    table_of(&v.flags, get(s->records, "flags"), UINT64_MAX) < 0)
		goto out;
	text_header(out, s, path, size);
	fprintf(out, "segments (%llu)\n", (unsigned long long)arr_n(get(s->records, "segments")));
	for (size_t i = 0; i < v.segments.n; i++) {
		fputs("  ", out);
		text_str(out, get(v.segments.v[i], "key"));
		fputs(": ", out);
		cond(&v, get(v.segments.v[i], "when"));
		fputc('\n', out);
	}
	fprintf(out, "flags (%llu)\n", (unsigned long long)arr_n(get(s->records, "flags")));
	for (size_t i = 0; i < v.flags.n; i++)
		if (text_flag(&v, v.flags.v[i]) < 0)
			goto out;
	rc = 0;
out:
	free(v.segments.v);
	free(v.flags.v);
	free(v.variants.v);
	return rc;
}

/* Whether text key a comes before text key b in a canonical map: the
 * shorter first, then bytewise. */
static int key_before(const char *a, const char *b, size_t bn)
{
	size_t an = strlen(a);
	return an != bn ? an < bn : memcmp(a, b, an) < 0;
}

/* A format 2 body as JSON: its members but 'image' and its padding
 * 'align', and where format 1 has them, the 'segments' and 'flags' of
 * records (the format 1 body): the same view as format 1's, with 'digest'. */
static void json_body_v2(FILE *out, item body, item records)
{
	static const char *const extra[] = { RSL_K_FLAGS, RSL_K_SEGMENTS }; /* in order */
	size_t e = 0;
	uint64_t n = 0;
	const char *sep = "";
	fputc('{', out);
	rsl__cbor_map(&body, &n); /* a map of text keys: the loader read it */
	for (uint64_t i = 0;; i++) {
		const char *k = "";
		size_t kl = 0;
		if (i < n && !text_of(body, &k, &kl))
			break;
		for (; e < 2 && (i == n || key_before(extra[e], k, kl)); e++, sep = ",") {
			fprintf(out, "%s\"%s\":", sep, extra[e]);
			json_item(out, get(records, extra[e]));
		}
		if (i == n)
			break;
		if ((kl == 5 && memcmp(k, RSL_K_IMAGE, 5) == 0) ||
		    (kl == 5 && memcmp(k, RSL_K_ALIGN, 5) == 0)) {
			rsl__cbor_next(&body);
			rsl__cbor_next(&body);
			continue;
		}
		fputs(sep, out);
		sep = ",";
		if (json_member(out, &body) < 0)
			break;
	}
	fputc('}', out);
}

void rsc_inspect_json(FILE *out, const rsc_inspected *s, const char *path,
		      size_t size)
{
	fputs("{\"file\":", out);
	rsc_json_string(out, path, strlen(path));
	fprintf(out, ",\"size\":%zu,\"signature_checked\":%s,\"protected\":"
		"{\"alg\":%lld,\"kid\":", size, s->verified ? "true" : "false",
		(long long)s->alg);
	json_item(out, s->kid);
	fputs("},\"signature\":", out);
	json_item(out, s->signature);
	fputs(",\"body\":", out);
	if (s->own)
		json_body_v2(out, s->body, s->records);
	else
		json_item(out, s->body);
	fputs("}\n", out);
}

/* --------------------------------------------------------------- decoding */

/* Checks that bytes[0..len) are one strict CBOR map; *out spans it. */
static int strict_map(item *out, const uint8_t *bytes, size_t len, const char *what,
		      char *why, size_t whylen)
{
	size_t bad = 0;
	int rc = rsl__cbor_check(bytes, len, &bad);
	if (rc < 0) {
		snprintf(why, whylen, "%s is not one well-formed CBOR item: %s, at "
			 "byte %zu of it", what, rsl__cbor_strerror(rc), bad);
		return -1;
	}
	*out = (item){ bytes, bytes + len };
	if (rsl__cbor_peek(out) != RSL__CBOR_MAP) {
		snprintf(why, whylen, "%s is not a CBOR map", what);
		return -1;
	}
	return 0;
}

/* A format 2 body's records as the format 1 body (unimage.h), once the
 * loader checked its image, into out->records: in at most twice the
 * payload's size, however its records are shared. */
static int records_v1(rsc_inspected *out, const uint8_t *p, size_t len, char *why,
		      size_t whylen)
{
	rsl_snapshot *snap;
	rsl_error e;
	char err[160];
	size_t n;
	int rc = rsc_image_open(&snap, p, len, &e);
	if (rc != RSL_OK) {
		snprintf(why, whylen, "the payload is not one librsl reads (%s): %s",
			 rsl_strerror(rc), e.message);
		return -1;
	}
	rc = rsc_image_body_v1(&out->own, &n, snap, 2 * len + 4096, err, sizeof err);
	rsl_close(snap);
	if (rc != RSC_OK) {
		snprintf(why, whylen, "the payload's image: %s", err);
		return -1;
	}
	out->records = (item){ out->own, out->own + n };
	return 0;
}

void rsc_inspect_free(rsc_inspected *s)
{
	free(s->own);
	s->own = NULL;
}

int rsc_inspect_decode(rsc_inspected *out, const uint8_t *data, size_t len,
		       char *why, size_t whylen)
{
	size_t bad = 0;
	memset(out, 0, sizeof *out);
	/* The format puts COSE_Sign1's tag 18 in one byte, 0xd2; the strict
	 * reader refuses tags, so the envelope is checked after it. */
	if (len < 1 || data[0] != 0xd2) {
		snprintf(why, whylen, "not a COSE_Sign1 message (it must start with "
			 "0xd2, CBOR tag 18)");
		return -1;
	}
	int rc = rsl__cbor_check(data + 1, len - 1, &bad);
	if (rc < 0) {
		snprintf(why, whylen, "not one well-formed CBOR item: %s, at byte %zu",
			 rsl__cbor_strerror(rc), bad + 1);
		return -1;
	}
	item c = { data + 1, data + len };
	uint64_t n = 0;
	const uint8_t *prot, *payload;
	size_t protlen, payloadlen;
	if (rsl__cbor_array(&c, &n) < 0 || n != 4 ||
	    rsl__cbor_bytes(&c, &prot, &protlen) < 0 || rsl__cbor_peek(&c) != RSL__CBOR_MAP ||
	    rsl__cbor_next(&c) < 0 || rsl__cbor_bytes(&c, &payload, &payloadlen) < 0 ||
	    rsl__cbor_peek(&c) != RSL__CBOR_BYTES) {
		snprintf(why, whylen, "a COSE_Sign1 message must be [protected, "
			 "unprotected, payload, signature]");
		return -1;
	}
	out->signature = c;
	if (strict_map(&out->prot, prot, protlen, "the protected header", why, whylen) < 0 ||
	    strict_map(&out->body, payload, payloadlen, "the payload", why, whylen) < 0)
		return -1;
	out->alg = int_or(get_int_key(out->prot, 1), 0);
	out->kid = get_int_key(out->prot, 4);
	out->records = out->body;
	if (get(out->body, RSL_K_IMAGE).p || int_or(get(out->body, RSL_K_FORMAT), 0) == 2)
		return records_v1(out, payload, payloadlen, why, whylen);
	return 0;
}
