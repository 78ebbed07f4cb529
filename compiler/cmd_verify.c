/* cmd_verify.c - `rsc verify`: open a snapshot through librsl (the same
 * checks every node makes) with the trusted public keys, and say what it is. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../loader/rsl.h"
#include "cli.h"

int rsc_cmd_verify(int argc, char **argv);

static const char verify_help[] =
"usage: rsc verify --pub FILE [--pub FILE]... [--env ENV] SNAPSHOT...\n"
"\n"
"Checks each snapshot as every node does when it loads one (through librsl):\n"
"the Ed25519 signature against the trusted public keys, the format version,\n"
"the canonical encoding and the structure; then prints its environment,\n"
"version, commit, author, commit time (UTC), key id and flag count.  Every\n"
"snapshot named is checked and reported, whatever the others gave.\n"
"\n"
"  --pub FILE      a trusted public key (SubjectPublicKeyInfo PEM, from rsc\n"
"                  keygen or openssl pkey -pubout); repeat it during a key\n"
"                  rotation to trust the old and the new key side by side\n"
"  --env ENV       also require the snapshot to be for environment ENV\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 every snapshot valid, 1 one is invalid (bad signature,\n"
"unknown key, damaged or unknown format, another environment, unsafe file\n"
"permissions), 2 usage error, 3 I/O error (a snapshot cannot be read, a\n"
"public key file is bad); with several snapshots, the worst of these.\n"
"\n"
"Example:  rsc verify --pub keys/ci-2026.pub --pub keys/ci-2025.pub out/*.rsnap\n";

#define MAX_PUBS 16

/* RFC 3339 in UTC, independent of TZ and the locale. */
/* RFC 3339 UTC text: room for any int year. */
#define TIME_MAX 80

static void rfc3339(char out[TIME_MAX], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm)) {
		snprintf(out, TIME_MAX, "%lld", (long long)t);
		return;
	}
	snprintf(out, TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Opens and reports one snapshot; an exit code. */
static int verify_one(const char *path, const rsl_keyring *kr, const char *env)
{
	rsl_snapshot *snap = NULL;
	rsl_error err;
	memset(&err, 0, sizeof err);
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	o.keys = kr;
	o.environment = env;
	int rc = rsl_open(&snap, path, &o, &err);
	if (rc != RSL_OK) {
		rsc_errorf("verify", "%s: invalid: %s (%s)", path, err.message,
			   rsl_strerror(rc));
		return rc == RSL_EIO || rc == RSL_ENOMEM ? RSC_EXIT_IO : RSC_EXIT_INVALID;
	}
	rsl_info in;
	rsl_snapshot_info(&in, snap);
	char committed[TIME_MAX], expires[TIME_MAX];
	rfc3339(committed, in.commit_time);
	if (in.expires_at)
		rfc3339(expires, in.expires_at);
	else
		snprintf(expires, sizeof expires, "never");
	printf("%s: valid\n"
	       "  environment  %s\n"
	       "  version      %llu\n"
	       "  commit       %s\n"
	       "  author       %s\n"
	       "  subject      %s\n"
	       "  committed    %s\n"
	       "  expires      %s\n"
	       "  key id       %s\n"
	       "  flags        %zu\n",
	       path, in.environment, (unsigned long long)in.version, in.commit,
	       in.author && *in.author ? in.author : "-",
	       in.subject && *in.subject ? in.subject : "-", committed, expires,
	       in.key_id, in.flag_count);
	rsl_close(snap);
	return RSC_EXIT_OK;
}

int rsc_cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pub", required_argument, NULL, 'p' },
		{ "env", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *pubs[MAX_PUBS];
	size_t npubs = 0;
	const char *env = NULL;
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (npubs == MAX_PUBS)
				return rsc_usage("verify", "more than %d --pub", MAX_PUBS);
			pubs[npubs++] = optarg;
			break;
		case 'e':
			env = optarg;
			break;
		case 'h':
			fputs(verify_help, stdout);
			return RSC_EXIT_OK;
		case ':':
			return rsc_usage("verify", "option '%s' needs a value",
					 argv[optind - 1]);
		default:
			return rsc_usage("verify", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind == argc)
		return rsc_usage("verify", "which snapshot? give SNAPSHOT");
	if (npubs == 0)
		return rsc_usage("verify", "no trusted key: give --pub FILE");

	rsl_keyring *kr = NULL;
	if (rsl_keyring_new(&kr) != RSL_OK) {
		rsc_errorf("verify", "out of memory");
		return RSC_EXIT_IO;
	}
	rsl_error err;
	memset(&err, 0, sizeof err);
	for (size_t i = 0; i < npubs; i++) {
		if (rsc_cli_trust_key(kr, "verify", pubs[i]) != RSC_EXIT_OK) {
			rsl_keyring_free(kr);
			return RSC_EXIT_IO;
		}
	}
	int worst = RSC_EXIT_OK;
	for (int i = optind; i < argc; i++) {
		int r = verify_one(argv[i], kr, env);
		if (r == RSC_EXIT_IO || (r == RSC_EXIT_INVALID && worst == RSC_EXIT_OK))
			worst = r;
	}
	rsl_keyring_free(kr);
	return worst;
}
