/* pem.c - Ed25519 keys in PEM text and files; see pem.h. */
#include "pem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "pkey.h"
#include "rsl.h"

#define USE_ED25519 "rsc signs with Ed25519 (rsc keygen, or openssl genpkey " \
	"-algorithm ed25519)"
/* Base64 of RSL__DER_MAX bytes, with room for padding. */
#define B64_MAX (RSL__DER_MAX / 3 * 4 + 8)

/* One line of the text: [p, p + n) without its end of line or the spaces
 * and tabs before it; no is its 1-based number. */
typedef struct line {
	const char *p;
	size_t n;
	unsigned no;
} line;

typedef struct scanner {
	const char *s, *end;
	unsigned no;
} scanner;

static int next_line(scanner *sc, line *out)
{
	if (sc->s >= sc->end)
		return 0;
	const char *e = memchr(sc->s, '\n', (size_t)(sc->end - sc->s));
	const char *stop = e ? e : sc->end;
	out->p = sc->s;
	out->no = ++sc->no;
	while (stop > sc->s && (stop[-1] == '\r' || stop[-1] == ' ' || stop[-1] == '\t'))
		stop--;
	out->n = (size_t)(stop - sc->s);
	sc->s = e ? e + 1 : sc->end;
	return 1;
}

static int starts(const line *l, const char *w)
{
	size_t k = strlen(w);
	return l->n >= k && memcmp(l->p, w, k) == 0;
}

static int blank(const line *l)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->p[i] != ' ' && l->p[i] != '\t')
			return 0;
	return 1;
}

/* "-----BEGIN label-----": the label, or NULL. */
static int begin_label(const line *l, const char **label, size_t *len)
{
	if (!starts(l, "-----BEGIN ") || l->n < 16 ||
	    memcmp(l->p + l->n - 5, "-----", 5) != 0)
		return 0;
	*label = l->p + 11;
	*len = l->n - 16;
	return 1;
}

/* A line quoted for a message, cut at 40 bytes. */
static void quote(char *out, size_t cap, const line *l)
{
	snprintf(out, cap, "'%.*s%s'", (int)(l->n > 40 ? 40 : l->n), l->p,
		 l->n > 40 ? "..." : "");
}

/* Says why a block labelled label[0..n) is not the one wanted: the other
 * half of the pair, a key of another algorithm or format. */
static void wrong_label(char *msg, size_t cap, const char *label, size_t n,
			const char *want)
{
	int want_private = strcmp(want, RSL__PEM_PRIVATE) == 0;
#define IS(w) (n == sizeof(w) - 1 && memcmp(label, w, n) == 0)
#define HAS_PREFIX(w) (n >= sizeof(w) - 1 && memcmp(label, w, sizeof(w) - 1) == 0)
	if (IS("ENCRYPTED PRIVATE KEY"))
		snprintf(msg, cap, "an encrypted private key; rsc needs it "
			 "unencrypted (openssl pkey -in KEY -out PLAIN)");
	else if (want_private && IS(RSL__PEM_PUBLIC))
		snprintf(msg, cap, "this is a public key; signing needs the "
			 "private key (the .key file of rsc keygen, not the .pub)");
	else if (!want_private && IS(RSL__PEM_PRIVATE))
		snprintf(msg, cap, "this is a private key; verifying needs "
			 "the public key (the .pub file of rsc keygen, not the .key)");
	else if (HAS_PREFIX("RSA "))
		snprintf(msg, cap, "not an Ed25519 key: found an RSA key "
			 "(PKCS#1 PEM); " USE_ED25519);
	else if (HAS_PREFIX("EC "))
		snprintf(msg, cap, "not an Ed25519 key: found an EC (ECDSA) "
			 "key; " USE_ED25519);
	else if (HAS_PREFIX("DSA "))
		snprintf(msg, cap, "not an Ed25519 key: found a DSA key; "
			 USE_ED25519);
	else if (IS("OPENSSH PRIVATE KEY"))
		snprintf(msg, cap, "an OpenSSH private key; rsc reads PKCS#8 "
			 "PEM: " USE_ED25519);
	else
		snprintf(msg, cap, "not a PEM key: expected a line '-----BEGIN "
			 "%s-----', found '-----BEGIN %.*s-----'", want,
			 (int)(n > 40 ? 40 : n), label);
#undef IS
#undef HAS_PREFIX
}

