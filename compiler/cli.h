/*
 * cli.h - what the rsc commands share: exit codes, usage errors, the
 * options that choose a ruleset (--root, --rev, --worktree, --format), and
 * the front end that reads and validates it.  Each command lives in
 * cmd_<name>.c as `int rsc_cmd_<name>(int argc, char **argv)`, returning an
 * exit code; main.c only dispatches.
 */
#ifndef RSC_CLI_H
#define RSC_CLI_H

#include <getopt.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "model.h"
#include "source.h"

/* Exit codes of every rsc command (documented in rsc --help, README). */
#define RSC_EXIT_OK 0      /* success; the ruleset / snapshot is valid */
#define RSC_EXIT_INVALID 1 /* the input is invalid (diagnostics printed) */
#define RSC_EXIT_USAGE 2   /* bad command line */
#define RSC_EXIT_IO 3      /* I/O, git, key or system error */

/* Options choosing the ruleset to read. */
typedef struct rsc_cli_source {
	const char *root;   /* --root DIR, default "." */
	const char *rev;    /* --rev REV, default "HEAD" */
	int worktree;       /* --worktree: read files on disk instead */
	int rev_given;
	rsc_format format;  /* --format text|json|github, default text */
} rsc_cli_source;

#define RSC_CLI_SOURCE_INIT { ".", "HEAD", 0, 0, RSC_FORMAT_TEXT }

/* getopt_long entries for the options above (terminated by a zero entry
 * only in the full table a command builds); see cmd_validate.c. */
#define RSC_CLI_SOURCE_OPTIONS                                   \
	{ "root", required_argument, NULL, 0x100 },              \
	{ "rev", required_argument, NULL, 0x101 },               \
	{ "worktree", no_argument, NULL, 0x102 },                \
	{ "format", required_argument, NULL, 0x103 }

/* Handles one getopt_long result c (0x100..0x103) with argument arg.
 * Returns 1 if it was a source option, 0 if not, or -1 after printing a usage
 * error (e.g. an unknown --format, --rev together with --worktree). */
int rsc_cli_source_option(rsc_cli_source *s, const char *cmd, int c,
			  const char *arg);

/* Prints "rsc CMD: message" and a hint to use --help, to stderr.  Returns
 * RSC_EXIT_USAGE so that commands can `return rsc_usage(...)`. */
