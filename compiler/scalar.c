/* scalar.c - typing YAML scalars by the field they fill; see scalar.h. */
#include "scalar.h"

#include <errno.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../loader/rfc3339.h"
#include "../loader/semver.h"

#define SHOW_MAX 60

/* ------------------------------------------------------------------ */
/* Messages */

void rsc_yerror(rsc_diags *d, const rsc_ynode *n, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	const char *msg = small;
	if ((size_t)len >= sizeof small) {
		char *big = rsc_arena_alloc(d->arena, (size_t)len + 1);
		va_start(ap, fmt);
		vsnprintf(big, (size_t)len + 1, fmt, ap);
		va_end(ap);
		msg = big;
	}
	rsc_error(d, n->file, n->line, n->col, "%s", msg);
}

const char *rsc_show(rsc_diags *d, const char *s, size_t len)
{
	size_t cap = SHOW_MAX * 4 + 8, o = 0, i = 0;
	char *p = rsc_arena_alloc(d->arena, cap);
	while (i < len && o < SHOW_MAX) {
		unsigned char c = (unsigned char)s[i];
		if (c == '\n' || c == '\t' || c == '\r') {
			p[o++] = '\\';
			p[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(p + o, cap - o, "\\x%02x", c);
			i++;
		} else {
			size_t k = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
			if (i + k > len)
				k = len - i;
			memcpy(p + o, s + i, k);
			o += k, i += k;
		}
	}
	if (i < len) {
		memcpy(p + o, "...", 3);
		o += 3;
	}
	p[o] = '\0';
	return p;
}

#define SHOWN(d, n) rsc_show((d), (n)->text, (n)->len)

/* ------------------------------------------------------------------ */
/* Locale-independent number text */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static int is_alpha(char c)
{
	return is_lower(c) || (c >= 'A' && c <= 'Z');
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* strtod and printf follow LC_NUMERIC; run them in the C locale. */
static locale_t c_locale_enter(locale_t *old)
{
	locale_t c = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
	if (c)
		*old = uselocale(c);
	return c;
}

static void c_locale_leave(locale_t c, locale_t old)
{
	if (c) {
		uselocale(old);
		freelocale(c);
	}
}

static double c_strtod(const char *s)
{
	locale_t old = (locale_t)0;
	locale_t c = c_locale_enter(&old);
	errno = 0;
	double v = strtod(s, NULL);
	c_locale_leave(c, old);
	return v;
}

void rsc_format_double(char *buf, size_t cap, double v)
{
	locale_t old = (locale_t)0;
	locale_t c = c_locale_enter(&old);
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, cap, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	c_locale_leave(c, old);
	if (!strpbrk(buf, ".eEn")) {
		size_t l = strlen(buf);
		if (l + 3 <= cap)
			memcpy(buf + l, ".0", 3);
	}
}

/* ------------------------------------------------------------------ */
/* The value table for plain scalars */

typedef enum { PV_STRING, PV_BOOL, PV_INT, PV_FLOAT, PV_NULL, PV_TRAP } pclass;

static int text_is(const char *t, size_t len, const char *w)
{
	return strlen(w) == len && memcmp(t, w, len) == 0;
}

static int text_is_ci(const char *t, size_t len, const char *w)
{
	if (strlen(w) != len)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (to_lower(t[i]) != w[i])
			return 0;
	return 1;
}

/* -?(0|[1-9][0-9]*) */
static int match_int(const char *t, size_t len)
{
	size_t i = t[0] == '-' ? 1 : 0;
	if (i >= len || !is_digit(t[i]))
		return 0;
	if (t[i] == '0')
		return i + 1 == len;
	while (i < len && is_digit(t[i]))
		i++;
	return i == len;
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)? with a fraction or an
 * exponent */
static int match_float(const char *t, size_t len)
{
	size_t i = t[0] == '-' ? 1 : 0;
	if (i >= len || !is_digit(t[i]))
		return 0;
	if (t[i] == '0')
		i++;
	else
		while (i < len && is_digit(t[i]))
			i++;
	int more = 0;
	if (i < len && t[i] == '.') {
		size_t s = ++i;
		while (i < len && is_digit(t[i]))
			i++;
		if (i == s)
			return 0;
		more = 1;
	}
	if (i < len && (t[i] == 'e' || t[i] == 'E')) {
		i++;
		if (i < len && (t[i] == '+' || t[i] == '-'))
			i++;
		size_t s = i;
		while (i < len && is_digit(t[i]))
			i++;
		if (i == s)
			return 0;
		more = 1;
	}
	return more && i == len;
}

/* A decimal number as some YAML version reads it: digits and '_', an
 * optional fraction, an optional exponent. */
static int match_loose_number(const char *s, size_t len, int *underscore,
			      int *dot, int *exp)
{
	size_t i = 0;
	int digits = 0;
	*underscore = *dot = *exp = 0;
	if (len == 0 || !(is_digit(s[0]) || s[0] == '.'))
		return 0;
	while (i < len && (is_digit(s[i]) || s[i] == '_')) {
		if (s[i] == '_')
			*underscore = 1;
		else
			digits++;
		i++;
	}
	if (i < len && s[i] == '.') {
		*dot = 1;
		i++;
		while (i < len && (is_digit(s[i]) || s[i] == '_')) {
			if (s[i] == '_')
				*underscore = 1;
			else
				digits++;
			i++;
		}
	}
	if (!digits)
		return 0;
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		size_t st = i;
		while (i < len && is_digit(s[i]))
			i++;
		if (i == st)
			return 0;
		*exp = 1;
	}
	return i == len;
}

/* YAML 1.1 base 60: [1-9][0-9_]*(:[0-5]?[0-9])+ or
 * [0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]* */
static int match_sexagesimal(const char *s, size_t len)
{
	size_t i = 0;
	if (len == 0 || !is_digit(s[0]))
		return 0;
	int lead_zero = s[0] == '0';
	while (i < len && (is_digit(s[i]) || s[i] == '_'))
		i++;
	int groups = 0;
	while (i < len && s[i] == ':') {
		i++;
		size_t st = i;
		while (i < len && is_digit(s[i]) && i - st < 2)
			i++;
		if (i == st || (i - st == 2 && s[st] > '5'))
			return 0;
		groups++;
	}
	if (!groups)
		return 0;
	if (i == len)
		return !lead_zero;
	if (s[i] != '.')
		return 0;
	for (i++; i < len; i++)
		if (!is_digit(s[i]) && s[i] != '_')
			return 0;
	return 1;
}

static int match_prefixed(const char *s, size_t len)
{
	if (len < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'o' && s[1] != 'b'))
		return 0;
	for (size_t i = 2; i < len; i++) {
		char c = to_lower(s[i]);
		int ok = s[1] == 'x' ? is_digit(c) || (c >= 'a' && c <= 'f')
		       : s[1] == 'o' ? c >= '0' && c <= '7'
				     : c == '0' || c == '1';
		if (!ok && c != '_')
			return 0;
	}
	return 1;
}