/* Text outside a block at l: why it is refused. */
static void outside_text(char *msg, size_t cap, const line *l, const char *want,
			 int blocks_before, const char *pem, size_t len)
{
	char q[64];
	quote(q, sizeof q, l);
	size_t k = 0;
	while (k < l->n && (l->p[k] == ' ' || l->p[k] == '\t'))
		k++;
	if (k > 0 && l->n - k >= 5 && memcmp(l->p + k, "-----", 5) == 0) {
		snprintf(msg, cap, "line %u: %s is indented: a PEM line starts in "
			 "its first column (RFC 7468)", l->no, q);
		return;
	}
	if (blocks_before) {
		snprintf(msg, cap, "line %u: %s after the end of the PEM block: "
			 "expected nothing more, or another '-----BEGIN %s-----' "
			 "block", l->no, q, want);
		return;
	}
	/* Junk before a block, or no block at all. */
	static const char begin[] = "-----BEGIN ";
	for (size_t i = 0; i + sizeof begin - 1 <= len; i++)
		if ((i == 0 || pem[i - 1] == '\n') &&
		    memcmp(pem + i, begin, sizeof begin - 1) == 0) {
			snprintf(msg, cap, "line %u: %s before the PEM block: expected "
				 "the text to begin with '-----BEGIN %s-----'",
				 l->no, q, want);
			return;
		}
	snprintf(msg, cap, "not a PEM key: expected a line '-----BEGIN %s-----'",
		 want);
}

/* Calls each(der, n, arg) for each block of pem[0..len) labelled want, in
 * order.  Returns the number of blocks, or -1 with msg when the text or a
 * block is refused (each's -1 included). */
static int each_block(const char *pem, size_t len, const char *want,
		      int (*each)(const unsigned char *, size_t, void *), void *arg,
		      char *msg, size_t cap)
{
	char b64[B64_MAX];
	unsigned char der[RSL__DER_MAX];
	scanner sc = { pem, pem + len, 0 };
	line l;
	int blocks = 0, rc = -1;
	if (len == 0) {
		snprintf(msg, cap, "empty: expected a PEM key starting with a line "
			 "'-----BEGIN %s-----'", want);
		return -1;
	}
	while (next_line(&sc, &l)) {
		const char *label;
		size_t ln;
		if (blank(&l))
			continue;
		if (!begin_label(&l, &label, &ln)) {
			outside_text(msg, cap, &l, want, blocks, pem, len);
			goto out;
		}
		if (ln != strlen(want) || memcmp(label, want, ln) != 0) {
			wrong_label(msg, cap, label, ln, want);
			goto out;
		}
		size_t nb = 0;
		int ended = 0;
		while (!ended && next_line(&sc, &l)) {
			if (starts(&l, "-----END ")) {
				if (l.n != 14 + ln || memcmp(l.p + 9, want, ln) != 0 ||
				    memcmp(l.p + 9 + ln, "-----", 5) != 0) {
					char q[64];
					quote(q, sizeof q, &l);
					snprintf(msg, cap, "line %u: expected '-----END "
						 "%s-----', found %s", l.no, want, q);
					goto out;
				}
				ended = 1;
			} else if (l.n == 0 || l.p[0] == ' ' || l.p[0] == '\t') {
				snprintf(msg, cap, "line %u: %s inside the PEM block: "
					 "a PEM line starts in its first column (RFC 7468)",
					 l.no, l.n == 0 ? "a blank line" : "an indented line");
				goto out;
			} else if (nb + l.n > sizeof b64) {
				snprintf(msg, cap, "a PEM key longer than any key rsc "
					 "knows (%d bytes of DER)", RSL__DER_MAX);
				goto out;
			} else {
				memcpy(b64 + nb, l.p, l.n);
				nb += l.n;
			}
		}
		if (!ended) {
			snprintf(msg, cap, "a PEM key without its '-----END %s-----' "
				 "line", want);
			goto out;
		}
		size_t n = 0;
		const char *stop = NULL;
		if (sodium_base642bin(der, sizeof der, b64, nb, NULL, &n, &stop,
				      sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    stop != b64 + nb) {
			snprintf(msg, cap, "a PEM key whose base64 text is damaged");
			goto out;
		}
		blocks++;
		if (each(der, n, arg) < 0)
			goto out;
	}
	rc = blocks;
out:
	sodium_memzero(b64, sizeof b64);
	sodium_memzero(der, sizeof der);
	return rc;
}

typedef struct public_keys {
	unsigned char (*pks)[32];
	size_t n;
	char *msg;
	size_t cap;
} public_keys;

static int add_public(const unsigned char *der, size_t n, void *arg)
{
	public_keys *k = arg;
	if (k->n == RSL__PEM_KEYS_MAX) {
		snprintf(k->msg, k->cap, "more than %d public keys in one text",
			 RSL__PEM_KEYS_MAX);
		return -1;
	}
	char why[240];
	if (rsl__der_public_key(k->pks[k->n], der, n, why, sizeof why) < 0) {
		if (k->n == 0)
			snprintf(k->msg, k->cap, "%s", why);
		else
			snprintf(k->msg, k->cap, "public key %zu: %s", k->n + 1, why);
		return -1;
	}
	k->n++;
	return 0;
}

int rsl__pem_public_keys(unsigned char (*pks)[32], size_t *n, const char *pem,
			 size_t len, char *msg, size_t cap)
{
	public_keys k = { pks, 0, msg, cap };
	*n = 0;
	if (each_block(pem, len, RSL__PEM_PUBLIC, add_public, &k, msg, cap) < 0)
		return RSL_EKEY;
	if (k.n == 0) {
		snprintf(msg, cap, "not a PEM key: expected a line '-----BEGIN "
			 RSL__PEM_PUBLIC "-----'");
		return RSL_EKEY;
	}
	*n = k.n;
	return RSL_OK;
}

typedef struct private_key {
	unsigned char *seed, *pk;
	int n;
	char *msg;
	size_t cap;
} private_key;

static int take_private(const unsigned char *der, size_t n, void *arg)
{
	private_key *k = arg;
	if (++k->n > 1) {
		snprintf(k->msg, k->cap, "two private keys in one text: expected "
			 "one '-----BEGIN " RSL__PEM_PRIVATE "-----' block, the key "
			 "to sign with");
		return -1;
	}
	return rsl__der_private_key(k->seed, k->pk, der, n, k->msg, k->cap);
}

int rsl__pem_private_key(unsigned char seed[32], unsigned char pk[32],
			 const char *pem, size_t len, char *msg, size_t cap)
{
	private_key k = { seed, pk, 0, msg, cap };
	int rc = each_block(pem, len, RSL__PEM_PRIVATE, take_private, &k, msg, cap);
	if (rc < 0 || k.n != 1) {
		if (rc >= 0)
			snprintf(msg, cap, "not a PEM key: expected a line "
				 "'-----BEGIN " RSL__PEM_PRIVATE "-----'");
		sodium_memzero(seed, 32);
		return RSL_EKEY;
	}
	return RSL_OK;
}

/* Reads the file at path into a new buffer (*out, *len), its permission
 * bits in *mode.  RSL_OK, or a code with "path: reason" in msg. */
static int read_file(char **out, size_t *len, unsigned *mode, const char *path,
		     char *msg, size_t cap)
{
	*out = NULL;
	*len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		snprintf(msg, cap, "%s: %s", path, strerror(errno));
		return RSL_EIO;
	}
	int rc = RSL_OK;
	size_t n = 0;
	struct stat st;
	char *buf = malloc(RSL__PEM_FILE_MAX);
	if (buf == NULL) {
		snprintf(msg, cap, "%s: out of memory", path);
		rc = RSL_ENOMEM;
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, cap, "%s: not a regular file", path);
		rc = RSL_EIO;
		goto out;
	}
	*mode = (unsigned)(st.st_mode & 07777);
	for (;;) {
		ssize_t r = read(fd, buf + n, RSL__PEM_FILE_MAX - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(msg, cap, "%s: %s", path, strerror(errno));
			rc = RSL_EIO;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
		if (n == RSL__PEM_FILE_MAX) {
			snprintf(msg, cap, "%s: over %d bytes, too big for a PEM key "
				 "file", path, RSL__PEM_FILE_MAX - 1);
			rc = RSL_EKEY;
			goto out;
		}
	}
	*out = buf;
	*len = n;
	buf = NULL;
out:
	if (buf) {
		sodium_memzero(buf, RSL__PEM_FILE_MAX);
		free(buf);
	}
	close(fd);
	return rc;
}