int rsc_usage(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Prints "rsc CMD: message" to stderr (no hint). */
void rsc_errorf(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * Reads (rsc_source_read), loads and checks the ruleset that s names into
 * *rs / *fs, collecting problems in d.  Returns RSC_OK, RSC_EINVALID or
 * RSC_EIO.  The caller prints d (rsc_diags_sort + rsc_diags_print).  Each
 * file's bytes are freed once parsed and read again only for the files a
 * diagnostic shows (fileset.h): a caller that adds diagnostics afterwards
 * (lint) calls rsc_source_refill again before printing.
 */
int rsc_cli_read_ruleset(rsc_ruleset *rs, rsc_fileset *fs, rsc_arena *a,
			 rsc_diags *d, const rsc_cli_source *s);

struct rsl_keyring;

/* Reads the public key file path (SPKI PEM, as rsc keygen and openssl
 * write) and adds it to kr.  On failure prints "rsc CMD: --pub ..." naming
 * what the file is instead (a private key, an RSA key...) and returns
 * RSC_EXIT_IO; otherwise RSC_EXIT_OK.  Every command taking --pub uses it. */
int rsc_cli_trust_key(struct rsl_keyring *kr, const char *cmd, const char *path);

/* The --pub files a command was given, loaded once the command line is
 * read (rsc_cli_keyring): the one way every command gets trusted keys. */
#define RSC_CLI_MAX_PUBS 16 /* a keyring holds 16 keys */

typedef struct rsc_cli_pubs {
	const char *path[RSC_CLI_MAX_PUBS];
	size_t n;
} rsc_cli_pubs;

/* Records one --pub; a usage error (RSC_EXIT_USAGE) past RSC_CLI_MAX_PUBS. */
int rsc_cli_pub_option(rsc_cli_pubs *pubs, const char *cmd, const char *path);

/* A new keyring into *out holding every key of pubs (rsc_cli_trust_key
 * each).  RSC_EXIT_OK; RSC_EXIT_USAGE when there is none ("no trusted key:
 * give --pub FILE"); RSC_EXIT_IO when one cannot be read (*out NULL). */
int rsc_cli_keyring(struct rsl_keyring **out, const char *cmd, const rsc_cli_pubs *pubs);

/* Reads the signing key: the PKCS#8 PEM file path (--key), or with path
 * NULL the PEM text in the environment variable RSC_SIGNING_KEY, so that a
 * CI secret never touches disk.  Returns 0, or -1 after printing "rsc CMD:
 * --key ..." or "rsc CMD: RSC_SIGNING_KEY ..." saying what is wrong. */
struct rsc_key;
int rsc_cli_signing_key(struct rsc_key *key, const char *cmd, const char *path);

/* "s" unless n is 1: "%zu flag%s" gives "1 flag", "2 flags", "0 flags".
 * Every count a command prints in words goes through it. */
const char *rsc_cli_plural(size_t n);

/* Maps RSC_OK / RSC_EINVALID / RSC_EUSAGE / RSC_EIO to an exit code. */
int rsc_cli_exit_code(int rc);

/*
 * Every command's option loop.  The command lists its own options in a
 * zero-terminated getopt_long table (codes from 0x200 up; 'h' and
 * 0x100..0x103 are taken); the parser adds --help / -h and, when src is
 * not NULL, the source options, and reports every usage error the same way:
 *
 *   rsc_cli_parser p = RSC_CLI_PARSER("compile", help, opts, &src, argc, argv);
 *   while ((c = rsc_cli_next(&p)) > 0)
 *           switch (c) { case 0x200: ... p.arg ... }
 *   if (c < 0)
 *           return p.exit;
 *   ... positional arguments are argv[p.next .. argc) ...
 */
#define RSC_CLI_MAX_OPTIONS 32

typedef struct rsc_cli_parser {
	const char *cmd;             /* "compile", for messages */
	const char *help;            /* printed on stdout for --help */
	const struct option *opts;   /* the command's own options */
	rsc_cli_source *src;         /* NULL: no source options */
	int argc;
	char **argv;
	const char *arg;             /* the value of the option returned */
	int next;                    /* after the loop: the first positional */
	int exit;                    /* after -1: the command's exit code */
	int started;
} rsc_cli_parser;

#define RSC_CLI_PARSER(cmd, help, opts, src, argc, argv) \
	{ (cmd), (help), (opts), (src), (argc), (argv), NULL, 1, RSC_EXIT_OK, 0 }

/* The next option for the command to handle (its code, > 0), 0 when there
 * are no more, or -1 when the command must stop and return p->exit (help
 * printed, or a usage error printed: an unknown option, a missing value, a
 * bad source option). */
int rsc_cli_next(rsc_cli_parser *p);

/* Usage error unless exactly want positional arguments remain: "unexpected
 * argument 'X'" for one too many, missing (e.g. "which snapshot? give
 * SNAPSHOT") for too few.  RSC_EXIT_OK or RSC_EXIT_USAGE. */
int rsc_cli_positionals(const rsc_cli_parser *p, int want, const char *missing);

/* RFC 3339 in UTC ("2026-01-01T00:00:00Z"), independent of TZ and the
 * locale; a time gmtime cannot represent is printed as its number.  The
 * one time formatter of every command. */
/* A --now style time argument: RFC 3339 (2026-12-01T09:00:00Z), seconds
 * since the epoch, or "now" (the clock).  0, or -1 when s is none of them. */
int rsc_cli_time_arg(int64_t *out, const char *s);

#define RSC_TIME_MAX 96
void rsc_cli_utc_time(char out[RSC_TIME_MAX], int64_t t);

#endif
