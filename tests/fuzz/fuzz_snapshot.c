/*
 * fuzz_snapshot.c - the loader on arbitrary bytes, two ways:
 *  - as a payload (loader/decode.h, rsl__decode_payload: what a snapshot
 *    holds once its signature verified), and for whatever decodes, every
 *    flag evaluated and explained (exercise.h);
 *  - as a whole file (rsl_open_buffer) with a keyring holding the key that
 *    signed tests/golden/ (tests/fixtures/compile/test.pub), so that the
 *    committed golden snapshots open and mutations of them exercise the
 *    COSE_Sign1 envelope and the signature check.
 * Either must refuse with a code and a message, or give a snapshot that
 * evaluates without a crash, a hang or a sanitizer report.
 *
 * libFuzzer: make fuzz.  Without it: tests/fuzz/standalone.c replays a corpus.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "exercise.h"
#include "rsl.h"
#include "unimage.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tests/fixtures/compile/test.pub */
static const char test_pub[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MCowBQYDK2VwAyEAebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=\n"
	"-----END PUBLIC KEY-----\n";

static rsl_keyring *keys(void)
{
	static rsl_keyring *kr;
	if (!kr) {
		rsl_error err;
		if (rsl_keyring_new(&kr) != RSL_OK ||
		    rsl_keyring_add_pem(kr, test_pub, sizeof test_pub - 1, &err) != RSL_OK)
			abort();
	}
	return kr;
}

static void check_error(int rc, const rsl_error *err)
{
	if (rc >= 0 || err->code != rc || !err->message[0] ||
	    !memchr(err->message, '\0', sizeof err->message))
		abort();
	(void)rsl_strerror(rc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so that reading past the end is caught. */
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);

	rsl_snapshot *s = NULL;
	rsl_error err;
	memset(&err, 0, sizeof err);
	/* Placed as a file places it, so that a format 2 image reaches the
	 * image's checks (validate.c) wherever libFuzzer put the bytes. */
	int rc = rsc_image_open(&s, buf, size, &err);
	if (rc == RSL_OK) {
		if (!s)
			abort();
		fx_exercise(s);
		rsl_close(s);
		/* The environment check. */
		s = NULL;
		rc = rsl__decode_payload(&s, buf, size, "no-such-env", &err);
		if (rc == RSL_OK)
			abort();
		check_error(rc, &err);
	} else {
		if (s)
			abort();
		check_error(rc, &err);
	}

	rsl_open_options opts = RSL_OPEN_OPTIONS_INIT;
	opts.keys = keys();
	s = NULL;
	memset(&err, 0, sizeof err);
	rc = rsl_open_buffer(&s, buf, size, &opts, &err);
	if (rc == RSL_OK) {
		fx_exercise(s);
		rsl_close(s);
	} else {
		if (s)
			abort();
		check_error(rc, &err);
	}

	free(buf);
	return 0;
}
