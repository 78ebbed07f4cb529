/*
 * explain_out.c - what both renderers of rsl_explain write with: the
 * snprintf-style output buffer, strings, numbers, times and values, and
 * why a condition did or did not match (asked of match.c), which the text
 * prints as it is and the JSON as the "why" string of a rule step.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bucket.h"
#include "explain.h"
#include "rfc3339.h"
#include "match.h"

/* Past RSL_EXPLAIN_MAX bytes the trace stops growing: the length counted
 * (rsl_explain's answer) and the work done both stay bounded. */
void rsl__w_raw(rsl__wbuf *w, const char *s, size_t n)
{
	if (n > RSL_EXPLAIN_MAX - w->len) {
		n = RSL_EXPLAIN_MAX - w->len;
		w->cut = 1;
	}
	if (w->len < w->cap) {
		size_t room = w->cap - w->len;
		memcpy(w->buf + w->len, s, n < room ? n : room);
	}
	w->len += n;
}

/* The length of the well-formed UTF-8 sequence at s[0..n) (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0], lo = 0x80, hi = 0xbf;
	size_t len;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

/* Writes the UTF-8 sequence at s[*i..n) and steps *i past it; a byte that
 * begins no well-formed sequence becomes U+FFFD, so that the trace is
 * UTF-8 (and its JSON valid) whatever bytes the context holds. */
static void put_utf8(rsl__wbuf *w, const char *s, size_t *i, size_t n)
{
	size_t k = utf8_seq((const unsigned char *)s + *i, n - *i);
	if (k == 0) {
		rsl__w_raw(w, "\xef\xbf\xbd", 3);
		k = 1;
	} else {
		rsl__w_raw(w, s + *i, k);
	}
	*i += k;
}

/* How many bytes at the start of s[0..n) need no escape in a JSON or
 * quoted string (printable ASCII but '"' and '\\'): written in one copy,
 * not byte by byte (a third of the worst case's explain was spent there). */
static size_t plain_run(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			break;
		i++;
	}
	return i;
}

