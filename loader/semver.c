/* semver.c - SemVer 2.0.0 parsing and precedence; see semver.h. */
#include "semver.h"

#include <stdint.h>

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_ident_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '-';
}

/* A numeric core part at s[*i]: no leading zero (-1), fits in 64 bits
 * (RSL__SEMVER_RANGE). */
static int parse_number(uint64_t *out, const char *s, size_t len, size_t *i)
{
	size_t start = *i;
	uint64_t v = 0;
	int over = 0;
	while (*i < len && is_digit(s[*i])) {
		unsigned d = (unsigned)(s[*i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			over = 1;
		v = v * 10 + d;
		(*i)++;
	}
	if (*i == start || (s[start] == '0' && *i - start > 1))
		return -1;
	*out = v;
	return over ? RSL__SEMVER_RANGE : 0;
}

/* Dot-separated non-empty identifiers up to '+' or the end; numeric ones
 * (prerelease only) must not have leading zeros. */
static int parse_idents(const char *s, size_t len, size_t *i, int numeric_rule)
{
	for (;;) {
		size_t start = *i;
		int all_digits = 1;
		while (*i < len && is_ident_char(s[*i])) {
			if (!is_digit(s[*i]))
				all_digits = 0;
			(*i)++;
		}
		if (*i == start)
			return -1;
		if (numeric_rule && all_digits && s[start] == '0' && *i - start > 1)
			return -1;
		if (*i < len && s[*i] == '.') {
			(*i)++;
			continue;
		}
		return 0;
	}
}

int rsl__semver_parse(rsl__semver *out, const char *s, size_t len)
{
	size_t i = 0;
	int range = 0, rc;
	if (len > UINT32_MAX)
		return -1;
	if (i < len && s[i] == 'v')
		i++;
	uint64_t *part[3] = { &out->major, &out->minor, &out->patch };
	for (int k = 0; k < 3; k++) {
		if (k > 0 && (i >= len || s[i++] != '.'))
			return -1;
		if ((rc = parse_number(part[k], s, len, &i)) == -1)
			return -1;
		range |= rc != 0;
	}
	out->pre.p = s + i;
	out->pre.len = 0;
	if (i < len && s[i] == '-') {
		size_t start = ++i;
		if (parse_idents(s, len, &i, 1) < 0)
			return -1;
		out->pre.p = s + start;
		out->pre.len = (uint32_t)(i - start);
	}
	if (i < len && s[i] == '+') {
		i++;
		if (parse_idents(s, len, &i, 0) < 0)
			return -1;
	}
	if (i != len)
		return -1;
	return range ? RSL__SEMVER_RANGE : 0;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return (a > b) - (a < b);
}

/* One prerelease identifier against another: numeric ones compare as
 * numbers (no leading zeros, so by length then digits) and sort before
 * alphanumeric ones, which compare in ASCII order. */
static int cmp_ident(const char *a, size_t alen, const char *b, size_t blen)
{
	int anum = 1, bnum = 1;
	for (size_t k = 0; k < alen; k++)
		anum &= is_digit(a[k]);
	for (size_t k = 0; k < blen; k++)
		bnum &= is_digit(b[k]);
	if (anum && bnum && alen != blen)
		return alen < blen ? -1 : 1;
	if (anum != bnum)
		return anum ? -1 : 1;
	size_t n = alen < blen ? alen : blen;
	for (size_t k = 0; k < n; k++)
		if (a[k] != b[k])
			return (unsigned char)a[k] < (unsigned char)b[k] ? -1 : 1;
	return cmp_u64(alen, blen);
}

int rsl__semver_cmp(const rsl__semver *a, const rsl__semver *b)
{
	int c = cmp_u64(a->major, b->major);
	if (c == 0)
		c = cmp_u64(a->minor, b->minor);
	if (c == 0)
		c = cmp_u64(a->patch, b->patch);
	if (c != 0)
		return c;
	/* A version without prerelease ranks above one with. */
	if (a->pre.len == 0 || b->pre.len == 0)
		return (a->pre.len == 0) - (b->pre.len == 0);
	size_t i = 0, j = 0;
	for (;;) {
		size_t is = i, js = j;
		while (i < a->pre.len && a->pre.p[i] != '.')
			i++;
		while (j < b->pre.len && b->pre.p[j] != '.')
			j++;
		c = cmp_ident(a->pre.p + is, i - is, b->pre.p + js, j - js);
		if (c != 0)
			return c;
		int aend = i >= a->pre.len, bend = j >= b->pre.len;
		if (aend || bend)
			return bend - aend; /* fewer identifiers rank lower */
		i++;
		j++;
	}
}
