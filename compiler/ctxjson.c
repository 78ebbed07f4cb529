/* ctxjson.c - evaluation contexts from JSON and NAME=VALUE; see ctxjson.h. */
#include "ctxjson.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../loader/names.h"

static void *own(rsc_ctx *c, size_t size)
{
	if (c->nowned == c->owned_cap) {
		size_t n = c->owned_cap ? c->owned_cap * 2 : 16;
		void **p = realloc(c->owned, n * sizeof *p);
		if (p == NULL)
			return NULL;
		c->owned = p;
		c->owned_cap = n;
	}
	void *m = malloc(size ? size : 1);
	if (m)
		c->owned[c->nowned++] = m;
	return m;
}

static rsl_attr *new_attr(rsc_ctx *c, const char *name)
{
	/* A later value of the same name replaces the earlier one. */
	for (size_t i = 0; i < c->nattrs; i++)
		if (strcmp(c->attrs[i].name, name) == 0)
			return &c->attrs[i];
	if (c->nattrs == c->cap) {
		size_t n = c->cap ? c->cap * 2 : 8;
		rsl_attr *p = realloc(c->attrs, n * sizeof *p);
		if (p == NULL)
			return NULL;
		c->attrs = p;
		c->cap = n;
	}
	rsl_attr *a = &c->attrs[c->nattrs++];
	memset(a, 0, sizeof *a);
	a->name = name;
	return a;
}

/* The context field a special key fills, or NULL. */
static const char **special(rsc_ctx *c, const char *name)
{
	if (strcmp(name, "targeting_key") == 0)
		return &c->ctx.targeting_key;
	if (strcmp(name, "tenant_key") == 0)
		return &c->ctx.tenant_key;
	if (strcmp(name, "environment") == 0)
		return &c->ctx.environment;
	if (strcmp(name, "request_id") == 0)
		return &c->ctx.request_id;
	if (strcmp(name, "session_id") == 0)
		return &c->ctx.session_id;
	return NULL;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Length of a JSON number at s, or 0 when s does not start with one. */
static size_t json_number(const char *s)
{
	size_t i = 0;
	if (s[i] == '-')
		i++;
	if (s[i] == '0')
		i++;
	else if (s[i] >= '1' && s[i] <= '9')
		while (s[i] >= '0' && s[i] <= '9')
			i++;
	else
		return 0;
	if (s[i] == '.') {
		size_t k = ++i;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == k)
			return 0;
	}
	if (s[i] == 'e' || s[i] == 'E') {
		i++;
		if (s[i] == '+' || s[i] == '-')
			i++;
		size_t k = i;
		while (s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == k)
			return 0;
	}
	return i;
}

typedef struct parser {
	const char *s;
	size_t i;
	rsc_ctx *c;
	char *err;
	size_t errlen;
	size_t where;  /* 1 + the offset of the problem; 0 for none */
	int ofrep;     /* OpenFeature's targetingKey is targeting_key */
	int invalid;   /* the problem is well-formed JSON that is not a context */
} parser;

