/*
 * cmd_explain.c - `rsc explain`: open a snapshot with librsl, evaluate one
 * flag for one context and print the library's trace.  A client of rsl.h
 * only: the decision is the library's, not a second evaluator's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctxjson.h"
#include "suggest.h"
#include "../loader/rsl.h"
#include "../loader/snap.h" /* the snapshot's flag keys, for "did you mean" */

int rsc_cmd_explain(int argc, char **argv);

static const char explain_help[] =
"usage: rsc explain --snapshot FILE --pub KEY [--pub KEY]... --flag KEY\n"
"                   [--context JSON] [NAME=VALUE]... [--now TIME]\n"
"                   [--format text|json]\n"
"\n"
"Opens and verifies a snapshot, evaluates one flag for one context with\n"
"librsl, and prints why it decided what it did: each rule in order with its\n"
"file:line, whether it matched and if not which condition failed on which\n"
"attribute value, the bucket and thresholds of a split, and the result.\n"
"\n"
"  --snapshot FILE  the snapshot (<env>.rsnap) written by rsc compile\n"
"  --pub KEY        a trusted public key (PEM, from rsc keygen); repeatable\n"
"  --flag KEY       the flag to evaluate\n"
"  --context JSON   the context as a JSON object: strings, numbers, true,\n"
"                   false and lists of strings are attributes; the keys\n"
"                   targeting_key, tenant_key, environment, request_id and\n"
"                   session_id fill the context's fields of those names\n"
"  NAME=VALUE       one attribute (or one of the keys above): true/false is\n"
"                   a boolean, a number a number, anything else a string.\n"
"                   Attribute names (here and in --context) are 1 to 64\n"
"                   letters, digits, '_', '-' and '.', starting with a letter\n"
"                   or '_' (docs/ruleset.md, \"Keys\")\n"
"  --now TIME       evaluate at this time (RFC 3339, seconds since the epoch,\n"
"                   or now) instead of the clock, to reproduce a past decision\n"
"  --format FMT     text (default) or json\n"
"  -h, --help       this help\n"
"\n"
"Exit status: 0 evaluated, 1 no such flag, or a context the snapshot\n"
"refuses (its environment is not the snapshot's), 2 usage error (a missing\n"
"--snapshot, --pub or --flag; --context that is not a JSON object; a bad\n"
"NAME=VALUE or attribute name), 3 the snapshot or a key cannot be read or\n"
"does not verify.\n"
"\n"
"Example:  rsc explain --snapshot prod.rsnap --pub rulestead.pub \\\n"
"              --flag new-checkout targeting_key=user-42 country=DE\n";

/* After "no such flag": the closest key the snapshot has, or where to find
 * them all.  rsl.h lists no flags, so this reads the opened snapshot's
 * sorted table (snap.h), as librsl's own explain does. */
static void missing_flag(const char *cmd, const char *snapshot, const rsl_snapshot *snap,
			 const char *flag)
{
	const char **keys = malloc((snap->nflags + 1u) * sizeof *keys);
	const char *best = NULL;
	if (keys) {
		for (uint32_t i = 0; i < snap->nflags; i++)
			keys[i] = snap->flags[i].key.p;
		best = rsc_suggest(flag, keys, snap->nflags);
	}
	if (best)
		rsc_errorf(cmd, "no flag '%s' in %s; did you mean '%s'?", flag, snapshot, best);
	else
		rsc_errorf(cmd, "no flag '%s' in %s; 'rsc inspect %s' lists its %u flag%s", flag,
			   snapshot, snapshot, (unsigned)snap->nflags,
			   rsc_cli_plural(snap->nflags));
	free(keys);
}

