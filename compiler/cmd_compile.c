/* cmd_compile.c - `rsc compile`: validate a ruleset at a commit, then write
 * one signed snapshot per environment (encode.c -> cose.c -> atomic.c). */
#include <getopt.h>
#include <git2.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomic.h"
#include "cli.h"
#include "cose.h"
#include "encode.h"
#include "keys.h"

int rsc_cmd_compile(int argc, char **argv);

static const char compile_help[] =
"usage: rsc compile [--root DIR] [--rev REV | --worktree] [--env ENV]...\n"
"                   [--key FILE] --out DIR [--format FMT]\n"
"                   [--allow-nonincreasing-version]\n"
"\n"
"Validates the ruleset as `rsc validate` does (nothing is written when\n"
"anything is invalid), then writes one signed snapshot per environment,\n"
"DIR/<env>.rsnap (mode 0444), all or none: every temporary file is written\n"
"and fsync'd in DIR before the first is renamed into place, then DIR is\n"
"fsync'd.  The same commit and key always give the same bytes: the\n"
"snapshot's version and issued_at are the commit's committer time\n"
"(expires_at adds settings.snapshot_ttl), never the time of compilation.\n"
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
"  --allow-nonincreasing-version\n"
"                  compile even when the commit's committer time is not after\n"
"                  its parent's.  Without it that is an error (exit 1): the\n"
"                  version would not increase, and nodes serving the parent's\n"
"                  snapshot would refuse this one as a rollback or replay.\n"
"                  The check is skipped when the parent is not in the clone\n"
"                  (a shallow clone's boundary)\n"
"  -h, --help      this help\n"
"\n"
"Prints one line per snapshot written: path, environment, version, commit,\n"
"flag count, size and key id.\n"
"\n"
"Exit status: 0 written, 1 invalid ruleset or a committer time not after\n"
"the parent's (nothing written), 2 usage error (including an unknown --env,\n"
"or --worktree with a protected environment), 3 I/O, git or key error.\n"
"\n"
"Example:  RSC_SIGNING_KEY=\"$(cat ci.key)\" rsc compile --root flags --out out\n";

#define MAX_ENVS 256

typedef struct snap {
	size_t env;
	unsigned char *bytes;
	size_t len;
} snap;

/* Marks the environments --env named in want[]; a usage error for unknown
 * ones, listing the known. */
static int choose_envs(int *want, const rsc_ruleset *rs, char **names,
		       size_t nnames)
{
	for (size_t i = 0; i < rs->nenvs; i++)
		want[i] = nnames == 0;
	for (size_t i = 0; i < nnames; i++) {
		int k = rsc_model_env_index(rs, names[i]);
		if (k < 0) {
			char known[1024] = "";
			size_t off = 0;
			for (size_t j = 0; j < rs->nenvs && off < sizeof known; j++)
				off += (size_t)snprintf(known + off, sizeof known - off,
							"%s%s", j ? ", " : "",
							rs->envs[j].name);
			return rsc_usage("compile", "unknown environment '%s'; the "
					 "ruleset has %s", names[i], known);
		}
		want[k] = 1;
	}
	return RSC_EXIT_OK;
}

static int load_key(rsc_key *key, const char *path)
{
	char err[1024];
	if (path) {
		if (rsc_key_read_file(key, path, err, sizeof err) == 0)
			return 0;
		rsc_errorf("compile", "--key %s", err);
		return -1;
	}
	const char *pem = getenv("RSC_SIGNING_KEY");
	if (!*pem) {
		rsc_errorf("compile", "RSC_SIGNING_KEY is set but empty (is the CI "
			   "secret passed to this job? secrets are not given to pull "
			   "requests from forks)");
		return -1;
	}
	if (rsc_key_from_pem(key, pem, strlen(pem), err, sizeof err) == 0)
		return 0;
	rsc_errorf("compile", "RSC_SIGNING_KEY: %s", err);
	return -1;
}

/* RFC 3339 in UTC, independent of TZ and the locale. */
static void utc_time(char out[64], int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm)) {
		snprintf(out, 64, "%lld", (long long)t);
		return;
	}
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * The version is the committer time, so a commit no later than its first
 * parent would give a snapshot no newer than the parent's, which nodes
 * refuse.  Adds an error to d when that is so.  A parent that is not in the
 * repository (the boundary of a shallow clone) cannot be compared: skipped.
 * Returns RSC_OK, RSC_EINVALID (the error added) or RSC_EIO.
 */
