/*
 * ctxjson.h - building an evaluation context (rsl_context) for the rsc
 * commands that evaluate: from a flat JSON object (--context) and from
 * ATTR=VALUE arguments.  The context owns what it points to.
 */
#ifndef RSC_CTXJSON_H
#define RSC_CTXJSON_H

#include <stddef.h>

#include "../loader/rsl.h"

typedef struct rsc_ctx {
	rsl_context ctx;   /* attrs points into attrs below */
	rsl_attr *attrs;
	size_t nattrs, cap;
	void **owned;      /* every allocation, freed by rsc_ctx_free */
	size_t nowned, owned_cap;
} rsc_ctx;

#define RSC_CTX_INIT { { NULL, NULL, NULL, NULL, NULL, NULL, 0, 0, 0 }, NULL, 0, 0, NULL, 0, 0 }

/*
 * Adds the members of a JSON object: strings, numbers, true/false and
 * arrays of strings become attributes (null is skipped); the keys
 * targeting_key, tenant_key, environment, request_id and session_id (strings)
 * fill the context's fields of those names.  Returns 0, or -1 with a
 * message ("at offset 12: expected ':' after a key") in err.
 */
int rsc_ctx_add_json(rsc_ctx *c, const char *json, char *err, size_t errlen);

/* The same, for a caller that places the problem itself (a file's
 * line:col): err holds the message alone and *where is 1 + the byte offset
 * in json where the problem is, or 0 when it has no place (out of memory). */
int rsc_ctx_add_json_at(rsc_ctx *c, const char *json, size_t *where, char *err,
			size_t errlen);

/*
 * An OpenFeature Remote Evaluation Protocol request body: {"context":
 * OBJECT}, the object read as rsc_ctx_add_json reads one, except that
 * OpenFeature's targetingKey fills targeting_key; an empty body, {} and a
 * null context are the empty context.  Returns 0; RSC_CTX_EPARSE when
 * body is not such JSON text (OFREP's PARSE_ERROR), RSC_CTX_EINVALID when
 * it is well-formed JSON that is not a context Rulestead evaluates (a
 * nested object, a list of numbers, a key that is not an attribute name,
 * another member than context: OFREP's INVALID_CONTEXT); err then says
 * what and where ("at offset 12: ...").  body is NUL-terminated, and a
 * NUL inside it ends it.
 */
#define RSC_CTX_EPARSE (-1)
#define RSC_CTX_EINVALID (-2)
int rsc_ctx_add_ofrep(rsc_ctx *c, const char *body, char *err, size_t errlen);

/* Names of attributes (JSON keys, NAME in NAME=VALUE) must follow the
 * attribute-name syntax of docs/ruleset.md ("Keys"); others are refused with
 * a message that says so. */

/*
 * Adds one NAME=VALUE: true/false is a boolean, a JSON number is a number,
 * anything else a string; the special keys as above.  Returns 0 or -1.
 */
int rsc_ctx_add_pair(rsc_ctx *c, const char *pair, char *err, size_t errlen);

/*
 * Adds one attribute already typed (for contexts read from elsewhere, such as
 * rsc test's YAML): v->name must be an attribute name; a special key needs a
 * string (v->s).  Nothing is copied: the strings must outlive c.  Returns 0,
 * or -1 with a message in err.
 */
int rsc_ctx_add_attr(rsc_ctx *c, const rsl_attr *v, char *err, size_t errlen);

/* Points c->ctx.attrs at the attributes; call after the last add. */
void rsc_ctx_finish(rsc_ctx *c);

void rsc_ctx_free(rsc_ctx *c);

#endif
