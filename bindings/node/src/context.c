/*
 * context.c - a JavaScript context object into an rsl_context.  The values
 * come from whoever sends the request, so every string is read with its
 * length first and copied only up to one byte past librsl's cap (which
 * librsl then refuses), and at most one attribute and one list item past
 * the caps are kept, so memory is bounded whatever the object holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

struct ctx_chunk {
	ctx_chunk *next;
	size_t used, cap;
	char data[];
};

/* n bytes aligned for pointers, from the fixed block or a chunk; NULL when
 * out of memory. */
static void *ctx_alloc(node_ctx *b, size_t n)
{
	n = (n + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
	if (n <= sizeof b->fixed - b->used) {
		void *p = b->fixed + b->used;
		b->used += n;
		return p;
	}
	ctx_chunk *c = b->chunks;
	if (c == NULL || n > c->cap - c->used) {
		size_t cap = n > 16384 ? n : 16384;
		if ((c = malloc(sizeof *c + cap)) == NULL)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = b->chunks;
		b->chunks = c;
	}
	void *p = c->data + c->used;
	c->used += n;
	return p;
}

void node_ctx_free(node_ctx *b)
{
	for (ctx_chunk *c = b->chunks, *n; c; c = n) {
		n = c->next;
		free(c);
	}
	b->chunks = NULL;
}

/* The text of a JavaScript string into *out (NULL when v is not a string,
 * or holds a NUL: C would read it shorter), cut at RSL_MAX_CONTEXT_STRING + 1
 * bytes.  napi_ok, or napi_generic_failure when out of memory. */
static napi_status text(const char **out, node_ctx *b, napi_env env, napi_value v)
{
	size_t len, got;
	napi_status st;
	*out = NULL;
	if ((st = napi_get_value_string_utf8(env, v, NULL, 0, &len)) != napi_ok)
		return st == napi_string_expected ? napi_ok : st;
	if (len > RSL_MAX_CONTEXT_STRING + 1)
		len = RSL_MAX_CONTEXT_STRING + 1;
	char *s = ctx_alloc(b, len + 4); /* room for a character cut short */
	if (s == NULL)
		return napi_generic_failure;
	if ((st = napi_get_value_string_utf8(env, v, s, len + 4, &got)) != napi_ok)
		return st;
	if (strlen(s) != got)
		return napi_ok; /* an embedded NUL: not a string C can hold */
	*out = s;
	return napi_ok;
}

/* An array of strings into a LIST attribute (invalid when an item is not a
 * string); at most RSL_MAX_CONTEXT_LIST + 1 items are read. */
static napi_status list(rsl_attr *a, node_ctx *b, napi_env env, napi_value v)
{
	uint32_t n;
	napi_status st;
	if ((st = napi_get_array_length(env, v, &n)) != napi_ok)
		return st;
	if (n > RSL_MAX_CONTEXT_LIST + 1)
		n = RSL_MAX_CONTEXT_LIST + 1;
	const char **items = ctx_alloc(b, (n ? n : 1) * sizeof *items);
	if (items == NULL)
		return napi_generic_failure;
	for (uint32_t i = 0; i < n; i++) {
		napi_value e;
		if ((st = napi_get_element(env, v, i, &e)) != napi_ok ||
		    (st = text(&items[i], b, env, e)) != napi_ok)
			return st;
		if (items[i] == NULL) {
			a->type = NODE_ATTR_INVALID;
			return napi_ok;
		}
	}
	a->type = RSL_ATTR_LIST;
	a->list = items;
	a->len = n;
	return napi_ok;
}

/* One attribute's value; *absent when undefined or null. */
static napi_status value(rsl_attr *a, int *absent, node_ctx *b, napi_env env,
			 napi_value v)
{
	napi_valuetype t;
	napi_status st;
	bool yes;
	*absent = 0;
	if ((st = napi_typeof(env, v, &t)) != napi_ok)
		return st;
	a->type = NODE_ATTR_INVALID;
	switch (t) {
	case napi_undefined:
	case napi_null:
		*absent = 1;
		return napi_ok;
	case napi_string:
		if ((st = text(&a->s, b, env, v)) == napi_ok && a->s)
			a->type = RSL_ATTR_STRING;
		return st;
	case napi_number:
		a->type = RSL_ATTR_NUMBER;
		return napi_get_value_double(env, v, &a->n);
	case napi_bigint: {
		int64_t i;
		bool lossless;
		a->type = RSL_ATTR_NUMBER;
		st = napi_get_value_bigint_int64(env, v, &i, &lossless);
		a->n = (double)i;
		return st;
	}
	case napi_boolean:
		a->type = RSL_ATTR_BOOL;
		if ((st = napi_get_value_bool(env, v, &yes)) == napi_ok)
			a->b = yes;
		return st;
	case napi_object:
		if ((st = napi_is_array(env, v, &yes)) != napi_ok)
			return st;
		if (yes)
			return list(a, b, env, v);
		if ((st = napi_is_date(env, v, &yes)) != napi_ok || !yes)
			return st;
		double ms;
		if ((st = napi_get_date_value(env, v, &ms)) == napi_ok) {
			a->type = RSL_ATTR_NUMBER;
			a->n = ms / 1000.0;
		}
		return st;
	default:
		return napi_ok; /* a function or a symbol: invalid */
	}
}

/* The context's own fields, by key; NULL for an attribute. */
static const char **field(rsl_context *c, const char *k)
{
	if (strcmp(k, "targeting_key") == 0 || strcmp(k, "targetingKey") == 0)
		return &c->targeting_key;
	if (strcmp(k, "tenant_key") == 0)
		return &c->tenant_key;
	if (strcmp(k, "environment") == 0)
		return &c->environment;
	if (strcmp(k, "request_id") == 0)
		return &c->request_id;
	if (strcmp(k, "session_id") == 0)
		return &c->session_id;
	return NULL;
}

napi_status node_ctx_from_js(node_ctx *b, napi_env env, napi_value v)
{
	napi_valuetype t;
	napi_value keys;
	napi_status st;
	uint32_t n;
	memset(&b->ctx, 0, sizeof b->ctx);
	b->ctx.attrs = b->attrs;
	b->used = 0;
	b->chunks = NULL;
	if ((st = napi_typeof(env, v, &t)) != napi_ok)
		return st;
	if (t == napi_undefined || t == napi_null)
		return napi_ok;
	if (t != napi_object) {
		/* Not an object: one invalid attribute, so librsl refuses it. */
		b->attrs[0] = (rsl_attr){ "context", NODE_ATTR_INVALID, NULL, 0.0, 0, NULL, 0 };
		b->ctx.nattrs = 1;
		return napi_ok;
	}
	if ((st = napi_get_all_property_names(env, v, napi_key_own_only,
					      napi_key_enumerable | napi_key_skip_symbols,
					      napi_key_numbers_to_strings, &keys)) != napi_ok ||
	    (st = napi_get_array_length(env, keys, &n)) != napi_ok)
		return st;
	for (uint32_t i = 0; i < n; i++) {
		napi_value k, x;
		const char *name;
		if ((st = napi_get_element(env, keys, i, &k)) != napi_ok ||
		    (st = napi_get_property(env, v, k, &x)) != napi_ok ||
		    (st = text(&name, b, env, k)) != napi_ok)
			return st;
		const char **f = name ? field(&b->ctx, name) : NULL;
		if (f) {
			napi_valuetype ft;
			if ((st = napi_typeof(env, x, &ft)) != napi_ok)
				return st;
			if (ft == napi_undefined || ft == napi_null)
				continue;
			if ((st = text(f, b, env, x)) != napi_ok)
				return st;
			if (*f)
				continue;
			/* Not a string: reported as an invalid attribute. */
		}
		if (b->ctx.nattrs == RSL_MAX_CONTEXT_ATTRS + 1)
			break; /* already one too many: librsl refuses the context */
		rsl_attr *a = &b->attrs[b->ctx.nattrs];
		int absent;
		memset(a, 0, sizeof *a);
		a->name = name ? name : "";
		if (f)
			a->type = NODE_ATTR_INVALID;
		else if ((st = value(a, &absent, b, env, x)) != napi_ok)
			return st;
		else if (absent)
			continue;
		b->ctx.nattrs++;
	}
	return napi_ok;
}

/* ------------------------------------------------- prepared contexts */

/* Bytes for a copy of s, or 0 for NULL. */
static size_t span(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static const char *copy_str(char **p, const char *s)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s) + 1;
	char *d = *p;
	memcpy(d, s, n);
	*p += n;
	return d;
}

