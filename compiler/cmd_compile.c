/* cmd_compile.c - `rsc compile`: arguments, then compile.c's snapshots,
 * each staged by atomic.c as it is built, then renamed all or none, and the
 * lines saying so. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomic.h"
#include "cli.h"
#include "compile.h"

int rsc_cmd_compile(int argc, char **argv);

static const char compile_help[] =
"usage: rsc compile [--root DIR] [--rev REV | --worktree] [--env ENV]...\n"
"                   [--key FILE] --out DIR [--format FMT]\n"
"                   [--issued-at TIME|now] [--allow-nonincreasing-version]\n"
"\n"
"Validates the ruleset as `rsc validate` does, then writes one signed\n"
"snapshot per environment, DIR/<env>.rsnap (mode 0444), all or none (each\n"
"is staged and fsync'd before the first rename), after opening each with\n"
"librsl as a node would.  The same commit and key give the same bytes:\n"
"issued_at is the commit time (expires_at adds settings.snapshot_ttl), and\n"
"the version is that time * 1024 plus the first-parent ancestors of the\n"
"same second, so it increases through rebases, merges and same-second\n"
"commits.  The clone needs those ancestors and one more (depth 2 usually;\n"
"fetch-depth: 0 always); one too shallow is refused (docs/snapshot-format.md).\n"
"\n"
"  --root DIR      the ruleset root, holding rulestead.yaml (default: .)\n"
"  --rev REV       the commit to compile (default: HEAD)\n"
"  --worktree      compile the files on disk, for local testing: commit\n"
"                  \"worktree\", version 0, no expiry; refused for protected\n"
"                  environments (exit 2)\n"
"  --env ENV       compile only this environment (repeatable; default: all)\n"
"  --key FILE      the Ed25519 private key (PKCS#8 PEM, from rsc keygen or\n"
"                  openssl genpkey -algorithm ed25519).  Without --key, the\n"
"                  PEM text is read from the environment variable\n"
"                  RSC_SIGNING_KEY, so that a CI secret never touches disk\n"
"  --out DIR       where to write the snapshots (created if missing)\n"
"  --format FMT    how diagnostics are printed: text (on stderr), json or\n"
"                  github (on stdout; the lines saying what was written then\n"
"                  go to stderr, so that stdout stays machine-readable)\n"
"  --issued-at TIME  a renewal: the same commit, version and rules, issued\n"
"                  at TIME (RFC 3339, epoch seconds or now), expires_at from\n"
"                  it; nodes accept it and stop being STALE, no decision\n"
"                  changes (docs/operations.md, \"Renewing freshness\")\n"
"  --allow-nonincreasing-version\n"
"                  compile, with a warning, a commit from an earlier second\n"
"                  than its parent (a clock that went backwards), which nodes\n"
"                  that served the parent refuse as a rollback; never needed\n"
"                  for rebases, merges or commits in the same second\n"
"  -h, --help      this help\n"
"\n"
"Prints one line per snapshot written: path, environment, version, commit,\n"
"flag count, size and key id.\n"
"\n"
"Exit status: 0 written, 1 invalid ruleset, a version not above the\n"
"parent's or a clone too shallow to compute it (nothing written), 2 usage\n"
"error (including an unknown --env, or --worktree with a protected\n"
"environment), 3 I/O, git or key error, or a snapshot librsl refuses (a\n"
"bug in rsc; nothing written).\n"
"\n"
"Example:  RSC_SIGNING_KEY=\"$(cat ci.key)\" rsc compile --root flags --out out\n";

#define MAX_ENVS 256

/* The key, read only once the ruleset is valid (compile.h). */
static int load_key(rsc_key *key, void *path)
{
	return rsc_cli_signing_key(key, "compile", path);
}

/* dir + "/" + name + ".rsnap", without doubling a slash dir ends with. */
static char *snapshot_path(rsc_arena *a, const char *dir, const char *env)
{
	size_t n = strlen(dir);
	while (n > 1 && dir[n - 1] == '/')
		n--;
	const char *sep = n == 1 && dir[0] == '/' ? "" : "/";
	return rsc_arena_printf(a, "%.*s%s%s.rsnap", (int)n, dir, sep, env);
}

/* Where the snapshots go: each is staged (atomic.h) as soon as it is built,
 * so that one at a time is in memory; all or none, since the set is only
 * committed once every environment is staged, and freed (its temporary
 * files removed) otherwise. */
typedef struct staging {
	const char *outdir;
	rsc_arena *arena;
	rsc_atomic_set set;
	const char **paths; /* [set.n], for the lines saying what was written */
	size_t cap;
} staging;

static int stage(const rsc_snapshot_bytes *s, void *arg, const char **tmp, char *err,
		 size_t errlen)
{
	staging *st = arg;
	if (st->set.n == 0 && rsc_mkdirs(st->outdir, err, errlen) != 0)
		return -1;
	st->paths = rsc_grow(st->paths, &st->cap, st->set.n, sizeof *st->paths);
	const char *path = snapshot_path(st->arena, st->outdir, s->env_name);
	char why[1024];
	if (rsc_atomic_stage(&st->set, path, s->bytes, s->len, 0444, why, sizeof why) != 0) {
		snprintf(err, errlen, "%s; nothing written", why);
		return -1;
	}
	st->paths[st->set.n - 1] = path;
	*tmp = rsc_atomic_staged_path(&st->set, st->set.n - 1);
	return 0;
}

/* Renames the staged snapshots into place; then one line per snapshot
 * written. */