void rsl__w_put(rsl__wbuf *w, const char *s, size_t n)
{
	if (!w->escape) {
		rsl__w_raw(w, s, n);
		return;
	}
	for (size_t i = 0; i < n && !w->cut;) {
		unsigned char c = (unsigned char)s[i];
		char e[8];
		size_t k = plain_run(s + i, n - i);
		if (k) {
			rsl__w_raw(w, s + i, k);
			i += k;
			continue;
		}
		if (c >= 0x80) {
			put_utf8(w, s, &i, n);
			continue;
		}
		if (c == '"' || c == '\\') {
			e[0] = '\\';
			e[1] = (char)c;
			rsl__w_raw(w, e, 2);
		} else if (c == '\n') {
			rsl__w_raw(w, "\\n", 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(e, sizeof e, "\\u%04x", c);
			rsl__w_raw(w, e, 6);
		} else {
			rsl__w_raw(w, s + i, 1);
		}
		i++;
	}
}

void rsl__w_puts(rsl__wbuf *w, const char *s)
{
	rsl__w_put(w, s, strlen(s));
}

void rsl__w_putf(rsl__wbuf *w, const char *fmt, ...)
{
	if (w->cut)
		return;
	char tmp[160];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		rsl__w_put(w, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void rsl__w_jstr(rsl__wbuf *w, const char *s, size_t n)
{
	if (s == NULL) {
		rsl__w_raw(w, "null", 4);
		return;
	}
	rsl__w_raw(w, "\"", 1);
	w->escape = 1;
	rsl__w_put(w, s, n);
	w->escape = 0;
	rsl__w_raw(w, "\"", 1);
}

void rsl__w_jstrz(rsl__wbuf *w, const char *s)
{
	rsl__w_jstr(w, s, s ? strlen(s) : 0);
}

void rsl__w_qstr(rsl__wbuf *w, const char *s, size_t n)
{
	rsl__w_put(w, "\"", 1);
	for (size_t i = 0; i < n && !w->cut;) {
		unsigned char c = (unsigned char)s[i];
		size_t k = plain_run(s + i, n - i);
		if (k) {
			rsl__w_put(w, s + i, k);
			i += k;
			continue;
		}
		if (c >= 0x80) {
			/* put_utf8 writes raw bytes: inside a JSON string they
			 * need no escape, being well-formed UTF-8. */
			put_utf8(w, s, &i, n);
			continue;
		}
		if (c == '"' || c == '\\') {
			rsl__w_put(w, "\\", 1);
			rsl__w_put(w, s + i, 1);
		} else if (c < 0x20 || c == 0x7f) {
			char e[8];
			snprintf(e, sizeof e, "\\u%04x", c);
			rsl__w_put(w, e, 6);
		} else {
			rsl__w_put(w, s + i, 1);
		}
		i++;
	}
	rsl__w_put(w, "\"", 1);
}

/* How many bytes of s[0..n) an echo shows: RSL__ECHO_MAX at most, backed
 * off to the start of a UTF-8 sequence so that the cut splits none. */
static size_t echo_len(const char *s, size_t n)
{
	if (n <= RSL__ECHO_MAX)
		return n;
	size_t k = RSL__ECHO_MAX;
	while (k > 0 && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	return k;
}

/* Written without printf: every echoed value that is cut says its length,
 * and printf took 7 % of the worst case's explain. */
static void cut_marker(rsl__wbuf *w, size_t n)
{
	char num[24];
	size_t k = sizeof num;
	if (n > RSL_MAX_CONTEXT_STRING) {
		rsl__w_putf(w, "\xe2\x80\xa6(over %d bytes)", RSL_MAX_CONTEXT_STRING);
		return;
	}
	do {
		num[--k] = (char)('0' + n % 10);
		n /= 10;
	} while (n);
	rsl__w_puts(w, "\xe2\x80\xa6(");
	rsl__w_put(w, num + k, sizeof num - k);
	rsl__w_puts(w, " bytes)");
}

void rsl__w_echo(rsl__wbuf *w, const char *s, size_t n, int json)
{
	size_t k = echo_len(s, n);
	if (!json) {
		rsl__w_qstr(w, s, k);
		if (k < n)
			cut_marker(w, n);
		return;
	}
	rsl__w_raw(w, "\"", 1);
	w->escape = 1;
	rsl__w_put(w, s, k);
	if (k < n)
		cut_marker(w, n);
	w->escape = 0;
	rsl__w_raw(w, "\"", 1);
}

void rsl__w_echoz(rsl__wbuf *w, const char *s)
{
	rsl__w_echo(w, s, strnlen(s, RSL_MAX_CONTEXT_STRING + 1), 0);
}

void rsl__w_number(rsl__wbuf *w, double n)
{
	char num[RSL__NUMBUF];
	int len = rsl__format_number(num, n);
	if (len < 0)
		rsl__w_puts(w, n != n ? "NaN" : n > 0 ? "Infinity" : "-Infinity");
	else
		rsl__w_put(w, num, (size_t)len);
}

void rsl__w_time(rsl__wbuf *w, int64_t t)
{
	char buf[RSL__TIME_MAX];
	rsl__rfc3339_format(buf, t);
	rsl__w_puts(w, buf);
}

/* A value of kind k (rsl__vkind), from a variant or a result. */
static void w_scalar(rsl__wbuf *w, unsigned k, int b, int64_t i, double f,
		     const char *s, size_t len, int json)
{
	switch (k) {
	case RSL__V_BOOL:
		rsl__w_puts(w, b ? "true" : "false");
		break;
	case RSL__V_INT:
		rsl__w_putf(w, "%lld", (long long)i);
		break;
	case RSL__V_FLOAT:
		rsl__w_number(w, f);
		break;
	case RSL__V_STRING:
		if (json)
			rsl__w_jstr(w, s, len);
		else
			rsl__w_qstr(w, s, len);
		break;
	case RSL__V_JSON:
		rsl__w_put(w, s, len);
		break;
	}
}

void rsl__w_value(rsl__wbuf *w, const rsl__val *v, int json)
{
	w_scalar(w, v->kind, v->b, v->i, v->f, RSL__S(v->s), v->s.len, json);
}

void rsl__w_result(rsl__wbuf *w, const rsl_result *r, int json)
{
	unsigned k = RSL__V_BOOL;
	switch (r->value.type) {
	case RSL_BOOLEAN: k = RSL__V_BOOL; break;
	case RSL_STRING: k = RSL__V_STRING; break;
	case RSL_INTEGER: k = RSL__V_INT; break;
	case RSL_FLOAT: k = RSL__V_FLOAT; break;
	case RSL_OBJECT: k = RSL__V_JSON; break;
	}
	w_scalar(w, k, r->value.b, r->value.i, r->value.f, r->value.s, r->value.len, json);
}

/* ------------------------------------------------- why a condition matched */

static void attr_name(rsl__wbuf *w, const rsl__cond *c)
{
	rsl__w_put(w, RSL__S(c->attr), c->attr.len);
}

static void operand(rsl__wbuf *w, const rsl__cond *c)
{
	switch (c->op) {
	case RSL_OP_IN:
	case RSL_OP_NOT_IN:
		rsl__w_raw(w, "[", 1);
		for (uint32_t i = 0; i < c->nlist; i++) {
			if (i)
				rsl__w_puts(w, ", ");
			if (i == 20) {
				rsl__w_putf(w, "... %u more", c->nlist - 20);
				break;
			}
			if (RSL__AT(rsl__val, c->list)[i].kind == RSL__V_STRING)
				rsl__w_put(w, RSL__S(RSL__AT(rsl__val, c->list)[i].s), RSL__AT(rsl__val, c->list)[i].s.len);
			else
				rsl__w_value(w, &RSL__AT(rsl__val, c->list)[i], 0);
		}
		rsl__w_raw(w, "]", 1);
		break;
	case RSL_OP_SEMVER_EQ:
	case RSL_OP_SEMVER_LT:
	case RSL_OP_SEMVER_LTE:
	case RSL_OP_SEMVER_GT:
	case RSL_OP_SEMVER_GTE:
		rsl__w_putf(w, "%llu.%llu.%llu", (unsigned long long)c->semver.major,
		     (unsigned long long)c->semver.minor,
		     (unsigned long long)c->semver.patch);
		if (c->semver.pre.len) {
			rsl__w_raw(w, "-", 1);
			rsl__w_put(w, RSL__S(c->semver.pre), c->semver.pre.len);
		}
		break;
	case RSL_OP_BEFORE:
	case RSL_OP_AFTER:
		rsl__w_time(w, c->value.i);
		break;
	default:
		rsl__w_value(w, &c->value, 0);
		break;
	}
}

/* The operator as words: what holds when it matched, or when it did not. */
static const char *op_words(int op, int matched)
{
	static const char *const words[][2] = {
		[RSL_OP_EQ] = { "!=", "==" },
		[RSL_OP_NE] = { "==", "!=" },
		[RSL_OP_IN] = { "not in", "in" },
		[RSL_OP_NOT_IN] = { "in", "not in" },
		[RSL_OP_CONTAINS] = { "does not contain", "contains" },
		[RSL_OP_STARTS_WITH] = { "does not start with", "starts with" },
		[RSL_OP_ENDS_WITH] = { "does not end with", "ends with" },
		[RSL_OP_LT] = { "is not <", "<" },
		[RSL_OP_LTE] = { "is not <=", "<=" },
		[RSL_OP_GT] = { "is not >", ">" },
		[RSL_OP_GTE] = { "is not >=", ">=" },
		[RSL_OP_SEMVER_EQ] = { "is not semver_eq", "semver_eq" },
		[RSL_OP_SEMVER_LT] = { "is not semver_lt", "semver_lt" },
		[RSL_OP_SEMVER_LTE] = { "is not semver_lte", "semver_lte" },
		[RSL_OP_SEMVER_GT] = { "is not semver_gt", "semver_gt" },
		[RSL_OP_SEMVER_GTE] = { "is not semver_gte", "semver_gte" },
		[RSL_OP_BEFORE] = { "is not before", "before" },
		[RSL_OP_AFTER] = { "is not after", "after" },
	};
	if (op < RSL_OP_EQ || op > RSL_OP_AFTER)
		return "?";
	return words[op][matched ? 1 : 0];
}

void rsl__w_attr_value(rsl__wbuf *w, const rsl__aval *v)
{
	if (w->cut)
		return;
	switch (v->type) {
	case RSL_ATTR_STRING:
		rsl__w_echoz(w, v->s);
		break;
	case RSL_ATTR_NUMBER:
		rsl__w_number(w, v->n);
		break;
	case RSL_ATTR_BOOL:
		rsl__w_puts(w, v->b ? "true" : "false");
		break;
	case RSL_ATTR_LIST:
		rsl__w_raw(w, "[", 1);
		for (size_t i = 0; i < v->len; i++) {
			if (i)
				rsl__w_puts(w, ", ");
			if (i == RSL__ECHO_LIST) {
				rsl__w_putf(w, "... %zu more", v->len - i);
				break;
			}
			rsl__w_echoz(w, v->list[i]);
		}
		rsl__w_raw(w, "]", 1);
		break;
	}
}

static void explain_leaf(rsl__wbuf *w, const rsl__cond *c, rsl__names *nm, int matched)
{
	rsl__aval v;
	int present = rsl__lookup(&v, nm, c->attr_kind, &c->attr, c->attr_hash, c->attr_id);
	attr_name(w, c);
	if (!present) {
		rsl__w_puts(w, " is missing");
		return;
	}
	rsl__w_puts(w, " = ");
	rsl__w_attr_value(w, &v);
	if (c->op == RSL_OP_EXISTS)
		return;
	rsl__w_raw(w, " ", 1);
	rsl__w_puts(w, op_words(c->op, matched));
	rsl__w_raw(w, " ", 1);
	operand(w, c);
	if (c->ci)
		rsl__w_puts(w, " (case-insensitive)");
}

void rsl__w_why(rsl__wbuf *w, const rsl_snapshot *snap, const rsl__cond *c,
		rsl__names *nm, int want)
{
	if (w->cut)
		return; /* nothing more is written: no need to find out why */
	switch (c->op) {
	case RSL_OP_ALL:
	case RSL_OP_ANY: {
		/* all false / any true: the first kid that decided; otherwise
		 * every kid. */
		int decisive = c->op == RSL_OP_ALL ? 0 : 1;
		if (want == decisive) {
			for (uint32_t i = 0; i < c->nkids; i++)
				if (rsl__match_in(snap, &RSL__AT(rsl__cond, c->kids)[i], nm) == decisive) {
					rsl__w_why(w, snap, &RSL__AT(rsl__cond, c->kids)[i], nm, want);
					return;
				}
		}
		rsl__w_puts(w, want ? "all of (" : "none of (");
		for (uint32_t i = 0; i < c->nkids; i++) {
			if (i)
				rsl__w_puts(w, "; ");
			rsl__w_why(w, snap, &RSL__AT(rsl__cond, c->kids)[i], nm, want);
		}
		rsl__w_raw(w, ")", 1);
		return;
	}
	case RSL_OP_NOT:
		rsl__w_puts(w, want ? "not (" : "excluded by not (");
		rsl__w_why(w, snap, &RSL__AT(rsl__cond, c->kids)[0], nm, !want);
		rsl__w_raw(w, ")", 1);
		return;
	case RSL_OP_SEGMENT: {
		const rsl__segment *s = &snap->segments[c->segment];
		rsl__w_puts(w, "segment ");
		rsl__w_put(w, RSL__S(s->key), s->key.len);
		rsl__w_puts(w, want ? ": " : ": no match: ");
		rsl__w_why(w, snap, rsl__when(&s->when), nm, want);
		return;
	}
	default:
		explain_leaf(w, c, nm, want);
		return;
	}
}