/* "path: " before the reason in msg. */
static void name_file(char *msg, size_t cap, const char *path)
{
	char why[512];
	snprintf(why, sizeof why, "%s", msg);
	snprintf(msg, cap, "%s: %s", path, why);
}

int rsl__pem_public_keys_file(unsigned char (*pks)[32], size_t *n,
			      const char *path, char *msg, size_t cap)
{
	char *buf;
	size_t len;
	unsigned mode;
	*n = 0;
	int rc = read_file(&buf, &len, &mode, path, msg, cap);
	if (rc < 0)
		return rc;
	rc = rsl__pem_public_keys(pks, n, buf, len, msg, cap);
	if (rc < 0)
		name_file(msg, cap, path);
	free(buf);
	return rc;
}

int rsl__pem_private_key_file(unsigned char seed[32], unsigned char pk[32],
			      const char *path, char *msg, size_t cap)
{
	char *buf;
	size_t len;
	unsigned mode;
	int rc = read_file(&buf, &len, &mode, path, msg, cap);
	if (rc < 0)
		return rc;
	rc = rsl__pem_private_key(seed, pk, buf, len, msg, cap);
	if (rc < 0) {
		name_file(msg, cap, path);
	} else if (mode & 0044) {
		/* Checked once the file is known to hold a private key, so
		 * that a public key given by mistake is named as such. */
		sodium_memzero(seed, 32);
		snprintf(msg, cap, "%s: readable by group or others (mode %04o); a "
			 "signing key must be private: chmod 600 %s", path, mode, path);
		rc = RSL_EKEY;
	}
	sodium_memzero(buf, len);
	free(buf);
	return rc;
}
