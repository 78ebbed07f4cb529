/*
 * fuzz_context.c - the context a caller passes, from hostile text: the
 * bytes go through rsc's context parser (compiler/ctxjson.h) as one
 * --context JSON object or as NAME=VALUE arguments, one a line (the first
 * byte chooses: even JSON, odd pairs), and whatever it accepts is evaluated
 * against every flag of two signed snapshots (tests/golden/prod.rsnap and
 * the edge-case ruleset's tests/fuzz/corpus/snapshot/edge-prod.rsnap) with
 * every expected type, and explained as text and JSON (exercise.h).
 * The parser must accept with a context or refuse with a message; the
 * evaluation must decide without a crash, a hang or a sanitizer report.
 *
 * Run from the top of the tree (the snapshots are read by relative path).
 * libFuzzer: make fuzz.  Without it: tests/fuzz/standalone.c replays a corpus.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctxjson.h"
#include "exercise.h"
#include "rsl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* tests/fixtures/compile/test.pub */
static const char test_pub[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MCowBQYDK2VwAyEAebVWLo/mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ=\n"
	"-----END PUBLIC KEY-----\n";

static const char *const snapshot_paths[] = {
	"tests/golden/prod.rsnap",
	"tests/fuzz/corpus/snapshot/edge-prod.rsnap",
};
#define NSNAP (sizeof snapshot_paths / sizeof snapshot_paths[0])

static rsl_snapshot *snaps[NSNAP];

static void open_snapshots(void)
{
	rsl_keyring *kr = NULL;
	rsl_error err;
	if (snaps[0])
		return;
	if (rsl_keyring_new(&kr) != RSL_OK ||
	    rsl_keyring_add_pem(kr, test_pub, sizeof test_pub - 1, &err) != RSL_OK)
		abort();
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	o.keys = kr;
	o.flags = RSL_OPEN_READ;
	for (size_t i = 0; i < NSNAP; i++)
		if (rsl_open(&snaps[i], snapshot_paths[i], &o, &err) != RSL_OK) {
			fprintf(stderr, "fuzz_context: %s: %s (run from the top of the tree)\n",
				snapshot_paths[i], err.message);
			abort();
		}
	rsl_keyring_free(kr);
}

/* Feeds the pairs, one a line, to the parser; 0 when all were accepted. */
static int add_pairs(rsc_ctx *c, char *text, char *err, size_t errlen)
{
	char *line = text;
	for (;;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (rsc_ctx_add_pair(c, line, err, errlen) != 0)
			return -1;
		if (!nl)
			return 0;
		line = nl + 1;
	}
}

static void evaluate_all(const rsl_context *ctx)
{
	for (size_t i = 0; i < NSNAP; i++) {
		const rsl_snapshot *s = snaps[i];
		for (uint32_t f = 0; f < s->nflags; f++) {
			const rsl__flag *fl = &s->flags[f];
			for (int t = RSL_BOOLEAN; t <= RSL_OBJECT; t++) {
				rsl_result r;
				int rc = rsl_evaluate(&r, s, RSL__S(fl->key), (rsl_type)t, ctx, NULL);
				fx_check_result(rc, ctx, &r, fl);
			}
			fx_explain(s, RSL__S(fl->key), ctx);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	open_snapshots();
	if (size == 0)
		return 0;
	/* The parsers take C strings, as argv and a file read by rsc do. */
	char *text = malloc(size);
	if (!text)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';

	rsc_ctx c = RSC_CTX_INIT;
	char err[256] = "";
	int rc = (data[0] & 1) ? add_pairs(&c, text, err, sizeof err)
			       : rsc_ctx_add_json(&c, text, err, sizeof err);
	if (rc == 0) {
		rsc_ctx_finish(&c);
		/* Explicit time, once not strict and once strict. */
		c.ctx.now = 1767225600;
		evaluate_all(&c.ctx);
		c.ctx.strict = 1;
		evaluate_all(&c.ctx);
	} else if (!err[0] || !memchr(err, '\0', sizeof err)) {
		abort(); /* a refusal always says why */
	}
	rsc_ctx_free(&c);
	free(text);
	return 0;
}
