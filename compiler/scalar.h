/*
 * scalar.h - typing YAML scalars by the field they fill (docs/ruleset.md,
 * "How scalars are typed"): booleans, values, numbers, identifiers and
 * versions (scalar.c), object payloads (scalar_json.c), times, dates,
 * durations and percentages (scalar_time.c), refusing the plain scalars that
 * YAML 1.1 and YAML 1.2 read differently.  Used by load.c.
 *
 * Every rsc_scalar_* function types node n, which fills the field named
 * field (quoted in messages), and returns 0 with the result in *out, or
 * records one error at n in d and returns -1.  Messages say what was found
 * and what to write instead.
 */
#ifndef RSC_SCALAR_H
#define RSC_SCALAR_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "model.h"
#include "ydoc.h"

/* Records an error at n's position; the message is formatted like printf. */
void rsc_yerror(rsc_diags *d, const rsc_ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A short one-line rendering of s[0..len) for a message, in d's arena. */
const char *rsc_show(rsc_diags *d, const char *s, size_t len);

/* The same in a, at most max bytes of text before "...": newlines, tabs
 * and other control characters escaped (\n, \x01), so that the text
 * stays on its line. */
const char *rsc_escape(rsc_arena *a, const char *s, size_t len, size_t max);

/* "the integer 5", "the string 'abc'": a typed value for a message. */
const char *rsc_describe_value(rsc_diags *d, const rsc_value *v);

/* The check every typed field starts with: n is a scalar ("expected <what>
 * for '<field>', found a list" otherwise) and not empty ("missing value for
 * '<field>'").  0, or -1 with the error recorded.  For the scalar_*.c
 * files. */
int rsc_scalar_need(const rsc_ynode *n, const char *what, const char *field,
		    rsc_diags *d);

/* Types a scalar by the value table (rsc_scalar_value); with null_ok, as in
 * object payloads, a null is accepted and reported in *is_null.  For the
 * scalar_*.c files. */
int rsc_scalar_typed(rsc_value *out, const rsc_ynode *n, const char *field,
		     int null_ok, int *is_null, rsc_diags *d);

/* Non-empty text as written, plain or quoted (descriptions, names, variant
 * references). */
int rsc_scalar_text(const char **out, const rsc_ynode *n, const char *field,
		    rsc_diags *d);

/* An identifier (rsl__is_key, loader/names.h).  what names the thing in
 * messages ("flag key", "variant name"). */
int rsc_scalar_identifier(const char **out, const rsc_ynode *n,
			  const char *what, rsc_diags *d);

/* An attribute name (rsl__is_attr_name, loader/names.h). */
int rsc_scalar_attribute(const char **out, const rsc_ynode *n,
			 const char *field, rsc_diags *d);

/* Only plain true or false. */
int rsc_scalar_bool(int *out, const rsc_ynode *n, const char *field,
		    rsc_diags *d);

/* A value by the table: BOOL, INT, FLOAT or STRING (null is refused). */
int rsc_scalar_value(rsc_value *out, const rsc_ynode *n, const char *field,
		     rsc_diags *d);

/* A plain number: INT or FLOAT. */
int rsc_scalar_number(rsc_value *out, const rsc_ynode *n, const char *field,
		      rsc_diags *d);

/* An object payload (a mapping or a list, at most RSL_MAX_COND_DEPTH deep) as
 * canonical JSON text: members in written order, no spaces, scalars typed by
 * the value table with null allowed.  out->kind is RSC_V_JSON. */
int rsc_scalar_json(rsc_value *out, rsc_arena *a, const rsc_ynode *n,
		    const char *field, rsc_diags *d);

/*
 * rsc's one duration grammar, for the ruleset (rsc_scalar_duration) and
 * rsc agent's options: decimal digits, then one of units' suffixes (a
 * list that ends with a NULL suffix); *out is the number times its scale.
 * The number is at most max (a larger one is refused, never wrapped; the
 * caller's max times its largest scale fits an int64_t).  It starts with 0
 * only as "0" itself unless flags has RSC_DURATION_LEADING_ZEROS, and
 * needs a unit unless it is 0 and flags has RSC_DURATION_BARE_ZERO.  No
 * sign, no white space.  Returns 0, or -1 when text[0, len) is not such a
 * duration; the caller says why, in its words.
 */
typedef struct rsc_duration_unit {
	const char *suffix;
	int64_t scale;
} rsc_duration_unit;
#define RSC_DURATION_LEADING_ZEROS 1u /* "05s" */
#define RSC_DURATION_BARE_ZERO 2u     /* "0" */
int rsc_parse_duration_text(int64_t *out, const char *text, size_t len,
			    const rsc_duration_unit *units, int64_t max, unsigned flags);

/* "<int>(s|m|h|d)", at most 12 digits, between min and max seconds. */
int rsc_scalar_duration(int64_t *out, const rsc_ynode *n, const char *field,
			int64_t min, int64_t max, rsc_diags *d);

/* "YYYY-MM-DD", a real calendar date. */
int rsc_scalar_date(int *y, int *m, int *day, const rsc_ynode *n,
		    const char *field, rsc_diags *d);

/* An RFC 3339 time with an offset, by the loader's grammar (loader/
 * rfc3339.h), in whole seconds since the epoch: a fraction is refused, since
 * a snapshot stores whole seconds. */
int rsc_scalar_time(int64_t *out, const rsc_ynode *n, const char *field,
		    rsc_diags *d);

/* A percentage 0..100 with at most three decimals, in 1/1000 %
 * (12.5 -> 12500), read from the decimal text exactly. */
int rsc_scalar_percent(uint32_t *out, const rsc_ynode *n, const char *field,
		       rsc_diags *d);

/* A semantic version by the loader's grammar (loader/semver.h: SemVer
 * 2.0.0, optional leading 'v', numbers within 64 bits): the text as written
 * in a STRING value. */
int rsc_scalar_semver(rsc_value *out, const rsc_ynode *n, const char *field,
		      rsc_diags *d);

/* The shortest text of a finite double that reads back to the same value,
 * always with a '.', an 'e' or both ("2.0", "0.1", "1e+20"); independent of
 * the locale.  buf needs 32 bytes. */
void rsc_format_double(char *buf, size_t cap, double v);

#endif
