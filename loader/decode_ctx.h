/*
 * decode_ctx.h - where the decoder is in a payload, shared by decode.c
 * (the fields) and graph.c (the checks over the whole snapshot), so that
 * both say "payload: flag 3 'x': rule 2: ..." the same way.  Internal to
 * librsl.
 */
#ifndef RSL_DECODE_CTX_H
#define RSL_DECODE_CTX_H

#include <stddef.h>
#include <stdint.h>

#include "cbor_reader.h"
#include "snap.h"

typedef struct rsl__dec {
	const uint8_t *end;
	int fill;            /* 0: counting pass, 1: filling pass */
	unsigned char *blk;
	size_t used, cap;
	int overflow;        /* the filling pass wanted more than was counted */
	int meta;            /* allocate from the metadata's block, not the
				image (the env and provenance strings) */
	unsigned char *mblk;
	size_t mused, mcap;
	rsl__image *img;     /* the block's first record (filling pass) */
	const char *empty;   /* "" in the image (filling pass), else NULL */
	const char *tkey;    /* "targeting_key" in the image, likewise */
	uint32_t textlen;    /* the length of the last text read */
	rsl_error *err;
	/* Where the walk is, for messages. */
	const char *what;    /* "flag", "segment" or NULL */
	uint32_t index;
	const char *key;     /* raw, from the payload; NULL before it is read */
	size_t keylen;
	int sub;             /* SUB_*: "rule 2: ", "default: ", ... */
	uint32_t subi;
	/* Counts that indexes are checked against. */
	uint32_t nflags, nsegments;
	uint32_t nvariants;  /* of the flag being decoded */
	uint8_t type;
	/* The previous flag or segment key, for the order. */
	const char *prev;
	size_t prevlen;
	/* The attribute names tests of a named attribute read (the image's
	 * rsl__name table), as the payload's bytes: each test's added by the
	 * counting pass, then sorted and made unique (decode.c), so that the
	 * filling pass numbers each test by its name's place here. */
	rsl__cstr *names;
	uint32_t nnames, names_cap;
	int names_sorted;
} rsl__dec;

/* The number of the attribute name s[0..n) among d->names (sorted), or
 * RSL__NO_ID. */
uint32_t rsl__dec_name_id(const rsl__dec *d, const char *s, size_t n);

/* What part of the flag the walk is in, for messages. */
enum { SUB_NONE, SUB_RULE, SUB_VARIANT, SUB_DEFAULT };

/* Fills d->err with code and "payload: <where>: <message>"; returns code. */
int rsl__dec_fail(rsl__dec *d, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Value kinds rsl__dec_val accepts, or-ed. */
enum { RSL__K_BOOL = 1, RSL__K_INT = 2, RSL__K_FLOAT = 4, RSL__K_TEXT = 8 };

/* The reading of the payload's fields (decode_field.c).  Each returns
 * RSL_OK or a code from rsl__dec_fail, naming the field in its message.
 * In the counting pass (d->fill 0) nothing is stored. */

/* n items of size bytes from the snapshot's block, aligned: NULL in the
 * counting pass (which adds them up) and for n == 0; sets d->overflow when
 * the filling pass wants more than was counted. */
void *rsl__dec_alloc(rsl__dec *d, size_t n, size_t size);

/* The CBOR item at `at`, read to the payload's end. */
rsl__cbor rsl__dec_at(const rsl__dec *d, const uint8_t *at);

/* Reads the map at `at`, whose keys must all be among names[0..nn), and
 * stores where each value is (NULL: absent). */
int rsl__dec_fields(rsl__dec *d, const uint8_t *at, const char *what,
		     const char *const *names, size_t nn, const uint8_t **pos);

/* Refuses a missing (p NULL) required key name of the object what. */
int rsl__dec_need(rsl__dec *d, const uint8_t *p, const char *what, const char *name);

/* An unsigned integer up to max, a uint32, an int64, a boolean. */
int rsl__dec_uint(rsl__dec *d, const uint8_t *at, const char *name, uint64_t max,
		  uint64_t *out);
int rsl__dec_u32(rsl__dec *d, const uint8_t *at, const char *name, uint32_t *out);
int rsl__dec_int(rsl__dec *d, const uint8_t *at, const char *name, int64_t *out);
int rsl__dec_bool(rsl__dec *d, const uint8_t *at, const char *name, int *out);

/* Copies text into the block (filling pass); raw/rawlen (optional) get the
 * bytes in the payload, which both passes can compare.  maxlen 0: any.
 * out must be in the block (a string record's reference is relative). */
int rsl__dec_text(rsl__dec *d, const uint8_t *at, const char *name, size_t minlen,
		 size_t maxlen, rsl__str *out, const char **raw, size_t *rawlen);

/* The same into *copy: the block's NUL-terminated copy (d->empty in the
 * counting pass, which is NULL). */
int rsl__dec_textz(rsl__dec *d, const uint8_t *at, const char *name, size_t minlen,
		   size_t maxlen, const char **copy, const char **raw, size_t *rawlen);

/* A scalar of one of the allowed kinds.  Ints read as RSL__V_INT with f
 * set; floats must be finite. */
int rsl__dec_val(rsl__dec *d, const uint8_t *at, const char *name, unsigned allowed,
		 rsl__val *out, const char **raw, size_t *rawlen);

/* Refuses s[0..n), read from field, unless it is a name of the language
 * (names.h): an attribute name when attr, else a key; what says which in
 * the message ("a flag key"). */
int rsl__dec_name(rsl__dec *d, const char *field, const char *s, size_t n, int attr,
		  const char *what);

/* A variant index below the flag's d->nvariants (decode_cond.c). */
int rsl__dec_variant(rsl__dec *d, const uint8_t *at, const char *name, uint32_t *out);

/* A Serve, and a Condition found at nesting level `level` (1 for a `when`),
 * into out (decode_cond.c). */
int rsl__dec_serve(rsl__dec *d, const uint8_t *at, rsl__serve *out);
int rsl__dec_cond(rsl__dec *d, const uint8_t *at, unsigned level, rsl__cond *out);

/* Refuses a provenance commit rsc never writes: 40 lowercase hex digits
 * (a SHA-1 commit id), or "worktree". */
int rsl__dec_commit(rsl__dec *d, const char *s, size_t n);

#endif
