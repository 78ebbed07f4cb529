/*
 * decode_field.c - reading one field of a payload for decode.c: the map of
 * an object, integers, booleans, text and values, each checked for its
 * kind and range with a message that says where; the allocation of both
 * passes; and the message prefix.  See decode_ctx.h.
 */
#include "decode_ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "keyring.h" /* rsl__fail */
#include "names.h"

#define ALIGN 8u

int rsl__dec_fail(rsl__dec *d, int code, const char *fmt, ...)
{
	char msg[256], ctx[112] = "", sub[32] = "";
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (d->what && d->key)
		snprintf(ctx, sizeof ctx, "%s %u '%.*s': ", d->what,
			 (unsigned)d->index, (int)(d->keylen > 64 ? 64 : d->keylen),
			 d->key);
	else if (d->what)
		snprintf(ctx, sizeof ctx, "%s %u: ", d->what, (unsigned)d->index);
	if (d->sub == SUB_RULE)
		snprintf(sub, sizeof sub, "rule %u: ", (unsigned)d->subi);
	else if (d->sub == SUB_VARIANT)
		snprintf(sub, sizeof sub, "variant %u: ", (unsigned)d->subi);
	else if (d->sub == SUB_DEFAULT)
		snprintf(sub, sizeof sub, "default: ");
	return rsl__fail(d->err, code, "payload: %s%s%s", ctx, sub, msg);
}

void *rsl__dec_alloc(rsl__dec *d, size_t n, size_t size)
{
	/* Records whose size is a multiple of 8 hold 64-bit fields; strings
	 * are packed. */
	size_t align = size % 8 == 0 ? 8 : size % 4 == 0 ? 4 : 1;
	unsigned char *blk = d->meta ? d->mblk : d->blk;
	size_t *used = d->meta ? &d->mused : &d->used;
	size_t cap = d->meta ? d->mcap : d->cap;
	if (n == 0 || size == 0)
		return NULL;
	if (n > (SIZE_MAX - ALIGN) / size) {
		d->overflow = 1;
		return NULL;
	}
	size_t at = (*used + align - 1) & ~(align - 1);
	size_t bytes = n * size;
	if (at < *used || bytes > SIZE_MAX - at) {
		d->overflow = 1;
		return NULL;
	}
	if (!d->fill) {
		*used = at + bytes;
		return NULL;
	}
	if (at > cap || bytes > cap - at) {
		d->overflow = 1;
		return NULL;
	}
	*used = at + bytes;
	return blk + at;
}

rsl__cbor rsl__dec_at(const rsl__dec *d, const uint8_t *at)
{
	rsl__cbor c = { at, d->end };
	return c;
}

/* ------------------------------------------------------------- scalars */

/* Reads the map at `at`, whose keys must all be among names[0..nn), and
 * stores where each value is (NULL: absent). */
int rsl__dec_fields(rsl__dec *d, const uint8_t *at, const char *what,
		  const char *const *names, size_t nn, const uint8_t **pos)
{
	rsl__cbor c = rsl__dec_at(d, at);
	uint64_t n;
	for (size_t j = 0; j < nn; j++)
		pos[j] = NULL;
	if (rsl__cbor_map(&c, &n) < 0)
		return rsl__dec_fail(d, RSL_EFORMAT, "%s must be a map", what);
	for (uint64_t k = 0; k < n; k++) {
		const char *s;
		size_t len, j;
		if (rsl__cbor_text(&c, &s, &len) < 0)
			return rsl__dec_fail(d, RSL_EFORMAT, "%s: keys must be text", what);
		for (j = 0; j < nn; j++)
			if (strlen(names[j]) == len && memcmp(names[j], s, len) == 0)
				break;
		if (j == nn)
			return rsl__dec_fail(d, RSL_EFORMAT, "%s: unknown key '%.*s'", what,
					     (int)(len > 64 ? 64 : len), s);
		pos[j] = c.p;
		if (rsl__cbor_next(&c) < 0)
			return rsl__dec_fail(d, RSL_EFORMAT, "%s: malformed value", what);
	}
	return RSL_OK;
}