static int failat(parser *p, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int failat(parser *p, size_t off, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	p->where = off + 1;
	return -1;
}

/* A value at s that is JSON but none a context holds: an object, a list,
 * a number, true, false or null where they cannot be. */
static int json_value_at(const char *s)
{
	return *s == '{' || *s == '[' || *s == '"' || *s == '-' || (*s >= '0' && *s <= '9') ||
	       strncmp(s, "true", 4) == 0 || strncmp(s, "false", 5) == 0 ||
	       strncmp(s, "null", 4) == 0;
}

/* failat for a value that is well-formed JSON but not in a context. */
#define FAIL_UNSUPPORTED(p, off, ...) ((p)->invalid = 1, failat((p), (off), __VA_ARGS__))

static void ws(parser *p)
{
	while (p->s[p->i] == ' ' || p->s[p->i] == '\t' || p->s[p->i] == '\n' ||
	       p->s[p->i] == '\r')
		p->i++;
}

static int hex4(const char *s, unsigned *out)
{
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		char ch = s[k];
		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v |= (unsigned)(ch - 'a' + 10);
		else if (ch >= 'A' && ch <= 'F')
			v |= (unsigned)(ch - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static size_t utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | (cp >> 6));
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | (cp >> 12));
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | (cp >> 18));
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* A JSON string at p->i (which is '"'), decoded into an owned copy. */
static int string(parser *p, char **out)
{
	size_t start = ++p->i, n = 0;
	/* The decoded text is never longer than the escaped one. */
	while (p->s[p->i] && p->s[p->i] != '"') {
		if (p->s[p->i] == '\\' && p->s[p->i + 1])
			p->i++;
		p->i++;
	}
	if (p->s[p->i] != '"')
		return failat(p, start - 1, "unterminated string");
	char *o = own(p->c, p->i - start + 1);
	if (o == NULL)
		return fail(p->err, p->errlen, "out of memory");
	for (size_t i = start; i < p->i; i++) {
		unsigned char ch = (unsigned char)p->s[i];
		if (ch < 0x20)
			return failat(p, i, "control character in a string");
		if (ch != '\\') {
			o[n++] = (char)ch;
			continue;
		}
		switch (p->s[++i]) {
		case '"': o[n++] = '"'; break;
		case '\\': o[n++] = '\\'; break;
		case '/': o[n++] = '/'; break;
		case 'b': o[n++] = '\b'; break;
		case 'f': o[n++] = '\f'; break;
		case 'n': o[n++] = '\n'; break;
		case 'r': o[n++] = '\r'; break;
		case 't': o[n++] = '\t'; break;
		case 'u': {
			unsigned cp, lo;
			if (i + 4 >= p->i || hex4(p->s + i + 1, &cp) < 0)
				return failat(p, i - 1, "bad \\u escape");
			i += 4;
			if (cp >= 0xd800 && cp < 0xdc00 && i + 6 < p->i && p->s[i + 1] == '\\' &&
			    p->s[i + 2] == 'u' && hex4(p->s + i + 3, &lo) == 0 && lo >= 0xdc00 &&
			    lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 6;
			} else if (cp >= 0xd800 && cp < 0xe000) {
				return failat(p, i - 5, "unpaired surrogate in \\u escape");
			}
			if (cp == 0)
				return failat(p, i - 5, "\\u0000 in a string");
			n += utf8(o + n, cp);
			break;
		}
		default:
			return failat(p, i - 1, "bad escape");
		}
	}
	o[n] = 0;
	p->i++;
	*out = o;
	return 0;
}

/* docs/ruleset.md, "Keys" (loader/names.h).  The special keys fit it too. */
static int attr_name_ok(const char *s)
{
	return rsl__is_attr_name(s, strlen(s));
}

#define ATTR_NAME_RULE "an attribute name is 1 to 64 letters, digits, '_', '-' " \
	"and '.', starting with a letter or '_'"

