/*
 * ofrep.c - the OFREP server on libmicrohttpd; see ofrep.h.  Every answer
 * is decided by the live client (rsl_client_detail, rsl_client_flags):
 * this file only reads requests and writes JSON.
 */
#include "ofrep.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <sodium.h>

#include "../loader/bucket.h" /* rsl__format_number: JSON numbers */
#include "agent.h"
#include "ctxjson.h"
#include "diag.h"             /* rsc_json_string */
#include "metrics.h"

#define PREFIX "/ofrep/v1/evaluate/flags"
/* A bulk evaluation retries when a reload lands in the middle of it, so
 * that one answer (and its ETag) is one snapshot's; past this, 500. */
#define BULK_ATTEMPTS 4

struct rsc_ofrep {
	struct MHD_Daemon *d;
	rsl_client *client;
	struct rsc_agent *agent;
	char *token;
	size_t max_body;
	FILE *log;
	int log_json;
	unsigned port;
	pthread_mutex_t lock; /* counts and log lines */
	rsc_ofrep_counts counts;
};

/* One request's body, gathered across the access handler's calls. */
typedef struct req {
	char *body;
	size_t len, cap;
	int too_big;
} req;

/* A JSON answer being written. */
typedef struct out {
	FILE *f;
	char *p;
	size_t n;
} jbuf;

static int out_open(jbuf *o)
{
	o->p = NULL;
	o->n = 0;
	o->f = open_memstream(&o->p, &o->n);
	return o->f ? 0 : -1;
}

/* Closes the stream: 0 with o->p holding the text, or -1 (freed). */
static int out_close(jbuf *o)
{
	int bad = ferror(o->f);
	if (fclose(o->f) != 0 || bad) {
		free(o->p);
		o->p = NULL;
		return -1;
	}
	return 0;
}

static void str(FILE *f, const char *s)
{
	rsc_json_string(f, s, strlen(s));
}

/* ------------------------------------------------------------ answering */

static enum MHD_Result send_text(rsc_ofrep *s, struct MHD_Connection *conn, unsigned status,
				 const char *type, char *body, size_t len,
				 const char *etag, const char *allow)
{
	struct MHD_Response *r = body
		? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
		: MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		free(body);
		return MHD_NO;
	}
	if (type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (etag)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ETAG, etag);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	enum MHD_Result rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	pthread_mutex_lock(&s->lock);
	if (status >= 500)
		s->counts.failed++;
	else if (status >= 400)
		s->counts.refused++;
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static enum MHD_Result send_json(rsc_ofrep *s, struct MHD_Connection *conn, unsigned status,
				 jbuf *o, const char *etag)
{
	if (out_close(o) < 0)
		return MHD_NO;
	return send_text(s, conn, status, "application/json", o->p, o->n, etag, NULL);
}

/* An error body: {"key": ..., "errorCode": ..., "errorDetails": ...}, the
 * members present when not NULL. */
static enum MHD_Result send_error(rsc_ofrep *s, struct MHD_Connection *conn, unsigned status,
				  const char *key, const char *code, const char *details)
{
	jbuf o;
	if (out_open(&o) < 0)
		return MHD_NO;
	const char *sep = "{";
	if (key) {
		fputs("{\"key\":", o.f);
		str(o.f, key);
		sep = ",";
	}
	if (code)
		fprintf(o.f, "%s\"errorCode\":\"%s\"", sep, code), sep = ",";
	fprintf(o.f, "%s\"errorDetails\":", sep);
	str(o.f, details);
	fputs("}\n", o.f);
	return send_json(s, conn, status, &o, NULL);
}

/* ----------------------------------------------------------- evaluation */

