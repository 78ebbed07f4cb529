/*
 * search.c - the Two-Way string search (Crochemore and Perrin, "Two-way
 * string-matching", JACM 38(3), 1991), as musl's memmem writes it, over
 * bytes folded to lower case when the test is case-insensitive.  A naive
 * search is O(hlen·nlen): a 60,000-byte operand against a long attribute
 * took seconds (issue 11).  The needle's critical factorisation is found
 * per call, in O(nlen): the evaluation path does not allocate, and the
 * snapshot keeps no tables.
 */
#include "search.h"

#include <stdint.h>
#include <string.h>

static inline unsigned char at(const char *p, size_t i, int ci)
{
	unsigned char c = (unsigned char)p[i];
	return ci && c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* The maximal suffix of n under the byte order (rev = 0) or its reverse
 * (rev = 1): its start minus one into *ms (SIZE_MAX for -1), and its
 * period into *per. */
static void max_suffix(size_t *ms, size_t *per, const char *n, size_t l, int ci,
		       int rev)
{
	size_t ip = SIZE_MAX, jp = 0, k = 1, p = 1;
	while (jp + k < l) {
		unsigned char a = at(n, ip + k, ci), b = at(n, jp + k, ci);
		if (a == b) {
			if (k == p) {
				jp += p;
				k = 1;
			} else {
				k++;
			}
		} else if (rev ? a < b : a > b) {
			jp += k;
			k = 1;
			p = jp - ip;
		} else {
			ip = jp++;
			k = p = 1;
		}
	}
	*ms = ip;
	*per = p;
}

int rsl__search(const char *h, size_t hlen, const char *n, size_t l, int ci)
{
	if (l == 0)
		return 1;
	if (l > hlen)
		return 0;

	/* Bad-character shifts on the window's last byte. */
	uint64_t byteset[4] = { 0 };
	size_t shift[256];
	for (size_t i = 0; i < l; i++) {
		unsigned char c = at(n, i, ci);
		byteset[c >> 6] |= (uint64_t)1 << (c & 63);
		shift[c] = i + 1;
	}

	/* The critical factorisation: the larger of the two maximal suffixes. */
	size_t ms, p, ms2, p2;
	max_suffix(&ms, &p, n, l, ci, 0);
	max_suffix(&ms2, &p2, n, l, ci, 1);
	if (ms2 + 1 > ms + 1) {
		ms = ms2;
		p = p2;
	}

	/* Periodic needle: remember how much of a shifted window matched. */
	size_t mem0;
	int periodic = p + ms + 1 <= l;
	for (size_t i = 0; periodic && i < ms + 1; i++)
		periodic = at(n, i, ci) == at(n, i + p, ci);
	if (!periodic) {
		size_t left = ms + 1, right = l - ms - 1;
		p = (left > right ? left : right) + 1;
		mem0 = 0;
	} else {
		mem0 = l - p;
	}

	size_t pos = 0, mem = 0;
	while (hlen - pos >= l) {
		const char *w = h + pos;
		unsigned char last = at(w, l - 1, ci);
		if (byteset[last >> 6] & ((uint64_t)1 << (last & 63))) {
			size_t k = l - shift[last];
			if (k) {
				pos += k < mem ? mem : k;
				mem = 0;
				continue;
			}
		} else {
			pos += l;
			mem = 0;
			continue;
		}
		/* Right half, then left half. */
		size_t k = ms + 1 > mem ? ms + 1 : mem;
		while (k < l && at(n, k, ci) == at(w, k, ci))
			k++;
		if (k < l) {
			pos += k - ms;
			mem = 0;
			continue;
		}
		k = ms + 1;
		while (k > mem && at(n, k - 1, ci) == at(w, k - 1, ci))
			k--;
		if (k <= mem)
			return 1;
		pos += p;
		mem = mem0;
	}
	return 0;
}
