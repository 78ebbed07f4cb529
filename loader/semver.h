/*
 * semver.h - semantic versions (SemVer 2.0.0) for the semver_* operators:
 * parsed once at open for operands, and without allocation at evaluation
 * for context values.  Internal to librsl.
 */
#ifndef RSL_SEMVER_H
#define RSL_SEMVER_H

#include <stddef.h>

#include "snap.h"

/* Returned for a well-formed version with a MAJOR, MINOR or PATCH number
 * over 2^64 - 1. */
#define RSL__SEMVER_RANGE (-2)

/*
 * The one SemVer grammar of the project (the loader's operands and context
 * values, and rsc's ruleset operands): s[0..len) is an optional leading 'v'
 * (lowercase only: "V1.2.3" is not a version), MAJOR.MINOR.PATCH without leading zeros, each at most 2^64 - 1,
 * an optional "-prerelease" (dot-separated identifiers of [0-9A-Za-z-],
 * numeric ones without leading zeros) and an optional "+build" (dropped).
 * out->pre points into s.  Returns 0; RSL__SEMVER_RANGE when s is a
 * version but a number is too big; -1 when s is not a version (out is then
 * unspecified).
 */
int rsl__semver_parse(rsl__semver *out, const char *s, size_t len);

/* SemVer 2.0.0 precedence: <0, 0 or >0 as a is lower, equal or higher. */
int rsl__semver_cmp(const rsl__semver *a, const rsl__semver *b);

#endif
