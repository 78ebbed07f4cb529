/*
 * addon.c - the native half of the Node.js binding: an rsl_client per
 * Client, its calls, and its events carried to the JavaScript thread by a
 * napi_threadsafe_function.  lib/index.js is the API; this file only moves
 * values between JavaScript and librsl.
 *
 * Handles: open() returns the client's functions (bool, text, detail, ...),
 * each made with the node_client as its data, so a call finds its client
 * without a lookup and no JavaScript value can pass for one.  The
 * node_client owns its rsl_client and its keyring (which must outlive it).
 * close(), or the collection of the last of its functions, frees the
 * client first, which joins its watching thread, then releases the
 * thread-safe function: no event can be emitted after.
 * Strings are copied out of librsl while the snapshot is held (or by
 * rsl_client_detail), never kept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

/* Throws on a failed N-API call and returns NULL from the calling function. */
#define CHECK(call) \
	do { \
		if ((call) != napi_ok) \
			return pending(env); \
	} while (0)

static napi_value pending(napi_env env)
{
	bool is;
	if (napi_is_exception_pending(env, &is) == napi_ok && !is) {
		const napi_extended_error_info *e = NULL;
		napi_get_last_error_info(env, &e);
		napi_throw_error(env, NULL, e && e->error_message ? e->error_message
								 : "N-API call failed");
	}
	return NULL;
}

typedef struct node_client {
	rsl_client *c;         /* NULL once closed */
	rsl_keyring *keys;
	napi_threadsafe_function tsfn; /* NULL without an event callback */
	unsigned refs;         /* the client's functions not yet collected */
} node_client;

/* ------------------------------------------------------------- events */

/* One event, copied out of librsl's callback for the JavaScript thread. */
typedef struct node_event {
	int code;
	uint64_t version;
	char *name, *message, *path, *commit, *flag_key, *error_type;
} node_event;

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void event_free(node_event *e)
{
	if (e == NULL)
		return;
	free(e->name);
	free(e->message);
	free(e->path);
	free(e->commit);
	free(e->flag_key);
	free(e->error_type);
	free(e);
}

/* librsl's callback, on whichever thread: queue a copy (never blocks). */
static void on_event(const rsl_client_event *ev, void *user)
{
	napi_threadsafe_function tsfn = user;
	node_event *e = calloc(1, sizeof *e);
	if (e == NULL)
		return;
	e->code = ev->code;
	e->version = ev->version;
	e->name = dup_or_null(ev->name);
	e->message = dup_or_null(ev->message);
	e->path = dup_or_null(ev->path);
	e->commit = dup_or_null(ev->commit);
	e->flag_key = dup_or_null(ev->flag_key);
	e->error_type = dup_or_null(ev->error_type);
	if (napi_call_threadsafe_function(tsfn, e, napi_tsfn_nonblocking) != napi_ok)
		event_free(e);
}

static napi_status set_str(napi_env env, napi_value obj, const char *k, const char *s)
{
	napi_value v;
	napi_status st = s ? napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v)
			   : napi_get_null(env, &v);
	return st != napi_ok ? st : napi_set_named_property(env, obj, k, v);
}

static napi_status set_num(napi_env env, napi_value obj, const char *k, double d)
{
	napi_value v;
	napi_status st = napi_create_double(env, d, &v);
	return st != napi_ok ? st : napi_set_named_property(env, obj, k, v);
}

static napi_status set_bool(napi_env env, napi_value obj, const char *k, int b)
{
	napi_value v;
	napi_status st = napi_get_boolean(env, b != 0, &v);
	return st != napi_ok ? st : napi_set_named_property(env, obj, k, v);
}