static int member(parser *p, char *name)
{
	if (p->ofrep && strcmp(name, "targetingKey") == 0)
		name = (char *)"targeting_key";
	const char **field = special(p->c, name);
	char ch = p->s[p->i];
	if (field) {
		char *v;
		if (ch != '"' && json_value_at(p->s + p->i))
			return FAIL_UNSUPPORTED(p, p->i, "\"%s\" must be a string", name);
		if (ch != '"')
			return failat(p, p->i, "\"%s\" must be a string", name);
		if (string(p, &v) < 0)
			return -1;
		*field = v;
		return 0;
	}
	if (strncmp(p->s + p->i, "null", 4) == 0) {
		p->i += 4;
		return 0;
	}
	rsl_attr *a = new_attr(p->c, name);
	if (a == NULL)
		return fail(p->err, p->errlen, "out of memory");
	if (ch == '"') {
		char *v;
		if (string(p, &v) < 0)
			return -1;
		a->type = RSL_ATTR_STRING;
		a->s = v;
	} else if (strncmp(p->s + p->i, "true", 4) == 0) {
		p->i += 4;
		a->type = RSL_ATTR_BOOL;
		a->b = 1;
	} else if (strncmp(p->s + p->i, "false", 5) == 0) {
		p->i += 5;
		a->type = RSL_ATTR_BOOL;
		a->b = 0;
	} else if (ch == '[') {
		size_t n = 0, cap = 0;
		const char **list = NULL;
		p->i++;
		ws(p);
		if (p->s[p->i] == ']') {
			p->i++;
		} else {
			for (;;) {
				char *v;
				ws(p);
				if (p->s[p->i] != '"' && json_value_at(p->s + p->i))
					return FAIL_UNSUPPORTED(p, p->i, "a list holds only strings");
				if (p->s[p->i] != '"')
					return failat(p, p->i, "a list holds only strings");
				if (string(p, &v) < 0)
					return -1;
				if (n == cap) {
					cap = cap ? cap * 2 : 8;
					const char **nl = own(p->c, cap * sizeof *nl);
					if (nl == NULL)
						return fail(p->err, p->errlen, "out of memory");
					if (n)
						memcpy(nl, list, n * sizeof *nl);
					list = nl;
				}
				list[n++] = v;
				ws(p);
				if (p->s[p->i] == ',') {
					p->i++;
					continue;
				}
				if (p->s[p->i] == ']') {
					p->i++;
					break;
				}
				return failat(p, p->i, "expected ',' or ']'");
			}
		}
		a->type = RSL_ATTR_LIST;
		a->list = list;
		a->len = n;
	} else {
		size_t n = json_number(p->s + p->i);
		if (n == 0 && ch == '{')
			p->invalid = 1;
		if (n == 0)
			return failat(p, p->i,
				    "expected a string, number, true, false, null or a list of strings");
		a->type = RSL_ATTR_NUMBER;
		a->n = strtod(p->s + p->i, NULL);
		p->i += n;
	}
	return 0;
}

/* One object at p->i, its members the context's. */
static int members(parser *p)
{
	const char *json = p->s;
	if (json[p->i] != '{')
		return failat(p, p->i, "expected a JSON object");
	p->i++;
	ws(p);
	if (json[p->i] == '}') {
		p->i++;
	} else {
		for (;;) {
			char *name;
			ws(p);
			if (json[p->i] != '"')
				return failat(p, p->i, "expected a key");
			size_t at = p->i;
			if (string(p, &name) < 0)
				return -1;
			if (name[0] == 0)
				return FAIL_UNSUPPORTED(p, p->i, "empty key");
			if (!attr_name_ok(name))
				return FAIL_UNSUPPORTED(p, at, "key \"%.80s\" is "
					    "not an attribute name: " ATTR_NAME_RULE, name);
			ws(p);
			if (json[p->i] != ':')
				return failat(p, p->i, "expected ':' after a key");
			p->i++;
			ws(p);
			if (member(p, name) < 0)
				return -1;
			ws(p);
			if (json[p->i] == ',') {
				p->i++;
				continue;
			}
			if (json[p->i] == '}') {
				p->i++;
				break;
			}
			return failat(p, p->i, "expected ',' or '}'");
		}
	}
	return 0;
}

/* Nothing but white space after the text. */
static int end(parser *p)
{
	ws(p);
	if (p->s[p->i])
		return failat(p, p->i, "text after the object");
	return 0;
}

/* The whole text: one JSON object and nothing after it. */
static int object(parser *p)
{
	ws(p);
	if (members(p) < 0)
		return -1;
	return end(p);
}

/* {"context": OBJECT} (or null, or nothing: the empty context). */
static int envelope(parser *p)
{
	ws(p);
	if (p->s[p->i] == 0)
		return 0;
	if (p->s[p->i] != '{')
		return failat(p, p->i, "expected a JSON object");
	p->i++;
	ws(p);
	if (p->s[p->i] == '}') {
		p->i++;
		return end(p);
	}
	for (;;) {
		char *name;
		size_t at = p->i;
		if (p->s[p->i] != '"')
			return failat(p, p->i, "expected a key");
		if (string(p, &name) < 0)
			return -1;
		if (strcmp(name, "context") != 0)
			return FAIL_UNSUPPORTED(p, at, "unknown member \"%.80s\": a request "
						"holds only \"context\"", name);
		ws(p);
		if (p->s[p->i] != ':')
			return failat(p, p->i, "expected ':' after a key");
		p->i++;
		ws(p);
		if (strncmp(p->s + p->i, "null", 4) == 0)
			p->i += 4;
		else if (p->s[p->i] != '{' && json_value_at(p->s + p->i))
			return FAIL_UNSUPPORTED(p, p->i, "\"context\" must be an object");
		else if (members(p) < 0)
			return -1;
		ws(p);
		if (p->s[p->i] == ',') {
			p->i++;
			ws(p);
			continue;
		}
		if (p->s[p->i] != '}')
			return failat(p, p->i, "expected ',' or '}'");
		p->i++;
		return end(p);
	}
}

