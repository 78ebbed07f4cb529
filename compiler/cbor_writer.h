/*
 * cbor_writer.h - the small CBOR writer that encode.c (the Body) and cose.c
 * (the envelope) share.
 *
 * It emits RFC 8949 section 4.2.1 deterministic CBOR: libcbor's encoders
 * give the shortest heads; maps are collected and their entries sorted by
 * the bytes of their encoded keys when the map is closed; floats take the
 * shortest of half, single and double that holds the value exactly.
 */
#ifndef RSC_CBOR_WRITER_H
#define RSC_CBOR_WRITER_H

#include <stddef.h>
#include <stdint.h>

typedef struct rsc_cw_map rsc_cw_map;

/* A CBOR writer into a growable buffer.  Errors are sticky: after the first
 * failure every call does nothing and rsc_cw_finish reports it. */
typedef struct rsc_cw {
	unsigned char *buf;
	size_t len, cap;
	rsc_cw_map *maps; /* open maps, innermost last */
	size_t nmaps, capmaps;
	int rc;           /* RSC_OK, RSC_EIO (out of memory), RSC_EINVALID */
	char err[128];    /* what went wrong when rc != RSC_OK */
} rsc_cw;

void rsc_cw_init(rsc_cw *w);
/* Frees the buffer and the map stack; w may be reused after rsc_cw_init. */
void rsc_cw_free(rsc_cw *w);

void rsc_cw_uint(rsc_cw *w, uint64_t v);
void rsc_cw_int(rsc_cw *w, int64_t v);
void rsc_cw_bool(rsc_cw *w, int v);
/* The shortest of half / single / double that represents v exactly; NaN and
 * infinities are refused (RSC_EINVALID). */
void rsc_cw_float(rsc_cw *w, double v);
void rsc_cw_text(rsc_cw *w, const char *s, size_t len);
void rsc_cw_cstr(rsc_cw *w, const char *s);
void rsc_cw_bytes(rsc_cw *w, const void *p, size_t len);
void rsc_cw_tag(rsc_cw *w, uint64_t tag);
/* An array of n items: the caller writes exactly n items next. */
void rsc_cw_array(rsc_cw *w, size_t n);

/* A map: rsc_cw_map_begin, then for each entry a key call followed by one
 * value item, then rsc_cw_map_end, which counts and sorts the entries and
 * refuses duplicate keys (RSC_EINVALID). */
void rsc_cw_map_begin(rsc_cw *w);
void rsc_cw_key(rsc_cw *w, const char *key);
void rsc_cw_key_int(rsc_cw *w, int64_t key);
void rsc_cw_map_end(rsc_cw *w);

/* Hands the bytes over: *out is malloc'd (the caller frees it), or NULL on
 * error.  Returns w->rc; fails with RSC_EINVALID if a map is still open.
 * w is left empty either way. */
int rsc_cw_finish(unsigned char **out, size_t *outlen, rsc_cw *w);

/* Makes w fail with rc and a printf-formatted message, unless it already
 * failed (the first error is kept). */
void rsc_cw_fail(rsc_cw *w, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
