/*
 * ruleset_fixture.h - one ruleset compiled by rsc, shared by the tests of
 * matching (check_match.c), decisions (check_eval.c) and explain
 * (check_explain.c): a flag per operator and combinator, segments,
 * prerequisites, the kill switch, splits, schedules, every type, and "x",
 * the example of the explain tests.
 */
#ifndef RSC_RULESET_FIXTURE_H
#define RSC_RULESET_FIXTURE_H

#include <stddef.h>

#include "rsl.h"

#define RF_DIR "tests/tmp/eval"
#define RF_SNAP RF_DIR "/out/prod.rsnap"
#define RF_PUB RF_DIR "/k.pub"

/* One boolean flag per operator and combinator: rule "r" (line 3) serves
 * on when the condition matches. */
struct rf_optest {
	const char *flag;
	const char *when; /* YAML under "when:", indented 6 */
};
extern const struct rf_optest rf_optests[];
extern const size_t rf_noptests;

/* Writes and compiles the ruleset into RF_DIR, once per process: an
 * unchecked fixture (tcase_add_unchecked_fixture). */
void rf_build(void);

/* Opens RF_SNAP into rf_snap, and closes it: a checked fixture. */
void rf_open(void);
void rf_close(void);
extern rsl_snapshot *rf_snap;

/* A context in a compact spelling: "country=DE seats=12 beta=true
 * groups=[a,b] @tk=u1 @tenant=acme"; numbers and true/false are typed.
 * Its strings live until the next call. */
rsl_context rf_cx(const char *spec);

/* rsl_evaluate of key in rf_snap for rf_cx(spec), asserting it returns 0. */
rsl_result rf_eval(const char *key, rsl_type type, const char *spec);

/* A boolean flag of rf_optests for rf_cx(spec): 1 when its rule matched
 * (asserting the reason and rule agree), 0 for its default. */
int rf_on(const char *key, const char *spec);

#endif