/* What an evaluation error means, for errorDetails. */
static const char *error_details(rsl_error_code e)
{
	switch (e) {
	case RSL_ERR_FLAG_NOT_FOUND:
		return "the snapshot being served has no flag of this key";
	case RSL_ERR_TARGETING_KEY_MISSING:
		return "the flag splits by a key the context does not give "
		       "(targetingKey, or the attribute its split is by)";
	case RSL_ERR_INVALID_CONTEXT:
		return "the context is past the limits of docs/ruleset.md, \"Context limits\", "
		       "or names another environment";
	case RSL_ERR_PROVIDER_NOT_READY:
		return "no snapshot is being served yet";
	default:
		return "the evaluation failed";
	}
}

/* OpenTelemetry's error.type: the OpenFeature code in lower case. */
static void error_type(char out[32], rsl_error_code e)
{
	snprintf(out, 32, "%s", rsl_error_code_name(e));
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

/* One line for an evaluation that ended in an error. */
static void log_error(rsc_ofrep *s, const char *key, const rsl_detail *d)
{
	if (s->log == NULL)
		return;
	char type[32];
	error_type(type, d->error);
	pthread_mutex_lock(&s->lock);
	if (s->log_json) {
		fputs("{\"event\":\"feature_flag.evaluation\",\"feature_flag.key\":", s->log);
		str(s->log, key);
		fprintf(s->log, ",\"error.type\":\"%s\",\"feature_flag.provider.name\":\"rulestead\"",
			type);
		if (d->environment) {
			fputs(",\"feature_flag.set.id\":", s->log);
			str(s->log, d->environment);
			fprintf(s->log, ",\"feature_flag.version\":\"%llu\"",
				(unsigned long long)d->version);
		}
		fputs("}\n", s->log);
	} else {
		fputs("ofrep: feature_flag.evaluation feature_flag.key=", s->log);
		str(s->log, key); /* quoted: a key from a URL cannot forge a line */
		fprintf(s->log, " error.type=%s", type);
		if (d->environment) {
			fputs(" feature_flag.set.id=", s->log);
			str(s->log, d->environment);
			fprintf(s->log, " feature_flag.version=%llu", (unsigned long long)d->version);
		}
		fputc('\n', s->log);
	}
	fflush(s->log);
	pthread_mutex_unlock(&s->lock);
}

static void json_value(FILE *f, const rsl_value *v)
{
	char num[RSL__NUMBUF];
	switch (v->type) {
	case RSL_BOOLEAN:
		fputs(v->b ? "true" : "false", f);
		break;
	case RSL_INTEGER:
		fprintf(f, "%lld", (long long)v->i);
		break;
	case RSL_FLOAT:
		/* The snapshot holds finite numbers only; null would be the
		 * honest answer for any other. */
		fputs(rsl__format_number(num, v->f) < 0 ? "null" : num, f);
		break;
	case RSL_OBJECT: /* the variant's JSON text, from the signed snapshot */
		fwrite(v->s, 1, v->len, f);
		break;
	default:
		rsc_json_string(f, v->s ? v->s : "", v->s ? v->len : 0);
		break;
	}
}

/* One flag's success: {"key", "value", "reason", "variant", "metadata"}. */
static void success(FILE *f, const char *key, const rsl_detail *d)
{
	fputs("{\"key\":", f);
	str(f, key);
	fputs(",\"value\":", f);
	json_value(f, &d->value);
	fprintf(f, ",\"reason\":\"%s\"", rsl_reason_name(d->reason));
	if (d->variant) {
		fputs(",\"variant\":", f);
		str(f, d->variant);
	}
	fputs(",\"metadata\":{\"feature_flag.provider.name\":\"rulestead\"", f);
	if (d->environment) {
		fputs(",\"feature_flag.set.id\":", f);
		str(f, d->environment);
		fprintf(f, ",\"feature_flag.version\":\"%llu\",\"rulestead.commit\":",
			(unsigned long long)d->version);
		str(f, d->commit ? d->commit : "");
	}
	if (d->rule_name) {
		fputs(",\"rulestead.rule\":", f);
		str(f, d->rule_name);
	}
	fputs("}}", f);
}

/* A per-flag failure of a bulk answer (evaluationFailure). */
static void failure(FILE *f, const char *key, const rsl_detail *d)
{
	fputs("{\"key\":", f);
	str(f, key);
	fprintf(f, ",\"errorCode\":\"%s\",\"errorDetails\":", rsl_error_code_name(d->error));
	str(f, error_details(d->error));
	fputc('}', f);
}

/* Reads the request's context; on failure answers 400 and returns -1
 * with *rc set.  key NULL: the bulk shape (no key in the body). */
static int read_context(rsc_ctx *c, rsc_ofrep *s, struct MHD_Connection *conn, const req *r,
			const char *key, enum MHD_Result *rc)
{
	char err[256], details[320];
	const char *code = "PARSE_ERROR";
	if (r->too_big) {
		snprintf(details, sizeof details, "the request body is over %zu bytes",
			 s->max_body);
	} else if (r->len && memchr(r->body, 0, r->len)) {
		snprintf(details, sizeof details, "the request body holds a NUL byte");
	} else {
		int k = rsc_ctx_add_ofrep(c, r->len ? r->body : "", err, sizeof err);
		if (k == 0) {
			rsc_ctx_finish(c);
			return 0;
		}
		if (k == RSC_CTX_EINVALID)
			code = "INVALID_CONTEXT";
		snprintf(details, sizeof details, "the request's context: %s", err);
	}
	*rc = send_error(s, conn, MHD_HTTP_BAD_REQUEST, key, code, details);
	return -1;
}

static enum MHD_Result single(rsc_ofrep *s, struct MHD_Connection *conn, const char *key,
			      const req *r)
{
	rsc_ctx c = RSC_CTX_INIT;
	enum MHD_Result rc;
	pthread_mutex_lock(&s->lock);
	s->counts.single++;
	pthread_mutex_unlock(&s->lock);
	if (read_context(&c, s, conn, r, key, &rc) < 0)
		goto done;
	rsl_detail d;
	rsl_client_detail(&d, s->client, key, RSL_ANY, &c.ctx, NULL);
	if (d.error != RSL_ERR_NONE)
		log_error(s, key, &d);
	switch (d.error) {
	case RSL_ERR_NONE: {
		jbuf o;
		if (out_open(&o) < 0) {
			rc = MHD_NO;
			break;
		}
		success(o.f, key, &d);
		fputc('\n', o.f);
		rc = send_json(s, conn, MHD_HTTP_OK, &o, NULL);
		break;
	}
	case RSL_ERR_FLAG_NOT_FOUND:
		rc = send_error(s, conn, MHD_HTTP_NOT_FOUND, key, "FLAG_NOT_FOUND",
				error_details(d.error));
		break;
	case RSL_ERR_TARGETING_KEY_MISSING:
	case RSL_ERR_INVALID_CONTEXT:
	case RSL_ERR_PARSE_ERROR:
		rc = send_error(s, conn, MHD_HTTP_BAD_REQUEST, key,
				rsl_error_code_name(d.error), error_details(d.error));
		break;
	default:
		rc = send_error(s, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, key,
				rsl_error_code_name(d.error), error_details(d.error));
		break;
	}
	rsl_detail_free(&d);
done:
	rsc_ctx_free(&c);
	return rc;
}

/* The bulk ETag: BLAKE2b-128 of the snapshot's version and content digest
 * and of the request body, since the answer is the flags evaluated for
 * that context; as a quoted string. */
static void bulk_etag(char out[36], const rsl_client_status *st, const req *r)
{
	crypto_generichash_state h;
	unsigned char md[16];
	char ver[24];
	int n = snprintf(ver, sizeof ver, "%llu", (unsigned long long)st->version);
	crypto_generichash_init(&h, NULL, 0, sizeof md);
	crypto_generichash_update(&h, (const unsigned char *)ver, (size_t)n + 1);
	crypto_generichash_update(&h, (const unsigned char *)st->content_hash,
				  strlen(st->content_hash) + 1);
	if (r->len)
		crypto_generichash_update(&h, (const unsigned char *)r->body, r->len);
	crypto_generichash_final(&h, md, sizeof md);
	out[0] = '"';
	sodium_bin2hex(out + 1, 33, md, sizeof md);
	out[33] = '"';
	out[34] = 0;
}

/* Whether If-None-Match (a list of entity tags, or *) names etag; a weak
 * tag (W/"...") matches too, as RFC 9110 says for If-None-Match. */
static int etag_matches(const char *inm, const char *etag)
{
	size_t n = strlen(etag);
	const char *p = inm;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == 0)
			return 0;
		if (*p == '*')
			return 1;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		if (strncmp(p, etag, n) == 0 && (p[n] == 0 || p[n] == ',' || p[n] == ' ' ||
						 p[n] == '\t'))
			return 1;
		while (*p && *p != ',')
			p++;
	}
}

