/* oci.c - snapshots as OCI artifacts: push and conditional fetch over the
 * distribution spec's API (see oci.h).  JSON through jansson. */
#include "oci.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <curl/curl.h>
#include <jansson.h>
#include <sodium.h>

#include "cli.h"
#include "http.h"
#include "sigv4.h"

#define MANIFEST_TYPE "application/vnd.oci.image.manifest.v1+json"
#define EMPTY_TYPE "application/vnd.oci.empty.v1+json"
/* The empty config "{}": its digest and size are the image spec's. */
#define EMPTY_DIGEST "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
#define MANIFEST_MAX (256u * 1024u)
#define SMALL_MAX (64u * 1024u)

struct oci {
	const rsc_oci_loc *loc;
	const char *actions;   /* the token scope's actions: "pull" or "pull,push" */
	char user[256], pass[1024];
	int have_creds;
	char authz[8192];      /* "Authorization: ..." once a challenge was met */
};

/* Copies at most cap-1 bytes of s to out, every byte that is not printable
 * ASCII as '?': what a server says is hostile, and reaches a terminal. */
static void printable(char *out, size_t cap, const char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n && s[i] && o + 1 < cap; i++)
		out[o++] = isprint((unsigned char)s[i]) ? s[i] : '?';
	out[o] = '\0';
}

/* "HTTP 404 MANIFEST_UNKNOWN: manifest unknown" from a registry's error
 * body ({"errors":[{"code","message"}]}), or "HTTP 404" without one. */
static void status_text(char *out, size_t cap, const rsc_http_resp *r)
{
	char code[64] = "", msg[200] = "";
	json_t *j = r->len ? json_loadb((const char *)r->body, r->len, 0, NULL) : NULL;
	json_t *e0 = json_array_get(json_object_get(j, "errors"), 0);
	const char *c = json_string_value(json_object_get(e0, "code"));
	const char *m = json_string_value(json_object_get(e0, "message"));
	if (c)
		printable(code, sizeof code, c, strlen(c));
	if (m)
		printable(msg, sizeof msg, m, strlen(m));
	json_decref(j);
	snprintf(out, cap, "HTTP %ld%s%s%s%s", r->status, *code ? " " : "", code,
		 *msg ? ": " : "", msg);
}

static void fail(char *err, size_t errlen, const char *method, const char *url,
		 const rsc_http_resp *r)
{
	char st[300];
	status_text(st, sizeof st, r);
	snprintf(err, errlen, "%s %s: %s", method, url, st);
}

