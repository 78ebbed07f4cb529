/* suggest.c - "did you mean"; see suggest.h. */
#include "suggest.h"

#include <string.h>

size_t rsc_edit_distance(const char *x, size_t xl, const char *y, size_t yl)
{
	enum { MAXL = 32 };
	if (xl >= MAXL || yl >= MAXL || (xl > yl ? xl - yl : yl - xl) > 2)
		return 3;
	size_t dist[MAXL][MAXL];
	for (size_t i = 0; i <= xl; i++)
		dist[i][0] = i;
	for (size_t j = 0; j <= yl; j++)
		dist[0][j] = j;
	for (size_t i = 1; i <= xl; i++)
		for (size_t j = 1; j <= yl; j++) {
			size_t cost = x[i - 1] != y[j - 1];
			size_t best = dist[i - 1][j - 1] + cost;
			if (dist[i - 1][j] + 1 < best)
				best = dist[i - 1][j] + 1;
			if (dist[i][j - 1] + 1 < best)
				best = dist[i][j - 1] + 1;
			if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] &&
			    dist[i - 2][j - 2] + 1 < best)
				best = dist[i - 2][j - 2] + 1;
			dist[i][j] = best;
		}
	return dist[xl][yl] > 2 ? 3 : dist[xl][yl];
}

int rsc_close_enough(size_t d, size_t cl)
{
	return d <= (cl <= 4 ? 1u : 2u);
}

const char *rsc_suggest(const char *word, const char *const *names, size_t n)
{
	const char *best = NULL;
	size_t best_d = 3, wl = strlen(word);
	for (size_t i = 0; i < n; i++) {
		if (!names[i] || strcmp(names[i], word) == 0)
			continue;
		size_t nl = strlen(names[i]);
		size_t d = rsc_edit_distance(word, wl, names[i], nl);
		if (rsc_close_enough(d, nl) && d < best_d) {
			best = names[i];
			best_d = d;
		}
	}
	return best;
}