static int parse_int64(const char *t, size_t len, int64_t *out)
{
	int neg = t[0] == '-';
	uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
	uint64_t v = 0;
	for (size_t i = neg ? 1 : 0; i < len; i++) {
		unsigned dg = (unsigned)(t[i] - '0');
		if (v > (limit - dg) / 10)
			return -1;
		v = v * 10 + dg;
	}
	if (neg)
		*out = v == (uint64_t)INT64_MAX + 1u ? INT64_MIN : -(int64_t)v;
	else
		*out = (int64_t)v;
	return 0;
}

/*
 * Types a non-empty plain scalar by the value table.  For PV_TRAP *why is
 * the error message.
 */
static pclass classify_plain(rsc_diags *d, const char *t, size_t len,
			     int64_t *iv, double *fv, const char **why)
{
	rsc_arena *a = d->arena;
	if (text_is(t, len, "true") || text_is(t, len, "false"))
		return PV_BOOL;
	if (text_is(t, len, "null"))
		return PV_NULL;
	static const char *const yes[] = { "yes", "on", "y" };
	static const char *const no[] = { "no", "off", "n" };
	for (size_t i = 0; i < 3; i++) {
		int is_yes = text_is_ci(t, len, yes[i]);
		if (is_yes || text_is_ci(t, len, no[i])) {
			*why = rsc_arena_printf(a,
				"ambiguous plain scalar '%s': YAML 1.1 reads it as a boolean; "
				"quote it (\"%s\") for a string or write %s",
				rsc_show(d, t, len), rsc_show(d, t, len), is_yes ? "true" : "false");
			return PV_TRAP;
		}
	}
	if (text_is_ci(t, len, "true") || text_is_ci(t, len, "false")) {
		*why = rsc_arena_printf(a,
			"ambiguous plain scalar '%s': YAML reads it as a boolean; "
			"quote it (\"%s\") for a string or write %s",
			rsc_show(d, t, len), rsc_show(d, t, len), to_lower(t[0]) == 't' ? "true" : "false");
		return PV_TRAP;
	}
	if (text_is_ci(t, len, "null") || text_is(t, len, "~")) {
		*why = rsc_arena_printf(a,
			"ambiguous plain scalar '%s': YAML reads it as null; "
			"quote it (\"%s\") for a string",
			rsc_show(d, t, len), rsc_show(d, t, len));
		return PV_TRAP;
	}
	const char *u = t + (t[0] == '-' || t[0] == '+');
	size_t ulen = len - (size_t)(u - t);
	if (text_is_ci(u, ulen, ".inf") || text_is_ci(u, ulen, ".nan")) {
		*why = rsc_arena_printf(a,
			"ambiguous plain scalar '%s': YAML reads it as an infinite or "
			"NaN number, which a value cannot be; quote it for a string",
			rsc_show(d, t, len));
		return PV_TRAP;
	}
	if (match_int(t, len)) {
		if (parse_int64(t, len, iv) < 0) {
			*why = rsc_arena_printf(a,
				"integer '%s' is out of range (%" PRId64 " to %" PRId64 ")",
				rsc_show(d, t, len), INT64_MIN, INT64_MAX);
			return PV_TRAP;
		}
		return PV_INT;
	}
	if (match_float(t, len)) {
		char *z = rsc_arena_strndup(a, t, len);
		*fv = c_strtod(z);
		if (!isfinite(*fv)) {
			*why = rsc_arena_printf(a, "number '%s' is out of range", rsc_show(d, t, len));
			return PV_TRAP;
		}
		return PV_FLOAT;
	}
	/* What some YAML version reads as a number but the table does not. */
	int us, dot, exp;
	if (t[0] == '+' && (match_loose_number(u, ulen, &us, &dot, &exp) ||
			    match_prefixed(u, ulen))) {
		*why = rsc_arena_printf(a,
			"ambiguous number '%s': write it without the '+' or quote it", rsc_show(d, t, len));
		return PV_TRAP;
	}
	if (match_prefixed(u, ulen)) {
		*why = rsc_arena_printf(a,
			"ambiguous number '%s': YAML reads the '0%c' prefix as a base; "
			"write it in decimal or quote it",
			rsc_show(d, t, len), u[1]);
		return PV_TRAP;
	}
	if (match_sexagesimal(u, ulen)) {
		*why = rsc_arena_printf(a,
			"ambiguous number '%s': YAML 1.1 reads it as a base-60 number; "
			"quote it",
			rsc_show(d, t, len));
		return PV_TRAP;
	}
	if (match_loose_number(u, ulen, &us, &dot, &exp)) {
		if (us) {
			char *fix = rsc_arena_alloc(a, len + 1);
			size_t o = 0;
			for (size_t i = 0; i < len; i++)
				if (t[i] != '_')
					fix[o++] = t[i];
			*why = rsc_arena_printf(a,
				"ambiguous number '%s': YAML 1.1 reads '_' as a digit "
				"separator; write %s or quote it",
				rsc_show(d, t, len), rsc_show(d, fix, o));
		} else if (!dot && !exp && u[0] == '0') {
			size_t z = 0;
			while (z + 1 < ulen && u[z] == '0')
				z++;
			*why = rsc_arena_printf(a,
				"ambiguous number '%s': the leading zero means octal in YAML "
				"1.1; write %s%s or quote it",
				rsc_show(d, t, len), t[0] == '-' ? "-" : "", rsc_show(d, u + z, ulen - z));
		} else {
			/* ".5", "5.", "01.5": the spelling every version reads alike */
			char *fix = rsc_arena_alloc(a, len + 3);
			size_t o = 0, z = 0;
			if (t[0] == '-')
				fix[o++] = '-';
			while (z + 1 < ulen && u[z] == '0' && is_digit(u[z + 1]))
				z++;
			if (u[z] == '.')
				fix[o++] = '0';
			for (size_t i = z; i < ulen; i++) {
				fix[o++] = u[i];
				if (u[i] == '.' && (i + 1 == ulen || !is_digit(u[i + 1])))
					fix[o++] = '0';
			}
			*why = rsc_arena_printf(a,
				"ambiguous number '%s': YAML versions read it differently; "
				"write %s or quote it",
				rsc_show(d, t, len), rsc_show(d, fix, o));
		}
		return PV_TRAP;
	}
	return PV_STRING;
}