/* Writes every flag of list evaluated for ctx; 1 when a reload happened
 * meanwhile (the answer would mix two snapshots), 0 when done. */
static int bulk_flags(FILE *f, rsc_ofrep *s, const rsl_flag_list *list, const rsl_context *ctx)
{
	fputs("{\"flags\":[", f);
	for (size_t i = 0; i < list->count; i++) {
		rsl_detail d;
		const char *key = list->flags[i].key;
		rsl_client_detail(&d, s->client, key, RSL_ANY, ctx, NULL);
		if (d.version != list->version) {
			rsl_detail_free(&d);
			return 1;
		}
		if (i)
			fputc(',', f);
		if (d.error == RSL_ERR_NONE) {
			success(f, key, &d);
		} else {
			log_error(s, key, &d);
			failure(f, key, &d);
		}
		rsl_detail_free(&d);
	}
	fputs("]}\n", f);
	return 0;
}

static enum MHD_Result bulk(rsc_ofrep *s, struct MHD_Connection *conn, const req *r)
{
	rsc_ctx c = RSC_CTX_INIT;
	enum MHD_Result rc;
	pthread_mutex_lock(&s->lock);
	s->counts.bulk++;
	pthread_mutex_unlock(&s->lock);
	if (read_context(&c, s, conn, r, NULL, &rc) < 0)
		goto done;
	const char *inm = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						      MHD_HTTP_HEADER_IF_NONE_MATCH);
	for (int attempt = 0; attempt < BULK_ATTEMPTS; attempt++) {
		rsl_flag_list *list = NULL;
		rsl_client_status st;
		if (rsl_client_flags(&list, s->client) != RSL_OK) {
			rc = send_error(s, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "GENERAL",
					"out of memory");
			goto done;
		}
		if (list->version == 0) {
			rsl_flag_list_free(list);
			rc = send_error(s, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL,
					"PROVIDER_NOT_READY", error_details(RSL_ERR_PROVIDER_NOT_READY));
			goto done;
		}
		rsl_client_status_get(&st, s->client);
		if (st.version != list->version) { /* a reload in between */
			rsl_flag_list_free(list);
			continue;
		}
		char etag[36];
		bulk_etag(etag, &st, r);
		if (inm && etag_matches(inm, etag)) {
			rsl_flag_list_free(list);
			pthread_mutex_lock(&s->lock);
			s->counts.not_modified++;
			pthread_mutex_unlock(&s->lock);
			rc = send_text(s, conn, MHD_HTTP_NOT_MODIFIED, NULL, NULL, 0, etag, NULL);
			goto done;
		}
		jbuf o;
		if (out_open(&o) < 0) {
			rsl_flag_list_free(list);
			rc = MHD_NO;
			goto done;
		}
		int moved = bulk_flags(o.f, s, list, &c.ctx);
		rsl_flag_list_free(list);
		if (moved) {
			if (out_close(&o) == 0)
				free(o.p);
			continue;
		}
		rc = send_json(s, conn, MHD_HTTP_OK, &o, etag);
		goto done;
	}
	rc = send_error(s, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, "GENERAL",
			"the snapshot changed during each of 4 evaluations; retry");
