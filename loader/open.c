/*
 * open.c - rsl_open: from a file (or bytes) to a verified, decoded snapshot.
 *
 * In the order of Lua's checkHeader: the file itself (regular, not writable
 * by group or others, within the size cap), then the COSE_Sign1 envelope
 * (tag, array, protected header, unprotected header, payload, signature),
 * then the key and the signature, and only then the payload (decode.c).
 *
 * The signature is checked over a private copy of the payload (it has to be
 * contiguous in the Sig_structure anyway), and the decoder reads that same
 * copy, so what was verified is exactly what is decoded even if the file
 * changes under the mapping.  The decoded snapshot copies everything it
 * keeps: the file is unmapped before rsl_open returns.
 */
#include <stdlib.h>
#include <string.h>

#include <sys/mman.h>

#include <sodium.h>

#include "cbor_reader.h"
#include "decode.h"
#include "file.h"
#include "keyring.h"
#include "snap.h"


const char *rsl_strerror(int code)
{
	switch (code) {
	case RSL_OK: return "RSL_OK";
	case RSL_EINVAL: return "RSL_EINVAL";
	case RSL_EIO: return "RSL_EIO";
	case RSL_EUNSAFE: return "RSL_EUNSAFE";
	case RSL_EFORMAT: return "RSL_EFORMAT";
	case RSL_EVERSION: return "RSL_EVERSION";
	case RSL_EKEY: return "RSL_EKEY";
	case RSL_ESIGNATURE: return "RSL_ESIGNATURE";
	case RSL_EENV: return "RSL_EENV";
	case RSL_ENOMEM: return "RSL_ENOMEM";
	case RSL_EROLLBACK: return "RSL_EROLLBACK";
	case RSL_EREPLAY: return "RSL_EREPLAY";
	case RSL_ESTRICT: return "RSL_ESTRICT";
	}
	return "RSL_E?";
}

/* ------------------------------------------------------------ envelope */

typedef struct envelope {
	const uint8_t *prot;
	size_t protlen;
	const uint8_t *payload;
	size_t plen;
	const uint8_t *sig;
	unsigned char kid[8];
} envelope;

#define NOT_COSE "not a COSE_Sign1 snapshot: "

static int bstr(rsl__cbor *c, const char *what, const uint8_t **p, size_t *n,
		rsl_error *err)
{
	int rc = rsl__cbor_bytes(c, p, n);
	if (rc < 0)
		return rsl__fail(err, RSL_EFORMAT, NOT_COSE "%s: %s", what,
				 rc == RSL__CBOR_ETYPE ? "not a byte string"
						       : rsl__cbor_strerror(rc));
	return RSL_OK;
}

/* The protected header: exactly {1: -8 or -19, 4: h'<8 bytes>'}. */
static int parse_protected(envelope *e, rsl_error *err)
{
	rsl__cbor c = { e->prot, e->prot + e->protlen };
	uint64_t n, label;
	int64_t alg;
	const uint8_t *kid;
	size_t kidlen;
	size_t bad;
	int rc = rsl__cbor_check(e->prot, e->protlen, &bad);
	if (rc < 0)
		return rsl__fail(err, RSL_EFORMAT, NOT_COSE "protected header: "
				 "byte %zu: %s", bad, rsl__cbor_strerror(rc));
	if (rsl__cbor_map(&c, &n) < 0 || n != 2 ||
	    rsl__cbor_uint(&c, &label) < 0 || label != 1 ||
	    rsl__cbor_int(&c, &alg) < 0)
		return rsl__fail(err, RSL_EFORMAT, NOT_COSE "the protected header "
				 "must be {1: alg, 4: kid}");
	if (alg != -8 && alg != -19)
		return rsl__fail(err, RSL_EFORMAT, NOT_COSE "algorithm %lld is not "
				 "supported (only -8 EdDSA or -19 Ed25519)",
				 (long long)alg);
	if (rsl__cbor_uint(&c, &label) < 0 || label != 4 ||
	    rsl__cbor_bytes(&c, &kid, &kidlen) < 0)
		return rsl__fail(err, RSL_EFORMAT, NOT_COSE "the protected header "
				 "must be {1: alg, 4: kid}");
	if (kidlen != 8)
		return rsl__fail(err, RSL_EFORMAT, NOT_COSE "the key id is %zu "
				 "bytes, expected 8", kidlen);
	memcpy(e->kid, kid, 8);
	return RSL_OK;
}

