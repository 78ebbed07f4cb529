/*
 * cmd_agent.c - `rsc agent`: the arguments of agent.c's engine, the
 * signals that stop it, and --once's exit status.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "atomic.h"
#include "cli.h"
#include "metrics.h"
#include "ofrep.h"
#include "rsl.h"
#include "scalar.h"

int rsc_cmd_agent(int argc, char **argv);

/* rsc agent --once: what the poll did (docs/operations.md). */
#define AGENT_EXIT_UPDATED RSC_EXIT_OK
#define AGENT_EXIT_REFUSED RSC_EXIT_INVALID
#define AGENT_EXIT_ERROR RSC_EXIT_IO
#define AGENT_EXIT_UNCHANGED 4

static const char agent_help[] =
"usage: rsc agent --from URL --to PATH --pub KEY [--pub KEY]... [--env ENV]\n"
"                 [--interval DURATION] [--jitter DURATION|PCT%]\n"
"                 [--max-backoff DURATION] [--max-size BYTES]\n"
"                 [--log-format text|json] [--once]\n"
"                 [--serve ADDR] [--metrics FILE]\n"
"\n"
"The node side of publishing: polls URL for environment ENV's snapshot,\n"
"verifies every download with the live client's rules (a trusted\n"
"signature, the environment, not older than what PATH holds, the same\n"
"version only as a renewal) and only then renames it into place at PATH\n"
"(a temporary file in PATH's directory, fsync, rename, fsync of the\n"
"directory), so that PATH only ever holds a whole snapshot the node's\n"
"clients accept.  A source that is down, or that serves something refused,\n"
"changes nothing at PATH.  Polls are conditional: an unchanged source costs\n"
"no download.  Errors back off exponentially (the interval doubled per\n"
"consecutive error, up to --max-backoff), reset by the next success.\n"
"Runs until SIGTERM or SIGINT (exit status 0).\n"
"\n"
"  --from URL           where CI publishes:  file://DIR (DIR/ENV.rsnap),\n"
"                       oci://REGISTRY/REPO (tag ENV), s3://BUCKET/PREFIX\n"
"                       (PREFIX/ENV.rsnap)\n"
"  --to PATH            the node's snapshot file (its directory must exist)\n"
"  --pub KEY            a trusted public key (PEM, from rsc keygen); repeatable\n"
"  --env ENV            the environment; default: that of the snapshot at PATH\n"
"  --interval DURATION  between polls (default 10s); 500ms, 10s, 5m, 1h\n"
"  --jitter J           each wait moves by a uniform amount up to +-J: a\n"
"                       duration, or a percentage of the wait (default 10%;\n"
"                       at most half the wait)\n"
"  --max-backoff D      the longest wait after errors (default 5m)\n"
"  --max-size BYTES     refuse a larger snapshot (default 256 MiB)\n"
"  --log-format F       text (default) or json: one line per poll on stderr\n"
"  --once               poll once and exit with a status saying what happened\n"
"  --serve ADDR         answer the OpenFeature Remote Evaluation Protocol\n"
"                       (POST /ofrep/v1/evaluate/flags[/KEY]) and GET /metrics\n"
"                       on ADDR, HOST:PORT (127.0.0.1:8016; port 0: any free\n"
"                       one), from a live client on PATH; with\n"
"                       RULESTEAD_OFREP_TOKEN set, every request must carry\n"
"                       that token (Authorization: Bearer, or X-API-Key)\n"
"  --metrics FILE       the metrics in the Prometheus text format, rewritten\n"
"                       atomically after each poll (node_exporter's textfile\n"
"                       collector): the client's status and the agent's\n"
"                       counters (docs/operations.md, \"Metrics\")\n"
"  -h, --help           this help\n"
"\n"
"One line per poll, on stderr; VERSION and COMMIT are what PATH holds after\n"
"it (left out, or null in JSON, while PATH holds no snapshot):\n"
"  text  TIME OUTCOME env=ENV version=VERSION commit=COMMIT: REASON\n"
"  json  {\"time\":..,\"outcome\":..,\"env\":..,\"version\":..,\"commit\":..,\"reason\":..}\n"
"OUTCOME is updated (written to PATH), unchanged (the source serves what\n"
"PATH holds, or has not changed), refused (the rules refuse what the source\n"
"serves: REASON says why; PATH kept) or error (the source failed, or PATH\n"
"could not be written; PATH kept, and REASON says when the next poll is).\n"
"\n"
"Exit status: 0 stopped by a signal; with --once: 0 updated, 4 unchanged,\n"
"1 refused, 3 error; 2 usage error (also: no --env and no snapshot at PATH\n"
"to take it from); 3 a key cannot be read.\n"
"\n"
"Example:  rsc agent --from file:///srv/snapshots --to /etc/flags/prod.rsnap \\\n"
"              --pub /etc/flags/ci-signing.pub --env prod --interval 30s\n";

