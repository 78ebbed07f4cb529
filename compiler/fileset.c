/* fileset.c - finding a file of a ruleset by path; see fileset.h. */
#include "fileset.h"

#include <string.h>

const rsc_file *rsc_fileset_find(const rsc_fileset *fs, const char *path)
{
	size_t lo = 0, hi = fs ? fs->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int cmp = strcmp(fs->v[mid].path, path);
		if (cmp == 0)
			return &fs->v[mid];
		if (cmp < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}
