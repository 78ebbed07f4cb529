/* scalar_time.c - durations, dates, times and percentages; see scalar.h.
 * Times are read by the library's RFC 3339 grammar (loader/rfc3339.h). */
#include "scalar.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../loader/rfc3339.h"

#define SHOWN(d, n) rsc_show((d), (n)->text, (n)->len)

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* ------------------------------------------------------------------ */
/* Durations, dates, times, percentages, versions */

static const char *human_seconds(rsc_diags *d, int64_t s)
{
	static const struct {
		int64_t secs;
		const char *unit;
	} units[] = { { 86400, "day" }, { 3600, "hour" }, { 60, "minute" }, { 1, "second" } };
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (s % units[i].secs == 0 || units[i].secs == 1) {
			int64_t k = s / units[i].secs;
			return rsc_arena_printf(d->arena, "%" PRId64 " %s%s", k, units[i].unit,
						k == 1 ? "" : "s");
		}
	return "";
}

int rsc_parse_duration_text(int64_t *out, const char *text, size_t len,
			    const rsc_duration_unit *units, int64_t max, unsigned flags)
{
	size_t i = 0;
	int64_t v = 0;
	for (; i < len && is_digit(text[i]); i++) {
		int digit = text[i] - '0';
		if (v > (max - digit) / 10)
			return -1;
		v = v * 10 + digit;
	}
	if (i == 0 || (i > 1 && text[0] == '0' && !(flags & RSC_DURATION_LEADING_ZEROS)))
		return -1;
	if (i == len) {
		if (v != 0 || !(flags & RSC_DURATION_BARE_ZERO))
			return -1;
		*out = 0;
		return 0;
	}
	for (const rsc_duration_unit *u = units; u->suffix; u++)
		if (strlen(u->suffix) == len - i && memcmp(text + i, u->suffix, len - i) == 0) {
			*out = v * u->scale;
			return 0;
		}
	return -1;
}

/* docs/ruleset.md: settings.snapshot_ttl. */
static const rsc_duration_unit ruleset_units[] = {
	{ "s", 1 }, { "m", 60 }, { "h", 3600 }, { "d", 86400 }, { NULL, 0 }
};
#define RULESET_DURATION_MAX INT64_C(999999999999) /* 12 digits */

int rsc_scalar_duration(int64_t *out, const rsc_ynode *n, const char *field,
			int64_t min, int64_t max, rsc_diags *d)
{
	if (rsc_scalar_need(n, "a duration", field, d) < 0)
		return -1;
	int64_t v;
	if (rsc_parse_duration_text(&v, n->text, n->len, ruleset_units, RULESET_DURATION_MAX,
				    0) < 0) {
		rsc_yerror(d, n,
			   "invalid duration '%s' for '%s': expected an integer followed "
			   "by s, m, h or d (90m, 36h, 7d)",
			   SHOWN(d, n), field);
		return -1;
	}
	if (v < min || v > max) {
		rsc_yerror(d, n, "duration '%s' for '%s' is out of range: expected %s to %s",
			   SHOWN(d, n), field, human_seconds(d, min), human_seconds(d, max));
		return -1;
	}
	*out = v;
	return 0;
}

/* "YYYY-MM-DD" at s (10 bytes available), a real date; 0 or -1. */
static int parse_date(const char *s, int *y, int *m, int *day)
{
	for (int i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? s[i] != '-' : !is_digit(s[i]))
			return -1;
	*y = atoi(s);
	*m = atoi(s + 5);
	*day = atoi(s + 8);
	return rsl__is_date(*y, *m, *day) ? 0 : -1;
}

int rsc_parse_rfc3339(const char *s, int64_t *out)
{
	rsl__time t;
	if (rsl__rfc3339_parse(&t, s, strlen(s)) < 0)
		return -1;
	*out = t.sec;
	return 0;
}