static const char *describe_value(rsc_diags *d, const rsc_value *v)
{
	char num[32];
	switch (v->kind) {
	case RSC_V_BOOL:
		return v->b ? "the boolean true" : "the boolean false";
	case RSC_V_INT:
		return rsc_arena_printf(d->arena, "the integer %" PRId64, v->i);
	case RSC_V_FLOAT:
		rsc_format_double(num, sizeof num, v->f);
		return rsc_arena_printf(d->arena, "the number %s", num);
	case RSC_V_STRING:
		return rsc_arena_printf(d->arena, "the string '%s'",
					rsc_show(d, v->s, v->slen));
	case RSC_V_JSON:
		return "an object";
	}
	return "a value";
}

const char *rsc_describe_value(rsc_diags *d, const rsc_value *v)
{
	return describe_value(d, v);
}

/* ------------------------------------------------------------------ */
/* Fields */

/* The checks every typed field starts with: a scalar, and not empty.
 * Reports "expected <what> for '<field>', found a list" or "missing value
 * for '<field>'" and returns -1; 0 when n is a non-empty scalar. */
static int need_scalar(const rsc_ynode *n, const char *what, const char *field,
		       rsc_diags *d)
{
	if (n->kind != RSC_Y_SCALAR) {
		rsc_yerror(d, n, "expected %s for '%s', found %s", what, field,
			   rsc_ynode_kind_name(n));
		return -1;
	}
	if (n->len == 0) {
		rsc_yerror(d, n, "missing value for '%s'", field);
		return -1;
	}
	return 0;
}

