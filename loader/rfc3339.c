/* rfc3339.c - RFC 3339 date-times; see rfc3339.h. */
#include "rfc3339.h"

#include <stdio.h>

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int rsl__is_date(int64_t y, int m, int d)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	return m >= 1 && m <= 12 && d >= 1 &&
	       d <= mdays[m - 1] + (m == 2 && is_leap(y));
}

int64_t rsl__days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* n digits at s[at] as a number in *out; -1 when s is shorter or another
 * byte is there. */
static int digits(const char *s, size_t len, size_t at, size_t n, int *out)
{
	int v = 0;
	if (at + n > len)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[at + i] < '0' || s[at + i] > '9')
			return -1;
		v = v * 10 + (s[at + i] - '0');
	}
	*out = v;
	return 0;
}

int rsl__rfc3339_parse(rsl__time *out, const char *s, size_t len)
{
	int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
	if (digits(s, len, 0, 4, &y) || len < 20 || s[4] != '-' ||
	    digits(s, len, 5, 2, &mo) || s[7] != '-' || digits(s, len, 8, 2, &d) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s, len, 11, 2, &h) || s[13] != ':' || digits(s, len, 14, 2, &mi) ||
	    s[16] != ':' || digits(s, len, 17, 2, &se))
		return -1;
	size_t i = 19;
	out->nsec = 0;
	out->frac_nonzero = 0;
	out->frac_at = i;
	out->frac_len = 0;
	if (s[i] == '.') {
		size_t start = ++i;
		uint32_t scale = 100000000;
		while (i < len && s[i] >= '0' && s[i] <= '9') {
			out->nsec += (uint32_t)(s[i] - '0') * scale;
			scale /= 10;
			if (s[i] != '0')
				out->frac_nonzero = 1;
			i++;
		}
		if (i == start)
			return -1;
		out->frac_len = i - out->frac_at;
	}
	if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < len && (s[i] == '+' || s[i] == '-')) {
		sign = s[i] == '-' ? -1 : 1;
		if (digits(s, len, i + 1, 2, &oh) || i + 3 >= len || s[i + 3] != ':' ||
		    digits(s, len, i + 4, 2, &om) || oh > 23 || om > 59)
			return -1;
		i += 6;
	} else {
		return -1;
	}
	/* 60: a leap second, which RFC 3339 allows */
	if (i != len || !rsl__is_date(y, mo, d) || h > 23 || mi > 59 || se > 60)
		return -1;
	out->sec = rsl__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se -
		   sign * (oh * 3600 + om * 60);
	return 0;
}

int rsl__parse_rfc3339(int64_t *sec, int *frac, const char *s, size_t len)
{
	rsl__time t;
	if (rsl__rfc3339_parse(&t, s, len) < 0)
		return -1;
	*sec = t.sec;
	*frac = t.frac_nonzero;
	return 0;
}

void rsl__rfc3339_format(char out[RSL__TIME_MAX], int64_t t)
{
	int64_t days = t / 86400, secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	/* civil_from_days (proleptic Gregorian) */
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	int64_t d = doy - (153 * mp + 2) / 5 + 1;
	int64_t m = mp < 10 ? mp + 3 : mp - 9;
	int64_t y = yoe + era * 400 + (m <= 2);
	snprintf(out, RSL__TIME_MAX, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lldZ",
		 (long long)y, (long long)m, (long long)d, (long long)(secs / 3600),
		 (long long)(secs / 60 % 60), (long long)(secs % 60));
}