static int parse_envelope(envelope *e, const uint8_t *buf, size_t len,
			  rsl_error *err)
{
	rsl__cbor c = { buf, buf + len };
	unsigned m, ai;
	uint64_t n;
	size_t siglen;
	int rc;
	if (len == 0)
		return rsl__fail(err, RSL_EFORMAT, NOT_COSE "the file is empty");
	if (buf[0] != 0xd2)
		return rsl__fail(err, RSL_EFORMAT, NOT_COSE "it begins with 0x%02x, "
				 "not tag 18 (0xd2)", buf[0]);
	c.p++;
	if ((rc = rsl__cbor_array(&c, &n)) < 0 || n != 4)
		return rsl__fail(err, RSL_EFORMAT, NOT_COSE "tag 18 is not followed "
				 "by an array of 4 items");
	if ((rc = bstr(&c, "protected header", &e->prot, &e->protlen, err)) < 0 ||
	    (rc = parse_protected(e, err)) < 0)
		return rc;
	if ((rc = rsl__cbor_head(&c, &m, &ai, &n)) < 0 || m != RSL__CBOR_MAP ||
	    n != 0)
		return rsl__fail(err, RSL_EFORMAT, NOT_COSE "the unprotected header "
				 "must be an empty map");
	if ((rc = bstr(&c, "payload", &e->payload, &e->plen, err)) < 0 ||
	    (rc = bstr(&c, "signature", &e->sig, &siglen, err)) < 0)
		return rc;
	if (siglen != crypto_sign_BYTES)
		return rsl__fail(err, RSL_EFORMAT, NOT_COSE "the signature is %zu "
				 "bytes, expected 64", siglen);
	if (c.p != c.end)
		return rsl__fail(err, RSL_EFORMAT, NOT_COSE "%zu bytes after the end "
				 "of the message", (size_t)(c.end - c.p));
	return RSL_OK;
}