int rsc_scalar_text(const char **out, const rsc_ynode *n, const char *field,
		    rsc_diags *d)
{
	if (need_scalar(n, "text", field, d) < 0)
		return -1;
	*out = n->text;
	return 0;
}

int rsc_is_identifier(const char *s, size_t len)
{
	if (len == 0 || len > RSL_KEY_MAX || !is_lower(s[0]))
		return 0;
	for (size_t i = 1; i < len; i++)
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '-' && s[i] != '_')
			return 0;
	return 1;
}

int rsc_scalar_identifier(const char **out, const rsc_ynode *n,
			  const char *what, rsc_diags *d)
{
	if (n->kind != RSC_Y_SCALAR) {
		rsc_yerror(d, n, "expected the %s as plain text, found %s", what,
			   rsc_ynode_kind_name(n));
		return -1;
	}
	if (n->len == 0) {
		rsc_yerror(d, n, "missing %s", what);
		return -1;
	}
	if (!rsc_is_identifier(n->text, n->len)) {
		rsc_yerror(d, n,
			   "invalid %s '%s': expected 1 to %d lowercase letters, digits, "
			   "'-' or '_', starting with a letter",
			   what, SHOWN(d, n), RSL_KEY_MAX);
		return -1;
	}
	*out = n->text;
	return 0;
}

int rsc_scalar_attribute(const char **out, const rsc_ynode *n,
			 const char *field, rsc_diags *d)
{
	if (rsc_scalar_text(out, n, field, d) < 0)
		return -1;
	const char *s = n->text;
	int ok = n->len <= RSL_KEY_MAX && (is_alpha(s[0]) || s[0] == '_');
	for (size_t i = 1; ok && i < n->len; i++)
		ok = is_alpha(s[i]) || is_digit(s[i]) || s[i] == '_' || s[i] == '-' ||
		     s[i] == '.';
	if (!ok) {
		rsc_yerror(d, n,
			   "invalid attribute name '%s' for '%s': expected 1 to %d letters, "
			   "digits, '_', '-' or '.', starting with a letter or '_'",
			   SHOWN(d, n), field, RSL_KEY_MAX);
		return -1;
	}
	return 0;
}

