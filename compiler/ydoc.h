/*
 * ydoc.h - YAML reading with positions.  Parses one file with libyaml into a
 * tree of nodes that each remember their file, line and column, refusing
 * whatever could silently change the meaning of configuration (see
 * docs/ruleset.md, "What the reader refuses").
 */
#ifndef RSC_YDOC_H
#define RSC_YDOC_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "strset.h"
#include "diag.h"

#define RSC_YAML_MAX_DEPTH 32
#define RSC_YAML_MAX_SCALAR (64u * 1024u)
#define RSC_YAML_MAX_NODES 100000u

typedef enum { RSC_Y_SCALAR, RSC_Y_SEQ, RSC_Y_MAP } rsc_ynode_kind;

typedef struct rsc_ynode rsc_ynode;
struct rsc_ynode {
	rsc_ynode_kind kind;
	const char *file;
	uint32_t line, col;   /* 1-based, of the node's first character */
	/* RSC_Y_SCALAR */
	const char *text;     /* NUL-terminated; may contain no NUL */
	size_t len;
	int plain;            /* 1 for a plain (unquoted, non-block) scalar */
	/* RSC_Y_SEQ: items[0..n); RSC_Y_MAP: keys[i] -> items[i], in written
	 * order; every key is a scalar and keys are unique */
	size_t n;
	rsc_ynode **items;
	rsc_ynode **keys;
};

/*
 * Parses data[0..len) of the file named file (used in diagnostics and stored
 * in nodes; must outlive the tree).  On success stores the document's root
 * node in *out and returns RSC_OK (0); otherwise records every problem it can
 * in d (at least one) and returns RSC_EINVALID (-1).
 */
int rsc_ydoc_parse(rsc_ynode **out, rsc_arena *a, const char *file,
		   const char *data, size_t len, rsc_diags *d);
/*
 * The same, with the tree's nodes, arrays and working memory in nodes and
 * only the scalars' text in text: a caller that keeps what the scalars say
 * but not the tree frees nodes after each file (the tree takes several times
 * the file's size; the text, less than the file).
 */
int rsc_ydoc_parse_split(rsc_ynode **out, rsc_arena *nodes, rsc_arena *text,
			 const char *file, const char *data, size_t len, rsc_diags *d);
/* The same, with each short text stored once in text's arena, text's set
 * kept across files by the caller (the model's loader). */
int rsc_ydoc_parse_interned(rsc_ynode **out, rsc_arena *nodes, rsc_strset *text,
			    const char *file, const char *data, size_t len,
			    rsc_diags *d);

/* The value of key in a mapping, or NULL. */
rsc_ynode *rsc_ymap_get(const rsc_ynode *map, const char *key);

/* Human name of a node's kind for messages: "a scalar", "a list", "a mapping". */
const char *rsc_ynode_kind_name(const rsc_ynode *n);

#endif
