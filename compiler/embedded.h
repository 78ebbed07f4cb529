/*
 * embedded.h - the files built into rsc: compiler/embed.sh writes them as one
 * C array at build time, from schema/ (the editor schemas `rsc schema`
 * prints) and ci/templates/ (the scaffold and CI files `rsc init` writes,
 * with the schemas).  One mechanism for both, so what rsc writes is byte for
 * byte what this repository keeps and tests.
 */
#ifndef RSC_EMBEDDED_H
#define RSC_EMBEDDED_H

#include <stddef.h>

typedef struct rsc_embedded_file {
	const char *path;           /* as in this repository: "schema/flag.schema.json" */
	const unsigned char *data;  /* len bytes, then a NUL */
	size_t len;
	int executable;             /* written with mode 0755 rather than 0644 */
} rsc_embedded_file;

/* Every embedded file, in path order, ended by an entry whose path is NULL. */
extern const rsc_embedded_file rsc_embedded_files[];

/* Where the two kinds of embedded files live in this repository. */
#define RSC_EMBEDDED_SCHEMA_DIR "schema/"
#define RSC_EMBEDDED_SCHEMA_SUFFIX ".schema.json"
#define RSC_EMBEDDED_TEMPLATE_DIR "ci/templates/"

/* The file embedded from path, or NULL. */
const rsc_embedded_file *rsc_embedded_find(const char *path);

/* The schema of kind ("flag" for schema/flag.schema.json), or NULL. */
const rsc_embedded_file *rsc_embedded_schema(const char *kind);

/* Whether f is a schema; if so, *kind and *kind_len name its kind. */
int rsc_embedded_schema_kind(const rsc_embedded_file *f, const char **kind,
			     size_t *kind_len);

#endif
