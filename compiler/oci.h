/*
 * oci.h - snapshots as OCI artifacts in a registry (the distribution spec's
 * HTTP API, through http.c): push for `rsc publish --to oci://`, and the
 * conditional fetch `rsc agent` polls with.
 *
 * One artifact per environment (image-spec 1.1): artifactType
 * application/vnd.rulestead.snapshot.v1, the empty config, the snapshot as
 * its one layer (RSC_OCI_LAYER_TYPE), annotations with the environment,
 * version and commit; tagged "<env>-<version>" first, then "<env>".  The
 * manifest's bytes depend only on the snapshot.
 *
 * Credentials, never from the command line: RSC_REGISTRY_USER and
 * RSC_REGISTRY_PASSWORD; else the "auths" of REGISTRY_AUTH_FILE, of
 * $DOCKER_CONFIG/config.json or of ~/.docker/config.json.  A 401 is
 * answered as its WWW-Authenticate says: Basic, or Bearer (a token from the
 * realm, asked with the credentials when there are some).
 */
#ifndef RSC_OCI_H
#define RSC_OCI_H

#include <stddef.h>
#include <stdio.h>

#include "fetch.h"
#include "publish.h"

#define RSC_OCI_ARTIFACT_TYPE "application/vnd.rulestead.snapshot.v1"
#define RSC_OCI_LAYER_TYPE "application/vnd.rulestead.snapshot.v1+cose"

typedef struct rsc_oci_loc {
	char base[300];   /* "https://registry.example.com:5000" */
	char host[256];   /* "registry.example.com:5000", as credentials name it */
	char repo[256];   /* "team/flags" */
} rsc_oci_loc;

/* Parses "oci://HOST[:PORT]/REPO": https, except plain http for a loopback
 * host, or for any host when written "oci+http://".  0, or -1 with err. */
int rsc_oci_parse(rsc_oci_loc *out, const char *url, char *err, size_t errlen);

/* The manifest rsc_oci_push would push for s (malloc'd JSON, *len bytes):
 * deterministic, for tests and --dry-run. */
char *rsc_oci_manifest(const rsc_pub_snap *s, size_t *len);

/* Pushes each snapshot: blobs (HEAD first, then POST + monolithic PUT),
 * then the manifest under "<env>-<version>" and "<env>".  0, or -1 with
 * err ("PUT .../manifests/dev: HTTP 401 UNAUTHORIZED: authentication
 * required"). */
int rsc_oci_push(const rsc_oci_loc *loc, const rsc_pub_snap *snaps, size_t n, FILE *log,
		 char *err, size_t errlen);

/*
 * Environment env's snapshot from tag "<env>": HEAD of the manifest first;
 * when its digest is prev_tag, RSC_FETCH_UNCHANGED with nothing downloaded.
 * Otherwise the manifest (checked against its digest) and its snapshot
 * layer (at most max bytes, checked against the layer's digest) into *out,
 * out->tag the manifest digest: RSC_FETCH_NEW.  RSC_FETCH_ERROR with err.  The
 * bytes are not verified here: the caller verifies the signature.
 */
int rsc_oci_fetch(const rsc_oci_loc *loc, const char *env, const char *prev_tag, size_t max,
		  rsc_fetched *out, char *err, size_t errlen);

#endif
