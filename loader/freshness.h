/*
 * freshness.h - whether a snapshot is past its expires_at, and the one way
 * every tool says so (the live client's STALE event, rsc verify, inspect,
 * status and watch).  Internal to librsl; rsc uses it too.  rsl.h's
 * rsl_snapshot_expired is the public verdict.
 */
#ifndef RSL_FRESHNESS_H
#define RSL_FRESHNESS_H

#include <stddef.h>
#include <stdint.h>

/* The verdict: 1 when expires_at is set (not 0) and now is at or past it. */
static inline int rsl__expired(int64_t expires_at, int64_t now)
{
	return expires_at != 0 && now >= expires_at;
}

/* A duration as people read it: "3d 2h", "5h 10m", "4m 2s", "9s" (the sign
 * dropped). */
void rsl__span(char *out, size_t cap, int64_t seconds);

/*
 * The freshness of a snapshot that expires at expires_at, seen at now, into
 * out (NUL-terminated):
 *   "does not expire"
 *   "expires 2026-01-08T00:00:00Z (in 6d 3h)"
 *   "STALE: expired 2026-01-08T00:00:00Z (3d 2h ago)"
 * Returns rsl__expired(expires_at, now).
 */
int rsl__freshness(char *out, size_t cap, int64_t expires_at, int64_t now);

#endif
