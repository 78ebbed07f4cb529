/* s3.c - snapshots in S3 through SigV4-signed requests (see s3.h). */
#include "s3.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "http.h"
#include "sigv4.h"

#define INI_MAX (256u * 1024u)
#define ERROR_BODY_MAX (64u * 1024u)

typedef struct s3conf {
	char access[256], secret[256], token[4096], region[64];
	char endpoint[512];   /* "" for AWS itself */
} s3conf;

/* The value of key in section [want] of an INI file (the AWS shared files). */
static int ini_get(char *out, size_t cap, const char *path, const char *want, const char *key)
{
	FILE *f = path ? fopen(path, "r") : NULL;
	if (!f)
		return -1;
	char line[4608], section[256] = "";
	int found = -1;
	size_t total = 0;
	while (found != 0 && fgets(line, sizeof line, f) && (total += strlen(line)) < INI_MAX) {
		char *s = line, *e = line + strlen(line);
		while (e > s && isspace((unsigned char)e[-1]))
			*--e = '\0';
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '[') {
			char *close = strchr(s, ']');
			if (close) {
				*close = '\0';
				snprintf(section, sizeof section, "%s", s + 1);
			}
			continue;
		}
		char *eq = strchr(s, '=');
		if (*s == '#' || *s == ';' || !eq || strcmp(section, want) != 0)
			continue;
		char *k = s, *ke = eq, *v = eq + 1;
		while (ke > k && isspace((unsigned char)ke[-1]))
			ke--;
		*ke = '\0';
		while (isspace((unsigned char)*v))
			v++;
		if (strcmp(k, key) == 0 && strlen(v) < cap) {
			strcpy(out, v);
			found = 0;
		}
	}
	fclose(f);
	return found;
}

static const char *env_or(const char *a, const char *b)
{
	const char *v = getenv(a);
	if (v && *v)
		return v;
	v = b ? getenv(b) : NULL;
	return v && *v ? v : NULL;
}

static int load_conf(s3conf *c, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	const char *home = getenv("HOME"), *v;
	const char *profile = env_or("AWS_PROFILE", NULL);
	char credf[4096] = "", conff[4096] = "", section[300];
	if ((v = env_or("AWS_SHARED_CREDENTIALS_FILE", NULL)))
		snprintf(credf, sizeof credf, "%s", v);
	else if (home)
		snprintf(credf, sizeof credf, "%s/.aws/credentials", home);
	if ((v = env_or("AWS_CONFIG_FILE", NULL)))
		snprintf(conff, sizeof conff, "%s", v);
	else if (home)
		snprintf(conff, sizeof conff, "%s/.aws/config", home);
	if (!profile)
		profile = "default";
	const char *ak = getenv("AWS_ACCESS_KEY_ID"), *sk = getenv("AWS_SECRET_ACCESS_KEY");
	if (ak && *ak && sk && *sk) {
		snprintf(c->access, sizeof c->access, "%s", ak);
		snprintf(c->secret, sizeof c->secret, "%s", sk);
		if ((v = env_or("AWS_SESSION_TOKEN", NULL)))
			snprintf(c->token, sizeof c->token, "%s", v);
	} else if (ini_get(c->access, sizeof c->access, credf, profile, "aws_access_key_id") != 0 ||
		   ini_get(c->secret, sizeof c->secret, credf, profile, "aws_secret_access_key") != 0) {
		snprintf(err, errlen, "no S3 credentials: set AWS_ACCESS_KEY_ID and "
			 "AWS_SECRET_ACCESS_KEY, or give profile '%s' in %s", profile,
			 *credf ? credf : "~/.aws/credentials");
		return -1;
	} else {
		ini_get(c->token, sizeof c->token, credf, profile, "aws_session_token");
	}
	/* The config file names profiles "[profile NAME]", except the default. */
	snprintf(section, sizeof section, strcmp(profile, "default") == 0 ? "%s" : "profile %s",
		 profile);
	if ((v = env_or("AWS_REGION", "AWS_DEFAULT_REGION")))
		snprintf(c->region, sizeof c->region, "%s", v);
	else if (ini_get(c->region, sizeof c->region, conff, section, "region") != 0)
		strcpy(c->region, "us-east-1");
	if ((v = env_or("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"))) {
		size_t n = strlen(v);
		while (n && v[n - 1] == '/')
			n--;
		if ((strncmp(v, "https://", 8) != 0 && strncmp(v, "http://", 7) != 0) ||
		    n >= sizeof c->endpoint || strchr(v + 8, '/') != NULL) {
			snprintf(err, errlen, "AWS_ENDPOINT_URL '%s' is not an http(s)://HOST[:PORT] "
				 "endpoint", v);
			return -1;
		}
		memcpy(c->endpoint, v, n);
	}
	for (const char *p = c->region; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-') {
			snprintf(err, errlen, "the region '%s' is not a region name", c->region);
			return -1;
		}
	return 0;
}

