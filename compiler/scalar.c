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

#include "../loader/names.h"
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
	return rsc_escape(d->arena, s, len, SHOW_MAX);
}

const char *rsc_escape(rsc_arena *a, const char *s, size_t len, size_t max)
{
	/* An iteration adds at most 4 bytes, the whole text at most 4 * len. */
	size_t room = max < len * 4 ? max : len * 4;
	size_t cap = room + 8, o = 0, i = 0;
	char *p = rsc_arena_alloc(a, cap);
	while (i < len && o < max) {
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

/* Whether a number's digits before its exponent include a non-zero one:
 * strtod then giving 0 means it underflowed. */
static int mantissa_nonzero(const char *t, size_t len)
{
	for (size_t i = 0; i < len && t[i] != 'e' && t[i] != 'E'; i++)
		if (t[i] >= '1' && t[i] <= '9')
			return 1;
	return 0;
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
		if (*fv == 0.0 && mantissa_nonzero(t, len)) {
			*why = rsc_arena_printf(a,
				"number '%s' is too small for a float (it would be read as "
				"0); write 0 or a larger number",
				rsc_show(d, t, len));
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
int rsc_scalar_need(const rsc_ynode *n, const char *what, const char *field,
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
	if (rsc_scalar_need(n, "text", field, d) < 0)
		return -1;
	*out = n->text;
	return 0;
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
	if (!rsl__is_key(n->text, n->len)) {
		rsc_yerror(d, n, "invalid %s '%s': expected " RSL__KEY_RULE, what,
			   SHOWN(d, n));
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
	if (!rsl__is_attr_name(n->text, n->len)) {
		rsc_yerror(d, n, "invalid attribute name '%s' for '%s': expected " RSL__ATTR_RULE,
			   SHOWN(d, n), field);
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
int rsc_scalar_typed(rsc_value *out, const rsc_ynode *n, const char *field,
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
	return rsc_scalar_typed(out, n, field, 0, NULL, d);
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
/* Versions */

int rsc_scalar_semver(rsc_value *out, const rsc_ynode *n, const char *field,
		      rsc_diags *d)
{
	memset(out, 0, sizeof *out);
	if (rsc_scalar_need(n, "a semantic version", field, d) < 0)
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