done:
	rsc_ctx_free(&c);
	return rc;
}

static enum MHD_Result metrics(rsc_ofrep *s, struct MHD_Connection *conn)
{
	rsl_client_status st;
	struct rsc_agent_stats as;
	rsc_ofrep_counts counts;
	rsl_client_status_get(&st, s->client);
	if (s->agent)
		rsc_agent_stats_get(s->agent, &as);
	pthread_mutex_lock(&s->lock);
	counts = s->counts;
	pthread_mutex_unlock(&s->lock);
	char *text;
	size_t len;
	if (rsc_metrics_render(&text, &len, &st, s->agent ? &as : NULL, &counts) < 0)
		return send_error(s, conn, MHD_HTTP_INTERNAL_SERVER_ERROR, NULL, NULL,
				  "out of memory");
	return send_text(s, conn, MHD_HTTP_OK, RSC_METRICS_CONTENT_TYPE, text, len, NULL, NULL);
}

/* 0 when the request may go on; else answers 401 or 403 and returns -1. */
static int authorized(rsc_ofrep *s, struct MHD_Connection *conn, enum MHD_Result *rc)
{
	if (s->token == NULL)
		return 0;
	const char *given = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-API-Key");
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	if (given == NULL && auth && strncasecmp(auth, "Bearer ", 7) == 0)
		for (given = auth + 7; *given == ' ';)
			given++;
	if (given == NULL) {
		*rc = send_error(s, conn, MHD_HTTP_UNAUTHORIZED, NULL, NULL,
				 "this server needs a token: Authorization: Bearer TOKEN, or "
				 "X-API-Key: TOKEN");
		return -1;
	}
	size_t n = strlen(s->token);
	if (strlen(given) != n || sodium_memcmp(given, s->token, n) != 0) {
		*rc = send_error(s, conn, MHD_HTTP_FORBIDDEN, NULL, NULL, "the token is not this "
				 "server's");
		return -1;
	}
	return 0;
}