/* On the JavaScript thread: the event as an object, to the callback. */
static void call_js(napi_env env, napi_value cb, void *context, void *data)
{
	node_event *e = data;
	(void)context;
	napi_value obj, undef;
	if (env && cb && napi_create_object(env, &obj) == napi_ok &&
	    set_str(env, obj, "name", e->name) == napi_ok &&
	    set_num(env, obj, "code", e->code) == napi_ok &&
	    set_str(env, obj, "codeName", e->code ? rsl_strerror(e->code) : NULL) == napi_ok &&
	    set_str(env, obj, "message", e->message) == napi_ok &&
	    set_str(env, obj, "path", e->path) == napi_ok &&
	    set_num(env, obj, "version", (double)e->version) == napi_ok &&
	    set_str(env, obj, "commit", e->commit) == napi_ok &&
	    set_str(env, obj, "flagKey", e->flag_key) == napi_ok &&
	    set_str(env, obj, "errorType", e->error_type) == napi_ok &&
	    napi_get_undefined(env, &undef) == napi_ok)
		napi_call_function(env, undef, cb, 1, &obj, NULL);
	event_free(e);
}

/* ------------------------------------------------------------- the client */

static void client_close(node_client *n)
{
	rsl_client_free(n->c); /* joins the watching thread: no event after it */
	n->c = NULL;
	rsl_keyring_free(n->keys);
	n->keys = NULL;
	if (n->tsfn) {
		napi_release_threadsafe_function(n->tsfn, napi_tsfn_release);
		n->tsfn = NULL;
	}
}

/* One of the client's functions was collected: the last frees it. */
static void client_fn_finalize(napi_env env, void *data, void *hint)
{
	node_client *n = data;
	(void)env;
	(void)hint;
	if (--n->refs == 0) {
		client_close(n);
		free(n);
	}
}

static napi_value js_close(napi_env env, napi_callback_info info);
static napi_value js_bool(napi_env env, napi_callback_info info);
static napi_value js_num(napi_env env, napi_callback_info info);
static napi_value js_text(napi_env env, napi_callback_info info);
static napi_value js_detail(napi_env env, napi_callback_info info);
static napi_value js_explain(napi_env env, napi_callback_info info);
static napi_value js_flags(napi_env env, napi_callback_info info);
static napi_value js_status(napi_env env, napi_callback_info info);
static napi_value js_refresh(napi_env env, napi_callback_info info);

/* The object of n's functions, each holding a reference to n. */
static napi_status client_functions(napi_value *out, napi_env env, node_client *n)
{
	static const struct {
		const char *name;
		napi_callback fn;
	} fns[] = {
		{ "close", js_close },     { "bool", js_bool },   { "num", js_num },
		{ "text", js_text },       { "detail", js_detail }, { "explain", js_explain },
		{ "flags", js_flags },     { "status", js_status }, { "refresh", js_refresh },
	};
	napi_value f;
	napi_status st = napi_create_object(env, out);
	for (size_t i = 0; st == napi_ok && i < sizeof fns / sizeof fns[0]; i++) {
		if ((st = napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, n,
					       &f)) != napi_ok ||
		    (st = napi_add_finalizer(env, f, n, client_fn_finalize, NULL, NULL)) != napi_ok)
			break;
		n->refs++;
		st = napi_set_named_property(env, *out, fns[i].name, f);
	}
	return st;
}

static napi_value throw_rsl(napi_env env, int code, const char *msg)
{
	napi_value err, m, c;
	if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m) == napi_ok &&
	    napi_create_string_utf8(env, rsl_strerror(code), NAPI_AUTO_LENGTH, &c) == napi_ok &&
	    napi_create_error(env, c, m, &err) == napi_ok)
		napi_throw(env, err);
	return NULL;
}

/* A JavaScript string into a malloc'd copy *out. */
static napi_status dup_str(char **out, napi_env env, napi_value v)
{
	size_t len;
	napi_status st;
	*out = NULL;
	if ((st = napi_get_value_string_utf8(env, v, NULL, 0, &len)) != napi_ok)
		return st;
	if ((*out = malloc(len + 1)) == NULL)
		return napi_generic_failure;
	return napi_get_value_string_utf8(env, v, *out, len + 1, &len);
}

