/* cmd_inspect.c - `rsc inspect`: arguments, then inspect.c's decoding
 * (librsl's strict CBOR reader) and printing.  No key: the signature is
 * not checked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "inspect.h"
#include "rsl.h"

int rsc_cmd_inspect(int argc, char **argv);

static const char inspect_help[] =
"usage: rsc inspect SNAPSHOT [--format text|json] [--pub KEY]...\n"
"\n"
"Prints what a snapshot holds: the COSE header (algorithm, key id), every\n"
"field of the body (environment, version, expiry, provenance), the segments,\n"
"and each flag with its variants, rules (conditions written out, e.g.\n"
"`country in [DE, AT]`), default and the source file:line of each.\n"
"Without --pub the signature is NOT checked, so that a damaged or suspicious\n"
"file can still be read.  Either way the file is read with the loader's\n"
"strict CBOR reader, in memory and time bounded by its size, however\n"
"hostile it is.  A format 2 file's image is read only once the loader has\n"
"checked it, and shown as format 1 shows its flags and segments.\n"
"\n"
"  --format FMT    text (default) or json (the decoded CBOR as one JSON\n"
"                  object: {\"protected\":..., \"body\":...}; the codes op,\n"
"                  type and kind by name: \"semver_lt\", \"string\", \"variant\";\n"
"                  format 2's \"segments\" and \"flags\" in place of its image)\n"
"  --pub KEY       first have librsl open the snapshot as a node would,\n"
"                  trusting this public key (repeatable); print nothing if\n"
"                  it refuses\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 printed, 1 not a well-formed snapshot (or, with --pub, one\n"
"librsl refuses), 2 usage error, 3 I/O error or a bad --pub file.\n"
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

/* Whether librsl opens the snapshot trusting keys; says why not. */
static int opens(const char *path, const unsigned char *data, size_t len,
		 const rsl_keyring *keys)
{
	rsl_open_options oo = RSL_OPEN_OPTIONS_INIT;
	rsl_snapshot *snap = NULL;
	rsl_error e;
	oo.keys = keys;
	int rc = rsl_open_buffer(&snap, data, len, &oo, &e);
	if (rc != RSL_OK) {
		rsc_errorf("inspect", "%s: refused by librsl (%s): %s", path,
			   rsl_strerror(rc), e.message);
		return 0;
	}
	rsl_close(snap);
	return 1;
}

int rsc_cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 0x200 },
		{ "pub", required_argument, NULL, 0x201 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_parser p = RSC_CLI_PARSER("inspect", inspect_help, opts, NULL, argc, argv);
	rsc_cli_pubs pubs = { { NULL }, 0 };
	int json = 0, c, rc;
	while ((c = rsc_cli_next(&p)) > 0) {
		if (c == 0x201) {
			if ((rc = rsc_cli_pub_option(&pubs, "inspect", p.arg)) != RSC_EXIT_OK)
				return rc;
		} else if (strcmp(p.arg, "json") == 0)
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
	rsl_keyring *keys = NULL;
	if (pubs.n && (rc = rsc_cli_keyring(&keys, "inspect", &pubs)) != RSC_EXIT_OK)
		return rc;

	size_t len = 0;
	unsigned char *data = read_all(path, &len);
	if (!data) {
		rsc_errorf("inspect", "%s: %s", path, strerror(errno));
		rsl_keyring_free(keys);
		return RSC_EXIT_IO;
	}
	rc = RSC_EXIT_INVALID;
	char why[512];
	rsc_inspected s;
	if (rsc_inspect_decode(&s, data, len, why, sizeof why) < 0) {
		rsc_errorf("inspect", "%s: %s", path, why);
	} else if (keys && !(s.verified = opens(path, data, len, keys))) {
		/* opens() said why */
	} else if (json) {
		rsc_inspect_json(stdout, &s, path, len);
		rc = RSC_EXIT_OK;
	} else if (rsc_inspect_text(stdout, &s, path, len) < 0) {
		rsc_errorf("inspect", "out of memory");
		rc = RSC_EXIT_IO;
	} else {
		rc = RSC_EXIT_OK;
	}
	rsc_inspect_free(&s);
	free(data);
	rsl_keyring_free(keys);
	return rc;
}