static enum MHD_Result route(rsc_ofrep *s, struct MHD_Connection *conn, const char *url,
			     const char *method, const req *r)
{
	enum MHD_Result rc;
	if (authorized(s, conn, &rc) < 0)
		return rc;
	int post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	if (strcmp(url, "/metrics") == 0) {
		if (strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
		    strcmp(method, MHD_HTTP_METHOD_HEAD) == 0)
			return metrics(s, conn);
		return send_text(s, conn, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, NULL, 0, NULL,
				 "GET, HEAD");
	}
	size_t n = strlen(PREFIX);
	if (strncmp(url, PREFIX, n) == 0 && (url[n] == 0 || url[n] == '/')) {
		if (!post) {
			jbuf o;
			if (out_open(&o) < 0)
				return MHD_NO;
			fputs("{\"errorDetails\":\"evaluation takes POST\"}\n", o.f);
			if (out_close(&o) < 0)
				return MHD_NO;
			return send_text(s, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "application/json",
					 o.p, o.n, NULL, "POST");
		}
		return url[n] == 0 ? bulk(s, conn, r) : single(s, conn, url + n + 1, r);
	}
	return send_error(s, conn, MHD_HTTP_NOT_FOUND, NULL, NULL,
			  "no such endpoint: OFREP is POST " PREFIX "/{key} and POST " PREFIX
			  ", metrics GET /metrics");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload, size_t *upload_size, void **con_cls)
{
	rsc_ofrep *s = cls;
	req *r = *con_cls;
	(void)version;
	if (r == NULL) { /* the headers: the body, if any, comes next */
		r = calloc(1, sizeof *r);
		if (r == NULL)
			return MHD_NO;
		*con_cls = r;
		/* A body announced too long is refused before it is sent (one
		 * sent in chunks is read and dropped past the bound). */
		const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							     MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl && (strspn(cl, "0123456789") != strlen(cl) || strlen(cl) > 12 ||
			   strtoull(cl, NULL, 10) > s->max_body)) {
			r->too_big = 1;
			return route(s, conn, url, method, r);
		}
		return MHD_YES;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		*upload_size = 0;
		if (r->too_big || n > s->max_body - r->len) {
			r->too_big = 1; /* read on, keep nothing: answered at the end */
			return MHD_YES;
		}
		if (r->len + n + 1 > r->cap) {
			size_t cap = r->cap ? r->cap : 1024;
			while (cap < r->len + n + 1)
				cap *= 2;
			char *p = realloc(r->body, cap);
			if (p == NULL)
				return MHD_NO;
			r->body = p;
			r->cap = cap;
		}
		memcpy(r->body + r->len, upload, n);
		r->len += n;
		r->body[r->len] = 0;
		return MHD_YES;
	}
	return route(s, conn, url, method, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	req *r = *con_cls;
	(void)cls, (void)conn, (void)toe;
	if (r) {
		free(r->body);
		free(r);
		*con_cls = NULL;
	}
}