/* A string option (NULL when undefined or null) into a malloc'd copy. */
static napi_status opt_str(char **out, napi_env env, napi_value opts, const char *k)
{
	napi_value v;
	napi_valuetype t;
	napi_status st;
	*out = NULL;
	if ((st = napi_get_named_property(env, opts, k, &v)) != napi_ok ||
	    (st = napi_typeof(env, v, &t)) != napi_ok || t == napi_undefined || t == napi_null)
		return st;
	return dup_str(out, env, v);
}

/* Adds each PEM text of opts.keys, and each file of opts.keyFiles. */
static int add_keys(rsl_keyring *kr, napi_env env, napi_value opts, rsl_error *err,
		    napi_status *st)
{
	static const char *const names[2] = { "keys", "keyFiles" };
	for (int k = 0; k < 2; k++) {
		napi_value arr, v;
		uint32_t n = 0;
		bool is;
		if ((*st = napi_get_named_property(env, opts, names[k], &arr)) != napi_ok ||
		    (*st = napi_is_array(env, arr, &is)) != napi_ok)
			return RSL_EINVAL;
		if (is && (*st = napi_get_array_length(env, arr, &n)) != napi_ok)
			return RSL_EINVAL;
		for (uint32_t i = 0; i < n; i++) {
			char *s = NULL;
			if ((*st = napi_get_element(env, arr, i, &v)) != napi_ok ||
			    (*st = dup_str(&s, env, v)) != napi_ok) {
				free(s);
				return RSL_EINVAL;
			}
			int rc = k == 0 ? rsl_keyring_add_pem(kr, s, strlen(s), err)
					: rsl_keyring_add_pem_file(kr, s, err);
			free(s);
			if (rc < 0)
				return rc;
		}
	}
	return RSL_OK;
}

/* open(path, {keys, keyFiles, environment, backupPath, pollIntervalMs,
 * flags, onEvent}) -> handle.  Throws an Error whose code is the RSL_E*
 * name when librsl refuses the options. */
static napi_value js_open(napi_env env, napi_callback_info info)
{
	size_t argc = 2;
	napi_value argv[2], h, cb, name;
	napi_valuetype t;
	char *path = NULL, *environment = NULL, *backup = NULL;
	uint32_t poll = 0, flags = 0;
	rsl_error err = { 0, "" };
	napi_status st;
	int rc = RSL_OK;
	node_client *n = NULL;
	CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
	if ((st = opt_str(&environment, env, argv[1], "environment")) != napi_ok ||
	    (st = opt_str(&backup, env, argv[1], "backupPath")) != napi_ok)
		goto out;
	if ((st = dup_str(&path, env, argv[0])) != napi_ok)
		goto out;
	napi_value v;
	if ((st = napi_get_named_property(env, argv[1], "pollIntervalMs", &v)) != napi_ok ||
	    (napi_get_value_uint32(env, v, &poll), 0) ||
	    (st = napi_get_named_property(env, argv[1], "flags", &v)) != napi_ok ||
	    (napi_get_value_uint32(env, v, &flags), 0) ||
	    (st = napi_get_named_property(env, argv[1], "onEvent", &cb)) != napi_ok ||
	    (st = napi_typeof(env, cb, &t)) != napi_ok)
		goto out;
	if ((n = calloc(1, sizeof *n)) == NULL) {
		rc = RSL_ENOMEM;
		goto out;
	}
	if ((rc = rsl_keyring_new(&n->keys)) < 0 ||
	    (rc = add_keys(n->keys, env, argv[1], &err, &st)) < 0)
		goto out;
	if (t == napi_function) {
		if ((st = napi_create_string_utf8(env, "rulestead events", NAPI_AUTO_LENGTH,
						  &name)) != napi_ok ||
		    (st = napi_create_threadsafe_function(env, cb, NULL, name, 0, 1, NULL, NULL,
							  NULL, call_js, &n->tsfn)) != napi_ok)
			goto out;
		/* Events do not keep the process alive; an open client does not
		 * either (like an unref'd timer): the application decides. */
		napi_unref_threadsafe_function(env, n->tsfn);
	}
	rsl_client_options o = RSL_CLIENT_OPTIONS_INIT;
	o.keys = n->keys;
	o.environment = environment;
	o.backup_path = backup;
	o.poll_interval_ms = poll;
	o.flags = flags;
	o.on_event = n->tsfn ? on_event : NULL;
	o.event_user = n->tsfn;
	if ((rc = rsl_client_new(&n->c, path, &o, &err)) < 0)
		goto out;
	if ((st = client_functions(&h, env, n)) != napi_ok) {
		if (n->refs)
			n = NULL; /* the functions' finalizers own it now */
		goto out;
	}
	free(path);
	free(environment);
	free(backup);
	return h;
out:
	free(path);
	free(environment);
	free(backup);
	if (n) {
		client_close(n);
		free(n);
	}
	if (st != napi_ok)
		return pending(env);
	return throw_rsl(env, rc, err.message[0] ? err.message : rsl_strerror(rc));
}