static int check_version_increases(rsc_diags *d, const rsc_fileset *fs,
				   const char *root)
{
	git_repository *repo = NULL;
	git_commit *commit = NULL, *parent = NULL;
	git_oid oid;
	int rc = RSC_OK;
	if (git_libgit2_init() < 0)
		return RSC_EIO;
	if (git_repository_open_ext(&repo, root, 0, NULL) < 0 ||
	    git_oid_fromstr(&oid, fs->commit) < 0 ||
	    git_commit_lookup(&commit, repo, &oid) < 0) {
		const git_error *e = git_error_last();
		rsc_errorf("compile", "cannot read commit %.7s again to compare its "
			   "time with its parent's: %s", fs->commit,
			   e && e->message ? e->message : "unknown git error");
		rc = RSC_EIO;
		goto out;
	}
	if (git_commit_parentcount(commit) == 0 ||
	    git_commit_parent(&parent, commit, 0) < 0)
		goto out; /* a root commit, or a shallow clone's boundary */
	int64_t mine = (int64_t)git_commit_time(commit);
	int64_t theirs = (int64_t)git_commit_time(parent);
	if (mine > theirs)
		goto out;
	char a[64], b[64], pid[GIT_OID_HEXSZ + 1];
	utc_time(a, mine);
	utc_time(b, theirs);
	git_oid_tostr(pid, sizeof pid, git_commit_id(parent));
	rsc_error(d, NULL, 0, 0, "commit %.7s's committer time (%s) is not after its "
		  "parent %.7s's (%s): the snapshot's version would not increase and "
		  "nodes would refuse it as a %s; make a new commit with a correct "
		  "clock (git commit --allow-empty), or if this one is not pushed yet "
		  "amend it (git commit --amend --no-edit gives it a new committer "
		  "time); --allow-nonincreasing-version compiles it anyway",
		  fs->commit, a, pid, b, mine == theirs ? "replay" : "rollback");
	rc = RSC_EINVALID;
out:
	git_commit_free(parent);
	git_commit_free(commit);
	git_repository_free(repo);
	git_error_clear();
	git_libgit2_shutdown();
	return rc;
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

int rsc_cmd_compile(int argc, char **argv)
{
	static const struct option opts[] = {
		RSC_CLI_SOURCE_OPTIONS,
		{ "env", required_argument, NULL, 'e' },
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "allow-nonincreasing-version", no_argument, NULL, 0x200 },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_source src = RSC_CLI_SOURCE_INIT;
	const char *keypath = NULL, *outdir = NULL;
	char *envs[MAX_ENVS];
	size_t nenvs = 0;
	int c, allow_old = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		int r = rsc_cli_source_option(&src, "compile", c, optarg);
		if (r < 0)
			return RSC_EXIT_USAGE;
		if (r > 0)
			continue;
		switch (c) {
		case 'e':
			if (nenvs == MAX_ENVS)
				return rsc_usage("compile", "more than %d --env", MAX_ENVS);
			envs[nenvs++] = optarg;
			break;
		case 'k':
			if (keypath)
				return rsc_usage("compile", "--key given twice ('%s', '%s'); "
						 "a snapshot has one signature", keypath, optarg);
			keypath = optarg;
			break;
		case 'o':
			if (outdir)
				return rsc_usage("compile", "--out given twice ('%s', '%s')",
						 outdir, optarg);
			outdir = optarg;
			break;
		case 0x200:
			allow_old = 1;
			break;
		case 'h':
			fputs(compile_help, stdout);
			return RSC_EXIT_OK;
		case ':':
			return rsc_usage("compile", "option '%s' needs a value",
					 argv[optind - 1]);
		default:
			return rsc_usage("compile", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return rsc_usage("compile", "unexpected argument '%s'", argv[optind]);
	if (!outdir || !*outdir)
		return rsc_usage("compile", "--out DIR is required");
	if (!keypath && !getenv("RSC_SIGNING_KEY"))
		return rsc_usage("compile", "no signing key: give --key FILE or set "
				 "RSC_SIGNING_KEY to the PEM text");

	rsc_arena arena = RSC_ARENA_INIT;
	rsc_diags d;
	rsc_diags_init(&d, &arena);
	rsc_fileset fs;
	rsc_ruleset rs;
	rsc_key key;
	memset(&fs, 0, sizeof fs);
	memset(&rs, 0, sizeof rs);
	memset(&key, 0, sizeof key);
	snap *snaps = NULL;
	int *want = NULL;
	size_t nsnaps = 0;
	int exit_code;

	int rc = rsc_cli_read_ruleset(&rs, &fs, &arena, &d, &src);
	if (rc == RSC_OK && fs.from_git && !allow_old)
		rc = check_version_increases(&d, &fs, src.root);
	rsc_diags_sort(&d);
	/* Paths as rsc validate prints them: under --root as given, so that
	 * they open from the current directory. */
	rsc_diags_print_at(src.format == RSC_FORMAT_TEXT ? stderr : stdout, &d,
			   src.format, &fs, fs.root_path, src.root);
	if (rc != RSC_OK) {
		const char *shown;
		size_t shown_len = rsc_root_prefix(&shown, src.root);
		if (rc == RSC_EINVALID && src.format == RSC_FORMAT_TEXT)
			fprintf(stderr, "%.*s (%s): %zu error%s; nothing written\n",
				shown_len ? (int)shown_len : 1, shown_len ? shown : ".",
				src.worktree ? "work tree" : src.rev,
				d.errors, d.errors == 1 ? "" : "s");
		exit_code = rsc_cli_exit_code(rc);
		goto out;
	}

	want = calloc(rs.nenvs ? rs.nenvs : 1, sizeof *want);
	snaps = calloc(rs.nenvs ? rs.nenvs : 1, sizeof *snaps);
	if (!want || !snaps) {
		rsc_errorf("compile", "out of memory");
		exit_code = RSC_EXIT_IO;
		goto out;
	}
	if ((exit_code = choose_envs(want, &rs, envs, nenvs)) != RSC_EXIT_OK)
		goto out;
	if (src.worktree)
		for (size_t i = 0; i < rs.nenvs; i++)
			if (want[i] && rs.envs[i].protected_) {
				exit_code = rsc_usage("compile", "environment '%s' is "
					"protected: compile it from a commit (--rev), not "
					"--worktree; or name others with --env",
					rs.envs[i].name);
				goto out;
			}
	if (load_key(&key, keypath) != 0) {
		exit_code = RSC_EXIT_IO;
		goto out;
	}

	/* Everything is encoded and signed before the first file is written. */
	rsc_provenance prov;
	rsc_provenance_from_fileset(&prov, &fs);
	char err[1024];
	for (size_t i = 0; i < rs.nenvs; i++) {
		if (!want[i])
			continue;
		unsigned char *body = NULL;
		size_t bodylen = 0;
		snap *s = &snaps[nsnaps];
		s->env = i;
		rc = rsc_encode_body(&body, &bodylen, &rs, i, &prov, err, sizeof err);
		if (rc == RSC_OK)
			rc = rsc_cose_sign1(&s->bytes, &s->len, body, bodylen, &key,
					    err, sizeof err);
		free(body);
		if (rc != RSC_OK) {
			rsc_errorf("compile", "environment '%s': %s", rs.envs[i].name, err);
			exit_code = RSC_EXIT_IO;
			goto out;
		}
		nsnaps++;
	}

	if (rsc_mkdirs(outdir, err, sizeof err) != 0) {
		rsc_errorf("compile", "%s", err);
		exit_code = RSC_EXIT_IO;
		goto out;
	}
	/* All or none: every file is staged before any is replaced. */
	rsc_atomic_set set = RSC_ATOMIC_SET_INIT;
	const char **paths = rsc_arena_alloc(&arena, (nsnaps ? nsnaps : 1) * sizeof *paths);
	if (!paths) {
		rsc_errorf("compile", "out of memory");
		exit_code = RSC_EXIT_IO;
		goto out;
	}
	for (size_t i = 0; i < nsnaps; i++) {
		paths[i] = snapshot_path(&arena, outdir, rs.envs[snaps[i].env].name);
		if (rsc_atomic_stage(&set, paths[i], snaps[i].bytes, snaps[i].len, 0444,
				     err, sizeof err) != 0) {
			rsc_errorf("compile", "%s; nothing written", err);
			rsc_atomic_set_free(&set);
			exit_code = RSC_EXIT_IO;
			goto out;
		}
	}
	exit_code = RSC_EXIT_OK;
	if (rsc_atomic_commit(&set, err, sizeof err) != 0) {
		exit_code = RSC_EXIT_IO;
		rsc_errorf("compile", "%s%s", err, set.committed == 0 ? "; nothing written" : "");
	}
	/* The lines are data in text mode; beside json or github output on
	 * stdout they would spoil it, so they go to stderr. */
	FILE *said = src.format == RSC_FORMAT_TEXT ? stdout : stderr;
	char kid[2 * RSC_KID_LEN + 1];
	rsc_key_id_hex(kid, key.pk);
	for (size_t i = 0; i < set.committed; i++)
		fprintf(said, "%s: %s, version %lld, commit %.12s, %zu flags, %zu bytes, "
			"key %s\n", paths[i], rs.envs[snaps[i].env].name,
			(long long)prov.commit_time, prov.commit, rs.nflags, snaps[i].len, kid);
	if (set.committed > 0 && set.committed < nsnaps)
		for (size_t i = set.committed; i < nsnaps; i++)
			rsc_errorf("compile", "%s: not written (the set of snapshots in %s "
				   "is now mixed: run rsc compile again)", paths[i], outdir);
	rsc_atomic_set_free(&set);
out:
	for (size_t i = 0; i < nsnaps; i++)
		free(snaps[i].bytes);
	free(snaps);
	free(want);
	rsc_key_wipe(&key);
	rsc_diags_free(&d);
	rsc_arena_free(&arena);
	return exit_code;
}
