/*
 * publish.h - `rsc publish`: verified snapshots handed to a transport.
 * Each snapshot is read once into memory and verified from those bytes
 * (rsl_open_buffer with the trusted keys), so what is published is exactly
 * what was verified.  The transports: file.c's rsc_file_publish (file://),
 * oci.c (oci://), s3.c (s3://), configmap.c (configmap:NAME).
 */
#ifndef RSC_PUBLISH_H
#define RSC_PUBLISH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct rsl_keyring;

typedef struct rsc_pub_snap {
	const char *path;         /* as given on the command line */
	unsigned char *data;      /* the verified bytes (malloc'd) */
	size_t len;
	char env[256];
	uint64_t version;
	char commit[64];
	int64_t commit_time;      /* seconds since the epoch */
} rsc_pub_snap;

/* Reads path (at most RSL_DEFAULT_MAX_SIZE, the library's limit) and verifies it with kr.
 * 0, or -1 with "PATH: ..." in err (unreadable, or why it does not verify). */
int rsc_pub_snap_load(rsc_pub_snap *out, const char *path, const struct rsl_keyring *kr,
		      char *err, size_t errlen);
void rsc_pub_snap_free(rsc_pub_snap *s);

/* The two names every transport publishes under: "<env>-<version>" first
 * (never replaced by another snapshot), then "<env>" (what nodes follow). */
#define RSC_PUB_NAME_MAX 300
void rsc_pub_versioned_name(char out[RSC_PUB_NAME_MAX], const rsc_pub_snap *s);

/* Each transport publishes snaps[0..n) and prints one line per name it
 * wrote to log ("published dev-3 -> oci://..."); 0, or -1 with err. */
int rsc_file_publish(const char *dir, const rsc_pub_snap *snaps, size_t n, FILE *log,
		     char *err, size_t errlen);

#endif
