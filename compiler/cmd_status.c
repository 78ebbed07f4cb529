/*
 * cmd_status.c - `rsc status`: show a node's snapshot file as the live
 * client (rsl_client) would see it: accepted or refused and why, version,
 * commit, environment, age, issued and expiry times, STALE.  A client of
 * rsl.h only: the verdict is the library's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../loader/freshness.h"
#include "cli.h"
#include "metrics.h"
#include "rsl.h"

int rsc_cmd_status(int argc, char **argv);

static const char status_help[] =
"usage: rsc status --pub KEY [--pub KEY]... [--env ENV]\n"
"                  [--format text|prometheus] PATH\n"
"\n"
"Shows the snapshot file at PATH as a node's live client would see it:\n"
"accepted or refused and why, its version, commit, environment, signing key,\n"
"age, issued and expiry times, and STALE once it is past its expiry.\n"
"\n"
"  --pub KEY       a trusted public key (PEM, from rsc keygen); repeatable\n"
"  --env ENV       the environment the node expects (refuse any other)\n"
"  --format FMT    text (default), or prometheus: the same in the Prometheus\n"
"                  text format (rulestead_snapshot_info{env,version,commit},\n"
"                  rulestead_snapshot_age_seconds, rulestead_snapshot_stale,\n"
"                  rulestead_last_refresh_outcome{outcome}, ...), for\n"
"                  node_exporter's textfile collector (docs/operations.md)\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 accepted and fresh, 1 refused or STALE, 2 usage error,\n"
"3 PATH or a key cannot be read.  With --format prometheus: 0 whenever the\n"
"metrics were printed (the verdict is in them: rulestead_ready,\n"
"rulestead_snapshot_stale), 3 when a key cannot be read.\n"
"\n"
"Example:  rsc status --pub rulestead.pub --env prod /etc/rulestead/prod.rsnap\n"
"          rsc status --pub rulestead.pub --format prometheus \\\n"
"              /etc/rulestead/prod.rsnap > rulestead.prom.tmp &&\n"
"              mv rulestead.prom.tmp /var/lib/node_exporter/rulestead.prom\n";

static int print_metrics(const char *cmd, const rsl_client_status *st)
{
	char *text;
	size_t len;
	if (rsc_metrics_render(&text, &len, st, NULL, NULL) < 0) {
		rsc_errorf(cmd, "out of memory");
		return RSC_EXIT_IO;
	}
	int ok = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0;
	free(text);
	if (!ok) {
		rsc_errorf(cmd, "cannot write the metrics to stdout");
		return RSC_EXIT_IO;
	}
	return RSC_EXIT_OK;
}

int rsc_cmd_status(int argc, char **argv)
{
	static const char *cmd = "status";
	static const struct option opts[] = {
		{ "pub", required_argument, NULL, 0x200 },
		{ "env", required_argument, NULL, 0x201 },
		{ "format", required_argument, NULL, 0x202 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_parser p = RSC_CLI_PARSER(cmd, status_help, opts, NULL, argc, argv);
	rsc_cli_pubs pubs = { { NULL }, 0 };
	rsl_keyring *keys = NULL;
	rsl_client *client = NULL;
	rsl_client_options co = RSL_CLIENT_OPTIONS_INIT;
	rsl_error e;
	int c, rc, prometheus = 0;

	while ((c = rsc_cli_next(&p)) > 0) {
		if (c == 0x201)
			co.environment = p.arg;
		else if (c == 0x202 && strcmp(p.arg, "prometheus") == 0)
			prometheus = 1;
		else if (c == 0x202 && strcmp(p.arg, "text") == 0)
			prometheus = 0;
		else if (c == 0x202)
			return rsc_usage(cmd, "unknown --format '%s'; expected text or prometheus",
					 p.arg);
		else if ((rc = rsc_cli_pub_option(&pubs, cmd, p.arg)) != RSC_EXIT_OK)
			return rc;
	}
	if (c < 0)
		return p.exit;
	if (p.next >= argc)
		return rsc_usage(cmd, "the snapshot PATH is required");
	if (rsc_cli_positionals(&p, 1, "") != RSC_EXIT_OK)
		return RSC_EXIT_USAGE;
	if ((rc = rsc_cli_keyring(&keys, cmd, &pubs)) != RSC_EXIT_OK)
		return rc;
	const char *path = argv[p.next];

	/* A client that reads once and never watches: what a node starting now
	 * would serve.  No backup path: status must not write on the node. */
	co.keys = keys;
	co.flags = RSL_CLIENT_NO_THREAD;
	if (rsl_client_new(&client, path, &co, &e) != RSL_OK) {
		rsc_errorf(cmd, "%s", e.message);
		rc = RSC_EXIT_IO;
		goto out;
	}
	rsl_client_status st;
	rsl_client_status_get(&st, client);
	if (prometheus) {
		rc = print_metrics(cmd, &st);
		goto out;
	}
	int refused = strcmp(st.last_outcome, "refused") == 0;
	if (refused)
		printf("refused (%s): %s\n", rsl_strerror(st.last_code), st.last_error);
	if (!st.ready) {
		rc = st.last_code == RSL_EIO ? RSC_EXIT_IO : RSC_EXIT_INVALID;
		goto out;
	}
	char a[RSC_TIME_MAX], b[48];
	printf("%s: accepted\n", path);
	printf("  version      %llu\n", (unsigned long long)st.version);
	printf("  commit       %s\n", st.commit);
	printf("  environment  %s\n", st.environment);
	printf("  key id       %s\n", st.key_id);
	printf("  flags        %zu\n", st.flag_count);
	rsc_cli_utc_time(a, st.issued_at);
	rsl__span(b, sizeof b, st.age);
	printf("  issued       %s (%s ago)\n", a, b);
	char fresh[160];
	rsl__freshness(fresh, sizeof fresh, st.expires_at, (int64_t)time(NULL));
	printf("  freshness    %s\n", fresh);
	if (st.stale)
		printf("               (%s)\n", st.failing_closed
		       ? "failing closed: the client serves the callers' fallbacks"
		       : "still served, degraded; with RSL_CLIENT_FAIL_CLOSED a client "
			 "serves the callers' fallbacks");
	printf("  content      blake2b-256:%s\n", st.content_hash);
	rc = refused || st.stale ? RSC_EXIT_INVALID : RSC_EXIT_OK;
out:
	rsl_client_free(client);
	rsl_keyring_free(keys);
	return rc;
}