/* "500ms", "10s", "5m", "1h" or "0" (up to 100000000 of a unit):
 * milliseconds into *out; 0 or -1. */
static int parse_duration(int64_t *out, const char *s)
{
	static const rsc_duration_unit ms[] = {
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { NULL, 0 }
	};
	return rsc_parse_duration_text(out, s, strlen(s), ms, 100000000,
				       RSC_DURATION_LEADING_ZEROS | RSC_DURATION_BARE_ZERO);
}

static rsc_agent *running;

/* --metrics FILE: after each poll, what a scrape of /metrics would get. */
static void write_metrics(rsc_agent *a, void *user)
{
	const char *path = user;
	rsl_client_status st;
	struct rsc_agent_stats as;
	char *text, err[600];
	size_t len;
	rsl_client_status_get(&st, rsc_agent_client(a));
	rsc_agent_stats_get(a, &as);
	if (rsc_metrics_render(&text, &len, &st, &as, NULL) < 0) {
		rsc_errorf("agent", "--metrics %s: out of memory", path);
		return;
	}
	if (rsc_atomic_write(path, text, len, 0644, 0, err, sizeof err) != 0)
		rsc_errorf("agent", "--metrics: %s", err);
	free(text);
}

static void on_signal(int sig)
{
	(void)sig;
	if (running)
		rsc_agent_stop(running);
}