int rsc_scalar_bool(int *out, const rsc_ynode *n, const char *field,
		    rsc_diags *d)
{
	if (n->kind != RSC_Y_SCALAR) {
		rsc_yerror(d, n, "expected true or false for '%s', found %s", field,
			   rsc_ynode_kind_name(n));
		return -1;
	}
	const char *t = n->text;
	size_t len = n->len;
	if (n->plain && len == 0) {
		rsc_yerror(d, n, "missing value for '%s'", field);
		return -1;
	}
	if (!n->plain) {
		rsc_yerror(d, n,
			   "'%s' is quoted, so it is text: write true or false without "
			   "quotes for '%s'",
			   SHOWN(d, n), field);
		return -1;
	}
	if (text_is(t, len, "true") || text_is(t, len, "false")) {
		*out = t[0] == 't';
		return 0;
	}
	static const char *const yes[] = { "yes", "on", "y" };
	static const char *const no[] = { "no", "off", "n" };
	for (size_t i = 0; i < 3; i++) {
		int is_yes = text_is_ci(t, len, yes[i]);
		if (is_yes || text_is_ci(t, len, no[i])) {
			rsc_yerror(d, n,
				   "'%s' is not a boolean: write true or false (YAML 1.1 "
				   "would read it as %s)",
				   SHOWN(d, n), is_yes ? "true" : "false");
			return -1;
		}
	}
	if (text_is_ci(t, len, "true") || text_is_ci(t, len, "false")) {
		rsc_yerror(d, n, "'%s' is not a boolean: write true or false in lowercase",
			   SHOWN(d, n));
		return -1;
	}
	rsc_yerror(d, n, "'%s' is not a boolean: write true or false", SHOWN(d, n));
	return -1;
}

/* Types a scalar by the value table; null_ok for object payloads, where
 * *is_null reports a null. */
static int typed_value(rsc_value *out, const rsc_ynode *n, const char *field,
		       int null_ok, int *is_null, rsc_diags *d)
{
	memset(out, 0, sizeof *out);
	if (!n->plain) {
		out->kind = RSC_V_STRING;
		out->s = n->text;
		out->slen = n->len;
		return 0;
	}
	if (n->len == 0) {
		rsc_yerror(d, n, "missing value for '%s'", field);
		return -1;
	}
	const char *why = NULL;
	switch (classify_plain(d, n->text, n->len, &out->i, &out->f, &why)) {
	case PV_TRAP:
		rsc_yerror(d, n, "%s", why);
		return -1;
	case PV_NULL:
		if (null_ok) {
			*is_null = 1;
			return 0;
		}
		rsc_yerror(d, n,
			   "'null' is not a value for '%s' (null is allowed only inside "
			   "object values); quote it (\"null\") for a string",
			   field);
		return -1;
	case PV_BOOL:
		out->kind = RSC_V_BOOL;
		out->b = n->text[0] == 't';
		return 0;
	case PV_INT:
		out->kind = RSC_V_INT;
		return 0;
	case PV_FLOAT:
		out->kind = RSC_V_FLOAT;
		return 0;
	case PV_STRING:
		out->kind = RSC_V_STRING;
		out->s = n->text;
		out->slen = n->len;
		return 0;
	}
	return -1;
}

int rsc_scalar_value(rsc_value *out, const rsc_ynode *n, const char *field,
		     rsc_diags *d)
{
	if (n->kind != RSC_Y_SCALAR) {
		rsc_yerror(d, n, "expected a string, number or boolean for '%s', found %s",
			   field, rsc_ynode_kind_name(n));
		return -1;
	}
	return typed_value(out, n, field, 0, NULL, d);
}

