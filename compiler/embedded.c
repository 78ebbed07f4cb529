/* embedded.c - finding the files built into rsc (embedded.h). */
#include <string.h>

#include "embedded.h"

const rsc_embedded_file *rsc_embedded_find(const char *path)
{
	for (const rsc_embedded_file *f = rsc_embedded_files; f->path; f++)
		if (strcmp(f->path, path) == 0)
			return f;
	return NULL;
}

int rsc_embedded_schema_kind(const rsc_embedded_file *f, const char **kind,
			     size_t *kind_len)
{
	size_t dl = strlen(RSC_EMBEDDED_SCHEMA_DIR), sl = strlen(RSC_EMBEDDED_SCHEMA_SUFFIX);
	size_t n = strlen(f->path);
	if (n <= dl + sl || strncmp(f->path, RSC_EMBEDDED_SCHEMA_DIR, dl) != 0 ||
	    strcmp(f->path + n - sl, RSC_EMBEDDED_SCHEMA_SUFFIX) != 0)
		return 0;
	*kind = f->path + dl;
	*kind_len = n - dl - sl;
	return 1;
}

const rsc_embedded_file *rsc_embedded_schema(const char *kind)
{
	const char *k;
	size_t kl;
	for (const rsc_embedded_file *f = rsc_embedded_files; f->path; f++)
		if (rsc_embedded_schema_kind(f, &k, &kl) && kl == strlen(kind) &&
		    memcmp(k, kind, kl) == 0)
			return f;
	return NULL;
}
