/* http.c - a bounded HTTP exchange through libcurl (see http.h). */
#include "http.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#define HEADERS_MAX (64u * 1024u)

struct sink {
	rsc_http_resp *r;
	size_t max;
	size_t cap;
	int over;
	int oom;
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	size_t add = size * n;
	if (add > s->max - s->r->len) {
		s->over = 1;
		return 0;
	}
	if (s->r->len + add + 1 > s->cap) {
		size_t cap = s->cap ? s->cap : 4096;
		while (cap < s->r->len + add + 1)
			cap *= 2;
		unsigned char *b = realloc(s->r->body, cap);
		if (!b) {
			s->oom = 1;
			return 0;
		}
		s->r->body = b;
		s->cap = cap;
	}
	memcpy(s->r->body + s->r->len, p, add);
	s->r->len += add;
	s->r->body[s->r->len] = '\0';
	return add;
}

/* Keeps the header lines of the last response only: a redirect or a 100
 * Continue starts over at its status line. */
static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
	struct sink *s = ud;
	rsc_http_resp *r = s->r;
	size_t add = size * n;
	if (add >= 5 && memcmp(p, "HTTP/", 5) == 0)
		r->hlen = 0;
	if (r->hlen + add + 1 > HEADERS_MAX) {
		s->over = 1;
		return 0;
	}
	if (r->hlen + add + 1 > r->hcap) {
		size_t cap = r->hcap ? r->hcap * 2 : 2048;
		while (cap < r->hlen + add + 1)
			cap *= 2;
		char *h = realloc(r->headers, cap);
		if (!h) {
			s->oom = 1;
			return 0;
		}
		r->headers = h;
		r->hcap = cap;
	}
	memcpy(r->headers + r->hlen, p, add);
	r->hlen += add;
	r->headers[r->hlen] = '\0';
	return add;
}

int rsc_http_do(rsc_http_resp *out, const rsc_http_req *req, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	struct sink s = { out, req->max, 0, 0, 0 };
	struct curl_slist *hl = NULL;
	int rc = -1;
	CURL *h = curl_easy_init();
	if (!h) {
		snprintf(err, errlen, "cannot start an HTTP request (libcurl)");
		return -1;
	}
	for (size_t i = 0; i < RSC_HTTP_MAX_HEADERS && req->headers[i]; i++) {
		struct curl_slist *n = curl_slist_append(hl, req->headers[i]);
		if (!n) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		hl = n;
	}
	/* A body of ours is never sent with "Expect: 100-continue" waits. */
	struct curl_slist *n = curl_slist_append(hl, "Expect:");
	if (!n) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	hl = n;
	curl_easy_setopt(h, CURLOPT_URL, req->url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, req->follow ? 1L : 0L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, req->timeout > 0 ? req->timeout : 60L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "rsc/" RSC_VERSION);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, &s);
	if (strcmp(req->method, "HEAD") == 0) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (strcmp(req->method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body ? req->body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	CURLcode cc = curl_easy_perform(h);
	if (s.over) {
		snprintf(err, errlen, "%s %s: the response passed %zu bytes; refused", req->method,
			 req->url, req->max);
		goto out;
	}
	if (s.oom) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s %s: %s", req->method, req->url, curl_easy_strerror(cc));
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
	out->sent_body = out->len;
	if (!out->body && (out->body = calloc(1, 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = 0;
out:
	curl_slist_free_all(hl);
	curl_easy_cleanup(h);
	return rc;
}

const char *rsc_http_header(const rsc_http_resp *r, const char *name, char *buf, size_t cap)
{
	size_t nl = strlen(name);
	const char *p = r->headers;
	if (!p || cap == 0)
		return NULL;
	while (*p) {
		const char *eol = strchr(p, '\n');
		size_t ll = eol ? (size_t)(eol - p) : strlen(p);
		if (ll > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
			const char *v = p + nl + 1, *e = p + ll;
			while (v < e && (*v == ' ' || *v == '\t'))
				v++;
			while (e > v && isspace((unsigned char)e[-1]))
				e--;
			if ((size_t)(e - v) >= cap)
				return NULL;
			memcpy(buf, v, (size_t)(e - v));
			buf[e - v] = '\0';
			return buf;
		}
		if (!eol)
			break;
		p = eol + 1;
	}
	return NULL;
}

void rsc_http_resp_free(rsc_http_resp *r)
{
	if (!r)
		return;
	free(r->body);
	free(r->headers);
	memset(r, 0, sizeof *r);
}

int rsc_http_loopback(const char *host)
{
	static const char *const names[] = { "localhost", "127.0.0.1", "[::1]" };
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		size_t n = strlen(names[i]);
		if (strncasecmp(host, names[i], n) == 0 && (host[n] == '\0' || host[n] == ':'))
			return 1;
	}
	return 0;
}
