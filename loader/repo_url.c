/* repo_url.c - remote URLs without credentials, and repository names; see
 * repo_url.h. */
#include "repo_url.h"

#include <string.h>
#include <strings.h>

/* The length of the scheme of "scheme://...", or 0 when url has none. */
static size_t url_scheme_len(const char *url)
{
	size_t i = 0;
	while ((url[i] >= 'a' && url[i] <= 'z') || (url[i] >= 'A' && url[i] <= 'Z') ||
	       (i > 0 && ((url[i] >= '0' && url[i] <= '9') || url[i] == '+' ||
			  url[i] == '-' || url[i] == '.')))
		i++;
	return i > 0 && strncmp(url + i, "://", 3) == 0 ? i : 0;
}

static int span_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

/* Whether port (n digits) is what scheme (sn bytes) uses without one. */
static int default_port(const char *scheme, size_t sn, const char *port, size_t n)
{
	if (n == 0)
		return 1;
	if (span_is(port, n, "443"))
		return span_is(scheme, sn, "https");
	if (span_is(port, n, "80"))
		return span_is(scheme, sn, "http");
	if (span_is(port, n, "9418"))
		return span_is(scheme, sn, "git");
	if (span_is(port, n, "22"))
		return span_is(scheme, sn, "ssh") || span_is(scheme, sn, "git+ssh") ||
		       span_is(scheme, sn, "ssh+git");
	return 0;
}

static size_t put_lower(char *out, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	return n;
}

/* The host (lowercased, without user@) of an authority, and its port unless
 * it is the scheme's default. */
static size_t put_host(char *out, const char *scheme, size_t sn, const char *auth,
		       size_t alen)
{
	const char *host = auth, *end = auth + alen, *colon = NULL;
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			host = p + 1;
	for (const char *p = host; p < end; p++)
		if (*p == ']') /* an IPv6 address's colons are not a port's */
			colon = NULL;
		else if (*p == ':')
			colon = p;
	size_t o = put_lower(out, host, (size_t)((colon ? colon : end) - host));
	if (colon && !default_port(scheme, sn, colon + 1, (size_t)(end - colon - 1))) {
		memcpy(out + o, colon, (size_t)(end - colon));
		o += (size_t)(end - colon);
	}
	return o;
}

size_t rsl__url_repo_name(char *out, const char *url)
{
	size_t n = strlen(url);
	size_t o = 0, sn = url_scheme_len(url);
	const char *path = url;
	size_t pathlen = n;
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');
	if (sn > 0) {
		const char *auth = url + sn + 3;
		size_t alen = strcspn(auth, "/?#");
		path = auth + alen;
		pathlen = strcspn(path, "?#");
		/* file://host/x can only name a local /x: the path is the name */
		if (!span_is(url, sn, "file"))
			o = put_host(out, url, sn, auth, alen);
	} else if (colon && colon > url && (!slash || colon < slash)) {
		/* scp-like [user@]host:path, as git reads it */
		o = put_host(out, "ssh", 3, url, (size_t)(colon - url));
		out[o++] = '/';
		path = colon + 1;
		while (*path == '/')
			path++;
		pathlen = strlen(path);
	}
	memcpy(out + o, path, pathlen);
	o += pathlen;
	while (o > 0 && out[o - 1] == '/')
		o--;
	if (o >= 4 && memcmp(out + o - 4, ".git", 4) == 0)
		o -= 4;
	while (o > 0 && out[o - 1] == '/')
		o--;
	out[o] = '\0';
	return o;
}

size_t rsl__url_strip_credentials(char *out, const char *url)
{
	size_t sn = url_scheme_len(url);
	if (sn == 0) { /* a path or scp-like "user@host:path": kept as is */
		size_t n = strlen(url);
		memcpy(out, url, n + 1);
		return n;
	}
	size_t start = sn + 3;
	size_t auth_end = start + strcspn(url + start, "/?#");
	size_t host = start;
	for (size_t i = start; i < auth_end; i++)
		if (url[i] == '@')
			host = i + 1;
	size_t end = auth_end + strcspn(url + auth_end, "?#");
	memcpy(out, url, start);
	memcpy(out + start, url + host, end - host);
	out[start + end - host] = '\0';
	return start + end - host;
}