int rsl__dec_need(rsl__dec *d, const uint8_t *p, const char *what, const char *name)
{
	if (p == NULL)
		return rsl__dec_fail(d, RSL_EFORMAT, "%s: missing '%s'", what, name);
	return RSL_OK;
}

int rsl__dec_uint(rsl__dec *d, const uint8_t *at, const char *name, uint64_t max,
		    uint64_t *out)
{
	rsl__cbor c = rsl__dec_at(d, at);
	if (rsl__cbor_uint(&c, out) < 0)
		return rsl__dec_fail(d, RSL_EFORMAT, "'%s' must be an unsigned integer", name);
	if (*out > max)
		return rsl__dec_fail(d, RSL_EFORMAT, "'%s' is %llu, more than %llu", name,
				     (unsigned long long)*out, (unsigned long long)max);
	return RSL_OK;
}

int rsl__dec_u32(rsl__dec *d, const uint8_t *at, const char *name, uint32_t *out)
{
	uint64_t v;
	int rc = rsl__dec_uint(d, at, name, UINT32_MAX, &v);
	*out = (uint32_t)v;
	return rc;
}

int rsl__dec_int(rsl__dec *d, const uint8_t *at, const char *name, int64_t *out)
{
	rsl__cbor c = rsl__dec_at(d, at);
	if (rsl__cbor_int(&c, out) < 0)
		return rsl__dec_fail(d, RSL_EFORMAT, "'%s' must be a 64-bit integer", name);
	return RSL_OK;
}

int rsl__dec_bool(rsl__dec *d, const uint8_t *at, const char *name, int *out)
{
	rsl__cbor c = rsl__dec_at(d, at);
	if (rsl__cbor_bool(&c, out) < 0)
		return rsl__dec_fail(d, RSL_EFORMAT, "'%s' must be a boolean", name);
	return RSL_OK;
}

/* Copies text into the block (filling pass); raw/rawlen (optional) get the
 * bytes in the payload, which both passes can compare.  maxlen 0: any. */
int rsl__dec_text(rsl__dec *d, const uint8_t *at, const char *name, size_t minlen,
		    size_t maxlen, rsl__str *out, const char **raw, size_t *rawlen)
{
	const char *copy;
	int rc = rsl__dec_textz(d, at, name, minlen, maxlen, &copy, raw, rawlen);
	if (rc == RSL_OK) {
		rsl__ref_set(&out->p, copy);
		out->len = d->textlen; /* the payload's: also in the counting pass */
	}
	return rc;
}

