/* cli.c - options and front end shared by the rsc commands; see cli.h. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "keys.h"
#include "rfc3339.h"
#include "rsl.h"

int rsc_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "rsc %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry 'rsc %s --help'.\n", cmd);
	return RSC_EXIT_USAGE;
}

void rsc_errorf(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "rsc %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int rsc_cli_source_option(rsc_cli_source *s, const char *cmd, int c,
			  const char *arg)
{
	switch (c) {
	case 0x100:
		s->root = arg;
		return 1;
	case 0x101:
		if (s->worktree) {
			rsc_usage(cmd, "--rev and --worktree exclude each other");
			return -1;
		}
		s->rev = arg;
		s->rev_given = 1;
		return 1;
	case 0x102:
		if (s->rev_given) {
			rsc_usage(cmd, "--rev and --worktree exclude each other");
			return -1;
		}
		s->worktree = 1;
		return 1;
	case 0x103:
		if (strcmp(arg, "text") == 0)
			s->format = RSC_FORMAT_TEXT;
		else if (strcmp(arg, "json") == 0)
			s->format = RSC_FORMAT_JSON;
		else if (strcmp(arg, "github") == 0)
			s->format = RSC_FORMAT_GITHUB;
		else {
			rsc_usage(cmd, "unknown --format '%s'; expected text, json or github", arg);
			return -1;
		}
		return 1;
	default:
		return 0;
	}
}

int rsc_cli_read_ruleset(rsc_ruleset *rs, rsc_fileset *fs, rsc_arena *a,
			 rsc_diags *d, const rsc_cli_source *s)
{
	int rc = rsc_source_read(fs, a, s->root, s->worktree ? NULL : s->rev, d);
	fs->drop_parsed = 1; /* read again below if a diagnostic shows them */
	if (rc == RSC_OK)
		rc = rsc_model_load(rs, a, fs, d);
	if (rc == RSC_OK)
		rc = rsc_model_check(rs, d);
	rsc_source_refill(fs, a, d);
	return rc;
}

const char *rsc_cli_plural(size_t n)
{
	return n == 1 ? "" : "s";
}

int rsc_cli_exit_code(int rc)
{
	switch (rc) {
	case RSC_OK:
		return RSC_EXIT_OK;
	case RSC_EINVALID:
		return RSC_EXIT_INVALID;
	case RSC_EUSAGE:
		return RSC_EXIT_USAGE;
	default:
		return RSC_EXIT_IO;
	}
}

int rsc_cli_trust_key(rsl_keyring *kr, const char *cmd, const char *path)
{
	rsl_error e;
	/* The library's reader: what rsc trusts is what applications trust.
	 * Its message starts with the path. */
	if (rsl_keyring_add_pem_file(kr, path, &e) != RSL_OK) {
		rsc_errorf(cmd, "--pub %s", e.message);
		return RSC_EXIT_IO;
	}
	return RSC_EXIT_OK;
}

int rsc_cli_next(rsc_cli_parser *p)
{
	static const struct option source_opts[] = { RSC_CLI_SOURCE_OPTIONS };
	struct option all[RSC_CLI_MAX_OPTIONS + 1];
	size_t n = 0;
	for (const struct option *o = p->opts; o && o->name; o++)
		if (n < RSC_CLI_MAX_OPTIONS - 5)
			all[n++] = *o;
	if (p->src)
		for (size_t i = 0; i < sizeof source_opts / sizeof source_opts[0]; i++)
			all[n++] = source_opts[i];
	all[n++] = (struct option){ "help", no_argument, NULL, 'h' };
	all[n] = (struct option){ NULL, 0, NULL, 0 };
	if (!p->started)
		optind = 0; /* glibc: a full reset, even after another parse */
	p->started = 1;
	opterr = 0;
	for (;;) {
		int c = getopt_long(p->argc, p->argv, ":h", all, NULL);
		p->next = optind;
		p->arg = optarg;
		if (c == -1)
			return 0;
		if (c == 'h') {
			fputs(p->help, stdout);
			p->exit = RSC_EXIT_OK;
			return -1;
		}
		if (c == ':') {
			p->exit = rsc_usage(p->cmd, "option '%s' needs a value",
					    p->argv[optind - 1]);
			return -1;
		}
		if (c == '?') {
			p->exit = rsc_usage(p->cmd, "unknown option '%s'", p->argv[optind - 1]);
			return -1;
		}
		int r = p->src ? rsc_cli_source_option(p->src, p->cmd, c, optarg) : 0;
		if (r < 0) {
			p->exit = RSC_EXIT_USAGE;
			return -1;
		}
		if (r == 0)
			return c;
	}
}

int rsc_cli_positionals(const rsc_cli_parser *p, int want, const char *missing)
{
	int have = p->argc - p->next;
	if (have > want)
		return rsc_usage(p->cmd, "unexpected argument '%s'", p->argv[p->next + want]);
	if (have < want)
		return rsc_usage(p->cmd, "%s", missing);
	return RSC_EXIT_OK;
}

int rsc_cli_time_arg(int64_t *out, const char *s)
{
	if (strcmp(s, "now") == 0) {
		*out = (int64_t)time(NULL);
		return 0;
	}
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (*s && *end == 0 && errno == 0) {
		*out = (int64_t)v;
		return 0;
	}
	rsl__time t;
	if (rsl__rfc3339_parse(&t, s, strlen(s)) < 0)
		return -1;
	*out = t.sec;
	return 0;
}

void rsc_cli_utc_time(char out[RSC_TIME_MAX], int64_t t)
{
	_Static_assert(RSC_TIME_MAX >= RSL__TIME_MAX, "room for the library's format");
	rsl__rfc3339_format(out, t);
}

int rsc_cli_pub_option(rsc_cli_pubs *pubs, const char *cmd, const char *path)
{
	if (pubs->n == RSC_CLI_MAX_PUBS)
		return rsc_usage(cmd, "more than %d --pub", RSC_CLI_MAX_PUBS);
	pubs->path[pubs->n++] = path;
	return RSC_EXIT_OK;
}

int rsc_cli_keyring(rsl_keyring **out, const char *cmd, const rsc_cli_pubs *pubs)
{
	*out = NULL;
	if (pubs->n == 0)
		return rsc_usage(cmd, "no trusted key: give --pub FILE");
	rsl_keyring *kr = NULL;
	if (rsl_keyring_new(&kr) != RSL_OK) {
		rsc_errorf(cmd, "out of memory");
		return RSC_EXIT_IO;
	}
	for (size_t i = 0; i < pubs->n; i++)
		if (rsc_cli_trust_key(kr, cmd, pubs->path[i]) != RSC_EXIT_OK) {
			rsl_keyring_free(kr);
			return RSC_EXIT_IO;
		}
	*out = kr;
	return RSC_EXIT_OK;
}

int rsc_cli_signing_key(rsc_key *key, const char *cmd, const char *path)
{
	char err[1024];
	if (path) {
		if (rsc_key_read_file(key, path, err, sizeof err) == 0)
			return 0;
		rsc_errorf(cmd, "--key %s", err);
		return -1;
	}
	const char *pem = getenv("RSC_SIGNING_KEY");
	if (!pem || !*pem) {
		rsc_errorf(cmd, "RSC_SIGNING_KEY is set but empty (is the CI "
			   "secret passed to this job? secrets are not given to pull "
			   "requests from forks)");
		return -1;
	}
	if (rsc_key_from_pem(key, pem, strlen(pem), err, sizeof err) == 0)
		return 0;
	rsc_errorf(cmd, "RSC_SIGNING_KEY: %s", err);
	return -1;
}
