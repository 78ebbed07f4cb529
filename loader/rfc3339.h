/*
 * rfc3339.h - the one RFC 3339 time grammar of the project: context values
 * of the before/after operators (loader/match.c) and rsc's ruleset times
 * (before/after operands, schedule steps, compiler/scalar.c).  Internal to
 * librsl; no allocation.
 */
#ifndef RSL_RFC3339_H
#define RSL_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/* A parsed time.  The fraction, when written, is s[frac_at..frac_at +
 * frac_len) including its '.'; nsec keeps its first nine digits. */
typedef struct rsl__time {
	int64_t sec;        /* seconds since the epoch, the fraction dropped */
	uint32_t nsec;      /* 0..999999999 */
	int frac_nonzero;   /* some digit of the fraction is not 0 */
	size_t frac_at, frac_len; /* frac_len 0: no fraction written */
} rsl__time;

/*
 * Parses s[0..len) as an RFC 3339 section 5.6 date-time:
 * YYYY-MM-DD, a separator 'T', 't' or one space (the section's NOTE lets
 * applications take a space), hh:mm:ss (ss up to 60, a leap second),
 * an optional fraction '.' and one or more digits, and an offset 'Z', 'z'
 * or +hh:mm / -hh:mm (hh up to 23).  The date must be a real one in the
 * proleptic Gregorian calendar.  Nothing before or after.  Returns 0, or -1
 * when s is not such a time (out is then unspecified).
 */
int rsl__rfc3339_parse(rsl__time *out, const char *s, size_t len);

/* The same, for the matcher: seconds in *sec, *frac 1 when the fraction is
 * not zero.  0 or -1. */
int rsl__parse_rfc3339(int64_t *sec, int *frac, const char *s, size_t len);

/* Writes t (seconds since the epoch) as "2026-01-01T00:00:00Z" into out
 * (NUL-terminated), in the proleptic Gregorian calendar, whatever the
 * process's time zone and locale: the one UTC formatter of the project
 * (explain's times, rsc's listings and messages). */
#define RSL__TIME_MAX 96 /* any int64_t, though a real time needs 21 */
void rsl__rfc3339_format(char out[RSL__TIME_MAX], int64_t t);

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
int64_t rsl__days_from_civil(int64_t y, int m, int d);

/* Whether y-m-d is a real date (m 1..12, d within the month). */
int rsl__is_date(int64_t y, int m, int d);

#endif
