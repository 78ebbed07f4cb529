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
#include "review.h"
#include "suggest.h"
#include "../loader/rsl.h"
#include "../loader/snap.h" /* the snapshot's flag keys, for "did you mean" */

int rsc_cmd_explain(int argc, char **argv);

static const char explain_help[] =
"usage: rsc explain --snapshot FILE --pub KEY [--pub KEY]... --flag KEY\n"
"                   [--context JSON] [NAME=VALUE]... [--now TIME]\n"
"                   [--format text|json]\n"
"       rsc explain [--root DIR] [--rev REV | --worktree] --env ENV --flag KEY\n"
"                   [--context JSON] [NAME=VALUE]... [--now TIME]\n"
"                   [--format text|json]\n"
"\n"
"Evaluates one flag for one context with librsl and prints why it decided\n"
"what it did: each rule in order with its file:line, whether it matched and\n"
"if not which condition failed on which attribute value, the bucket and\n"
"thresholds of a split, and the result.\n"
"\n"
"The first form opens and verifies a signed snapshot, as a node would.  The\n"
"second compiles the ruleset in memory (from a commit, or the files on disk)\n"
"and evaluates that: no key is needed and nothing is written, so a reviewer\n"
"can explain a pull request's decisions, protected environments included.\n"
"\n"
"  --snapshot FILE  the snapshot (<env>.rsnap) written by rsc compile\n"
"  --pub KEY        a trusted public key (PEM, from rsc keygen); repeatable\n"
"  --root DIR       the ruleset root, holding rulestead.yaml (default: .)\n"
"  --rev REV        the commit to compile (default: HEAD)\n"
"  --worktree       compile the files on disk instead\n"
"  --env ENV        the environment to evaluate in (with --root/--rev)\n"
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
"refuses (its environment is not the snapshot's), or an invalid ruleset\n"
"(its diagnostics printed), 2 usage error (a missing --flag, --snapshot\n"
"and --pub, or --env; an unknown environment; --context that is not a JSON\n"
"object; a bad NAME=VALUE or attribute name), 3 the snapshot, a key or the\n"
"repository cannot be read, or the snapshot does not verify.\n"
"\n"
"Examples:  rsc explain --snapshot prod.rsnap --pub rulestead.pub \\\n"
"               --flag new-checkout targeting_key=user-42 country=DE\n"
"           rsc explain --root flags --worktree --env prod \\\n"
"               --flag new-checkout targeting_key=user-42 country=DE\n";

/* After "no such flag": the closest key the snapshot has, or where to find
 * them all.  rsl.h lists no flags, so this reads the opened snapshot's
 * sorted table (snap.h), as librsl's own explain does. */
static void missing_flag(const char *cmd, const char *snapshot, int is_file,
			 const rsl_snapshot *snap, const char *flag)
{
	const char **keys = malloc((snap->nflags + 1u) * sizeof *keys);
	const char *best = NULL;
	if (keys) {
		for (uint32_t i = 0; i < snap->nflags; i++)
			keys[i] = RSL__S(snap->flags[i].key);
		best = rsc_suggest(flag, keys, snap->nflags);
	}
	if (best)
		rsc_errorf(cmd, "no flag '%s' in %s; did you mean '%s'?", flag, snapshot, best);
	else if (is_file)
		rsc_errorf(cmd, "no flag '%s' in %s; 'rsc inspect %s' lists its %u flag%s", flag,
			   snapshot, snapshot, (unsigned)snap->nflags,
			   rsc_cli_plural(snap->nflags));
	else
		rsc_errorf(cmd, "no flag '%s' in %s, which has %u flag%s", flag, snapshot,
			   (unsigned)snap->nflags, rsc_cli_plural(snap->nflags));
	free(keys);
}

/* Compiles the ruleset src names in memory (review.h) and points *snap at
 * environment env's snapshot; prints what went wrong otherwise. */