int rsc_s3_parse(rsc_s3_loc *out, const char *url, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	if (strncmp(url, "s3://", 5) != 0) {
		snprintf(err, errlen, "'%s' is not an s3://BUCKET/PREFIX location", url);
		return -1;
	}
	const char *b = url + 5, *slash = strchr(b, '/');
	size_t bl = slash ? (size_t)(slash - b) : strlen(b);
	/* S3's bucket names: 3 to 63 of lowercase letters, digits, '.' and '-'. */
	int ok = bl >= 3 && bl < sizeof out->bucket;
	for (size_t i = 0; ok && i < bl; i++)
		ok = (b[i] >= 'a' && b[i] <= 'z') || (b[i] >= '0' && b[i] <= '9') || b[i] == '.' ||
		     b[i] == '-';
	if (!ok) {
		snprintf(err, errlen, "'%s': '%.*s' is not an S3 bucket name (3 to 63 lowercase "
			 "letters, digits, '.' and '-')", url, (int)bl, b);
		return -1;
	}
	memcpy(out->bucket, b, bl);
	const char *p = slash ? slash + 1 : "";
	size_t pl = strlen(p);
	while (pl && p[pl - 1] == '/')
		pl--;
	if (pl >= sizeof out->prefix || strstr(p, "//") || strstr(p, "..")) {
		snprintf(err, errlen, "'%s': the prefix '%s' is too long or has '//' or '..'", url, p);
		return -1;
	}
	memcpy(out->prefix, p, pl);
	return 0;
}

/* A signed request for loc's object name.rsnap (name: "<env>" or
 * "<env>-<version>").  extra: one more header ("If-None-Match: ...") or NULL. */
static int s3_request(rsc_http_resp *resp, const s3conf *c, const rsc_s3_loc *loc,
		      const char *method, const char *name, const void *body, size_t blen,
		      const char *extra, size_t max, char url[2048], char *err, size_t errlen)
{
	char key[1024], path[3200] = "", host[600], payload[65], amz_date[20];
	snprintf(key, sizeof key, "%s%s%s.rsnap", loc->prefix, *loc->prefix ? "/" : "", name);
	const char *scheme;
	if (*c->endpoint) {
		const char *h = strstr(c->endpoint, "://") + 3;
		snprintf(host, sizeof host, "%s", h);
		scheme = c->endpoint[4] == 's' ? "https" : "http";
		snprintf(path, sizeof path, "/%s/", loc->bucket);
	} else {
		snprintf(host, sizeof host, "%s.s3.%s.amazonaws.com", loc->bucket, c->region);
		scheme = "https";
		strcpy(path, "/");
	}
	if (rsc_sigv4_uri_encode(path, sizeof path, key) != 0) {
		snprintf(err, errlen, "the object key '%s' is too long", key);
		return -1;
	}
	int n = snprintf(url, 2048, "%s://%s%s", scheme, host, path);
	if (n < 0 || n >= 2048) {
		snprintf(err, errlen, "the URL of object '%s' would pass 2048 bytes", key);
		return -1;
	}
	rsc_sha256_hex(payload, body ? body : "", blen);
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(amz_date, sizeof amz_date, "%Y%m%dT%H%M%SZ", &tm);

	char h_host[700], h_sha[100], h_date[40], h_token[4200];
	snprintf(h_host, sizeof h_host, "host:%s", host);
	snprintf(h_sha, sizeof h_sha, "x-amz-content-sha256:%s", payload);
	snprintf(h_date, sizeof h_date, "x-amz-date:%s", amz_date);
	snprintf(h_token, sizeof h_token, "x-amz-security-token:%s", c->token);
	const char *signed_h[4] = { h_host, h_sha, h_date, h_token };
	size_t nsigned = *c->token ? 4 : 3;
	rsc_sigv4 k = { c->access, c->secret, c->region, "s3", amz_date };
	char auth[1200], authz[1300];
	if (rsc_sigv4_authorization(auth, sizeof auth, NULL, &k, method, path, "", signed_h,
				    nsigned, payload) != 0) {
		snprintf(err, errlen, "cannot sign the request (a credential too long?)");
		return -1;
	}
	snprintf(authz, sizeof authz, "Authorization: %s", auth);
	char s_host[700], s_sha[100], s_date[40], s_token[4200];
	snprintf(s_host, sizeof s_host, "Host: %s", host);
	snprintf(s_sha, sizeof s_sha, "x-amz-content-sha256: %s", payload);
	snprintf(s_date, sizeof s_date, "x-amz-date: %s", amz_date);
	snprintf(s_token, sizeof s_token, "x-amz-security-token: %s", c->token);
	/* No redirects: S3 answers a wrong region with an error, and the Host
	 * header and the signature are for this host only. */
	rsc_http_req req = { method, url, { s_host, s_sha, s_date, authz }, body, blen, max, 60, 0 };
	size_t h = 4;
	if (*c->token)
		req.headers[h++] = s_token;
	if (body)
		req.headers[h++] = "Content-Type: application/octet-stream";
	if (extra)
		req.headers[h++] = extra;
	int rc = rsc_http_do(resp, &req, err, errlen);
	sodium_memzero(authz, sizeof authz);
	return rc;
}