int rsl__dec_textz(rsl__dec *d, const uint8_t *at, const char *name, size_t minlen,
		   size_t maxlen, const char **copy, const char **raw, size_t *rawlen)
{
	rsl__cbor c = rsl__dec_at(d, at);
	const char *s;
	size_t n;
	if (rsl__cbor_text(&c, &s, &n) < 0)
		return rsl__dec_fail(d, RSL_EFORMAT, "'%s' must be a text string", name);
	if (n < minlen)
		return rsl__dec_fail(d, RSL_EFORMAT, "'%s' is empty", name);
	if ((maxlen && n > maxlen) || n > UINT32_MAX - 1)
		return rsl__dec_fail(d, RSL_EFORMAT, "'%s' is longer than %zu bytes", name,
				     maxlen ? maxlen : (size_t)UINT32_MAX - 1);
	if (memchr(s, '\0', n))
		return rsl__dec_fail(d, RSL_EFORMAT, "'%s' contains a NUL byte", name);
	char *p = rsl__dec_alloc(d, n + 1, 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	*copy = p ? p : d->empty;
	d->textlen = (uint32_t)n;
	if (raw)
		*raw = s;
	if (rawlen)
		*rawlen = n;
	return RSL_OK;
}


static const char *kinds_text(unsigned k)
{
	switch (k) {
	case RSL__K_BOOL: return "a boolean";
	case RSL__K_INT: return "an integer";
	case RSL__K_TEXT: return "a text string";
	case RSL__K_INT | RSL__K_FLOAT: return "a number";
	case RSL__K_INT | RSL__K_FLOAT | RSL__K_TEXT: return "a text string or a number";
	default: return "a text string, a number or a boolean";
	}
}

/* A scalar of one of the allowed kinds.  Ints read as RSL__V_INT with f
 * set; floats must be finite. */
int rsl__dec_val(rsl__dec *d, const uint8_t *at, const char *name, unsigned allowed,
		   rsl__val *out, const char **raw, size_t *rawlen)
{
	rsl__cbor c = rsl__dec_at(d, at);
	memset(out, 0, sizeof *out);
	rsl__ref_set(&out->s.p, d->empty);
	unsigned got;
	int b;
	int m = rsl__cbor_peek(&c);
	if (m == RSL__CBOR_UINT || m == RSL__CBOR_NINT) {
		got = RSL__K_INT;
		if ((allowed & RSL__K_INT) && rsl__cbor_int(&c, &out->i) < 0)
			return rsl__dec_fail(d, RSL_EFORMAT, "'%s' is out of the 64-bit "
					     "integer range", name);
		out->kind = RSL__V_INT;
		out->f = (double)out->i;
	} else if (m == RSL__CBOR_TEXT) {
		got = RSL__K_TEXT;
		if (allowed & RSL__K_TEXT) {
			int rc = rsl__dec_text(d, at, name, 0, 0, &out->s, raw, rawlen);
			if (rc < 0)
				return rc;
		}
		out->kind = RSL__V_STRING;
	} else if (rsl__cbor_bool(&c, &b) == 0) {
		got = RSL__K_BOOL;
		out->b = (uint8_t)b;
		out->kind = RSL__V_BOOL;
	} else if (rsl__cbor_float(&c, &out->f) == 0) {
		got = RSL__K_FLOAT;
		out->kind = RSL__V_FLOAT;
		if (out->f != out->f || out->f - out->f != 0.0)
			return rsl__dec_fail(d, RSL_EFORMAT, "'%s' is not a finite number",
					     name);
	} else {
		got = 0;
	}
	if ((got & allowed) == 0)
		return rsl__dec_fail(d, RSL_EFORMAT, "'%s' must be %s", name,
				     kinds_text(allowed));
	return RSL_OK;
}

/* Up to 40 bytes of s for a message, quoted by the caller: a control
 * character, a quote or a backslash as \xNN, "..." when cut. */
static void show(char out[172], const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && i < 40; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f || c == '\'' || c == '\\')
			o += (size_t)snprintf(out + o, 172 - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	if (n > 40) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

int rsl__dec_name(rsl__dec *d, const char *field, const char *s, size_t n, int attr,
		  const char *what)
{
	if (attr ? rsl__is_attr_name(s, n) : rsl__is_key(s, n))
		return RSL_OK;
	char shown[172];
	show(shown, s, n);
	return rsl__dec_fail(d, RSL_EFORMAT, "%s '%s' is not %s: expected %s", field, shown,
			     what, attr ? RSL__ATTR_RULE : RSL__KEY_RULE);
}

int rsl__dec_commit(rsl__dec *d, const char *s, size_t n)
{
	int ok = n == 40;
	for (size_t i = 0; ok && i < n; i++)
		ok = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
	if (ok || (n == 8 && memcmp(s, "worktree", 8) == 0))
		return RSL_OK;
	char shown[172];
	show(shown, s, n);
	return rsl__dec_fail(d, RSL_EFORMAT, "provenance: commit '%s' is not a commit id: "
			     "expected 40 lowercase hexadecimal digits, or 'worktree' "
			     "(rsc compile --worktree)", shown);
}
