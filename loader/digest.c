/* digest.c - the rules digest of a snapshot's Body; see digest.h. */
#include "digest.h"

#include <string.h>

#include <sodium.h>

#include "cbor_reader.h"
#include "rsl_format.h"

/* Whether the text item at c is the key k. */
static int key_is(const rsl__cbor *c, const char *k)
{
	rsl__cbor t = *c;
	const char *s;
	size_t n;
	return rsl__cbor_text(&t, &s, &n) == 0 && n == strlen(k) && memcmp(s, k, n) == 0;
}

int rsl__rules_digest(unsigned char out[32], const uint8_t *p, size_t len)
{
	rsl__cbor c = { p, p + len };
	uint64_t n;
	if (rsl__cbor_map(&c, &n) < 0)
		return -1;
	crypto_generichash_state st;
	crypto_generichash_init(&st, NULL, 0, 32);
	for (uint64_t i = 0; i < n; i++) {
		const uint8_t *at = c.p;
		int skip = key_is(&c, RSL_K_ISSUED_AT) || key_is(&c, RSL_K_EXPIRES_AT);
		if (rsl__cbor_skip(&c) < 0 || rsl__cbor_skip(&c) < 0)
			return -1;
		if (!skip)
			crypto_generichash_update(&st, at, (size_t)(c.p - at));
	}
	crypto_generichash_final(&st, out, 32);
	return 0;
}