int rsc_cmd_agent(int argc, char **argv)
{
	static const char *cmd = "agent";
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 0x200 },
		{ "to", required_argument, NULL, 0x201 },
		{ "pub", required_argument, NULL, 0x202 },
		{ "env", required_argument, NULL, 0x203 },
		{ "interval", required_argument, NULL, 0x204 },
		{ "jitter", required_argument, NULL, 0x205 },
		{ "max-backoff", required_argument, NULL, 0x206 },
		{ "max-size", required_argument, NULL, 0x207 },
		{ "log-format", required_argument, NULL, 0x208 },
		{ "once", no_argument, NULL, 0x209 },
		{ "serve", required_argument, NULL, 0x20a },
		{ "metrics", required_argument, NULL, 0x20b },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_parser p = RSC_CLI_PARSER(cmd, agent_help, opts, NULL, argc, argv);
	rsc_cli_pubs pubs = { { NULL }, 0 };
	rsc_agent_options o = RSC_AGENT_OPTIONS_INIT;
	const char *jitter_pct = NULL;
	rsl_keyring *keys = NULL;
	rsc_agent *a = NULL;
	rsc_ofrep *server = NULL;
	const char *serve = NULL;
	int once = 0, c, rc = RSC_EXIT_USAGE;

	while ((c = rsc_cli_next(&p)) > 0) {
		const char *arg = p.arg;
		switch (c) {
		case 0x200: o.from = arg; break;
		case 0x201: o.to = arg; break;
		case 0x202:
			if ((rc = rsc_cli_pub_option(&pubs, cmd, arg)) != RSC_EXIT_OK)
				goto out;
			break;
		case 0x203: o.env = arg; break;
		case 0x204:
			if (parse_duration(&o.interval_ms, arg) < 0 || o.interval_ms < 10) {
				rc = rsc_usage(cmd, "--interval expects a duration of at least 10ms "
					       "(500ms, 10s, 5m, 1h), found '%s'", arg);
				goto out;
			}
			break;
		case 0x205: {
			size_t n = strlen(arg);
			if (n && arg[n - 1] == '%') {
				jitter_pct = arg;
				break;
			}
			if (parse_duration(&o.jitter_ms, arg) < 0) {
				rc = rsc_usage(cmd, "--jitter expects a duration (2s) or a "
					       "percentage (10%%), found '%s'", arg);
				goto out;
			}
			break;
		}
		case 0x206:
			if (parse_duration(&o.max_backoff_ms, arg) < 0 || o.max_backoff_ms <= 0) {
				rc = rsc_usage(cmd, "--max-backoff expects a positive duration "
					       "(30s, 5m, 1h), found '%s'", arg);
				goto out;
			}
			break;
		case 0x207: {
			char *end;
			errno = 0;
			unsigned long long v = strtoull(arg, &end, 10);
			if (!*arg || *arg == '-' || *end || errno || v == 0 || v > ((size_t)1 << 30)) {
				rc = rsc_usage(cmd, "--max-size expects bytes (1 to 1073741824), "
					       "found '%s'", arg);
				goto out;
			}
			o.max_size = (size_t)v;
			break;
		}
		case 0x208:
			if (strcmp(arg, "text") != 0 && strcmp(arg, "json") != 0) {
				rc = rsc_usage(cmd, "unknown --log-format '%s'; expected text or json",
					       arg);
				goto out;
			}
			o.json = strcmp(arg, "json") == 0;
			break;
		case 0x209: once = 1; break;
		case 0x20a: serve = arg; break;
		case 0x20b:
			o.after_poll = write_metrics;
			o.after_poll_user = (void *)arg;
			break;
		}
	}
	if (c < 0) {
		rc = p.exit;
		goto out;
	}
	if ((rc = rsc_cli_positionals(&p, 0, NULL)) != RSC_EXIT_OK)
		goto out;
	rc = RSC_EXIT_USAGE;
	if (!o.from) {
		rc = rsc_usage(cmd, "where from? give --from URL");
		goto out;
	}
	if (!o.to) {
		rc = rsc_usage(cmd, "where to? give --to PATH");
		goto out;
	}
	if (jitter_pct) {
		char *end;
		errno = 0;
		long v = strtol(jitter_pct, &end, 10);
		if (end == jitter_pct || *jitter_pct == '-' || strcmp(end, "%") != 0 || errno ||
		    v > 50) {
			rc = rsc_usage(cmd, "--jitter expects a percentage from 0%% to 50%%, "
				       "found '%s'", jitter_pct);
			goto out;
		}
		o.jitter_ms = -1;
		o.jitter_pct = (int)v;
	}
	if (serve && once) {
		rc = rsc_usage(cmd, "--serve needs the agent to keep running: not with --once");
		goto out;
	}
	if ((rc = rsc_cli_keyring(&keys, cmd, &pubs)) != RSC_EXIT_OK)
		goto out;
	o.keys = keys;
	o.once = once;
	o.live_client = serve || o.after_poll;
	char err[600];
	if ((rc = rsc_agent_new(&a, &o, err, sizeof err)) != RSC_EXIT_OK) {
		if (rc == RSC_EXIT_USAGE)
			rsc_usage(cmd, "%s", err);
		else
			rsc_errorf(cmd, "%s", err);
		goto out;
	}
	if (serve) {
		rsc_ofrep_options so = RSC_OFREP_OPTIONS_INIT;
		so.addr = serve;
		so.client = rsc_agent_client(a);
		so.agent = a;
		so.token = getenv("RULESTEAD_OFREP_TOKEN");
		if (so.token && !*so.token)
			so.token = NULL;
		so.log = stderr;
		so.log_json = o.json;
		if (rsc_ofrep_start(&server, &so, err, sizeof err) != 0) {
			rsc_errorf(cmd, "--serve: %s", err);
			rc = RSC_EXIT_IO;
			goto out;
		}
		const char *colon = strrchr(serve, ':');
		fprintf(stderr, "rsc agent: serving OFREP and /metrics on http://%.*s:%u%s\n",
			(int)(colon - serve), serve, rsc_ofrep_port(server),
			so.token ? " (token required)" : "");
		fflush(stderr);
	}
	if (once) {
		static const int status[] = { AGENT_EXIT_UPDATED, AGENT_EXIT_UNCHANGED,
					      AGENT_EXIT_REFUSED, AGENT_EXIT_ERROR };
		rc = status[rsc_agent_poll(a)];
		goto out;
	}
	running = a;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	rc = rsc_agent_run(a);
	running = NULL;
out:
	rsc_ofrep_stop(server); /* before the client it serves */
	rsc_agent_free(a);
	rsl_keyring_free(keys);
	return rc;
}
