/*
 * s3.h - snapshots as objects in S3 or an S3-compatible store, every request
 * signed with AWS Signature V4 (sigv4.c) and sent through http.c.
 *
 * Objects: PREFIX/<env>-<version>.rsnap first, then PREFIX/<env>.rsnap,
 * which nodes poll with If-None-Match (a 304 costs no download).
 *
 * Credentials and settings, as the AWS tools read them: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN, else the profile AWS_PROFILE
 * ("default") of the shared credentials file (AWS_SHARED_CREDENTIALS_FILE,
 * ~/.aws/credentials); the region from AWS_REGION, AWS_DEFAULT_REGION or the
 * profile in the config file (AWS_CONFIG_FILE, ~/.aws/config), else
 * us-east-1.  AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL names an
 * S3-compatible server (path-style: ENDPOINT/BUCKET/KEY); without one,
 * https://BUCKET.s3.REGION.amazonaws.com/KEY.
 */
#ifndef RSC_S3_H
#define RSC_S3_H

#include <stddef.h>
#include <stdio.h>

#include "fetch.h"
#include "publish.h"

typedef struct rsc_s3_loc {
	char bucket[64];
	char prefix[512];   /* "" or "fleet/flags" (no slash at either end) */
} rsc_s3_loc;

/* Parses "s3://BUCKET[/PREFIX]".  0, or -1 with err. */
int rsc_s3_parse(rsc_s3_loc *out, const char *url, char *err, size_t errlen);

/* PUTs each snapshot under both names.  0, or -1 with err ("PUT URL: HTTP
 * 403 SignatureDoesNotMatch: ..."). */
int rsc_s3_push(const rsc_s3_loc *loc, const rsc_pub_snap *snaps, size_t n, FILE *log,
		char *err, size_t errlen);

/* GETs PREFIX/<env>.rsnap, with If-None-Match: prev_tag when there is one:
 * RSC_FETCH_UNCHANGED on 304, RSC_FETCH_NEW with the bytes (at most max) and
 * the ETag in *out, RSC_FETCH_ERROR with err.  The bytes are not verified here. */
int rsc_s3_fetch(const rsc_s3_loc *loc, const char *env, const char *prev_tag, size_t max,
		 rsc_fetched *out, char *err, size_t errlen);

#endif
