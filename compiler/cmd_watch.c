/*
 * cmd_watch.c - `rsc watch`: run the live client (rsl_client) on a snapshot
 * path and print one line per refresh outcome, and a flag's decision after
 * every accepted snapshot: an operator's window onto what a node serves.
 * A client of rsl.h only.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "ctxjson.h"
#include "rsl.h"

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
"prints the flag's decision for the context after every accepted snapshot.\n"
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

typedef struct watch {
	pthread_mutex_t lock;  /* recursive: events come from rsl_client_new too */
	rsl_client *client;    /* NULL until rsl_client_new returns */
	int pending;           /* an accepted snapshot whose decision is unprinted */
	const char *flag;
	const rsl_context *ctx;
	atomic_int events;
} watch;

static void stamp(char *out, size_t cap)
{
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The flag's decision in the served snapshot, whatever its type. */
static void print_decision(watch *w)
{
	char ts[32];
	stamp(ts, sizeof ts);
	const rsl_snapshot *s = rsl_client_hold(w->client);
	rsl_result r;
	static const rsl_type types[] = { RSL_BOOLEAN, RSL_STRING, RSL_INTEGER, RSL_FLOAT,
					  RSL_OBJECT };
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		rsl_evaluate(&r, s, w->flag, types[i], w->ctx, NULL);
		if (r.error != RSL_ERR_TYPE_MISMATCH)
			break;
	}
	printf("%s   %s = ", ts, w->flag);
	if (r.reason == RSL_REASON_ERROR) {
		printf("(fallback) error %s\n", rsl_error_code_name(r.error));
		rsl_client_release(w->client);
		return;
	}
	switch (r.value.type) {
	case RSL_BOOLEAN:
		printf("%s", r.value.b ? "true" : "false");
		break;
	case RSL_INTEGER:
		printf("%lld", (long long)r.value.i);
		break;
	case RSL_FLOAT:
		printf("%.17g", r.value.f);
		break;
	default:
		printf("%s%.*s%s", r.value.type == RSL_STRING ? "\"" : "", (int)r.value.len,
		       r.value.s ? r.value.s : "", r.value.type == RSL_STRING ? "\"" : "");
		break;
	}
	printf(" (variant %s, %s", r.variant ? r.variant : "-", rsl_reason_name(r.reason));
	if (r.rule_name)
		printf(", rule %d '%s'", r.rule_index, r.rule_name);
	if (r.file)
		printf(", %s:%u", r.file, r.line);
	printf(")\n");
	rsl_client_release(w->client);
}

