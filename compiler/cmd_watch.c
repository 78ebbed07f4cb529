/*
 * cmd_watch.c - `rsc watch`: the arguments of watch.c's engine, which runs
 * the live client (rsl_client) on a snapshot path and prints one line per
 * refresh outcome: an operator's window onto what a node serves.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "ctxjson.h"
#include "rsl.h"
#include "watch.h"

int rsc_cmd_watch(int argc, char **argv);

static const char watch_help[] =
"usage: rsc watch --pub KEY [--pub KEY]... PATH [--env ENV] [--backup FILE]\n"
"                 [--poll-ms N] [--fail-closed]\n"
"                 [--flag KEY [--context JSON] [NAME=VALUE]...]\n"
"                 [--max-events N] [--timeout SECONDS]\n"
"\n"
"Runs the live client of librsl on the snapshot at PATH, as a node does,\n"
"and prints one line per refresh outcome: accepted (version, commit,\n"
"environment), refused (the reason), stale, backup failures.  With --flag,\n"
"prints the flag's decision for the context after every accepted snapshot\n"
"(\"not evaluated\" when a newer one replaced it before its decision was\n"
"printed: the newer one's outcome and decision follow).\n"
"Runs until interrupted (SIGINT, SIGTERM).\n"
"\n"
"  --pub KEY        a trusted public key (PEM, from rsc keygen); repeatable\n"
"  --env ENV        the environment the node expects (refuse any other)\n"
"  --backup FILE    keep a copy of each accepted snapshot, loaded at start\n"
"  --poll-ms N      stat polling interval (default 1000)\n"
"  --fail-closed    past its expiry, serve fallbacks instead of the snapshot\n"
"  --flag KEY       a flag to evaluate after each accepted snapshot\n"
"  --context JSON   its context, as for rsc explain\n"
"  NAME=VALUE       one attribute of the context, as for rsc explain\n"
"  --max-events N   stop after N refresh outcome lines\n"
"  --timeout SECS   stop after SECS seconds\n"
"  -h, --help       this help\n"
"\n"
"Lines:  <time> accepted <path>: serving version V, commit C, ...\n"
"        <time>   <flag> = <value> (variant, reason, rule, file:line)\n"
"        <time> refused <RSL_E...>: <reason>\n"
"        <time> stale|rollback-override|backup-failed ...: <message>\n"
"\n"
"Exit status: 0 stopped (signal, --timeout or --max-events), 2 usage error,\n"
"3 a key cannot be read or the client cannot start.\n"
"\n"
"Example:  rsc watch --pub rulestead.pub --env prod /etc/rulestead/prod.rsnap \\\n"
"              --flag new-checkout targeting_key=user-42\n";

static int parse_count(long *out, const char *s)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v <= 0)
		return -1;
	*out = v;
	return 0;
}

int rsc_cmd_watch(int argc, char **argv)
{
	static const char *cmd = "watch";
	static const struct option opts[] = {
		{ "pub", required_argument, NULL, 0x200 },
		{ "env", required_argument, NULL, 0x201 },
		{ "backup", required_argument, NULL, 0x202 },
		{ "poll-ms", required_argument, NULL, 0x203 },
		{ "fail-closed", no_argument, NULL, 0x204 },
		{ "flag", required_argument, NULL, 0x205 },
		{ "context", required_argument, NULL, 0x206 },
		{ "max-events", required_argument, NULL, 0x207 },
		{ "timeout", required_argument, NULL, 0x208 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_parser p = RSC_CLI_PARSER(cmd, watch_help, opts, NULL, argc, argv);
	rsc_cli_pubs pubs = { { NULL }, 0 };
	rsc_watch_options wo = { NULL, RSL_CLIENT_OPTIONS_INIT, NULL, NULL, 0, 0 };
	rsl_client_options *co = &wo.client;
	rsc_ctx ctx = RSC_CTX_INIT;
	rsl_keyring *keys = NULL;
	char err[256];
	long n;
	int c, rc = RSC_EXIT_USAGE;

	while ((c = rsc_cli_next(&p)) > 0) {
		const char *arg = p.arg;
		if (c == 0x200 && (rc = rsc_cli_pub_option(&pubs, cmd, arg)) != RSC_EXIT_OK)
			goto out;
		if (c == 0x201)
			co->environment = arg;
		if (c == 0x202)
			co->backup_path = arg;
		if (c == 0x203 && (parse_count(&n, arg) < 0 || n > 3600000)) {
			rc = rsc_usage(cmd, "--poll-ms expects milliseconds (1 to 3600000), "
				       "found '%s'", arg);
			goto out;
		}
		if (c == 0x203)
			co->poll_interval_ms = (unsigned)n;
		if (c == 0x204)
			co->flags |= RSL_CLIENT_FAIL_CLOSED;
		if (c == 0x205)
			wo.flag = arg;
		if (c == 0x206 && rsc_ctx_add_json(&ctx, arg, err, sizeof err) < 0) {
			rc = rsc_usage(cmd, "--context: %s", err);
			goto out;
		}
		if (c == 0x207 && parse_count(&wo.max_events, arg) < 0) {
			rc = rsc_usage(cmd, "--max-events expects a positive count, found '%s'", arg);
			goto out;
		}
		if (c == 0x208 && parse_count(&wo.timeout, arg) < 0) {
			rc = rsc_usage(cmd, "--timeout expects positive seconds, found '%s'", arg);
			goto out;
		}
	}
	if (c < 0) {
		rc = p.exit;
		goto out;
	}
	/* The first operand is the path; the others are NAME=VALUE pairs. */
	for (int i = p.next; i < argc; i++) {
		if (!wo.path) {
			wo.path = argv[i];
		} else if (rsc_ctx_add_pair(&ctx, argv[i], err, sizeof err) < 0) {
			rc = rsc_usage(cmd, "%s", err);
			goto out;
		}
	}
	if (!wo.path) {
		rc = rsc_usage(cmd, "the snapshot PATH is required");
		goto out;
	}
	if (!wo.flag && (ctx.nattrs || ctx.ctx.targeting_key || ctx.ctx.tenant_key)) {
		rc = rsc_usage(cmd, "a context needs --flag");
		goto out;
	}
	if ((rc = rsc_cli_keyring(&keys, cmd, &pubs)) != RSC_EXIT_OK)
		goto out;
	co->keys = keys;
	rsc_ctx_finish(&ctx);
	wo.ctx = &ctx.ctx;
	rc = rsc_watch_run(&wo);
out:
	rsl_keyring_free(keys);
	rsc_ctx_free(&ctx);
	return rc;
}
