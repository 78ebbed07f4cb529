/*
 * ops.h - the names of the condition operators, as the ruleset writes them
 * (docs/ruleset.md, "Conditions") and as rsc validate, rsc inspect and
 * explain print them: one table for the whole project, indexed by the codes
 * of rsl_format.h.  Internal to librsl; rsc uses it too.
 */
#ifndef RSL_OPS_H
#define RSL_OPS_H

#include <stddef.h>

#include "rsl_format.h"

/* Every key a condition may have in a ruleset, NULL-terminated: the
 * "attribute" and "case_insensitive" keys, the combinators (all, any, not,
 * segment), then the attribute operators in code order (eq ... exists). */
extern const char *const rsl__cond_keys[];

/* The attribute operators' names alone, NULL-terminated: rsl__op_names[op -
 * 1] is the name of op, RSL_OP_EQ to RSL_OP_EXISTS.  Part of
 * rsl__cond_keys. */
#define RSL__COND_KEYS_OPS 6
#define rsl__op_names (rsl__cond_keys + RSL__COND_KEYS_OPS)
#define RSL__NOPS ((size_t)RSL_OP_EXISTS)

/* The name of any condition code ("eq", "semver_gte", "all", "segment"), or
 * NULL for a code the format does not have. */
const char *rsl__op_name(int op);

/* The attribute operator named s[0..len) (RSL_OP_EQ to RSL_OP_EXISTS), or 0
 * when s names none (combinators included). */
int rsl__op_from_name(const char *s, size_t len);

#endif
