/*
 * succession.c - whether a snapshot may replace the one held: rsl_open's
 * checks, then rollback and replay (see succession.h).
 */
#include <stdio.h>
#include <string.h>

#include "succession.h"
#include "snap.h"
#include "keyring.h"

int rsl__succession_judge(rsl_snapshot **out, int *renewal, const void *buf, size_t n,
			  const rsl_open_options *o, const rsl_snapshot *cur,
			  const char *from, rsl_error *err)
{
	rsl_error e = { 0, "" };
	*out = NULL;
	*renewal = 0;
	int rc = rsl_open_buffer(out, buf, n, o, &e);
	if (rc != RSL_OK)
		return rsl__fail(err, rc, "%s: %s", from, e.message);
	if (!cur)
		return RSL_OK;
	rsl_info ni, ci;
	rsl_snapshot_info(&ni, *out);
	rsl_snapshot_info(&ci, cur);
	if (ni.version < ci.version)
		return rsl__fail(err, RSL_EROLLBACK,
			"%s: version %llu (commit %.12s) is older than the served %llu "
			"(commit %.12s): a rollback is a new commit, e.g. git revert",
			from, (unsigned long long)ni.version, ni.commit,
			(unsigned long long)ci.version, ci.commit);
	if (ni.version > ci.version)
		return RSL_OK;
	if (memcmp((*out)->rules_digest, cur->rules_digest, 32) != 0)
		return rsl__fail(err, RSL_EREPLAY,
			"%s: version %llu is already served with different content "
			"(commit %.12s, now %.12s)", from,
			(unsigned long long)ni.version, ci.commit, ni.commit);
	if (ni.issued_at <= ci.issued_at)
		/* The same rules issued no later: an old renewal replayed. */
		return rsl__fail(err, RSL_EREPLAY,
			"%s: version %llu issued at %lld is not a renewal of the served "
			"one, issued at %lld: a renewal is issued later", from,
			(unsigned long long)ni.version, (long long)ni.issued_at,
			(long long)ci.issued_at);
	*renewal = 1; /* the same rules, issued later: fresher, same decisions */
	return RSL_OK;
}