static void on_event(const rsl_client_event *ev, void *user)
{
	watch *w = user;
	const char *kind;
	if (strcmp(ev->name, RSL_EVENT_ACCEPTED) == 0)
		kind = "accepted";
	else if (strcmp(ev->name, RSL_EVENT_REFUSED) == 0)
		kind = "refused";
	else if (strcmp(ev->name, RSL_EVENT_STALE) == 0)
		kind = "stale";
	else if (strcmp(ev->name, RSL_EVENT_ROLLBACK_OVERRIDE) == 0)
		kind = "rollback-override";
	else if (strcmp(ev->name, RSL_EVENT_BACKUP_FAILED) == 0)
		kind = "backup-failed";
	else
		return; /* evaluation events: not refresh outcomes */
	pthread_mutex_lock(&w->lock);
	char ts[32];
	stamp(ts, sizeof ts);
	if (ev->code != RSL_OK)
		printf("%s %s %s: %s\n", ts, kind, rsl_strerror(ev->code), ev->message);
	else
		printf("%s %s %s\n", ts, kind, ev->message);
	if (w->flag && strcmp(kind, "accepted") == 0) {
		if (w->client)
			print_decision(w);
		else
			w->pending = 1;
	}
	fflush(stdout);
	atomic_fetch_add(&w->events, 1);
	pthread_mutex_unlock(&w->lock);
}

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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	rsl_keyring *keys = NULL;
	rsl_client_options co = RSL_CLIENT_OPTIONS_INIT;
	rsc_ctx ctx = RSC_CTX_INIT;
	watch w;
	rsl_error e;
	char err[256];
	const char *path = NULL;
	long max_events = 0, timeout = 0, n;
	int c, rc = RSC_EXIT_USAGE, nkeys = 0;
	pthread_mutexattr_t ma;

	memset(&w, 0, sizeof w);
	atomic_init(&w.events, 0);
	pthread_mutexattr_init(&ma);
	pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&w.lock, &ma);
	pthread_mutexattr_destroy(&ma);
	if (rsl_keyring_new(&keys) != RSL_OK) {
		rsc_errorf(cmd, "out of memory");
		rc = RSC_EXIT_IO;
		goto out;
	}
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(watch_help, stdout);
			rc = RSC_EXIT_OK;
			goto out;
		case 0x200:
			if (rsc_cli_trust_key(keys, cmd, optarg) != RSC_EXIT_OK) {
				rc = RSC_EXIT_IO;
				goto out;
			}
			nkeys++;
			break;
		case 0x201:
			co.environment = optarg;
			break;
		case 0x202:
			co.backup_path = optarg;
			break;
		case 0x203:
			if (parse_count(&n, optarg) < 0 || n > 3600000) {
				rc = rsc_usage(cmd, "--poll-ms expects milliseconds (1 to 3600000), "
					       "found '%s'", optarg);
				goto out;
			}
			co.poll_interval_ms = (unsigned)n;
			break;
		case 0x204:
			co.flags |= RSL_CLIENT_FAIL_CLOSED;
			break;
		case 0x205:
			w.flag = optarg;
			break;
		case 0x206:
			if (rsc_ctx_add_json(&ctx, optarg, err, sizeof err) < 0) {
				rc = rsc_usage(cmd, "--context: %s", err);
				goto out;
			}
			break;
		case 0x207:
			if (parse_count(&max_events, optarg) < 0) {
				rc = rsc_usage(cmd, "--max-events expects a positive count, found '%s'",
					       optarg);
				goto out;
			}
			break;
		case 0x208:
			if (parse_count(&timeout, optarg) < 0) {
				rc = rsc_usage(cmd, "--timeout expects positive seconds, found '%s'",
					       optarg);
				goto out;
			}
			break;
		case ':':
			rc = rsc_usage(cmd, "%s needs a value", argv[optind - 1]);
			goto out;
		default:
			rc = rsc_usage(cmd, "unknown option '%s'", argv[optind - 1]);
			goto out;
		}
	}
	/* The first operand is the path; the others are NAME=VALUE pairs. */
	for (int i = optind; i < argc; i++) {
		if (!path) {
			path = argv[i];
		} else if (rsc_ctx_add_pair(&ctx, argv[i], err, sizeof err) < 0) {
			rc = rsc_usage(cmd, "%s", err);
			goto out;
		}
	}
	if (!path) {
		rc = rsc_usage(cmd, "the snapshot PATH is required");
		goto out;
	}
	if (nkeys == 0) {
		rc = rsc_usage(cmd, "--pub is required: snapshots must verify");
		goto out;
	}
	if (!w.flag && (ctx.nattrs || ctx.ctx.targeting_key || ctx.ctx.tenant_key)) {
		rc = rsc_usage(cmd, "a context needs --flag");
		goto out;
	}
	rsc_ctx_finish(&ctx);
	w.ctx = &ctx.ctx;

	/* Signals are taken synchronously by this thread: block them before the
	 * client's thread starts, so that it inherits the mask. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);

	co.keys = keys;
	co.on_event = on_event;
	co.event_user = &w;
	rsl_client *client = NULL;
	pthread_mutex_lock(&w.lock);
	int r = rsl_client_new(&client, path, &co, &e);
	w.client = client;
	if (r == RSL_OK && w.pending)
		print_decision(&w);
	fflush(stdout);
	pthread_mutex_unlock(&w.lock);
	if (r != RSL_OK) {
		rsc_errorf(cmd, "%s", e.message);
		rc = RSC_EXIT_IO;
		goto out;
	}

	struct timespec start, now;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct timespec tick = { 0, 50 * 1000 * 1000 };
		int sig = sigtimedwait(&sigs, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM)
			break;
		if (max_events && atomic_load(&w.events) >= max_events)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timeout && now.tv_sec - start.tv_sec >= timeout)
			break;
	}
	rsl_client_free(client);
	rc = RSC_EXIT_OK;
out:
	rsl_keyring_free(keys);
	rsc_ctx_free(&ctx);
	pthread_mutex_destroy(&w.lock);
	return rc;
}
