/*
 * cbor_reader.h - a small, strict CBOR reader for librsl (internal).
 *
 * It accepts only what `rsc` writes (docs/snapshot-format.md): definite
 * lengths, heads in their shortest form, floats in the shortest of half,
 * single and double precision, map keys strictly increasing in the bytewise
 * order of their encodings, valid UTF-8 text, no tags, no simple values but
 * false and true, nesting at most RSL__CBOR_MAX_DEPTH.  Every length and
 * count is checked against the bytes that remain before it is used.
 *
 * rsl__cbor_check() validates a whole item once; the typed readers then walk
 * it.  They stay bounds-checked on their own, so a reader used on bytes that
 * were never checked (the COSE envelope) cannot overrun either.
 */
#ifndef RSL_CBOR_READER_H
#define RSL_CBOR_READER_H

#include <stddef.h>
#include <stdint.h>

#define RSL__CBOR_MAX_DEPTH 64

enum {
	RSL__CBOR_UINT = 0,
	RSL__CBOR_NINT = 1,
	RSL__CBOR_BYTES = 2,
	RSL__CBOR_TEXT = 3,
	RSL__CBOR_ARRAY = 4,
	RSL__CBOR_MAP = 5,
	RSL__CBOR_TAG = 6,
	RSL__CBOR_SIMPLE = 7
};

/* Results: 0, or one of these (negative). */
enum {
	RSL__CBOR_OK = 0,
	RSL__CBOR_ETRUNC = -1,     /* an item runs past the end */
	RSL__CBOR_ELONG = -2,      /* a head not in its shortest form */
	RSL__CBOR_EINDEF = -3,     /* an indefinite length */
	RSL__CBOR_ERESERVED = -4,  /* additional information 28..30 */
	RSL__CBOR_ETAG = -5,       /* a tag */
	RSL__CBOR_ESIMPLE = -6,    /* a simple value other than false/true */
	RSL__CBOR_EFLOAT = -7,     /* a float not in its shortest form */
	RSL__CBOR_EDEPTH = -8,     /* nested deeper than the limit */
	RSL__CBOR_EORDER = -9,     /* map keys not strictly increasing */
	RSL__CBOR_EUTF8 = -10,     /* text that is not UTF-8 */
	RSL__CBOR_ETRAILING = -11, /* bytes after the item */
	RSL__CBOR_ETYPE = -12,     /* not the type the reader wanted */
	RSL__CBOR_ERANGE = -13     /* an integer out of the wanted range */
};

typedef struct rsl__cbor {
	const uint8_t *p;   /* next byte */
	const uint8_t *end; /* one past the last byte */
} rsl__cbor;

/* What went wrong, for messages ("a head not in its shortest form"). */
const char *rsl__cbor_strerror(int rc);

/*
 * Checks that buf[0..len) is exactly one item following every rule above.
 * On failure returns the code and sets *bad to the offset of the offending
 * head (or of the first trailing byte).
 */
int rsl__cbor_check(const uint8_t *buf, size_t len, size_t *bad);

/* Reads one head: major type, additional information and argument (for
 * major 7 the raw bits of a float, or the simple value).  Refuses
 * indefinite lengths, reserved values and heads not in their shortest form;
 * for strings, also a length longer than what remains. */
int rsl__cbor_head(rsl__cbor *c, unsigned *major, unsigned *ai, uint64_t *arg);

/* The major type of the next item without consuming it, or -1 at the end. */
int rsl__cbor_peek(const rsl__cbor *c);

/* Skips one whole item, checking it like rsl__cbor_check does. */
int rsl__cbor_skip(rsl__cbor *c);

/* Skips one item that rsl__cbor_check() has already accepted, fast: it
 * checks bounds and heads but not text, key order or depth (it does not
 * recurse).  On anything it cannot pass over, an error and nothing consumed. */
int rsl__cbor_next(rsl__cbor *c);

/* Typed readers: RSL__CBOR_ETYPE (nothing consumed) for another type. */
int rsl__cbor_uint(rsl__cbor *c, uint64_t *out);
int rsl__cbor_int(rsl__cbor *c, int64_t *out); /* major 0 or 1, 64-bit */
int rsl__cbor_bool(rsl__cbor *c, int *out);
int rsl__cbor_float(rsl__cbor *c, double *out); /* half, single, double */
int rsl__cbor_text(rsl__cbor *c, const char **s, size_t *len);
int rsl__cbor_bytes(rsl__cbor *c, const uint8_t **s, size_t *len);
/* Arrays and maps: *n is checked against the remaining bytes (one byte at
 * least per item), so a caller may loop n times without further checks. */
int rsl__cbor_array(rsl__cbor *c, uint64_t *n);
int rsl__cbor_map(rsl__cbor *c, uint64_t *n);

#endif
