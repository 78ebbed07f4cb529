/* cmd_verify.c - `rsc verify`: open a snapshot through librsl (the same
 * checks every node makes) with the trusted public keys, and say what it is. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../loader/freshness.h"
#include "../loader/rsl.h"
#include "cli.h"

int rsc_cmd_verify(int argc, char **argv);

static const char verify_help[] =
"usage: rsc verify --pub FILE [--pub FILE]... [--env ENV] [--now TIME] SNAPSHOT...\n"
"\n"
"Checks each snapshot as every node does when it loads one (through librsl):\n"
"the Ed25519 signature against the trusted public keys, the format version,\n"
"the canonical encoding and the structure; then prints its environment,\n"
"version, commit, author, commit time (UTC), expiry, key id and flag count.\n"
"A snapshot past its expires_at is reported STALE, as a node would serve it\n"
"(renew it by compiling the same commit again: docs/operations.md).  Every\n"
"snapshot named is checked and reported, whatever the others gave.\n"
"\n"
"  --pub FILE      a trusted public key (SubjectPublicKeyInfo PEM, from rsc\n"
"                  keygen or openssl pkey -pubout); repeat it during a key\n"
"                  rotation to trust the old and the new key side by side\n"
"  --env ENV       also require the snapshot to be for environment ENV\n"
"  --now TIME      judge freshness at TIME (RFC 3339, e.g. 2026-12-01T09:00:00Z,\n"
"                  or seconds since the epoch)\n"
"                  instead of the clock: will it still be fresh then?\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 every snapshot valid and fresh, 1 one is invalid (bad\n"
"signature, unknown key, damaged or unknown format, another environment,\n"
"unsafe file permissions) or STALE, 2 usage error, 3 I/O error (a snapshot cannot be read, a\n"
"public key file is bad); with several snapshots, the worst of these.\n"
"\n"
"Example:  rsc verify --pub keys/ci-2026.pub --pub keys/ci-2025.pub out/*.rsnap\n";

/* Opens and reports one snapshot; an exit code. */
static int verify_one(const char *path, const rsl_keyring *kr, const char *env,
		      int64_t now)
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
	char committed[RSC_TIME_MAX], fresh[160];
	rsc_cli_utc_time(committed, in.commit_time);
	int stale = rsl__freshness(fresh, sizeof fresh, in.expires_at, now);
	printf("%s: %s\n"
	       "  environment  %s\n"
	       "  version      %llu\n"
	       "  commit       %s\n"
	       "  author       %s\n"
	       "  subject      %s\n"
	       "  committed    %s\n"
	       "  freshness    %s\n"
	       "  key id       %s\n"
	       "  flags        %zu\n",
	       path, stale ? "valid signature, but STALE" : "valid", in.environment,
	       (unsigned long long)in.version, in.commit,
	       in.author && *in.author ? in.author : "-",
	       in.subject && *in.subject ? in.subject : "-", committed, fresh,
	       in.key_id, in.flag_count);
	rsl_close(snap);
	return stale ? RSC_EXIT_INVALID : RSC_EXIT_OK;
}

int rsc_cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pub", required_argument, NULL, 0x200 },
		{ "env", required_argument, NULL, 0x201 },
		{ "now", required_argument, NULL, 0x202 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_parser p = RSC_CLI_PARSER("verify", verify_help, opts, NULL, argc, argv);
	rsc_cli_pubs pubs = { { NULL }, 0 };
	const char *env = NULL;
	int64_t now = (int64_t)time(NULL);
	int c, rc;
	while ((c = rsc_cli_next(&p)) > 0) {
		if (c == 0x201)
			env = p.arg;
		else if (c == 0x202 && rsc_cli_time_arg(&now, p.arg) != 0)
			return rsc_usage("verify", "--now '%s' is not an RFC 3339 time like "
					 "2026-12-01T09:00:00Z", p.arg);
		else if (c == 0x202)
			continue;
		else if ((rc = rsc_cli_pub_option(&pubs, "verify", p.arg)) != RSC_EXIT_OK)
			return rc;
	}
	if (c < 0)
		return p.exit;
	if (p.next == argc)
		return rsc_usage("verify", "which snapshot? give SNAPSHOT");
	rsl_keyring *kr;
	if ((rc = rsc_cli_keyring(&kr, "verify", &pubs)) != RSC_EXIT_OK)
		return rc;
	int worst = RSC_EXIT_OK;
	for (int i = p.next; i < argc; i++) {
		int r = verify_one(argv[i], kr, env, now);
		if (r == RSC_EXIT_IO || (r == RSC_EXIT_INVALID && worst == RSC_EXIT_OK))
			worst = r;
	}
	rsl_keyring_free(kr);
	return worst;
}
