/*
 * shim.c - decodes the byte string context.go encodes (shim.h) into an
 * rsl_context on the C stack, calls librsl, and forwards the client's
 * events to Go.  The strings of the context point into Go's buffer, which
 * cgo keeps in place for the duration of the call and no longer.
 */
#include <string.h>

#include "shim.h"
#include "_cgo_export.h"

enum {
	MAX_ATTRS = RSL_MAX_CONTEXT_ATTRS + 1,
	MAX_ITEMS = RSL_MAX_CONTEXT_LIST + 1
};

typedef struct call {
	const char *key;
	rsl_context ctx;
	rsl_attr attrs[MAX_ATTRS];
	const char *items[MAX_ATTRS * MAX_ITEMS];
} call;

typedef struct reader {
	const unsigned char *p, *end;
	int bad;
} reader;

static const char *str(reader *r)
{
	const unsigned char *nul;
	if (r->bad || (nul = memchr(r->p, 0, (size_t)(r->end - r->p))) == NULL) {
		r->bad = 1;
		return "";
	}
	const char *s = (const char *)r->p;
	r->p = nul + 1;
	return s;
}

static uint64_t le(reader *r, int bytes)
{
	uint64_t v = 0;
	if (r->bad || r->end - r->p < bytes) {
		r->bad = 1;
		return 0;
	}
	for (int i = 0; i < bytes; i++)
		v |= (uint64_t)r->p[i] << (8 * i);
	r->p += bytes;
	return v;
}

/* Fills *k from in[0..len).  Go wrote it, so a malformed one is a bug in
 * the binding: it is then evaluated as a context over the attribute limit,
 * which librsl refuses (INVALID_CONTEXT), rather than guessed at. */
static void decode(call *k, const unsigned char *in, size_t len)
{
	reader r = { in, in + len, 0 };
	rsl_context *ctx = &k->ctx;
	memset(ctx, 0, sizeof *ctx);
	unsigned mask = (unsigned)le(&r, 1);
	const char **fixed[] = { &ctx->targeting_key, &ctx->tenant_key, &ctx->environment,
				 &ctx->request_id, &ctx->session_id };
	for (unsigned i = 0; i < sizeof fixed / sizeof *fixed; i++)
		if (mask & (1u << i))
			*fixed[i] = str(&r);
	if (le(&r, 1))
		ctx->now = (int64_t)le(&r, 8);
	uint64_t n = le(&r, 4);
	if (n > MAX_ATTRS)
		r.bad = 1;
	for (size_t a = 0; a < n && !r.bad; a++) {
		rsl_attr *at = &k->attrs[a];
		memset(at, 0, sizeof *at);
		at->type = (rsl_attr_type)le(&r, 1);
		at->name = str(&r);
		switch (at->type) {
		case RSL_ATTR_STRING:
			at->s = str(&r);
			break;
		case RSL_ATTR_NUMBER: {
			uint64_t bits = le(&r, 8);
			memcpy(&at->n, &bits, sizeof at->n);
			break;
		}
		case RSL_ATTR_BOOL:
			at->b = (int)le(&r, 1);
			break;
		case RSL_ATTR_LIST: {
			const char **items = &k->items[a * MAX_ITEMS];
			at->len = (size_t)le(&r, 4);
			if (at->len > MAX_ITEMS)
				r.bad = 1;
			for (size_t i = 0; i < at->len && !r.bad; i++)
				items[i] = str(&r);
			at->list = items;
			break;
		}
		default:
			r.bad = 1;
		}
	}
	ctx->attrs = k->attrs;
	ctx->nattrs = (size_t)n;
	k->key = str(&r);
	if (r.bad || r.p != r.end) {
		memset(k->attrs, 0, sizeof k->attrs);
		for (size_t a = 0; a < MAX_ATTRS; a++)
			k->attrs[a].name = "";
		ctx->nattrs = MAX_ATTRS;
	}
}

static void on_event(const rsl_client_event *ev, void *user)
{
	rsgEvent((uintptr_t)user, (rsl_client_event *)ev);
}

int rsg_client_new(rsl_client **out, const char *path, rsl_client_options *opts,
		   uintptr_t events, rsl_error *err)
{
	opts->on_event = on_event;
	opts->event_user = (void *)events;
	return rsl_client_new(out, path, opts, err);
}

int rsg_bool(uintptr_t c, const unsigned char *in, size_t len, int fallback)
{
	call k;
	decode(&k, in, len);
	return rsl_client_bool((rsl_client *)c, k.key, &k.ctx, fallback);
}

int64_t rsg_int(uintptr_t c, const unsigned char *in, size_t len, int64_t fallback)
{
	call k;
	decode(&k, in, len);
	return rsl_client_int((rsl_client *)c, k.key, &k.ctx, fallback);
}

double rsg_float(uintptr_t c, const unsigned char *in, size_t len, double fallback)
{
	call k;
	decode(&k, in, len);
	return rsl_client_float((rsl_client *)c, k.key, &k.ctx, fallback);
}

int rsg_detail(void *d, uintptr_t c, const unsigned char *in, size_t len, int expected)
{
	call k;
	decode(&k, in, len);
	return rsl_client_detail(d, (rsl_client *)c, k.key, expected == RSG_ANY ? RSL_ANY : (rsl_type)expected,
				 &k.ctx, NULL);
}

size_t rsg_explain(char *buf, size_t cap, uintptr_t c, const unsigned char *in,
		   size_t len, int format)
{
	call k;
	decode(&k, in, len);
	return rsl_client_explain(buf, cap, (rsl_client *)c, k.key, &k.ctx, format);
}