/* The client a function was made for (its data). */
static napi_status client_of(node_client **out, napi_env env, napi_callback_info info,
			     size_t *argc, napi_value *argv)
{
	return napi_get_cb_info(env, info, argc, argv, NULL, (void **)out);
}

/* close(): frees the client now (idempotent). */
static napi_value js_close(napi_env env, napi_callback_info info)
{
	size_t argc = 0;
	node_client *n;
	CHECK(client_of(&n, env, info, &argc, NULL));
	client_close(n);
	return NULL;
}

/* ---------------------------------------------------------- the calls */

/* The flag key argument into buf: a key longer than any flag's (64 bytes)
 * stays longer than 64 bytes when cut, so it never matches; a key holding
 * a NUL becomes "", which matches nothing either. */
#define KEY_BUF 256
static napi_status key_of(char buf[KEY_BUF], napi_env env, napi_value v)
{
	size_t got;
	napi_status st = napi_get_value_string_utf8(env, v, buf, KEY_BUF, &got);
	if (st == napi_string_expected) {
		buf[0] = '\0';
		return napi_ok;
	}
	if (st == napi_ok && memchr(buf, '\0', got))
		buf[0] = '\0';
	return st;
}

/* The context: a prepared one's (an external made by prepare(); *prep its
 * rsl_prepared, else NULL), or a plain value converted into tmp.  They
 * come in separate arguments, and
 * only lib/index.js fills the prepared one, from a frozen Context: so a
 * value from the application never reaches the external path, and the
 * external needs no tag check (which would cost more than the evaluation). */
static napi_status ctx_of(const rsl_context **out, const rsl_prepared **prep,
			  node_ctx *tmp, napi_env env, napi_value plain, napi_value prepared)
{
	napi_valuetype t;
	napi_status st;
	void *p;
	tmp->chunks = NULL;
	*prep = NULL;
	/* Fails at once (napi_invalid_arg) for undefined: one call either way. */
	if (napi_get_value_external(env, prepared, &p) == napi_ok) {
		node_prepared *np = p;
		*out = &np->ctx;
		*prep = &np->prep;
		return napi_ok;
	}
	if ((st = napi_typeof(env, plain, &t)) != napi_ok)
		return st;
	if (t == napi_undefined || t == napi_null) {
		*out = NULL;
		return napi_ok;
	}
	*out = &tmp->ctx;
	return node_ctx_from_js(tmp, env, plain);
}

/* The arguments every evaluation takes: (key, context, fallback, extra,
 * prepared context), and an array to fill for detail. */
typedef struct call {
	node_client *n;
	char key[KEY_BUF];
	const rsl_context *ctx;
	const rsl_prepared *prep; /* ctx prepared (a Context), or NULL */
	node_ctx tmp;
	napi_value fallback;
	napi_value extra;
	napi_value out;
} call;