int rsc_scalar_number(rsc_value *out, const rsc_ynode *n, const char *field,
		      rsc_diags *d)
{
	memset(out, 0, sizeof *out);
	if (n->kind != RSC_Y_SCALAR) {
		rsc_yerror(d, n, "expected a number for '%s', found %s", field,
			   rsc_ynode_kind_name(n));
		return -1;
	}
	if (n->len == 0 && n->plain) {
		rsc_yerror(d, n, "missing value for '%s'", field);
		return -1;
	}
	if (!n->plain) {
		if (n->len && (match_int(n->text, n->len) || match_float(n->text, n->len)))
			rsc_yerror(d, n,
				   "'%s' is quoted, so it is text: write the number for "
				   "'%s' without quotes",
				   SHOWN(d, n), field);
		else
			rsc_yerror(d, n, "expected a number for '%s', found the string '%s'",
				   field, SHOWN(d, n));
		return -1;
	}
	const char *why = NULL;
	switch (classify_plain(d, n->text, n->len, &out->i, &out->f, &why)) {
	case PV_TRAP:
		rsc_yerror(d, n, "%s", why);
		return -1;
	case PV_INT:
		out->kind = RSC_V_INT;
		return 0;
	case PV_FLOAT:
		out->kind = RSC_V_FLOAT;
		return 0;
	default:
		rsc_yerror(d, n, "expected a number for '%s', found '%s'", field,
			   SHOWN(d, n));
		return -1;
	}
}

/* ------------------------------------------------------------------ */
/* Object payloads as JSON */

typedef struct sbuf {
	char *p;
	size_t n, cap;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t len)
{
	if (b->n + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (b->n + len + 1 > cap)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			fputs("rsc: out of memory\n", stderr);
			abort();
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, len);
	b->n += len;
	b->p[b->n] = '\0';
}

static void sb_puts(sbuf *b, const char *s)
{
	sb_put(b, s, strlen(s));
}

/* RFC 8259 string: quote, backslash and control characters escaped. */
static void sb_json_string(sbuf *b, const char *s, size_t len)
{
	sb_put(b, "\"", 1);
	size_t run = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sb_put(b, s + run, i - run);
		run = i + 1;
		char esc[8];
		switch (c) {
		case '"': sb_put(b, "\\\"", 2); break;
		case '\\': sb_put(b, "\\\\", 2); break;
		case '\b': sb_put(b, "\\b", 2); break;
		case '\f': sb_put(b, "\\f", 2); break;
		case '\n': sb_put(b, "\\n", 2); break;
		case '\r': sb_put(b, "\\r", 2); break;
		case '\t': sb_put(b, "\\t", 2); break;
		default:
			snprintf(esc, sizeof esc, "\\u%04x", c);
			sb_put(b, esc, 6);
		}
	}
	sb_put(b, s + run, len - run);
	sb_put(b, "\"", 1);
}

static int json_node(sbuf *b, const rsc_ynode *n, const char *field, int depth,
		     rsc_diags *d)
{
	if (n->kind != RSC_Y_SCALAR && depth > RSL_MAX_COND_DEPTH) {
		rsc_yerror(d, n, "object value for '%s' is nested deeper than %d levels",
			   field, RSL_MAX_COND_DEPTH);
		return -1;
	}
	int rc = 0;
	switch (n->kind) {
	case RSC_Y_MAP:
		sb_put(b, "{", 1);
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				sb_put(b, ",", 1);
			sb_json_string(b, n->keys[i]->text, n->keys[i]->len);
			sb_put(b, ":", 1);
			if (json_node(b, n->items[i], n->keys[i]->text, depth + 1, d) < 0)
				rc = -1;
		}
		sb_put(b, "}", 1);
		return rc;
	case RSC_Y_SEQ:
		sb_put(b, "[", 1);
		for (size_t i = 0; i < n->n; i++) {
			if (i)
				sb_put(b, ",", 1);
			if (json_node(b, n->items[i], field, depth + 1, d) < 0)
				rc = -1;
		}
		sb_put(b, "]", 1);
		return rc;
	case RSC_Y_SCALAR:
		break;
	}
	rsc_value v;
	int is_null = 0;
	if (typed_value(&v, n, field, 1, &is_null, d) < 0)
		return -1;
	char num[40];
	if (is_null) {
		sb_puts(b, "null");
		return 0;
	}
	switch (v.kind) {
	case RSC_V_BOOL:
		sb_puts(b, v.b ? "true" : "false");
		break;
	case RSC_V_INT:
		snprintf(num, sizeof num, "%" PRId64, v.i);
		sb_puts(b, num);
		break;
	case RSC_V_FLOAT:
		rsc_format_double(num, sizeof num, v.f);
		sb_puts(b, num);
		break;
	case RSC_V_STRING:
	case RSC_V_JSON:
		sb_json_string(b, v.s, v.slen);
		break;
	}
	return 0;
}