static int open_source(rsc_review *r, const rsl_snapshot **snap, const char *cmd,
		       const rsc_cli_source *src, const char *env)
{
	const char *envs[1] = { env };
	int rc = rsc_review_open(r, src->root, src->worktree ? NULL : src->rev, envs, 1);
	if (rc == RSC_EINVALID || (rc == RSC_EIO && !*r->c.message)) {
		rsc_diags_sort(&r->c.diags);
		rsc_diags_print_at(stderr, &r->c.diags, RSC_FORMAT_TEXT, &r->c.files,
				   r->c.files.root_path, src->root);
	}
	if (rc == RSC_EUSAGE) {
		const char *best = rsc_review_suggest_env(r, env);
		return rsc_usage(cmd, "%s%s%s%s", r->c.message, best ? "; did you mean '" : "",
				 best ? best : "", best ? "'?" : "");
	}
	if (rc != RSC_OK) {
		if (*r->c.message)
			rsc_errorf(cmd, "%s", r->c.message);
		return rsc_cli_exit_code(rc);
	}
	*snap = rsc_review_snapshot(r, env);
	return RSC_EXIT_OK;
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
		{ "env", required_argument, NULL, 0x206 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_source src = RSC_CLI_SOURCE_INIT;
	const char *default_root = src.root;
	rsc_cli_parser p = RSC_CLI_PARSER(cmd, explain_help, opts, &src, argc, argv);
	const char *snapshot = NULL, *flag = NULL, *env = NULL, *where;
	int format = RSL_EXPLAIN_TEXT, c, rc = RSC_EXIT_USAGE;
	char err[512];
	rsc_cli_pubs pubs = { { NULL }, 0 };
	rsc_ctx ctx = RSC_CTX_INIT;
	rsl_keyring *keys = NULL;
	rsl_snapshot *opened = NULL;
	const rsl_snapshot *snap = NULL;
	rsc_review review;
	rsl_error e;
	char stackbuf[16384], *buf = stackbuf;

	memset(&review, 0, sizeof review);
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
		} else if (c == 0x206) {
			env = arg;
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
	int from_source = src.rev_given || src.worktree || src.root != default_root;
	if (flag == NULL) {
		rc = rsc_usage(cmd, "--flag is required");
		goto out;
	}
	if (snapshot && (from_source || env)) {
		rc = rsc_usage(cmd, "--snapshot explains a signed snapshot, --root/--rev/"
			       "--worktree/--env one compiled from source: give one or the other");
		goto out;
	}
	if (!snapshot && pubs.n) {
		rc = rsc_usage(cmd, "--pub goes with --snapshot; a ruleset compiled from "
			       "source needs no key");
		goto out;
	}
	if (!snapshot && !env) {
		rc = rsc_usage(cmd, "which snapshot? give --snapshot FILE --pub KEY, or "
			       "--env ENV to compile the ruleset (--root, --rev) in memory");
		goto out;
	}
	rsc_ctx_finish(&ctx);

	if (snapshot) {
		if ((rc = rsc_cli_keyring(&keys, cmd, &pubs)) != RSC_EXIT_OK)
			goto out;
		rsl_open_options oo = RSL_OPEN_OPTIONS_INIT;
		oo.keys = keys;
		if (rsl_open(&opened, snapshot, &oo, &e) != RSL_OK) {
			rsc_errorf(cmd, "%s: %s", snapshot, e.message);
			rc = RSC_EXIT_IO;
			goto out;
		}
		snap = opened;
		where = snapshot;
	} else {
		if ((rc = open_source(&review, &snap, cmd, &src, env)) != RSC_EXIT_OK)
			goto out;
		where = rsc_arena_printf(&review.c.arena, "environment '%s' of %s (%s)", env,
					 src.root, src.worktree ? "work tree" : src.rev);
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
		missing_flag(cmd, where, snapshot != NULL, snap, flag);
out:
	if (buf != stackbuf)
		free(buf);
	rsl_close(opened);
	rsc_review_free(&review);
	rsl_keyring_free(keys);
	rsc_ctx_free(&ctx);
	return rc;
}