static napi_status args(call *a, napi_env env, napi_callback_info info)
{
	size_t argc = 6;
	napi_value argv[6];
	napi_status st = client_of(&a->n, env, info, &argc, argv);
	a->tmp.chunks = NULL;
	if (st != napi_ok || (st = key_of(a->key, env, argv[0])) != napi_ok ||
	    (st = ctx_of(&a->ctx, &a->prep, &a->tmp, env, argv[1], argv[4])) != napi_ok)
		return st;
	a->fallback = argv[2];
	a->extra = argv[3];
	a->out = argv[5];
	return napi_ok;
}

/* bool(handle, key, ctx, fallback) -> the flag's boolean, or fallback. */
static napi_value js_bool(napi_env env, napi_callback_info info)
{
	call a;
	bool fb;
	napi_value r = NULL;
	if (args(&a, env, info) != napi_ok)
		goto out;
	if (napi_get_value_bool(env, a.fallback, &fb) == napi_ok) {
		/* The typed path: librsl serves the fallback itself. */
		int b = a.prep ? rsl_client_prepared_bool(a.n->c, a.key, a.prep, fb)
			       : rsl_client_bool(a.n->c, a.key, a.ctx, fb);
		napi_get_boolean(env, b, &r);
	} else {
		rsl_result res;
		rsl_client_evaluate(&res, a.n->c, a.key, RSL_BOOLEAN, a.ctx, NULL);
		if (res.variant)
			napi_get_boolean(env, res.value.b, &r);
		else
			r = a.fallback;
	}
out:
	node_ctx_free(&a.tmp);
	return r;
}

/* num(handle, key, ctx, fallback) -> an integer or float flag's value (an
 * integer past 2^53 rounded to the nearest double), or fallback. */
static napi_value js_num(napi_env env, napi_callback_info info)
{
	call a;
	napi_value r = NULL;
	if (args(&a, env, info) != napi_ok)
		goto out;
	rsl_result res;
	rsl_client_evaluate(&res, a.n->c, a.key, RSL_ANY, a.ctx, NULL);
	if (res.variant && res.value.type == RSL_INTEGER)
		napi_create_double(env, (double)res.value.i, &r);
	else if (res.variant && res.value.type == RSL_FLOAT)
		napi_create_double(env, res.value.f, &r);
	else
		r = a.fallback;
out:
	node_ctx_free(&a.tmp);
	return r;
}

/* text(handle, key, ctx, fallback, type) -> a string flag's value, or an
 * object flag's JSON text (lib/index.js parses it), or fallback as given. */
static napi_value js_text(napi_env env, napi_callback_info info)
{
	call a;
	uint32_t type = RSL_STRING;
	napi_value r = NULL;
	if (args(&a, env, info) != napi_ok)
		goto out;
	napi_get_value_uint32(env, a.extra, &type);
	rsl_result res;
	/* Held while the string is made: it lives in the snapshot. */
	rsl_client_hold(a.n->c);
	rsl_client_evaluate(&res, a.n->c, a.key, type == RSL_OBJECT ? RSL_OBJECT : RSL_STRING,
			    a.ctx, NULL);
	if (res.variant)
		napi_create_string_utf8(env, res.value.s, res.value.len, &r);
	else
		r = a.fallback;
	rsl_client_release(a.n->c);
out:
	node_ctx_free(&a.tmp);
	return r;
}

static const rsl_type TYPES[] = { RSL_BOOLEAN, RSL_STRING, RSL_INTEGER, RSL_FLOAT,
				  RSL_OBJECT };

/* The value of a detail as JavaScript (objects as JSON text). */
static napi_status detail_value(napi_value *out, napi_env env, const rsl_detail *d)
{
	switch (d->value.type) {
	case RSL_BOOLEAN:
		return napi_get_boolean(env, d->value.b, out);
	case RSL_INTEGER:
		return napi_create_double(env, (double)d->value.i, out);
	case RSL_FLOAT:
		return napi_create_double(env, d->value.f, out);
	default:
		return napi_create_string_utf8(env, d->value.s ? d->value.s : "",
					       d->value.len, out);
	}
}

