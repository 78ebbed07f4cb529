/*
 * inspect.h - a snapshot's content for an operator (`rsc inspect`), decoded
 * through librsl's strict CBOR reader (loader/cbor_reader.h), never a
 * general-purpose decoder: every length and count is checked against the
 * bytes that remain before it is used, so memory stays the file's own and
 * time stays about linear in its size, whatever the file declares.  The
 * signature is not checked here: a caller that had librsl open the bytes
 * (rsl_open_buffer) sets verified, and the output says so.
 */
#ifndef RSC_INSPECT_H
#define RSC_INSPECT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cbor_reader.h"

/* The parts of a COSE_Sign1 snapshot; each cursor spans one checked item
 * inside the caller's buffer, which must outlive it. */
typedef struct rsc_inspected {
	rsl__cbor prot;       /* the protected header map */
	rsl__cbor body;       /* the payload map */
	rsl__cbor signature;  /* the signature byte string */
	int64_t alg;          /* protected header 1; 0 when absent */
	rsl__cbor kid;        /* protected header 4; p NULL when absent */
	/* The map whose 'segments' and 'flags' are printed: body, or for a
	 * format 2 body the format 1 body written from its image (unimage.h),
	 * which own holds. */
	rsl__cbor records;
	unsigned char *own;
	int verified;         /* set by the caller once librsl opened it */
} rsc_inspected;

/*
 * Finds the parts of the snapshot data[0..len): tag 18, then one strict
 * CBOR item [protected, unprotected, payload, signature] whose protected
 * header and payload are strict CBOR maps.  A format 2 payload (one with
 * an 'image') must also be one the loader decodes, signature aside: its
 * records are read only once checked.  Returns 0, or -1 with why saying
 * what was found instead ("not one well-formed CBOR item: an item runs
 * past the end, at byte 5").  Free with rsc_inspect_free either way.
 */
int rsc_inspect_decode(rsc_inspected *out, const uint8_t *data, size_t len,
		       char *why, size_t whylen);

/* Frees what rsc_inspect_decode made (not data). */
void rsc_inspect_free(rsc_inspected *s);

/* Prints the snapshot for a reader: header, body fields, segments and each
 * flag with conditions written out.  path and size head the output.
 * Returns 0, or -1 when out of memory. */
int rsc_inspect_text(FILE *out, const rsc_inspected *s, const char *path,
		     size_t size);

/* Prints the snapshot as one JSON object {"file", "size",
 * "signature_checked": false, "protected", "signature", "body"}, byte
 * strings as hex, the codes op, type and kind by name.  A format 2 body
 * shows 'segments' and 'flags' as format 1 has them, in place of its
 * 'image'. */
void rsc_inspect_json(FILE *out, const rsc_inspected *s, const char *path,
		      size_t size);

#endif