/* A CBOR head: major type m, argument v, in its shortest form. */
static size_t put_head(uint8_t *p, unsigned m, uint64_t v)
{
	uint8_t ib = (uint8_t)(m << 5);
	unsigned n;
	if (v < 24) {
		p[0] = (uint8_t)(ib | v);
		return 1;
	}
	if (v <= 0xff)
		p[0] = (uint8_t)(ib | 24), n = 1;
	else if (v <= 0xffff)
		p[0] = (uint8_t)(ib | 25), n = 2;
	else if (v <= 0xffffffffu)
		p[0] = (uint8_t)(ib | 26), n = 4;
	else
		p[0] = (uint8_t)(ib | 27), n = 8;
	for (unsigned i = 0; i < n; i++)
		p[1 + i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return 1 + n;
}

/*
 * Verifies the signature over Sig_structure = ["Signature1", protected, h'',
 * payload] where the payload lies: the structure's head is written into
 * the RSL__FILE_ROOM bytes and the envelope before the payload (which the
 * envelope no longer needs: e holds what was read from it).
 */
static int verify(const envelope *e, const rsl_keyring *kr, rsl_error *err)
{
	const rsl__key *k = rsl__keyring_find(kr, e->kid);
	if (k == NULL) {
		char hex[17];
		sodium_bin2hex(hex, sizeof hex, e->kid, 8);
		return rsl__fail(err, RSL_EKEY, "no trusted key has key id %s", hex);
	}
	uint8_t head[RSL__FILE_ROOM], sig[crypto_sign_BYTES];
	size_t n = 0;
	if (e->protlen > 24)
		return rsl__fail(err, RSL_EFORMAT, NOT_COSE "the protected header is "
				 "%zu bytes, more than 24", e->protlen);
	head[n++] = 0x84;
	n += put_head(head + n, RSL__CBOR_TEXT, 10);
	memcpy(head + n, "Signature1", 10);
	n += 10;
	n += put_head(head + n, RSL__CBOR_BYTES, e->protlen);
	memcpy(head + n, e->prot, e->protlen);
	n += e->protlen;
	head[n++] = 0x40;
	n += put_head(head + n, RSL__CBOR_BYTES, e->plen);
	memcpy(sig, e->sig, sizeof sig);
	uint8_t *at = (uint8_t *)e->payload - n;
	memcpy(at, head, n);
	if (crypto_sign_verify_detached(sig, at, n + e->plen, k->pk) != 0) {
		char hex[17];
		sodium_bin2hex(hex, sizeof hex, e->kid, 8);
		return rsl__fail(err, RSL_ESIGNATURE, "the signature does not "
				 "verify with key %s: the snapshot was altered or "
				 "signed by another key", hex);
	}
	return RSL_OK;
}

static int check_opts(const rsl_open_options *opts, rsl_error *err)
{
	if (opts == NULL)
		return rsl__fail(err, RSL_EINVAL, "no options (opts is NULL)");
	if (opts->version != RSL_OPEN_OPTIONS_VERSION)
		return rsl__fail(err, RSL_EINVAL, "options version %u is not %d",
				 opts->version, RSL_OPEN_OPTIONS_VERSION);
	if (opts->keys == NULL)
		return rsl__fail(err, RSL_EINVAL, "no trusted keys (opts->keys is "
				 "NULL)");
	if (opts->flags & ~(RSL_OPEN_READ | RSL_OPEN_MMAP))
		return rsl__fail(err, RSL_EINVAL, "unknown open flags 0x%x (known: "
				 "RSL_OPEN_READ, RSL_OPEN_MMAP)",
				 opts->flags & ~(RSL_OPEN_READ | RSL_OPEN_MMAP));
	if ((opts->flags & RSL_OPEN_READ) && (opts->flags & RSL_OPEN_MMAP))
		return rsl__fail(err, RSL_EINVAL, "RSL_OPEN_READ and RSL_OPEN_MMAP "
				 "together: choose one");
	return RSL_OK;
}

static size_t max_size(const rsl_open_options *opts)
{
	return opts->max_size ? opts->max_size : RSL_DEFAULT_MAX_SIZE;
}

/* Opens the file f holds (RSL__FILE_ROOM writable bytes before its data):
 * a format 2 snapshot keeps f's region, which is then taken from f. */
static int open_file(rsl_snapshot **out, rsl__file *f, const rsl_open_options *opts,
		     rsl_error *err)
{
	envelope e;
	int rc;
	if (sodium_init() < 0)
		return rsl__fail(err, RSL_ENOMEM, "libsodium cannot initialise");
	if ((rc = parse_envelope(&e, f->data, f->len, err)) < 0 ||
	    (rc = verify(&e, opts->keys, err)) < 0)
		return rc;
	/* Read-only from here: evaluation reads what was verified. */
	if (f->mapped)
		mprotect(f->region, f->region_size, PROT_READ);
	if ((rc = rsl__decode_payload(out, e.payload, e.plen, opts->environment, err)) < 0)
		return rc;
	rsl_snapshot *s = *out;
	if ((const void *)s->image != s->block) {
		s->region = f->region;
		s->region_size = f->region_size;
		s->region_mapped = f->mapped;
		f->region = NULL;
	}
	sodium_bin2hex(s->info.key_id, sizeof s->info.key_id, e.kid, 8);
	s->info.size = f->len;
	return RSL_OK;
}

int rsl_open_buffer(rsl_snapshot **out, const void *data, size_t len,
		    const rsl_open_options *opts, rsl_error *err)
{
	int rc;
	if (out == NULL)
		return rsl__fail(err, RSL_EINVAL, "no output pointer");
	*out = NULL;
	if ((rc = check_opts(opts, err)) < 0)
		return rc;
	if (data == NULL && len > 0)
		return rsl__fail(err, RSL_EINVAL, "no data");
	if (len > max_size(opts))
		return rsl__fail(err, RSL_EUNSAFE, "snapshot is %zu bytes, more than "
				 "the limit of %zu", len, max_size(opts));
	if (len == 0)
		return rsl__fail(err, RSL_EFORMAT, NOT_COSE "the file is empty");
	rsl__file f;
	if ((rc = rsl__file_copy(&f, data, len, err)) < 0)
		return rc;
	rc = open_file(out, &f, opts, err);
	rsl__file_release(&f);
	return rc;
}

int rsl_open(rsl_snapshot **out, const char *path, const rsl_open_options *opts,
	     rsl_error *err)
{
	int rc;
	if (out == NULL)
		return rsl__fail(err, RSL_EINVAL, "no output pointer");
	*out = NULL;
	if ((rc = check_opts(opts, err)) < 0)
		return rc;
	if (path == NULL)
		return rsl__fail(err, RSL_EINVAL, "no path");
	rsl__file f;
	rc = rsl__file_read(&f, path, max_size(opts),
			    opts->flags & RSL_OPEN_MMAP ? RSL__FILE_MAP : 0u, err);
	if (rc == RSL_OK && f.len == 0)
		rc = rsl__fail(err, RSL_EFORMAT, NOT_COSE "'%s' is empty", path);
	if (rc == RSL_OK)
		rc = open_file(out, &f, opts, err);
	rsl__file_release(&f);
	return rc;
}

void rsl_close(rsl_snapshot *snap)
{
	if (snap == NULL)
		return;
	free(snap->block);
	free(snap->meta);
	rsl__region_free(snap->region, snap->region_size, snap->region_mapped);
	free(snap);
}

void rsl_snapshot_info(rsl_info *out, const rsl_snapshot *snap)
{
	if (out == NULL)
		return;
	if (snap == NULL) {
		memset(out, 0, sizeof *out);
		out->environment = out->commit = out->author = out->subject =
			out->repository = out->path = out->rsc_version = "";
		return;
	}
	*out = snap->info;
}
