/*
 * keys.c - the trusted Ed25519 public keys (rsl_keyring_*) and the key id.
 *
 * A public key comes raw (32 bytes) or as SubjectPublicKeyInfo PEM, the
 * form `rsc keygen` and `openssl pkey -pubout` write: base64 of a fixed
 * 12-byte DER prefix and the 32 key bytes (RFC 8410).
 */
#include "keyring.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

/* SEQUENCE { SEQUENCE { OID 1.3.101.112 (Ed25519) } BIT STRING (33) { 0, ... */
static const unsigned char spki_prefix[12] = {
	0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00
};

#define PEM_MAX (64 * 1024)

int rsl__fail(rsl_error *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		err->code = code;
		vsnprintf(err->message, sizeof err->message, fmt, ap);
		va_end(ap);
	}
	return code;
}

void rsl_key_id_hex(char out[17], const unsigned char pk[32])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, pk, 32);
	sodium_bin2hex(out, 17, h, 8);
}

int rsl_keyring_new(rsl_keyring **out)
{
	if (out == NULL)
		return RSL_EINVAL;
	*out = NULL;
	if (sodium_init() < 0)
		return RSL_ENOMEM;
	rsl_keyring *kr = calloc(1, sizeof *kr);
	if (kr == NULL)
		return RSL_ENOMEM;
	*out = kr;
	return RSL_OK;
}

void rsl_keyring_free(rsl_keyring *kr)
{
	free(kr);
}

int rsl_keyring_add_raw(rsl_keyring *kr, const unsigned char pk[32],
			rsl_error *err)
{
	if (kr == NULL || pk == NULL)
		return rsl__fail(err, RSL_EINVAL, "no keyring or no key");
	unsigned char h[crypto_hash_sha256_BYTES];
	if (sodium_init() < 0)
		return rsl__fail(err, RSL_ENOMEM, "libsodium cannot initialise");
	if (!crypto_core_ed25519_is_valid_point(pk)) {
		char hex[65];
		sodium_bin2hex(hex, sizeof hex, pk, 32);
		return rsl__fail(err, RSL_EKEY, "%s is not a valid Ed25519 public "
				 "key", hex);
	}
	crypto_hash_sha256(h, pk, 32);
	for (unsigned i = 0; i < kr->n; i++)
		if (memcmp(kr->keys[i].pk, pk, 32) == 0)
			return RSL_OK; /* already trusted */
	if (kr->n == RSL__MAX_KEYS)
		return rsl__fail(err, RSL_EKEY, "too many trusted keys (at most %d)",
				 RSL__MAX_KEYS);
	memcpy(kr->keys[kr->n].pk, pk, 32);
	memcpy(kr->keys[kr->n].kid, h, 8);
	kr->n++;
	return RSL_OK;
}

/* The span of the first line of s[0..n) that equals marker, after it. */
static const char *find_line(const char *s, size_t n, const char *marker)
{
	size_t m = strlen(marker);
	for (size_t i = 0; i + m <= n; i++)
		if ((i == 0 || s[i - 1] == '\n') && memcmp(s + i, marker, m) == 0)
			return s + i;
	return NULL;
}

int rsl_keyring_add_pem(rsl_keyring *kr, const char *pem, size_t len,
			rsl_error *err)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----";
	static const char end[] = "-----END PUBLIC KEY-----";
	if (kr == NULL || pem == NULL)
		return rsl__fail(err, RSL_EINVAL, "no keyring or no PEM text");
	const char *b = find_line(pem, len, begin);
	if (b == NULL) {
		if (find_line(pem, len, "-----BEGIN PRIVATE KEY-----"))
			return rsl__fail(err, RSL_EKEY,
					 "this is a private key; a loader needs "
					 "the public key (\"-----BEGIN PUBLIC KEY-----\")");
		return rsl__fail(err, RSL_EKEY, "not a PEM public key: no "
				 "\"-----BEGIN PUBLIC KEY-----\" line");
	}
	b += sizeof begin - 1;
	const char *e = find_line(b, len - (size_t)(b - pem), end);
	if (e == NULL)
		return rsl__fail(err, RSL_EKEY, "PEM public key: no "
				 "\"-----END PUBLIC KEY-----\" line");
	unsigned char der[64];
	size_t n = 0;
	const char *stop = NULL;
	if (sodium_base642bin(der, sizeof der, b, (size_t)(e - b), " \t\r\n", &n,
			      &stop, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    stop != e)
		return rsl__fail(err, RSL_EKEY, "PEM public key: bad base64, or "
				 "longer than an Ed25519 key");
	if (n != sizeof spki_prefix + 32)
		return rsl__fail(err, RSL_EKEY, "PEM public key is %zu bytes of DER, "
				 "not the 44 of an Ed25519 SubjectPublicKeyInfo", n);
	if (memcmp(der, spki_prefix, sizeof spki_prefix) != 0)
		return rsl__fail(err, RSL_EKEY, "PEM public key is not an Ed25519 "
				 "key (algorithm 1.3.101.112)");
	return rsl_keyring_add_raw(kr, der + sizeof spki_prefix, err);
}

int rsl_keyring_add_pem_file(rsl_keyring *kr, const char *path, rsl_error *err)
{
	if (kr == NULL || path == NULL)
		return rsl__fail(err, RSL_EINVAL, "no keyring or no path");
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return rsl__fail(err, RSL_EIO, "cannot open '%s': %s", path,
				 strerror(errno));
	char *buf = malloc(PEM_MAX);
	if (buf == NULL) {
		close(fd);
		return rsl__fail(err, RSL_ENOMEM, "out of memory");
	}
	size_t n = 0;
	int rc = RSL_OK;
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = rsl__fail(err, RSL_EIO, "cannot read '%s': not a regular file",
			       path);
		goto out;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, PEM_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = rsl__fail(err, RSL_EIO, "cannot read '%s': %s", path,
				       strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == PEM_MAX) {
			rc = rsl__fail(err, RSL_EKEY, "'%s' is too big for a PEM "
				       "public key", path);
			goto out;
		}
	}
	rc = rsl_keyring_add_pem(kr, buf, n, err);
	if (rc < 0 && err) {
		/* Say which file: "'k.pub': not a PEM public key ..." */
		char msg[sizeof err->message];
		memcpy(msg, err->message, sizeof msg);
		rsl__fail(err, rc, "'%s': %s", path, msg);
	}
out:
	free(buf);
	close(fd);
	return rc;
}

const rsl__key *rsl__keyring_find(const rsl_keyring *kr,
				  const unsigned char kid[8])
{
	for (unsigned i = 0; i < kr->n; i++)
		if (memcmp(kr->keys[i].kid, kid, 8) == 0)
			return &kr->keys[i];
	return NULL;
}