static char *read_small(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(SMALL_MAX + 1);
	size_t n = buf ? fread(buf, 1, SMALL_MAX + 1, f) : 0;
	fclose(f);
	if (!buf || n > SMALL_MAX) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/* user:password for host from a Docker/containers auth file's "auths":
 * the key is the host, or a URL naming it ("https://host/v1/"). */
static int creds_from_file(struct oci *o, const char *path)
{
	size_t len;
	char *text = read_small(path, &len);
	if (!text)
		return 0;
	json_t *j = json_loadb(text, len, 0, NULL);
	free(text);
	const char *key;
	json_t *v;
	int found = 0;
	json_object_foreach(json_object_get(j, "auths"), key, v) {
		const char *k = key;
		if (strncmp(k, "https://", 8) == 0)
			k += 8;
		else if (strncmp(k, "http://", 7) == 0)
			k += 7;
		size_t hl = strlen(o->loc->host);
		if (strncmp(k, o->loc->host, hl) != 0 || (k[hl] != '\0' && k[hl] != '/'))
			continue;
		const char *b64 = json_string_value(json_object_get(v, "auth"));
		unsigned char dec[sizeof o->user + sizeof o->pass];
		size_t dl;
		if (!b64 || sodium_base642bin(dec, sizeof dec - 1, b64, strlen(b64), NULL, &dl,
					      NULL, sodium_base64_VARIANT_ORIGINAL) != 0)
			continue;
		dec[dl] = '\0';
		char *colon = strchr((char *)dec, ':');
		if (colon && (size_t)(colon - (char *)dec) < sizeof o->user &&
		    strlen(colon + 1) < sizeof o->pass) {
			*colon = '\0';
			strcpy(o->user, (char *)dec);
			strcpy(o->pass, colon + 1);
			found = o->have_creds = 1;
		}
		sodium_memzero(dec, sizeof dec);
		if (found)
			break;
	}
	json_decref(j);
	return found;
}

static void load_creds(struct oci *o)
{
	const char *u = getenv("RSC_REGISTRY_USER"), *p = getenv("RSC_REGISTRY_PASSWORD");
	if (u && *u && p && strlen(u) < sizeof o->user && strlen(p) < sizeof o->pass) {
		strcpy(o->user, u);
		strcpy(o->pass, p);
		o->have_creds = 1;
		return;
	}
	char path[4096];
	const char *f = getenv("REGISTRY_AUTH_FILE");
	if (f && *f && creds_from_file(o, f))
		return;
	const char *d = getenv("DOCKER_CONFIG"), *home = getenv("HOME");
	if (d && *d)
		snprintf(path, sizeof path, "%s/config.json", d);
	else if (home && *home)
		snprintf(path, sizeof path, "%s/.docker/config.json", home);
	else
		return;
	creds_from_file(o, path);
}

static int basic_header(char *out, size_t cap, const struct oci *o)
{
	char up[sizeof o->user + sizeof o->pass + 1];
	char b64[sizeof up * 4 / 3 + 8];
	int n = snprintf(up, sizeof up, "%s:%s", o->user, o->pass);
	sodium_bin2base64(b64, sizeof b64, (unsigned char *)up, (size_t)n,
			  sodium_base64_VARIANT_ORIGINAL);
	n = snprintf(out, cap, "Authorization: Basic %s", b64);
	sodium_memzero(up, sizeof up);
	sodium_memzero(b64, sizeof b64);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* One parameter of a WWW-Authenticate challenge (realm="...") into out. */
static int challenge_param(char *out, size_t cap, const char *ch, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = ch; (p = strstr(p, name)) != NULL; p += nl) {
		if ((p != ch && p[-1] != ' ' && p[-1] != ',') || p[nl] != '=')
			continue;
		const char *v = p + nl + 1, *e;
		if (*v == '"') {
			e = strchr(++v, '"');
		} else {
			e = v + strcspn(v, ", ");
		}
		if (!e || (size_t)(e - v) >= cap)
			return -1;
		memcpy(out, v, (size_t)(e - v));
		out[e - v] = '\0';
		return 0;
	}
	return -1;
}

/* Meets a 401's challenge: o->authz for the retry.  0 or -1 with err. */
static int authenticate(struct oci *o, const rsc_http_resp *r, char *err, size_t errlen)
{
	char ch[2048];
	if (!rsc_http_header(r, "WWW-Authenticate", ch, sizeof ch)) {
		snprintf(err, errlen, "the registry %s refused the request (HTTP 401) without a "
			 "usable WWW-Authenticate challenge", o->loc->host);
		return -1;
	}
	if (strncasecmp(ch, "Basic", 5) == 0) {
		if (!o->have_creds) {
			snprintf(err, errlen, "the registry %s asks for credentials: set "
				 "RSC_REGISTRY_USER and RSC_REGISTRY_PASSWORD, or log in "
				 "(~/.docker/config.json, REGISTRY_AUTH_FILE)", o->loc->host);
			return -1;
		}
		return basic_header(o->authz, sizeof o->authz, o);
	}
	if (strncasecmp(ch, "Bearer", 6) != 0) {
		char shown[64];
		printable(shown, sizeof shown, ch, strcspn(ch, " "));
		snprintf(err, errlen, "the registry %s asks for '%s' authentication, which rsc "
			 "does not speak (Basic and Bearer)", o->loc->host, shown);
		return -1;
	}
	char realm[1024], service[512] = "", scope[800];
	if (challenge_param(realm, sizeof realm, ch, "realm") != 0) {
		snprintf(err, errlen, "the registry %s's Bearer challenge names no realm",
			 o->loc->host);
		return -1;
	}
	challenge_param(service, sizeof service, ch, "service");
	snprintf(scope, sizeof scope, "repository:%s:%s", o->loc->repo, o->actions);
	char *es = curl_easy_escape(NULL, service, 0), *esc = curl_easy_escape(NULL, scope, 0);
	char url[4096];
	snprintf(url, sizeof url, "%s%sservice=%s&scope=%s", realm, strchr(realm, '?') ? "&" : "?",
		 es ? es : "", esc ? esc : "");
	curl_free(es);
	curl_free(esc);
	rsc_http_req req = { "GET", url, { NULL }, NULL, 0, SMALL_MAX, 30, 1 };
	char basic[sizeof o->authz];
	if (o->have_creds && basic_header(basic, sizeof basic, o) == 0)
		req.headers[0] = basic;
	rsc_http_resp tr;
	int rc = rsc_http_do(&tr, &req, err, errlen);
	sodium_memzero(basic, sizeof basic);
	if (rc == 0 && tr.status != 200) {
		char st[300];
		status_text(st, sizeof st, &tr);
		snprintf(err, errlen, "the token service %s refused %s: %s%s", realm, scope, st,
			 o->have_creds ? "" : " (no credentials were found: set "
			 "RSC_REGISTRY_USER and RSC_REGISTRY_PASSWORD)");
		rc = -1;
	}
	if (rc == 0) {
		json_t *j = json_loadb((const char *)tr.body, tr.len, 0, NULL);
		const char *t = json_string_value(json_object_get(j, "token"));
		if (!t)
			t = json_string_value(json_object_get(j, "access_token"));
		int n = t ? snprintf(o->authz, sizeof o->authz, "Authorization: Bearer %s", t) : -1;
		if (n < 0 || (size_t)n >= sizeof o->authz || strpbrk(t, "\r\n")) {
			snprintf(err, errlen, "the token service %s answered without a usable token",
				 realm);
			o->authz[0] = '\0';
			rc = -1;
		}
		json_decref(j);
	}
	rsc_http_resp_free(&tr);
	return rc;
}

/* A request to the registry, answering one authentication challenge.
 * hdrs: up to 4 extra headers, NULL-ended. */
static int oci_do(struct oci *o, rsc_http_resp *resp, const char *method, const char *url,
		  const char *const *hdrs, const void *body, size_t blen, size_t max, char *err,
		  size_t errlen)
{
	for (int attempt = 0;; attempt++) {
		rsc_http_req req = { method, url, { NULL }, body, blen, max, 60, 1 };
		size_t h = 0;
		for (; hdrs && hdrs[h] && h < 4; h++)
			req.headers[h] = hdrs[h];
		if (o->authz[0])
			req.headers[h++] = o->authz;
		if (rsc_http_do(resp, &req, err, errlen) != 0)
			return -1;
		if (resp->status != 401 || attempt > 0)
			return 0;
		int rc = authenticate(o, resp, err, errlen);
		rsc_http_resp_free(resp);
		if (rc != 0)
			return -1;
	}
}

static int valid_repo(const char *r)
{
	/* The distribution spec's name: lowercase components joined by '/',
	 * each [a-z0-9]+ with '.', '_', '__' or '-'s between. */
	if (!*r || *r == '/')
		return 0;
	for (const char *p = r; *p; p++) {
		int alnum = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9');
		if (alnum)
			continue;
		if (!strchr("._-/", *p) || p == r || !p[1])
			return 0;
		int prev_alnum = (p[-1] >= 'a' && p[-1] <= 'z') || (p[-1] >= '0' && p[-1] <= '9');
		if (*p == '/' && !prev_alnum)
			return 0;
	}
	return 1;
}

int rsc_oci_parse(rsc_oci_loc *out, const char *url, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	const char *rest, *scheme = NULL;
	if (strncmp(url, "oci+http://", 11) == 0) {
		rest = url + 11;
		scheme = "http";
	} else if (strncmp(url, "oci://", 6) == 0) {
		rest = url + 6;
	} else {
		snprintf(err, errlen, "'%s' is not an oci://REGISTRY/REPOSITORY location", url);
		return -1;
	}
	const char *slash = strchr(rest, '/');
	size_t hl = slash ? (size_t)(slash - rest) : 0;
	if (!slash || hl == 0 || hl >= sizeof out->host) {
		snprintf(err, errlen, "'%s': expected oci://REGISTRY/REPOSITORY, e.g. "
			 "oci://registry.example.com/team/flags", url);
		return -1;
	}
	for (size_t i = 0; i < hl; i++)
		if (!isalnum((unsigned char)rest[i]) && !strchr(".-:[]", rest[i])) {
			snprintf(err, errlen, "'%s': the registry host has '%c', which a host "
				 "name cannot have", url, rest[i]);
			return -1;
		}
	memcpy(out->host, rest, hl);
	if (strlen(slash + 1) >= sizeof out->repo || !valid_repo(slash + 1)) {
		snprintf(err, errlen, "'%s': the repository '%s' is not a valid name (lowercase "
			 "letters, digits and . _ - between them, components joined by /)",
			 url, slash + 1);
		return -1;
	}
	strcpy(out->repo, slash + 1);
	if (!scheme)
		scheme = rsc_http_loopback(out->host) ? "http" : "https";
	snprintf(out->base, sizeof out->base, "%s://%s", scheme, out->host);
	return 0;
}

static void digest_of(char out[72], const void *data, size_t len)
{
	char hex[65];
	rsc_sha256_hex(hex, data, len);
	snprintf(out, 72, "sha256:%s", hex);
}

char *rsc_oci_manifest(const rsc_pub_snap *s, size_t *len)
{
	char digest[72], title[RSC_PUB_NAME_MAX], created[RSC_TIME_MAX], version[24];
	digest_of(digest, s->data, s->len);
	snprintf(title, sizeof title, "%s.rsnap", s->env);
	rsc_cli_utc_time(created, s->commit_time);
	snprintf(version, sizeof version, "%llu", (unsigned long long)s->version);
	json_t *m = json_pack(
		"{s:i, s:s, s:s,"
		" s:{s:s, s:s, s:i, s:s},"
		" s:[{s:s, s:s, s:I, s:{s:s}}],"
		" s:{s:s, s:s, s:s, s:s, s:s}}",
		"schemaVersion", 2, "mediaType", MANIFEST_TYPE,
		"artifactType", RSC_OCI_ARTIFACT_TYPE,
		"config", "mediaType", EMPTY_TYPE, "digest", EMPTY_DIGEST, "size", 2, "data", "e30=",
		"layers", "mediaType", RSC_OCI_LAYER_TYPE, "digest", digest,
		"size", (json_int_t)s->len, "annotations", "org.opencontainers.image.title", title,
		"annotations", "dev.rulestead.environment", s->env,
		"dev.rulestead.version", version, "dev.rulestead.commit", s->commit,
		"org.opencontainers.image.revision", s->commit,
		"org.opencontainers.image.created", created);
	if (!m)
		return NULL;
	char *text = json_dumps(m, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(m);
	if (text)
		*len = strlen(text);
	return text;
}

/* The absolute URL of a Location header (registries may give a path). */
static int absolute(char *out, size_t cap, const rsc_oci_loc *loc, const char *location)
{
	int n = location[0] == '/' ? snprintf(out, cap, "%s%s", loc->base, location)
				   : snprintf(out, cap, "%s", location);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

/* A PUT that the registry must answer 201 Created. */
static int put_created(struct oci *o, const char *url, const char *content_type,
		       const void *data, size_t len, char *err, size_t errlen)
{
	rsc_http_resp r;
	const char *hdrs[] = { content_type, NULL };
	if (oci_do(o, &r, "PUT", url, hdrs, data, len, SMALL_MAX, err, errlen) != 0)
		return -1;
	int rc = 0;
	if (r.status != 201) {
		fail(err, errlen, "PUT", url, &r);
		rc = -1;
	}
	rsc_http_resp_free(&r);
	return rc;
}

static int push_blob(struct oci *o, const char *digest, const void *data, size_t len,
		     char *err, size_t errlen)
{
	char url[2048], loc[4096], put[4200];
	rsc_http_resp r;
	snprintf(url, sizeof url, "%s/v2/%s/blobs/%s", o->loc->base, o->loc->repo, digest);
	if (oci_do(o, &r, "HEAD", url, NULL, NULL, 0, 0, err, errlen) != 0)
		return -1;
	long st = r.status;
	rsc_http_resp_free(&r);
	if (st == 200)
		return 0; /* the registry has it: nothing to send */
	snprintf(url, sizeof url, "%s/v2/%s/blobs/uploads/", o->loc->base, o->loc->repo);
	if (oci_do(o, &r, "POST", url, NULL, "", 0, SMALL_MAX, err, errlen) != 0)
		return -1;
	if (r.status != 202 || !rsc_http_header(&r, "Location", loc, sizeof loc) ||
	    absolute(put, sizeof put - 90, o->loc, loc) != 0) {
		if (r.status == 202)
			snprintf(err, errlen, "POST %s: HTTP 202 without a usable Location", url);
		else
			fail(err, errlen, "POST", url, &r);
		rsc_http_resp_free(&r);
		return -1;
	}
	rsc_http_resp_free(&r);
	size_t pl = strlen(put);
	snprintf(put + pl, sizeof put - pl, "%sdigest=%s", strchr(put, '?') ? "&" : "?", digest);
	return put_created(o, put, "Content-Type: application/octet-stream", data, len, err,
			   errlen);
}

static int put_manifest(struct oci *o, const char *tag, const char *m, size_t mlen, char *err,
			size_t errlen)
{
	char url[2048];
	snprintf(url, sizeof url, "%s/v2/%s/manifests/%s", o->loc->base, o->loc->repo, tag);
	return put_created(o, url, "Content-Type: " MANIFEST_TYPE, m, mlen, err, errlen);
}

int rsc_oci_push(const rsc_oci_loc *loc, const rsc_pub_snap *snaps, size_t n, FILE *log,
		 char *err, size_t errlen)
{
	struct oci *o = calloc(1, sizeof *o);
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	o->loc = loc;
	o->actions = "pull,push";
	load_creds(o);
	int rc = 0;
	for (size_t i = 0; i < n && rc == 0; i++) {
		const rsc_pub_snap *s = &snaps[i];
		char digest[72], tag[RSC_PUB_NAME_MAX];
		size_t mlen = 0;
		char *m = rsc_oci_manifest(s, &mlen);
		if (!m) {
			snprintf(err, errlen, "out of memory");
			rc = -1;
			break;
		}
		digest_of(digest, s->data, s->len);
		rsc_pub_versioned_name(tag, s);
		if (push_blob(o, EMPTY_DIGEST, "{}", 2, err, errlen) != 0 ||
		    push_blob(o, digest, s->data, s->len, err, errlen) != 0 ||
		    put_manifest(o, tag, m, mlen, err, errlen) != 0 ||
		    put_manifest(o, s->env, m, mlen, err, errlen) != 0) {
			rc = -1;
		} else {
			char md[72];
			digest_of(md, m, mlen);
			fprintf(log, "published %s: oci://%s/%s:%s and :%s (%s)\n", s->path,
				loc->host, loc->repo, tag, s->env, md);
		}
		free(m);
	}
	sodium_memzero(o, sizeof *o);
	free(o);
	return rc;
}

static int valid_digest(const char *d)
{
	if (!d || strncmp(d, "sha256:", 7) != 0 || strlen(d) != 71)
		return 0;
	for (const char *p = d + 7; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	return 1;
}

/* The snapshot layer of a manifest we fetched: its digest and size. */
static int snapshot_layer(char digest[72], size_t *size, const rsc_http_resp *r, size_t max,
			  const char *where, char *err, size_t errlen)
{
	json_error_t je;
	json_t *m = json_loadb((const char *)r->body, r->len, JSON_REJECT_DUPLICATES, &je);
	int rc = -1;
	if (!json_is_object(m)) {
		snprintf(err, errlen, "%s: the manifest is not a JSON object", where);
		goto out;
	}
	const char *at = json_string_value(json_object_get(m, "artifactType"));
	if (!at || strcmp(at, RSC_OCI_ARTIFACT_TYPE) != 0) {
		char shown[100];
		printable(shown, sizeof shown, at ? at : "none", at ? strlen(at) : 4);
		snprintf(err, errlen, "%s: not a Rulestead snapshot (artifactType %s, expected %s)",
			 where, shown, RSC_OCI_ARTIFACT_TYPE);
		goto out;
	}
	size_t i;
	json_t *l;
	json_array_foreach(json_object_get(m, "layers"), i, l) {
		const char *mt = json_string_value(json_object_get(l, "mediaType"));
		if (!mt || strcmp(mt, RSC_OCI_LAYER_TYPE) != 0)
			continue;
		const char *d = json_string_value(json_object_get(l, "digest"));
		json_t *sz = json_object_get(l, "size");
		if (!valid_digest(d) || !json_is_integer(sz) || json_integer_value(sz) <= 0) {
			snprintf(err, errlen, "%s: the snapshot layer has no valid digest and size",
				 where);
			goto out;
		}
		if ((unsigned long long)json_integer_value(sz) > max) {
			snprintf(err, errlen, "%s: the snapshot is %lld bytes, over the limit of %zu",
				 where, (long long)json_integer_value(sz), max);
			goto out;
		}
		strcpy(digest, d);
		*size = (size_t)json_integer_value(sz);
		rc = 0;
		goto out;
	}
	snprintf(err, errlen, "%s: the manifest has no layer of type %s", where,
		 RSC_OCI_LAYER_TYPE);
out:
	json_decref(m);
	return rc;
}

int rsc_oci_fetch(const rsc_oci_loc *loc, const char *env, const char *prev_tag, size_t max,
		  rsc_fetched *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	struct oci *o = calloc(1, sizeof *o);
	if (!o) {
		snprintf(err, errlen, "out of memory");
		return RSC_FETCH_ERROR;
	}
	o->loc = loc;
	o->actions = "pull";
	load_creds(o);
	int rc = RSC_FETCH_ERROR;
	char url[2048], where[2400], mdigest[200] = "", ldigest[72], got[72];
	size_t lsize = 0;
	rsc_http_resp r = { 0 };
	const char *accept[] = { "Accept: " MANIFEST_TYPE, NULL };
	snprintf(url, sizeof url, "%s/v2/%s/manifests/%s", loc->base, loc->repo, env);
	snprintf(where, sizeof where, "oci://%s/%s:%s", loc->host, loc->repo, env);
	if (oci_do(o, &r, "HEAD", url, accept, NULL, 0, 0, err, errlen) != 0)
		goto out;
	if (r.status != 200) {
		fail(err, errlen, "HEAD", url, &r);
		goto out;
	}
	rsc_http_header(&r, "Docker-Content-Digest", mdigest, sizeof mdigest);
	rsc_http_resp_free(&r);
	if (*mdigest && prev_tag && strcmp(mdigest, prev_tag) == 0) {
		rc = RSC_FETCH_UNCHANGED;
		goto out;
	}
	/* By digest when the registry named one, so that the manifest read is
	 * the one the HEAD saw. */
	if (valid_digest(mdigest))
		snprintf(url, sizeof url, "%s/v2/%s/manifests/%s", loc->base, loc->repo, mdigest);
	if (oci_do(o, &r, "GET", url, accept, NULL, 0, MANIFEST_MAX, err, errlen) != 0)
		goto out;
	if (r.status != 200) {
		fail(err, errlen, "GET", url, &r);
		goto out;
	}
	digest_of(got, r.body, r.len);
	if (valid_digest(mdigest) && strcmp(got, mdigest) != 0) {
		snprintf(err, errlen, "%s: the manifest's bytes have digest %s, not %s as the "
			 "registry said", where, got, mdigest);
		goto out;
	}
	if (prev_tag && strcmp(got, prev_tag) == 0) {
		rc = RSC_FETCH_UNCHANGED;
		goto out;
	}
	if (snapshot_layer(ldigest, &lsize, &r, max, where, err, errlen) != 0)
		goto out;
	rsc_http_resp_free(&r);
	snprintf(url, sizeof url, "%s/v2/%s/blobs/%s", loc->base, loc->repo, ldigest);
	if (oci_do(o, &r, "GET", url, NULL, NULL, 0, lsize, err, errlen) != 0)
		goto out;
	if (r.status != 200) {
		fail(err, errlen, "GET", url, &r);
		goto out;
	}
	char bdigest[72];
	digest_of(bdigest, r.body, r.len);
	if (r.len != lsize || strcmp(bdigest, ldigest) != 0) {
		snprintf(err, errlen, "%s: the snapshot blob (%zu bytes, %s) is not the layer the "
			 "manifest names (%zu bytes, %s)", where, r.len, bdigest, lsize, ldigest);
		goto out;
	}
	out->data = r.body;
	out->len = r.len;
	r.body = NULL;
	snprintf(out->tag, sizeof out->tag, "%s", got);
	rc = RSC_FETCH_NEW;
out:
	rsc_http_resp_free(&r);
	sodium_memzero(o, sizeof *o);
	free(o);
	return rc;
}
