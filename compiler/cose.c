/* cose.c - COSE_Sign1 with Ed25519; see cose.h. */
#include "cose.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "encode.h"

int rsc_cose_sig_structure(unsigned char **out, size_t *outlen,
			   const unsigned char *prot, size_t protlen,
			   const unsigned char *payload, size_t len)
{
	rsc_cw w;
	rsc_cw_init(&w);
	rsc_cw_array(&w, 4);
	rsc_cw_cstr(&w, "Signature1");
	rsc_cw_bytes(&w, prot, protlen);
	rsc_cw_bytes(&w, NULL, 0); /* external_aad: none */
	rsc_cw_bytes(&w, payload, len);
	return rsc_cw_finish(out, outlen, &w);
}

int rsc_cose_sign1(unsigned char **out, size_t *outlen,
		   const unsigned char *payload, size_t len, const rsc_key *key,
		   char *err, size_t errlen)
{
	unsigned char *prot = NULL, *tbs = NULL;
	size_t protlen = 0, tbslen = 0;
	unsigned char sig[crypto_sign_BYTES];
	int rc;
	*out = NULL;
	*outlen = 0;
	if (sodium_init() < 0) {
		rc = RSC_EIO;
		snprintf(err, errlen, "libsodium cannot start");
		goto out;
	}

	rsc_cw w;
	rsc_cw_init(&w);
	rsc_cw_map_begin(&w);
	rsc_cw_key_int(&w, 1);
	rsc_cw_int(&w, RSC_COSE_ALG_EDDSA);
	rsc_cw_key_int(&w, 4);
	rsc_cw_bytes(&w, key->kid, RSC_KID_LEN);
	rsc_cw_map_end(&w);
	if ((rc = rsc_cw_finish(&prot, &protlen, &w)) != RSC_OK)
		goto oom;
	if ((rc = rsc_cose_sig_structure(&tbs, &tbslen, prot, protlen, payload,
					 len)) != RSC_OK)
		goto oom;
	if (crypto_sign_detached(sig, NULL, tbs, tbslen, key->sk) != 0) {
		rc = RSC_EIO;
		snprintf(err, errlen, "Ed25519 signing failed");
		goto out;
	}
	/* A copy of the payload: gone before the next one is made, so that
	 * signing holds two copies of a large snapshot, not three. */
	free(tbs);
	tbs = NULL;

	rsc_cw_init(&w);
	rsc_cw_tag(&w, RSC_COSE_TAG_SIGN1);
	rsc_cw_array(&w, 4);
	rsc_cw_bytes(&w, prot, protlen);
	rsc_cw_map_begin(&w); /* unprotected: empty */
	rsc_cw_map_end(&w);
	rsc_cw_bytes(&w, payload, len);
	rsc_cw_bytes(&w, sig, sizeof sig);
	if ((rc = rsc_cw_finish(out, outlen, &w)) != RSC_OK)
		goto oom;
	goto out;
oom:
	snprintf(err, errlen, "out of memory");
out:
	free(prot);
	free(tbs);
	return rc;
}