/* "HTTP 403 SignatureDoesNotMatch: The request signature ..." from S3's
 * XML error body (<Code>, <Message>), printable ASCII only. */
static void s3_fail(char *err, size_t errlen, const char *method, const char *url,
		    const rsc_http_resp *r)
{
	char code[64] = "", msg[200] = "";
	const char *tags[2][2] = { { "<Code>", "</Code>" }, { "<Message>", "</Message>" } };
	char *outs[2] = { code, msg };
	size_t caps[2] = { sizeof code, sizeof msg };
	for (int i = 0; i < 2 && r->body; i++) {
		const char *a = strstr((const char *)r->body, tags[i][0]);
		const char *b = a ? strstr(a, tags[i][1]) : NULL;
		if (!a || !b)
			continue;
		a += strlen(tags[i][0]);
		size_t o = 0;
		for (; a < b && o + 1 < caps[i]; a++)
			outs[i][o++] = isprint((unsigned char)*a) ? *a : '?';
		outs[i][o] = '\0';
	}
	snprintf(err, errlen, "%s %s: HTTP %ld%s%s%s%s", method, url, r->status, *code ? " " : "",
		 code, *msg ? ": " : "", msg);
}

int rsc_s3_push(const rsc_s3_loc *loc, const rsc_pub_snap *snaps, size_t n, FILE *log,
		char *err, size_t errlen)
{
	s3conf *c = malloc(sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	int rc = load_conf(c, err, errlen);
	for (size_t i = 0; i < n && rc == 0; i++) {
		char name[RSC_PUB_NAME_MAX];
		rsc_pub_versioned_name(name, &snaps[i]);
		const char *names[2] = { name, snaps[i].env };
		for (int k = 0; k < 2 && rc == 0; k++) {
			rsc_http_resp r;
			char url[2048];
			rc = s3_request(&r, c, loc, "PUT", names[k], snaps[i].data, snaps[i].len, NULL,
					ERROR_BODY_MAX, url, err, errlen);
			if (rc == 0 && r.status != 200) {
				s3_fail(err, errlen, "PUT", url, &r);
				rc = -1;
			}
			if (rc == 0)
				fprintf(log, "published %s: %s\n", snaps[i].path, url);
			rsc_http_resp_free(&r);
		}
	}
	sodium_memzero(c, sizeof *c);
	free(c);
	return rc;
}

int rsc_s3_fetch(const rsc_s3_loc *loc, const char *env, const char *prev_tag, size_t max,
		 rsc_fetched *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	s3conf *c = malloc(sizeof *c);
	if (!c) {
		snprintf(err, errlen, "out of memory");
		return RSC_FETCH_ERROR;
	}
	int rc = RSC_FETCH_ERROR;
	char inm[600], url[2048], etag[512];
	rsc_http_resp r = { 0 };
	if (load_conf(c, err, errlen) != 0)
		goto out;
	if (prev_tag && *prev_tag && !strpbrk(prev_tag, "\r\n"))
		snprintf(inm, sizeof inm, "If-None-Match: %s", prev_tag);
	if (s3_request(&r, c, loc, "GET", env, NULL, 0,
		       prev_tag && *prev_tag && !strpbrk(prev_tag, "\r\n") ? inm : NULL,
		       max < ERROR_BODY_MAX ? ERROR_BODY_MAX : max, url, err, errlen) != 0)
		goto out;
	if (r.status == 304) {
		rc = RSC_FETCH_UNCHANGED;
		goto out;
	}
	if (r.status != 200) {
		s3_fail(err, errlen, "GET", url, &r);
		goto out;
	}
	if (r.len > max) {
		snprintf(err, errlen, "GET %s: the object is %zu bytes, over the limit of %zu", url,
			 r.len, max);
		goto out;
	}
	out->data = r.body;
	out->len = r.len;
	r.body = NULL;
	if (rsc_http_header(&r, "ETag", etag, sizeof etag))
		snprintf(out->tag, sizeof out->tag, "%s", etag);
	rc = RSC_FETCH_NEW;
out:
	rsc_http_resp_free(&r);
	sodium_memzero(c, sizeof *c);
	free(c);
	return rc;
}