/* ------------------------------------------------------------- starting */

/* A listening socket on addr ("HOST:PORT", "[V6]:PORT"): fd, or -1 with
 * err filled. */
static int listen_on(const char *addr, unsigned *port, char *err, size_t errlen)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	size_t hl = colon ? (size_t)(colon - addr) : 0;
	if (colon == NULL || hl == 0 || hl >= sizeof host || colon[1] == 0 ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) || strlen(colon + 1) > 5 ||
	    atoi(colon + 1) > 65535) {
		snprintf(err, errlen, "'%s' is not HOST:PORT (127.0.0.1:8016, [::1]:8016)", addr);
		return -1;
	}
	memcpy(host, addr, hl);
	host[hl] = 0;
	if (host[0] == '[' && host[hl - 1] == ']') {
		memmove(host, host + 1, hl - 2);
		host[hl - 2] = 0;
	}
	struct addrinfo hints, *ai = NULL;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	int g = getaddrinfo(host, colon + 1, &hints, &ai);
	if (g != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr, gai_strerror(g));
		return -1;
	}
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return -1;
	}
	freeaddrinfo(ai);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", addr, strerror(errno));
		close(fd);
		return -1;
	}
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
		      : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

int rsc_ofrep_start(rsc_ofrep **out, const rsc_ofrep_options *o, char *err, size_t errlen)
{
	*out = NULL;
	if (o->client == NULL) {
		snprintf(err, errlen, "no client to serve");
		return -1;
	}
	if (sodium_init() < 0) {
		snprintf(err, errlen, "libsodium cannot initialise");
		return -1;
	}
	rsc_ofrep *s = calloc(1, sizeof *s);
	if (s == NULL || (o->token && (s->token = strdup(o->token)) == NULL)) {
		free(s);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->client = o->client;
	s->agent = o->agent;
	s->max_body = o->max_body ? o->max_body : RSC_OFREP_MAX_BODY;
	s->log = o->log;
	s->log_json = o->log_json;
	pthread_mutex_init(&s->lock, NULL);
	const char *addr = o->addr ? o->addr : RSC_OFREP_DEFAULT_ADDR;
	int fd = listen_on(addr, &s->port, err, errlen);
	if (fd < 0)
		goto fail;
	/* A pool of two threads, each polling with epoll: evaluation never
	 * blocks, so two serve a 2-core node; idle connections time out. */
	s->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL_LINUX_ONLY,
				0, NULL, NULL, on_request, s,
				MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned)2,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)512,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				MHD_OPTION_END);
	if (s->d == NULL) {
		close(fd);
		snprintf(err, errlen, "cannot serve on %s: libmicrohttpd did not start", addr);
		goto fail;
	}
	*out = s;
	return 0;
fail:
	pthread_mutex_destroy(&s->lock);
	free(s->token);
	free(s);
	return -1;
}

unsigned rsc_ofrep_port(const rsc_ofrep *s)
{
	return s->port;
}

void rsc_ofrep_stop(rsc_ofrep *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->lock);
	if (s->token)
		sodium_memzero(s->token, strlen(s->token));
	free(s->token);
	free(s);
}
