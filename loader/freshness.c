/* freshness.c - the expiry verdict and its wording; see freshness.h. */
#include "freshness.h"

#include <stdio.h>
#include <time.h>

#include "rfc3339.h"
#include "rsl.h"
#include "snap.h"

void rsl__span(char *out, size_t cap, int64_t s)
{
	uint64_t u = s < 0 ? 0 - (uint64_t)s : (uint64_t)s;
	if (u >= 86400)
		snprintf(out, cap, "%llud %lluh", (unsigned long long)(u / 86400),
			 (unsigned long long)(u % 86400 / 3600));
	else if (u >= 3600)
		snprintf(out, cap, "%lluh %llum", (unsigned long long)(u / 3600),
			 (unsigned long long)(u % 3600 / 60));
	else if (u >= 60)
		snprintf(out, cap, "%llum %llus", (unsigned long long)(u / 60),
			 (unsigned long long)(u % 60));
	else
		snprintf(out, cap, "%llus", (unsigned long long)u);
}

int rsl__freshness(char *out, size_t cap, int64_t expires_at, int64_t now)
{
	char when[RSL__TIME_MAX], span[48];
	if (expires_at == 0) {
		snprintf(out, cap, "does not expire");
		return 0;
	}
	rsl__rfc3339_format(when, expires_at);
	rsl__span(span, sizeof span, expires_at - now);
	int stale = rsl__expired(expires_at, now);
	if (stale)
		snprintf(out, cap, "STALE: expired %s (%s ago)", when, span);
	else
		snprintf(out, cap, "expires %s (in %s)", when, span);
	return stale;
}

int rsl_snapshot_expired(const rsl_snapshot *snap, int64_t now)
{
	if (!snap)
		return 0;
	return rsl__expired(snap->info.expires_at, now ? now : (int64_t)time(NULL));
}