/* Puts the offset of the problem before the message. */
static void place(size_t where, char *err, size_t errlen)
{
	if (where) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", err);
		fail(err, errlen, "at offset %zu: %s", where - 1, msg);
	}
}

int rsc_ctx_add_json(rsc_ctx *c, const char *json, char *err, size_t errlen)
{
	size_t where;
	if (rsc_ctx_add_json_at(c, json, &where, err, errlen) == 0)
		return 0;
	place(where, err, errlen);
	return -1;
}

int rsc_ctx_add_ofrep(rsc_ctx *c, const char *body, char *err, size_t errlen)
{
	parser p = { body, 0, c, err, errlen, 0, 1, 0 };
	if (envelope(&p) == 0)
		return 0;
	place(p.where, err, errlen);
	return p.invalid ? RSC_CTX_EINVALID : RSC_CTX_EPARSE;
}

int rsc_ctx_add_json_at(rsc_ctx *c, const char *json, size_t *where, char *err,
			size_t errlen)
{
	parser p = { json, 0, c, err, errlen, 0, 0, 0 };
	int rc = object(&p);
	*where = p.where;
	return rc;
}

int rsc_ctx_add_pair(rsc_ctx *c, const char *pair, char *err, size_t errlen)
{
	const char *eq = strchr(pair, '=');
	if (eq == NULL || eq == pair)
		return fail(err, errlen, "'%s' is not NAME=VALUE", pair);
	size_t nlen = (size_t)(eq - pair);
	char *name = own(c, nlen + 1);
	if (name == NULL)
		return fail(err, errlen, "out of memory");
	memcpy(name, pair, nlen);
	name[nlen] = 0;
	if (!attr_name_ok(name))
		return fail(err, errlen, "'%.80s' in '%.120s' is not an attribute name: "
			    ATTR_NAME_RULE, name, pair);
	const char *v = eq + 1;
	const char **field = special(c, name);
	if (field) {
		*field = v;
		return 0;
	}
	rsl_attr *a = new_attr(c, name);
	if (a == NULL)
		return fail(err, errlen, "out of memory");
	size_t n = json_number(v);
	if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0) {
		a->type = RSL_ATTR_BOOL;
		a->b = v[0] == 't';
	} else if (n > 0 && v[n] == 0) {
		a->type = RSL_ATTR_NUMBER;
		a->n = strtod(v, NULL);
	} else {
		a->type = RSL_ATTR_STRING;
		a->s = v;
	}
	return 0;
}

int rsc_ctx_add_attr(rsc_ctx *c, const rsl_attr *v, char *err, size_t errlen)
{
	if (!attr_name_ok(v->name))
		return fail(err, errlen, "'%.80s' is not an attribute name: " ATTR_NAME_RULE,
			    v->name);
	const char **field = special(c, v->name);
	if (field) {
		if (v->type != RSL_ATTR_STRING)
			return fail(err, errlen, "\"%s\" must be a string", v->name);
		*field = v->s;
		return 0;
	}
	rsl_attr *a = new_attr(c, v->name);
	if (a == NULL)
		return fail(err, errlen, "out of memory");
	*a = *v;
	return 0;
}

void rsc_ctx_finish(rsc_ctx *c)
{
	c->ctx.attrs = c->attrs;
	c->ctx.nattrs = c->nattrs;
}

void rsc_ctx_free(rsc_ctx *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->owned);
	free(c->attrs);
	memset(c, 0, sizeof *c);
}