static int commit_all(rsc_compiled *r, staging *st, rsc_format format)
{
	char err[1024];
	int exit_code = RSC_EXIT_OK;
	if (rsc_atomic_commit(&st->set, err, sizeof err) != 0) {
		exit_code = RSC_EXIT_IO;
		rsc_errorf("compile", "%s%s", err,
			   st->set.committed == 0 ? "; nothing written" : "");
	}
	/* The lines are data in text mode; beside json or github output on
	 * stdout they would spoil it, so they go to stderr. */
	FILE *said = format == RSC_FORMAT_TEXT ? stdout : stderr;
	char kid[2 * RSC_KID_LEN + 1];
	rsc_key_id_hex(kid, r->pk);
	for (size_t i = 0; i < st->set.committed; i++)
		fprintf(said, "%s: %s, version %llu, commit %.12s, %zu flag%s, %zu bytes, "
			"key %s\n", st->paths[i], r->snaps[i].env_name,
			(unsigned long long)r->prov.version, r->prov.commit, r->ruleset.nflags,
			rsc_cli_plural(r->ruleset.nflags), r->snaps[i].len, kid);
	for (size_t i = st->set.committed; st->set.committed > 0 && i < st->set.n; i++)
		rsc_errorf("compile", "%s: not written (the set of snapshots in %s "
			   "is now mixed: run rsc compile again)", st->paths[i], st->outdir);
	return exit_code;
}

int rsc_cmd_compile(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "env", required_argument, NULL, 0x200 },
		{ "key", required_argument, NULL, 0x201 },
		{ "out", required_argument, NULL, 0x202 },
		{ "allow-nonincreasing-version", no_argument, NULL, 0x203 },
		{ "issued-at", required_argument, NULL, 0x204 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_source src = RSC_CLI_SOURCE_INIT;
	rsc_cli_parser p = RSC_CLI_PARSER("compile", compile_help, opts, &src, argc, argv);
	rsc_compile_options o = RSC_COMPILE_OPTIONS_INIT;
	const char *keypath = NULL, *outdir = NULL;
	const char *envs[MAX_ENVS];
	int c;
	while ((c = rsc_cli_next(&p)) > 0) {
		switch (c) {
		case 0x200:
			if (o.nenvs == MAX_ENVS)
				return rsc_usage("compile", "more than %d --env", MAX_ENVS);
			envs[o.nenvs++] = p.arg;
			break;
		case 0x201:
			if (keypath)
				return rsc_usage("compile", "--key given twice ('%s', '%s'); "
						 "a snapshot has one signature", keypath, p.arg);
			keypath = p.arg;
			break;
		case 0x202:
			if (outdir)
				return rsc_usage("compile", "--out given twice ('%s', '%s')",
						 outdir, p.arg);
			outdir = p.arg;
			break;
		case 0x204:
			if (rsc_cli_time_arg(&o.issued_at, p.arg) != 0 || o.issued_at <= 0)
				return rsc_usage("compile", "--issued-at '%s': expected an RFC 3339 "
						 "time, seconds since the epoch, or now", p.arg);
			break;
		default:
			o.allow_nonincreasing_version = 1;
		}
	}
	if (c < 0)
		return p.exit;
	if (rsc_cli_positionals(&p, 0, "") != RSC_EXIT_OK)
		return RSC_EXIT_USAGE;
	if (!outdir || !*outdir)
		return rsc_usage("compile", "--out DIR is required");
	if (!keypath && !getenv("RSC_SIGNING_KEY"))
		return rsc_usage("compile", "no signing key: give --key FILE or set "
				 "RSC_SIGNING_KEY to the PEM text");

	o.root = src.root;
	o.rev = src.worktree ? NULL : src.rev;
	o.envs = envs;
	o.key = load_key;
	o.key_arg = (void *)keypath;
	rsc_compiled r;
	rsc_arena paths = RSC_ARENA_INIT;
	staging st = { outdir, &paths, RSC_ATOMIC_SET_INIT, NULL, 0 };
	o.emit = stage;
	o.emit_arg = &st;
	int rc = rsc_compile(&r, &o);
	rsc_diags_sort(&r.diags);
	/* Paths as rsc validate prints them: under --root as given, so that
	 * they open from the current directory. */
	rsc_diags_print_at(src.format == RSC_FORMAT_TEXT ? stderr : stdout, &r.diags,
			   src.format, &r.files, r.files.root_path, src.root);
	int exit_code = rsc_cli_exit_code(rc);
	if (rc == RSC_EINVALID && src.format == RSC_FORMAT_TEXT) {
		const char *shown;
		size_t shown_len = rsc_root_prefix(&shown, src.root);
		fprintf(stderr, "%.*s (%s): %zu error%s; nothing written\n",
			shown_len ? (int)shown_len : 1, shown_len ? shown : ".",
			src.worktree ? "work tree" : src.rev, r.diags.errors,
			r.diags.errors == 1 ? "" : "s");
	} else if (rc == RSC_EUSAGE) {
		exit_code = rsc_usage("compile", "%s", r.message);
	} else if (rc != RSC_OK && *r.message) {
		rsc_errorf("compile", "%s", r.message);
	} else if (rc == RSC_OK) {
		exit_code = commit_all(&r, &st, src.format);
	}
	rsc_atomic_set_free(&st.set);
	free(st.paths);
	rsc_arena_free(&paths);
	rsc_compiled_free(&r);
	return exit_code;
}