/* Sets out[i] to a string, or null. */
static napi_status put_str(napi_env env, napi_value out, uint32_t i, const char *s)
{
	napi_value v;
	napi_status st = s ? napi_create_string_utf8(env, s, NAPI_AUTO_LENGTH, &v)
			   : napi_get_null(env, &v);
	return st != napi_ok ? st : napi_set_element(env, out, i, v);
}

static napi_status put_num(napi_env env, napi_value out, uint32_t i, double d)
{
	napi_value v;
	napi_status st = napi_create_double(env, d, &v);
	return st != napi_ok ? st : napi_set_element(env, out, i, v);
}

/* detail(key, ctx, fallback, type, prepared, out): type is a number
 * (rsl_type) or -1 for any.  Fills out with [value (the fallback as given
 * when none was served; an object flag's as JSON text), type (rsl_type, -1
 * for none), variant, reason (rsl_reason), error (rsl_error_code), rule,
 * ruleIndex, file, line, bucket (-1 for none), environment, version,
 * commit]: numbers where lib/index.js maps them to names, as filling an
 * array is much cheaper than naming an object's properties from C. */
static napi_value js_detail(napi_env env, napi_callback_info info)
{
	call a;
	int32_t type = -1;
	napi_value v;
	rsl_detail d;
	int have = 0;
	if (args(&a, env, info) != napi_ok)
		goto out;
	napi_get_value_int32(env, a.extra, &type);
	rsl_type want = type >= 0 && type <= 4 ? TYPES[type] : RSL_ANY;
	if (rsl_client_detail(&d, a.n->c, a.key, want, a.ctx, NULL) == RSL_ENOMEM) {
		napi_throw_error(env, "RSL_ENOMEM", "out of memory");
		goto out;
	}
	have = 1;
	if (d.variant) {
		if (detail_value(&v, env, &d) != napi_ok)
			goto fail;
	} else {
		v = a.fallback;
	}
	if (napi_set_element(env, a.out, 0, v) != napi_ok ||
	    put_num(env, a.out, 1, d.variant ? (double)d.value.type : -1) != napi_ok ||
	    put_str(env, a.out, 2, d.variant) != napi_ok ||
	    put_num(env, a.out, 3, d.reason) != napi_ok ||
	    put_num(env, a.out, 4, d.error) != napi_ok ||
	    put_str(env, a.out, 5, d.rule_name) != napi_ok ||
	    put_num(env, a.out, 6, d.rule_index) != napi_ok ||
	    put_str(env, a.out, 7, d.file) != napi_ok ||
	    put_num(env, a.out, 8, d.line) != napi_ok ||
	    put_num(env, a.out, 9, d.bucket == UINT32_MAX ? -1 : (double)d.bucket) != napi_ok ||
	    put_str(env, a.out, 10, d.environment) != napi_ok ||
	    put_num(env, a.out, 11, (double)d.version) != napi_ok ||
	    put_str(env, a.out, 12, d.commit) != napi_ok)
		goto fail;
	goto out;
fail:
	pending(env);
out:
	if (have)
		rsl_detail_free(&d);
	node_ctx_free(&a.tmp);
	return NULL;
}

/* explain(handle, key, ctx, undefined, json) -> the trace (text or JSON). */
static napi_value js_explain(napi_env env, napi_callback_info info)
{
	call a;
	bool json = false;
	napi_value r = NULL;
	if (args(&a, env, info) != napi_ok)
		goto out;
	napi_get_value_bool(env, a.extra, &json);
	char *buf = malloc(RSL_EXPLAIN_MAX + 1);
	if (buf == NULL) {
		napi_throw_error(env, "RSL_ENOMEM", "out of memory");
		goto out;
	}
	size_t n = rsl_client_explain(buf, RSL_EXPLAIN_MAX + 1, a.n->c, a.key, a.ctx,
				      json ? RSL_EXPLAIN_JSON : RSL_EXPLAIN_TEXT);
	if (n > RSL_EXPLAIN_MAX)
		n = RSL_EXPLAIN_MAX;
	if (napi_create_string_utf8(env, buf, n, &r) != napi_ok)
		r = pending(env);
	free(buf);
out:
	node_ctx_free(&a.tmp);
	return r;
}

