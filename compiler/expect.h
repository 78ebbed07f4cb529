/*
 * expect.h - rsc test's expectation files: tests/<name>.yaml in the ruleset
 * root, read from the same commit (or work tree) as the ruleset, each a list
 * of expectations about one decision (docs/review.md, "Pinning behaviour"):
 *
 *   - name: staff always get the new checkout
 *     environment: prod
 *     flag: new-checkout
 *     context: { targeting_key: user-1, email: ada@kestrel.example }
 *     now: 2026-12-01T09:00:00Z        # optional: the evaluation time
 *     expect: { variant: on, value: true, reason: TARGETING_MATCH }
 *
 * Read with the language's own reader (ydoc.c, scalar.c, load_keys.c), so an
 * expectation file gets the errors of the rest of the language: file:line:col,
 * did you mean for unknown keys, environments, flags, variants and reasons.
 */
#ifndef RSC_EXPECT_H
#define RSC_EXPECT_H

#include <stddef.h>
#include <stdint.h>

#include "ctxjson.h"
#include "model.h"
#include "../loader/rsl.h"

typedef struct rsc_expect {
	const char *file;      /* ruleset-relative, "tests/checkout.yaml" */
	uint32_t line, col;    /* of the expectation's list item */
	const char *name;
	const char *env;
	const char *flag;
	rsc_ctx ctx;           /* finished (rsc_ctx_finish), now set */
	const char *variant;   /* expected variant, or NULL */
	int has_value;
	rsc_value value;       /* expected value, typed by the flag's type */
	int has_reason;
	rsl_reason reason;
} rsc_expect;

typedef struct rsc_expect_set {
	rsc_expect *v;
	size_t n, cap;
	size_t files;          /* expectation files read */
} rsc_expect_set;

/*
 * Reads every tests/<name>.yaml of fs against the checked ruleset rs into
 * *out (strings in a).  Returns RSC_OK, or RSC_EINVALID with every problem
 * in d.  Free *out with rsc_expect_set_free whatever the result.
 */
int rsc_expect_read(rsc_expect_set *out, rsc_arena *a, const rsc_ruleset *rs,
		    const rsc_fileset *fs, rsc_diags *d);

/* Whether r (the decision for e) is what e expects: 1, or 0 with a one-line
 * reason ("expected variant 'on', got 'off'") in why. */
int rsc_expect_met(const rsc_expect *e, const rsl_result *r, char *why, size_t cap);

void rsc_expect_set_free(rsc_expect_set *s);

#endif
