/* cmd_compile.c - `rsc compile`: validate a ruleset at a commit, then write
 * one signed snapshot per environment (encode.c -> cose.c -> atomic.c). */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "cli.h"
#include "cose.h"
#include "encode.h"
#include "keys.h"

int rsc_cmd_compile(int argc, char **argv);

static const char compile_help[] =
"usage: rsc compile [--root DIR] [--rev REV | --worktree] [--env ENV]...\n"
"                   [--key FILE] --out DIR [--format FMT]\n"
"\n"
"Validates the ruleset as `rsc validate` does (nothing is written when\n"
"anything is invalid), then writes one signed snapshot per environment,\n"
"DIR/<env>.rsnap (mode 0444), each atomically: a temporary file in DIR,\n"
"fsync, rename, fsync of DIR.  The same commit and key always give the same\n"
"bytes: the snapshot's version and issued_at are the commit's committer time\n"
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
"  --format FMT    how diagnostics are printed: text, json or github\n"
"  -h, --help      this help\n"
"\n"
"Prints one line per snapshot written: path, environment, version, commit,\n"
"flag count, size and key id.\n"
"\n"
"Exit status: 0 written, 1 invalid ruleset (nothing written), 2 usage error\n"
"(including an unknown --env, or --worktree with a protected environment),\n"
"3 I/O, git or key error.\n"
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
		rsc_errorf("compile", "%s", err);
		return -1;
	}
	const char *pem = getenv("RSC_SIGNING_KEY");
	if (rsc_key_from_pem(key, pem, strlen(pem), err, sizeof err) == 0)
		return 0;
	rsc_errorf("compile", "RSC_SIGNING_KEY: %s", err);
	return -1;
}

int rsc_cmd_compile(int argc, char **argv)
{
	static const struct option opts[] = {
		RSC_CLI_SOURCE_OPTIONS,
		{ "env", required_argument, NULL, 'e' },
		{ "key", required_argument, NULL, 'k' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_source src = RSC_CLI_SOURCE_INIT;
	const char *keypath = NULL, *outdir = NULL;
	char *envs[MAX_ENVS];
	size_t nenvs = 0;
	int c;
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
			keypath = optarg;
			break;
		case 'o':
			outdir = optarg;
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
	rsc_diags_sort(&d);
	rsc_diags_print(src.format == RSC_FORMAT_TEXT ? stderr : stdout, &d,
			src.format, &fs, fs.root_path);
	if (rc != RSC_OK) {
		if (rc == RSC_EINVALID && src.format == RSC_FORMAT_TEXT)
			fprintf(stderr, "%s (%s): %zu error%s; nothing written\n",
				src.root, src.worktree ? "work tree" : src.rev,
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
	char kid[2 * RSC_KID_LEN + 1];
	rsc_key_id_hex(kid, key.pk);
	exit_code = RSC_EXIT_OK;
	for (size_t i = 0; i < nsnaps; i++) {
		const char *env = rs.envs[snaps[i].env].name;
		char *path = rsc_arena_printf(&arena, "%s/%s.rsnap", outdir, env);
		if (rsc_atomic_write(path, snaps[i].bytes, snaps[i].len, 0444, 0, err,
				     sizeof err) != 0) {
			rsc_errorf("compile", "%s", err);
			exit_code = RSC_EXIT_IO;
			break;
		}
		printf("%s: %s, version %lld, commit %.12s, %zu flags, %zu bytes, key %s\n",
		       path, env, (long long)prov.commit_time, prov.commit, rs.nflags,
		       snaps[i].len, kid);
	}
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