/* flags(handle) -> {version, environment, flags: [{key, type, variants,
 * offVariant, defaultVariant, configured, enabled, rules, file, line}]}. */
static napi_value js_flags(napi_env env, napi_callback_info info)
{
	size_t argc = 0;
	napi_value r, arr, o;
	node_client *n;
	rsl_flag_list *l = NULL;
	CHECK(client_of(&n, env, info, &argc, NULL));
	if (rsl_client_flags(&l, n->c) < 0) {
		napi_throw_error(env, "RSL_ENOMEM", "out of memory");
		return NULL;
	}
	if (napi_create_object(env, &r) != napi_ok ||
	    set_num(env, r, "version", (double)l->version) != napi_ok ||
	    set_str(env, r, "environment", l->environment) != napi_ok ||
	    napi_create_array_with_length(env, l->count, &arr) != napi_ok ||
	    napi_set_named_property(env, r, "flags", arr) != napi_ok)
		goto fail;
	for (size_t i = 0; i < l->count; i++) {
		const rsl_flag_desc *f = &l->flags[i];
		if (napi_create_object(env, &o) != napi_ok ||
		    set_str(env, o, "key", f->key) != napi_ok ||
		    set_str(env, o, "type", rsl_type_name(f->type)) != napi_ok ||
		    set_num(env, o, "variants", (double)f->variant_count) != napi_ok ||
		    set_str(env, o, "offVariant", f->off_variant) != napi_ok ||
		    set_str(env, o, "defaultVariant", f->default_variant) != napi_ok ||
		    set_bool(env, o, "configured", f->configured) != napi_ok ||
		    set_bool(env, o, "enabled", f->enabled) != napi_ok ||
		    set_num(env, o, "rules", (double)f->rule_count) != napi_ok ||
		    set_str(env, o, "file", f->file) != napi_ok ||
		    set_num(env, o, "line", f->line) != napi_ok ||
		    napi_set_element(env, arr, (uint32_t)i, o) != napi_ok)
			goto fail;
	}
	rsl_flag_list_free(l);
	return r;
fail:
	rsl_flag_list_free(l);
	return pending(env);
}

/* status(handle) -> rsl_client_status as an object. */
static napi_value js_status(napi_env env, napi_callback_info info)
{
	size_t argc = 0;
	napi_value r;
	node_client *n;
	rsl_client_status s;
	CHECK(client_of(&n, env, info, &argc, NULL));
	rsl_client_status_get(&s, n->c);
	if (napi_create_object(env, &r) != napi_ok ||
	    set_bool(env, r, "ready", s.ready) != napi_ok ||
	    set_bool(env, r, "stale", s.stale) != napi_ok ||
	    set_bool(env, r, "failingClosed", s.failing_closed) != napi_ok ||
	    set_bool(env, r, "rollbackOverride", s.rollback_override) != napi_ok ||
	    set_bool(env, r, "fromBackup", s.from_backup) != napi_ok ||
	    set_bool(env, r, "closed", n->c == NULL) != napi_ok ||
	    set_str(env, r, "watch", s.watch) != napi_ok ||
	    set_num(env, r, "version", (double)s.version) != napi_ok ||
	    set_str(env, r, "environment", s.environment) != napi_ok ||
	    set_str(env, r, "commit", s.commit) != napi_ok ||
	    set_str(env, r, "keyId", s.key_id) != napi_ok ||
	    set_num(env, r, "flagCount", (double)s.flag_count) != napi_ok ||
	    set_num(env, r, "issuedAt", (double)s.issued_at) != napi_ok ||
	    set_num(env, r, "expiresAt", (double)s.expires_at) != napi_ok ||
	    set_num(env, r, "loadedAt", (double)s.loaded_at) != napi_ok ||
	    set_num(env, r, "age", (double)s.age) != napi_ok ||
	    set_str(env, r, "contentHash", s.content_hash) != napi_ok ||
	    set_str(env, r, "lastOutcome", s.last_outcome) != napi_ok ||
	    set_str(env, r, "lastCode", s.last_code ? rsl_strerror(s.last_code) : NULL) != napi_ok ||
	    set_str(env, r, "lastError", s.last_error) != napi_ok ||
	    set_num(env, r, "lastRefreshAt", (double)s.last_refresh_at) != napi_ok ||
	    set_num(env, r, "evaluations", (double)s.evaluations) != napi_ok ||
	    set_num(env, r, "misses", (double)s.misses) != napi_ok ||
	    set_num(env, r, "errors", (double)s.errors) != napi_ok ||
	    set_num(env, r, "reloadsAccepted", (double)s.reloads_accepted) != napi_ok ||
	    set_num(env, r, "reloadsRefused", (double)s.reloads_refused) != napi_ok ||
	    set_num(env, r, "snapshotsRetiring", (double)s.snapshots_retiring) != napi_ok)
		return pending(env);
	return r;
}

