/*
 * http.h - the one way rsc speaks HTTP: a request through libcurl with a
 * bounded response body, timeouts, only http and https (redirects too), and
 * the final response's headers kept for the caller to read.  The transports
 * (oci.c, s3.c) build on it; nothing here trusts what the server says.
 */
#ifndef RSC_HTTP_H
#define RSC_HTTP_H

#include <stddef.h>

#define RSC_HTTP_MAX_HEADERS 24

typedef struct rsc_http_req {
	const char *method;          /* "GET", "HEAD", "PUT", "POST" */
	const char *url;
	const char *headers[RSC_HTTP_MAX_HEADERS]; /* "Name: value", NULL-ended */
	const void *body;            /* sent as is; NULL: no body */
	size_t body_len;
	size_t max;                  /* response body bytes kept before refusing */
	long timeout;                /* seconds for the whole exchange; 0: 60 */
	int follow;                  /* follow redirects (at most 5, http(s) only;
	                                curl sends no Authorization to another host) */
} rsc_http_req;

typedef struct rsc_http_resp {
	long status;                 /* the final response's status */
	unsigned char *body;         /* malloc'd, NUL-terminated, len bytes */
	size_t len;
	char *headers;               /* the final response's header lines */
	size_t hlen, hcap;
	size_t sent_body;            /* response body bytes received (0 for 304) */
} rsc_http_resp;

/*
 * Sends req and fills *out (status, body, headers) for any HTTP status: the
 * caller judges the status.  0, or -1 with a one-line reason in err when no
 * response came (connection, TLS, timeout) or the body passed req->max
 * ("the response passed N bytes").  Free *out with rsc_http_resp_free
 * either way.
 */
int rsc_http_do(rsc_http_resp *out, const rsc_http_req *req, char *err, size_t errlen);

/* The value of header name (case-insensitive) in the final response,
 * trimmed, copied into buf[0..cap); NULL when absent or longer than cap. */
const char *rsc_http_header(const rsc_http_resp *r, const char *name, char *buf, size_t cap);

void rsc_http_resp_free(rsc_http_resp *r);

/* Whether host ("127.0.0.1", "localhost:5000", "[::1]:80") is the
 * loopback: the only place plain http is chosen without being asked. */
int rsc_http_loopback(const char *host);

#endif
