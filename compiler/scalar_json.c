/* scalar_json.c - object payloads typed as canonical JSON text; see
 * scalar.h (rsc_scalar_json). */
#include "scalar.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SHOWN(d, n) rsc_show((d), (n)->text, (n)->len)

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
	if (rsc_scalar_typed(&v, n, field, 1, &is_null, d) < 0)
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
