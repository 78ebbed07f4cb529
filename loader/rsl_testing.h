/*
 * rsl_testing.h - librsl's test hooks: a live client whose flags a test
 * sets by hand.  Installed next to rsl.h for applications' own tests; never
 * needed in production, where they cannot be switched on (a testing client
 * also needs RSL_TESTING=1 in the process environment).
 */
#ifndef RSL_TESTING_H
#define RSL_TESTING_H

#include "rsl.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Option flag (rsl_client_options.flags): test helpers
 * (rsl_client_override*); rsl_client_new refuses it (RSL_EINVAL) unless
 * RSL_TESTING=1 is in the environment.  The status says testing = 1. */
#define RSL_CLIENT_TESTING 0x10u

/* The event of each change of a test override (rsl_client_event.name;
 * code RSL_OK, path NULL). */
#define RSL_EVENT_TEST_OVERRIDE "rulestead.testing.override"

/*
 * Test helpers (RSL_CLIENT_TESTING only; RSL_EINVAL otherwise): from now on
 * serve the named variant of flag key (looked up in the served snapshot at
 * each evaluation) to everyone, reason STATIC, rule_name "test override";
 * variant NULL removes the override.  RSL_OK, RSL_EINVAL (not a testing
 * client, no such flag or variant in the served snapshot, or the calling
 * thread holds the client), RSL_ENOMEM (the overrides are then unchanged).
 * Emits RSL_EVENT_TEST_OVERRIDE.  Thread-safe.
 */
RSL_API int rsl_client_override(rsl_client *c, const char *key,
				const char *variant, rsl_error *err);
/* The same with a value (copied), needing no snapshot: the in-memory
 * ruleset of a client made with path NULL.  value NULL removes it.  A
 * caller asking for another type gets TYPE_MISMATCH and its fallback.
 * Returns as rsl_client_override (RSL_ENOMEM when a copy fails). */
RSL_API int rsl_client_override_value(rsl_client *c, const char *key,
				      const rsl_value *value, rsl_error *err);

#ifdef __cplusplus
}
#endif
#endif