int rsc_scalar_json(rsc_value *out, rsc_arena *a, const rsc_ynode *n,
		    const char *field, rsc_diags *d)
{
	memset(out, 0, sizeof *out);
	sbuf b = { NULL, 0, 0 };
	int rc = json_node(&b, n, field, 1, d);
	if (rc == 0) {
		out->kind = RSC_V_JSON;
		out->s = rsc_arena_strndup(a, b.p ? b.p : "", b.n);
		out->slen = b.n;
	}
	free(b.p);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Durations, dates, times, percentages, versions */

static const char *human_seconds(rsc_diags *d, int64_t s)
{
	static const struct {
		int64_t secs;
		const char *unit;
	} units[] = { { 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" } };
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (s % units[i].secs == 0 || units[i].secs == 1) {
			int64_t k = s / units[i].secs;
			return rsc_arena_printf(d->arena, "%" PRId64 " %s%s", k, units[i].unit,
						k == 1 ? "" : "s");
		}
	return "";
}

int rsc_scalar_duration(int64_t *out, const rsc_ynode *n, const char *field,
			int64_t min, int64_t max, rsc_diags *d)
{
	if (need_scalar(n, "a duration", field, d) < 0)
		return -1;
	const char *t = n->text;
	size_t len = n->len, digits = len - 1;
	int ok = len >= 2 && digits <= 12 && (t[0] != '0' || digits == 1);
	int64_t v = 0;
	for (size_t i = 0; ok && i < digits; i++) {
		ok = is_digit(t[i]);
		v = v * 10 + (t[i] - '0');
	}
	int64_t unit = 0;
	if (ok) {
		switch (t[len - 1]) {
		case 's': unit = 1; break;
		case 'm': unit = 60; break;
		case 'h': unit = 3600; break;
		case 'd': unit = 86400; break;
		default: ok = 0;
		}
	}
	if (!ok) {
		rsc_yerror(d, n,
			   "invalid duration '%s' for '%s': expected an integer followed "
			   "by s, m, h or d (90m, 36h, 7d)",
			   SHOWN(d, n), field);
		return -1;
	}
	v *= unit;
	if (v < min || v > max) {
		rsc_yerror(d, n, "duration '%s' for '%s' is out of range: expected %s to %s",
			   SHOWN(d, n), field, human_seconds(d, min), human_seconds(d, max));
		return -1;
	}
	*out = v;
	return 0;
}

/* "YYYY-MM-DD" at s (10 bytes available), a real date; 0 or -1. */
static int parse_date(const char *s, int *y, int *m, int *day)
{
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !is_digit(s[i]))
			return -1;
	*y = atoi(s);
	*m = atoi(s + 5);
	*day = atoi(s + 8);
	return rsl__is_date(*y, *m, *day) ? 0 : -1;
}

int rsc_parse_rfc3339(const char *s, int64_t *out)
{
	rsl__time t;
	if (rsl__rfc3339_parse(&t, s, strlen(s)) < 0)
		return -1;
	*out = t.sec;
	return 0;
}

int rsc_scalar_date(int *y, int *m, int *day, const rsc_ynode *n,
		    const char *field, rsc_diags *d)
{
	if (need_scalar(n, "a date (YYYY-MM-DD)", field, d) < 0)
		return -1;
	if (n->len != 10 || parse_date(n->text, y, m, day) < 0) {
		rsc_yerror(d, n,
			   "invalid date '%s' for '%s': expected YYYY-MM-DD, a real "
			   "calendar date",
			   SHOWN(d, n), field);
		return -1;
	}
	return 0;
}

/* sec as "2026-01-01T00:00:00Z", for a suggestion in a message. */
static void utc_text(char *out, size_t cap, int64_t sec)
{
	time_t tt = (time_t)sec;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(out, cap, "%" PRId64 " seconds", sec);
}

int rsc_scalar_time(int64_t *out, const rsc_ynode *n, const char *field,
		    rsc_diags *d)
{
	if (need_scalar(n, "an RFC 3339 time", field, d) < 0)
		return -1;
	rsl__time t;
	if (rsl__rfc3339_parse(&t, n->text, n->len) < 0) {
		rsc_yerror(d, n,
			   "invalid time '%s' for '%s': expected an RFC 3339 time with "
			   "an offset, like 2026-12-01T09:00:00Z",
			   SHOWN(d, n), field);
		return -1;
	}
	/* A snapshot stores whole seconds (docs/snapshot-format.md): refuse
	 * a fraction rather than drop it. */
	if (t.frac_len > 0) {
		char whole[32], next[32];
		utc_text(whole, sizeof whole, t.sec);
		utc_text(next, sizeof next, t.sec + 1);
		rsc_yerror(d, n,
			   "time '%s' for '%s' has fractional seconds '%s'; the "
			   "ruleset's times are whole seconds: write %s or %s",
			   SHOWN(d, n), field, rsc_show(d, n->text + t.frac_at, t.frac_len),
			   whole, next);
		return -1;
	}
	*out = t.sec;
	return 0;
}

int rsc_scalar_percent(uint32_t *out, const rsc_ynode *n, const char *field,
		       rsc_diags *d)
{
	if (n->kind != RSC_Y_SCALAR) {
		rsc_yerror(d, n, "expected a percentage for '%s', found %s", field,
			   rsc_ynode_kind_name(n));
		return -1;
	}
	rsc_value v;
	if (rsc_scalar_number(&v, n, field, d) < 0)
		return -1;
	const char *t = n->text;
	if (t[0] == '-' && !(v.kind == RSC_V_INT ? v.i == 0 : v.f == 0)) {
		rsc_yerror(d, n, "percentage '%s' for '%s' is out of range: expected 0 to 100",
			   SHOWN(d, n), field);
		return -1;
	}
	if (strpbrk(t, "eE")) {
		rsc_yerror(d, n,
			   "percentage '%s' for '%s' must be written as a decimal number "
			   "like 12.5",
			   SHOWN(d, n), field);
		return -1;
	}
	size_t i = t[0] == '-' ? 1 : 0, ip = 0;
	uint64_t whole = 0;
	for (; is_digit(t[i]); i++, ip++)
		if (ip < 8)
			whole = whole * 10 + (uint64_t)(t[i] - '0');
	uint64_t frac = 0;
	size_t nfrac = 0;
	if (t[i] == '.') {
		for (i++; is_digit(t[i]); i++, nfrac++)
			if (nfrac < 3)
				frac = frac * 10 + (uint64_t)(t[i] - '0');
	}
	if (nfrac > 3) {
		rsc_yerror(d, n,
			   "percentage '%s' for '%s' has more than three decimals (0.001 "
			   "is the smallest step)",
			   SHOWN(d, n), field);
		return -1;
	}
	for (size_t k = nfrac; k < 3; k++)
		frac *= 10;
	if (ip > 3 || whole * 1000 + frac > RSL_WEIGHT_TOTAL) {
		rsc_yerror(d, n, "percentage '%s' for '%s' is out of range: expected 0 to 100",
			   SHOWN(d, n), field);
		return -1;
	}
	*out = (uint32_t)(whole * 1000 + frac);
	return 0;
}

int rsc_scalar_semver(rsc_value *out, const rsc_ynode *n, const char *field,
		      rsc_diags *d)
{
	memset(out, 0, sizeof *out);
	if (need_scalar(n, "a semantic version", field, d) < 0)
		return -1;
	rsl__semver v;
	int rc = rsl__semver_parse(&v, n->text, n->len);
	if (rc == RSL__SEMVER_RANGE) {
		rsc_yerror(d, n,
			   "semantic version '%s' for '%s' is out of range: MAJOR, "
			   "MINOR and PATCH are each at most 18446744073709551615",
			   SHOWN(d, n), field);
		return -1;
	}
	if (rc != 0) {
		rsc_yerror(d, n,
			   "invalid semantic version '%s' for '%s': expected "
			   "MAJOR.MINOR.PATCH, like 2.3.0 or 1.0.0-rc.1",
			   SHOWN(d, n), field);
		return -1;
	}
	out->kind = RSC_V_STRING;
	out->s = n->text;
	out->slen = n->len;
	return 0;
}