int rsc_cmd_explain(int argc, char **argv)
{
	static const char *cmd = "explain";
	static const struct option opts[] = {
		{ "snapshot", required_argument, NULL, 0x200 },
		{ "pub", required_argument, NULL, 0x201 },
		{ "flag", required_argument, NULL, 0x202 },
		{ "context", required_argument, NULL, 0x203 },
		{ "now", required_argument, NULL, 0x204 },
		{ "format", required_argument, NULL, 0x205 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_parser p = RSC_CLI_PARSER(cmd, explain_help, opts, NULL, argc, argv);
	const char *snapshot = NULL, *flag = NULL;
	int format = RSL_EXPLAIN_TEXT, c, rc = RSC_EXIT_USAGE;
	char err[512];
	rsc_cli_pubs pubs = { { NULL }, 0 };
	rsc_ctx ctx = RSC_CTX_INIT;
	rsl_keyring *keys = NULL;
	rsl_snapshot *snap = NULL;
	rsl_error e;
	char stackbuf[16384], *buf = stackbuf;

	while ((c = rsc_cli_next(&p)) > 0) {
		const char *arg = p.arg;
		if (c == 0x200) {
			snapshot = arg;
		} else if (c == 0x201) {
			if ((rc = rsc_cli_pub_option(&pubs, cmd, arg)) != RSC_EXIT_OK)
				goto out;
		} else if (c == 0x202) {
			flag = arg;
		} else if (c == 0x203) {
			if (rsc_ctx_add_json(&ctx, arg, err, sizeof err) < 0) {
				rc = rsc_usage(cmd, "--context: %s", err);
				goto out;
			}
		} else if (c == 0x204) {
			if (rsc_cli_time_arg(&ctx.ctx.now, arg) < 0) {
				rc = rsc_usage(cmd, "--now '%s' is not an RFC 3339 time "
					       "(2026-12-01T09:00:00Z) or seconds since the epoch",
					       arg);
				goto out;
			}
		} else if (strcmp(arg, "text") == 0 || strcmp(arg, "json") == 0) {
			format = arg[0] == 't' ? RSL_EXPLAIN_TEXT : RSL_EXPLAIN_JSON;
		} else {
			rc = rsc_usage(cmd, "unknown --format '%s'; expected text or json", arg);
			goto out;
		}
	}
	if (c < 0) {
		rc = p.exit;
		goto out;
	}
	for (int i = p.next; i < argc; i++) {
		if (rsc_ctx_add_pair(&ctx, argv[i], err, sizeof err) < 0) {
			rc = rsc_usage(cmd, "%s", err);
			goto out;
		}
	}
	if (snapshot == NULL || flag == NULL) {
		rc = rsc_usage(cmd, "--snapshot and --flag are required");
		goto out;
	}
	if ((rc = rsc_cli_keyring(&keys, cmd, &pubs)) != RSC_EXIT_OK)
		goto out;
	rsc_ctx_finish(&ctx);

	rsl_open_options oo = RSL_OPEN_OPTIONS_INIT;
	oo.keys = keys;
	if (rsl_open(&snap, snapshot, &oo, &e) != RSL_OK) {
		rsc_errorf(cmd, "%s: %s", snapshot, e.message);
		rc = RSC_EXIT_IO;
		goto out;
	}
	/* The one way a context built here can be refused: say which. */
	rsl_info info;
	rsl_snapshot_info(&info, snap);
	if (ctx.ctx.environment && strcmp(ctx.ctx.environment, info.environment) != 0) {
		rsc_errorf(cmd, "context environment '%s' does not match the snapshot's "
			   "'%s'", ctx.ctx.environment, info.environment);
		rc = RSC_EXIT_INVALID;
		goto out;
	}
	size_t need = rsl_explain(buf, sizeof stackbuf, snap, flag, &ctx.ctx, format);
	if (need >= sizeof stackbuf) {
		buf = malloc(need + 1);
		if (buf == NULL) {
			rsc_errorf(cmd, "out of memory");
			rc = RSC_EXIT_IO;
			goto out;
		}
		rsl_explain(buf, need + 1, snap, flag, &ctx.ctx, format);
	}
	fwrite(buf, 1, need, stdout);

	/* The exit status tells a script whether there was anything to explain. */
	rsl_result r;
	rsl_evaluate(&r, snap, flag, RSL_BOOLEAN, &ctx.ctx, NULL);
	rc = r.error == RSL_ERR_FLAG_NOT_FOUND || r.error == RSL_ERR_INVALID_CONTEXT
		     ? RSC_EXIT_INVALID
		     : RSC_EXIT_OK;
	if (r.error == RSL_ERR_FLAG_NOT_FOUND)
		missing_flag(cmd, snapshot, snap, flag);
out:
	if (buf != stackbuf)
		free(buf);
	rsl_close(snap);
	rsl_keyring_free(keys);
	rsc_ctx_free(&ctx);
	return rc;
}
