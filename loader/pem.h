/*
 * pem.h - the one reader of Ed25519 keys in PEM (RFC 7468) in the project:
 * rsl_keyring_add_pem(_file) and rsc's --pub, --key and RSC_SIGNING_KEY all
 * go through it, so they accept the same texts and say the same things.
 * Internal to librsl.
 *
 * The text is one or more blocks "-----BEGIN <label>-----", base64 lines,
 * "-----END <label>-----", each line starting in its first column (no
 * indentation) and ending in LF or CRLF; spaces or tabs at a line's end and
 * lines of only whitespace between, before and after the blocks are fine.
 * Any other text outside a block is refused, as is a blank line inside one.
 * A block of another label is named ("this is a private key; verifying
 * needs the public key ...", "an encrypted private key ...").
 */
#ifndef RSL_PEM_H
#define RSL_PEM_H

#include <stddef.h>

#define RSL__PEM_PUBLIC "PUBLIC KEY"
#define RSL__PEM_PRIVATE "PRIVATE KEY"
/* Biggest key file read (a few keys fit many times over). */
#define RSL__PEM_FILE_MAX (64 * 1024)
/* The most public keys one text may hold (a keyring holds 16). */
#define RSL__PEM_KEYS_MAX 16

/* The Ed25519 keys of the "PUBLIC KEY" blocks of pem[0..len), in order,
 * into pks; *n their number (1 to RSL__PEM_KEYS_MAX).  RSL_OK, or RSL_EKEY
 * with the reason in msg (nothing is returned then: all or none). */
int rsl__pem_public_keys(unsigned char (*pks)[32], size_t *n, const char *pem,
			 size_t len, char *msg, size_t cap);

/* The seed and public key of the one "PRIVATE KEY" block of pem[0..len)
 * (two private keys are refused).  RSL_OK or RSL_EKEY with msg.  Secrets
 * decoded on the way are wiped. */
int rsl__pem_private_key(unsigned char seed[32], unsigned char pk[32],
			 const char *pem, size_t len, char *msg, size_t cap);

/* The same from files: msg is "path: reason".  A private key file readable
 * by group or others is refused (like OpenSSH).  RSL_OK, RSL_EIO (cannot
 * open or read it, not a regular file), RSL_EKEY (as above, or too big),
 * RSL_ENOMEM. */
int rsl__pem_public_keys_file(unsigned char (*pks)[32], size_t *n,
			      const char *path, char *msg, size_t cap);
int rsl__pem_private_key_file(unsigned char seed[32], unsigned char pk[32],
			      const char *path, char *msg, size_t cap);

#endif
