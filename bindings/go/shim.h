/*
 * shim.h - the C half of the Go binding: librsl calls with the context and
 * the flag key passed as one byte string that Go encodes (context.go), so a
 * call crosses from Go to C once and C never keeps a pointer to Go memory.
 *
 * The encoding, written only by context.go (integers little-endian; every
 * string NUL-terminated and free of NUL bytes, which Go checks):
 *   u8 mask: bit i set when fixed string i follows (targeting_key,
 *      tenant_key, environment, request_id, session_id), in that order
 *   those strings
 *   u8 has_now, then i64 now when set
 *   u32 n, then n attributes: u8 rsl_attr_type, name, then the value:
 *      STRING a string; NUMBER f64; BOOL u8; LIST u32 count, the strings
 *   the flag's key (last, so that a context encoded once is a prefix)
 * Go sends at most RSL_MAX_CONTEXT_ATTRS + 1 attributes and
 * RSL_MAX_CONTEXT_LIST + 1 items in a list: enough for librsl to refuse a
 * context over its limits (INVALID_CONTEXT), which it alone decides.
 */
#ifndef RULESTEAD_GO_SHIM_H
#define RULESTEAD_GO_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "rsl.h"

int rsg_client_new(rsl_client **out, const char *path, rsl_client_options *opts,
		   uintptr_t events, rsl_error *err);

/* The evaluations take the client as an integer: cgo boxes a pointer to an
 * incomplete C type into an allocation on every call to check it, and a C
 * pointer needs no check. */
int rsg_bool(uintptr_t c, const unsigned char *in, size_t len, int fallback);
int64_t rsg_int(uintptr_t c, const unsigned char *in, size_t len, int64_t fallback);
double rsg_float(uintptr_t c, const unsigned char *in, size_t len, double fallback);
/* rsl_client_detail into d, which Go allocates as plain bytes (it holds
 * pointers into itself, which Go's collector must not see as Go's).
 * expected is an rsl_type, or RSG_ANY. */
enum { RSG_ANY = -1 };
int rsg_detail(void *d, uintptr_t c, const unsigned char *in, size_t len, int expected);
size_t rsg_explain(char *buf, size_t cap, uintptr_t c, const unsigned char *in,
		   size_t len, int format);

#endif
