/* cmd_keygen.c - `rsc keygen`: a new Ed25519 key pair as PEM files that
 * OpenSSL reads too. */
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "cli.h"
#include "keys.h"

int rsc_cmd_keygen(int argc, char **argv);

static const char keygen_help[] =
"usage: rsc keygen --out PREFIX [--force]\n"
"\n"
"Makes an Ed25519 key pair for signing snapshots:\n"
"  PREFIX.key  the private key, PKCS#8 PEM, mode 0600 (keep it secret: a CI\n"
"              secret for RSC_SIGNING_KEY, never in the repository)\n"
"  PREFIX.pub  the public key, SubjectPublicKeyInfo PEM, mode 0644 (give it\n"
"              to every node that loads snapshots)\n"
"and prints the key id (the first 8 bytes of SHA-256 of the public key), which\n"
"every snapshot signed with it carries.  The files are the ones that\n"
"`openssl genpkey -algorithm ed25519` and `openssl pkey -pubout` write.\n"
"\n"
"  --out PREFIX    where to write the two files\n"
"  --force         replace existing files (by default an existing file is\n"
"                  left alone and nothing is written)\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 written, 2 usage error, 3 I/O error (e.g. a file exists).\n"
"\n"
"Example:  rsc keygen --out keys/ci-2026\n";

int rsc_cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 0x200 },
		{ "force", no_argument, NULL, 0x201 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_parser p = RSC_CLI_PARSER("keygen", keygen_help, opts, NULL, argc, argv);
	const char *prefix = NULL;
	int force = 0, c;
	while ((c = rsc_cli_next(&p)) > 0) {
		if (c == 0x200)
			prefix = p.arg;
		else
			force = 1;
	}
	if (c < 0)
		return p.exit;
	if (rsc_cli_positionals(&p, 0, "") != RSC_EXIT_OK)
		return RSC_EXIT_USAGE;
	if (!prefix || !*prefix)
		return rsc_usage("keygen", "--out PREFIX is required");

	char keypath[4096], pubpath[4096], err[512];
	if ((size_t)snprintf(keypath, sizeof keypath, "%s.key", prefix) >= sizeof keypath ||
	    (size_t)snprintf(pubpath, sizeof pubpath, "%s.pub", prefix) >= sizeof pubpath)
		return rsc_usage("keygen", "--out PREFIX is too long");
	unsigned flags = force ? 0u : RSC_ATOMIC_NOREPLACE;
	if (!force) {
		/* Check both first so that neither is written when one exists. */
		const char *paths[2] = { keypath, pubpath };
		for (int i = 0; i < 2; i++)
			if (access(paths[i], F_OK) == 0) {
				rsc_errorf("keygen", "%s exists; use --force to replace it",
					   paths[i]);
				return RSC_EXIT_IO;
			}
	}

	rsc_key key;
	if (rsc_key_generate(&key) != 0) {
		rsc_errorf("keygen", "libsodium cannot start");
		return RSC_EXIT_IO;
	}
	char pem[RSC_PEM_MAX], pub[RSC_PEM_MAX], kid[2 * RSC_KID_LEN + 1];
	size_t pemlen = rsc_key_private_pem(pem, &key);
	size_t publen = rsc_key_public_pem(pub, key.pk);
	rsc_key_id_hex(kid, key.pk);
	int rc = RSC_EXIT_OK;
	if (rsc_atomic_write(keypath, pem, pemlen, 0600, flags, err, sizeof err) != 0) {
		rsc_errorf("keygen", "%s", err);
		rc = RSC_EXIT_IO;
	} else if (rsc_atomic_write(pubpath, pub, publen, 0644, flags, err,
				    sizeof err) != 0) {
		rsc_errorf("keygen", "%s", err);
		unlink(keypath); /* a private key without its public half is no use */
		rc = RSC_EXIT_IO;
	} else {
		printf("%s: private key (keep it secret)\n%s: public key\nkey id %s\n",
		       keypath, pubpath, kid);
	}
	sodium_memzero(pem, sizeof pem);
	rsc_key_wipe(&key);
	return rc;
}
