/* cmd_inspect.c - `rsc inspect`: arguments, then inspect.c's decoding
 * (librsl's strict CBOR reader) and printing.  No key: the signature is
 * not checked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "inspect.h"

int rsc_cmd_inspect(int argc, char **argv);

static const char inspect_help[] =
"usage: rsc inspect SNAPSHOT [--format text|json]\n"
"\n"
"Prints what a snapshot holds: the COSE header (algorithm, key id), every\n"
"field of the body (environment, version, expiry, provenance), the segments,\n"
"and each flag with its variants, rules (conditions written out, e.g.\n"
"`country in [DE, AT]`), default and the source file:line of each.\n"
"The signature is NOT checked: use rsc verify for that.  The file is read\n"
"with the loader's strict CBOR reader, in memory and time bounded by its\n"
"size, however hostile it is.\n"
"\n"
"  --format FMT    text (default) or json (the decoded CBOR as one JSON\n"
"                  object: {\"protected\":..., \"body\":...}; the codes op,\n"
"                  type and kind by name: \"semver_lt\", \"string\", \"variant\")\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 printed, 1 not a well-formed snapshot, 2 usage error,\n"
"3 I/O error.\n"
"\n"
"Example:  rsc inspect out/prod.rsnap --format json | jq '.body.flags[].key'\n";

#define MAX_SNAPSHOT (64u * 1024u * 1024u)

static unsigned char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 65536, n = 0;
	unsigned char *buf = malloc(cap);
	while (buf) {
		size_t k = fread(buf + n, 1, cap - n, f);
		n += k;
		if (k == 0 || n > MAX_SNAPSHOT)
			break;
		if (n == cap) {
			unsigned char *nb = realloc(buf, cap *= 2);
			if (!nb) {
				free(buf);
				buf = NULL;
			} else {
				buf = nb;
			}
		}
	}
	int bad = ferror(f) || n > MAX_SNAPSHOT;
	fclose(f);
	if (bad || !buf) {
		free(buf);
		errno = bad && n > MAX_SNAPSHOT ? EFBIG : errno ? errno : EIO;
		return NULL;
	}
	*len = n;
	return buf;
}

int rsc_cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 0x200 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_parser p = RSC_CLI_PARSER("inspect", inspect_help, opts, NULL, argc, argv);
	int json = 0, c;
	while ((c = rsc_cli_next(&p)) > 0) {
		if (strcmp(p.arg, "json") == 0)
			json = 1;
		else if (strcmp(p.arg, "text") == 0)
			json = 0;
		else
			return rsc_usage("inspect", "unknown --format '%s'; "
					 "expected text or json", p.arg);
	}
	if (c < 0)
		return p.exit;
	if (rsc_cli_positionals(&p, 1, "which snapshot? give SNAPSHOT") != RSC_EXIT_OK)
		return RSC_EXIT_USAGE;
	const char *path = argv[p.next];

	size_t len = 0;
	unsigned char *data = read_all(path, &len);
	if (!data) {
		rsc_errorf("inspect", "%s: %s", path, strerror(errno));
		return RSC_EXIT_IO;
	}
	int rc = RSC_EXIT_INVALID;
	char why[512];
	rsc_inspected s;
	if (rsc_inspect_decode(&s, data, len, why, sizeof why) < 0) {
		rsc_errorf("inspect", "%s: %s", path, why);
	} else if (json) {
		rsc_inspect_json(stdout, &s, path, len);
		rc = RSC_EXIT_OK;
	} else if (rsc_inspect_text(stdout, &s, path, len) < 0) {
		rsc_errorf("inspect", "out of memory");
		rc = RSC_EXIT_IO;
	} else {
		rc = RSC_EXIT_OK;
	}
	free(data);
	return rc;
}