node_prepared *node_ctx_compact(const rsl_context *src)
{
	size_t n = src->nattrs, lists = 0, text = 0;
	const char *const *fields[5] = { &src->targeting_key, &src->tenant_key, &src->environment,
					 &src->request_id, &src->session_id };
	for (int k = 0; k < 5; k++)
		text += span(*fields[k]);
	for (size_t i = 0; i < n; i++) {
		const rsl_attr *a = &src->attrs[i];
		text += span(a->name) + (a->type == RSL_ATTR_STRING ? span(a->s) : 0);
		if (a->type == RSL_ATTR_LIST) {
			lists += a->len;
			for (size_t j = 0; j < a->len; j++)
				text += span(a->list[j]);
		}
	}
	size_t size = sizeof(node_prepared) + n * sizeof(rsl_attr) + lists * sizeof(char *) + text;
	node_prepared *np = malloc(size);
	if (np == NULL)
		return NULL;
	rsl_context *c = &np->ctx;
	rsl_attr *attrs = (rsl_attr *)(np + 1);
	const char **items = (const char **)(attrs + n);
	char *p = (char *)(items + lists);
	*c = *src;
	c->attrs = attrs;
	c->targeting_key = copy_str(&p, src->targeting_key);
	c->tenant_key = copy_str(&p, src->tenant_key);
	c->environment = copy_str(&p, src->environment);
	c->request_id = copy_str(&p, src->request_id);
	c->session_id = copy_str(&p, src->session_id);
	for (size_t i = 0; i < n; i++) {
		const rsl_attr *a = &src->attrs[i];
		attrs[i] = *a;
		attrs[i].name = copy_str(&p, a->name);
		if (a->type == RSL_ATTR_STRING)
			attrs[i].s = copy_str(&p, a->s);
		if (a->type == RSL_ATTR_LIST) {
			attrs[i].list = items;
			for (size_t j = 0; j < a->len; j++)
				*items++ = copy_str(&p, a->list[j]);
		}
	}
	/* A refusal is kept in np->prep: the evaluations report it. */
	(void)rsl_context_prepare(&np->prep, c, NULL);
	return np;
}
