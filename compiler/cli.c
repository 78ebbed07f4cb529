/* cli.c - options and front end shared by the rsc commands; see cli.h. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"
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
	if (rc != RSC_OK)
		return rc;
	rc = rsc_model_load(rs, a, fs, d);
	if (rc != RSC_OK)
		return rc;
	return rsc_model_check(rs, d);
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
	unsigned char pk[32];
	char why[1024];
	rsl_error e;
	if (rsc_pubkey_read_file(pk, path, why, sizeof why) != 0) {
		rsc_errorf(cmd, "--pub %s", why);
		return RSC_EXIT_IO;
	}
	if (rsl_keyring_add_raw(kr, pk, &e) != RSL_OK) {
		rsc_errorf(cmd, "--pub %s: %s", path, e.message);
		return RSC_EXIT_IO;
	}
	return RSC_EXIT_OK;
}