/* refresh(handle) -> undefined, or throws the refusal (Error, code RSL_E*). */
static napi_value js_refresh(napi_env env, napi_callback_info info)
{
	size_t argc = 0;
	node_client *n;
	rsl_error err = { 0, "" };
	CHECK(client_of(&n, env, info, &argc, NULL));
	if (n->c == NULL)
		return throw_rsl(env, RSL_EINVAL, "the client is closed");
	int rc = rsl_client_refresh(n->c, &err);
	if (rc < 0)
		return throw_rsl(env, rc, err.message[0] ? err.message : rsl_strerror(rc));
	return NULL;
}

/* --------------------------------------------------- prepared contexts */

static void context_finalize(napi_env env, void *data, void *hint)
{
	(void)env;
	(void)hint;
	free(data);
}

/* prepare(obj) -> a context converted once, for many evaluations. */
static napi_value js_prepare(napi_env env, napi_callback_info info)
{
	size_t argc = 1;
	napi_value v, h = NULL;
	node_ctx tmp;
	CHECK(napi_get_cb_info(env, info, &argc, &v, NULL, NULL));
	if (node_ctx_from_js(&tmp, env, v) != napi_ok) {
		pending(env);
		goto out;
	}
	node_prepared *c = node_ctx_compact(&tmp.ctx);
	if (c == NULL) {
		napi_throw_error(env, "RSL_ENOMEM", "out of memory");
		goto out;
	}
	if (napi_create_external(env, c, context_finalize, NULL, &h) != napi_ok) {
		free(c);
		h = pending(env);
	}
out:
	node_ctx_free(&tmp);
	return h;
}

/* -------------------------------------------------------------- module */

static napi_value init(napi_env env, napi_value exports)
{
	napi_value f;
	CHECK(napi_create_function(env, "open", NAPI_AUTO_LENGTH, js_open, NULL, &f));
	CHECK(napi_set_named_property(env, exports, "open", f));
	CHECK(napi_create_function(env, "prepare", NAPI_AUTO_LENGTH, js_prepare, NULL, &f));
	CHECK(napi_set_named_property(env, exports, "prepare", f));
	CHECK(set_str(env, exports, "version", RSL_VERSION_STRING));
	CHECK(set_num(env, exports, "NO_THREAD", RSL_CLIENT_NO_THREAD));
	CHECK(set_num(env, exports, "POLL_ONLY", RSL_CLIENT_POLL_ONLY));
	CHECK(set_num(env, exports, "FAIL_CLOSED", RSL_CLIENT_FAIL_CLOSED));
	CHECK(set_num(env, exports, "ALLOW_ROLLBACK", RSL_CLIENT_ALLOW_ROLLBACK));
	return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
