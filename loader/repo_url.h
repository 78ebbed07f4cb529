/*
 * repo_url.h - a repository's remote URL, read once: without credentials
 * (what rsc records and shows) and as the repository's name (the
 * provenance 'repo' of a snapshot, docs/snapshot-format.md).  Internal to
 * librsl; rsc's source.c and encode.c call it.
 */
#ifndef RSL_REPO_URL_H
#define RSL_REPO_URL_H

#include <stddef.h>

/*
 * url without any "user:password@" or "user@" of an authority-form URL
 * ("https://tok@host/x" -> "https://host/x") and without a query or
 * fragment (which may carry a token too); a path or an scp-like
 * "git@host:x" is kept as is (its user is not a secret).  out needs
 * strlen(url) + 1 bytes; returns the length written (NUL-terminated).
 */
size_t rsl__url_strip_credentials(char *out, const char *url);

/*
 * One spelling per repository: the host lowercased, without user, default
 * port ("https" 443, "http" 80, "git" 9418, "ssh" 22), query or fragment,
 * then the path without a trailing "/" or ".git"; scp-like "git@host:o/r"
 * becomes "host/o/r" and "file:///x" "/x".  So
 * "https://u:t@GitHub.com/o/r.git", "git@github.com:o/r.git" and
 * "ssh://git@github.com:22/o/r" all give "github.com/o/r".  out needs
 * strlen(url) + 1 bytes (the name is never longer); returns the length.
 */
size_t rsl__url_repo_name(char *out, const char *url);

#endif