int rsc_scalar_date(int *y, int *m, int *day, const rsc_ynode *n,
		    const char *field, rsc_diags *d)
{
	if (rsc_scalar_need(n, "a date (YYYY-MM-DD)", field, d) < 0)
		return -1;
	if (n->len != 10 || parse_date(n->text, y, m, day) < 0) {
		rsc_yerror(d, n,
			   "invalid date '%s' for '%s': expected YYYY-MM-DD, a real "
			   "calendar date",
			   SHOWN(d, n), field);
		return -1;
	}
	return 0;
}

int rsc_scalar_time(int64_t *out, const rsc_ynode *n, const char *field,
		    rsc_diags *d)
{
	if (rsc_scalar_need(n, "an RFC 3339 time", field, d) < 0)
		return -1;
	rsl__time t;
	if (rsl__rfc3339_parse(&t, n->text, n->len) < 0) {
		rsc_yerror(d, n,
			   "invalid time '%s' for '%s': expected an RFC 3339 time with "
			   "an offset, like 2026-12-01T09:00:00Z",
			   SHOWN(d, n), field);
		return -1;
	}
	/* A snapshot stores whole seconds (docs/snapshot-format.md): refuse
	 * a fraction rather than drop it. */
	if (t.frac_len > 0) {
		char whole[RSL__TIME_MAX], next[RSL__TIME_MAX];
		rsl__rfc3339_format(whole, t.sec);
		rsl__rfc3339_format(next, t.sec + 1);
		rsc_yerror(d, n,
			   "time '%s' for '%s' has fractional seconds '%s'; the "
			   "ruleset's times are whole seconds: write %s or %s",
			   SHOWN(d, n), field, rsc_show(d, n->text + t.frac_at, t.frac_len),
			   whole, next);
		return -1;
	}
	*out = t.sec;
	return 0;
}

int rsc_scalar_percent(uint32_t *out, const rsc_ynode *n, const char *field,
		       rsc_diags *d)
{
	if (n->kind != RSC_Y_SCALAR) {
		rsc_yerror(d, n, "expected a percentage for '%s', found %s", field,
			   rsc_ynode_kind_name(n));
		return -1;
	}
	rsc_value v;
	if (rsc_scalar_number(&v, n, field, d) < 0)
		return -1;
	const char *t = n->text;
	if (t[0] == '-' && !(v.kind == RSC_V_INT ? v.i == 0 : v.f == 0)) {
		rsc_yerror(d, n, "percentage '%s' for '%s' is out of range: expected 0 to 100",
			   SHOWN(d, n), field);
		return -1;
	}
	if (strpbrk(t, "eE")) {
		rsc_yerror(d, n,
			   "percentage '%s' for '%s' must be written as a decimal number "
			   "like 12.5",
			   SHOWN(d, n), field);
		return -1;
	}
	size_t i = t[0] == '-' ? 1 : 0, ip = 0;
	uint64_t whole = 0;
	for (; is_digit(t[i]); i++, ip++)
		if (ip < 8)
			whole = whole * 10 + (uint64_t)(t[i] - '0');
	uint64_t frac = 0;
	size_t nfrac = 0;
	if (t[i] == '.') {
		for (i++; is_digit(t[i]); i++, nfrac++)
			if (nfrac < 3)
				frac = frac * 10 + (uint64_t)(t[i] - '0');
	}
	if (nfrac > 3) {
		rsc_yerror(d, n,
			   "percentage '%s' for '%s' has more than three decimals (0.001 "
			   "is the smallest step)",
			   SHOWN(d, n), field);
		return -1;
	}
	for (size_t k = nfrac; k < 3; k++)
		frac *= 10;
	if (ip > 3 || whole * 1000 + frac > RSL_WEIGHT_TOTAL) {
		rsc_yerror(d, n, "percentage '%s' for '%s' is out of range: expected 0 to 100",
			   SHOWN(d, n), field);
		return -1;
	}
	*out = (uint32_t)(whole * 1000 + frac);
	return 0;
}
