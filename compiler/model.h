/*
 * model.h - the ruleset as the compiler understands it, after reading
 * (load.c: YAML trees -> model, field by field, with positions) and after
 * validation (check.c: references resolved to indexes, semantic rules).
 * Everything is allocated in the ruleset's arena.  The language is specified
 * in docs/ruleset.md; op codes and limits come from loader/rsl_format.h.
 */
#ifndef RSC_MODEL_H
#define RSC_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "../loader/rsl_format.h"
#include "arena.h"
#include "diag.h"
#include "source.h"

/* Where something was written: file relative to the ruleset root. */
typedef struct rsc_pos {
	const char *file;
	uint32_t line, col;
} rsc_pos;

/* A typed scalar or object value. */
typedef enum {
	RSC_V_BOOL,
	RSC_V_INT,
	RSC_V_FLOAT,
	RSC_V_STRING,
	RSC_V_JSON /* object variant: s holds canonical JSON text */
} rsc_vkind;

typedef struct rsc_value {
	rsc_vkind kind;
	int b;
	int64_t i;
	double f;
	const char *s; /* STRING and JSON; NUL-terminated, slen bytes */
	size_t slen;
} rsc_value;

typedef struct rsc_variant {
	const char *name;
	rsc_pos pos;
	rsc_value value;
} rsc_variant;

/* A variant named somewhere; index filled by check.c (-1 until then). */
typedef struct rsc_vref {
	const char *name;
	rsc_pos pos;
	int index;
} rsc_vref;

typedef struct rsc_cond rsc_cond;
/* What an operand holds depends on op, so the operands share their room
 * (a ruleset of 100,000 flags holds over a million conditions): read only
 * the member op names, and the children through rsc_cond_nkids. */
struct rsc_cond {
	enum rsl_cond_op op;
	int segment_index;    /* segment: filled by check.c; -1 until then */
	int case_insensitive;
	rsc_pos pos;
	/* attribute tests */
	const char *attribute;
	rsc_pos attribute_pos;
	union {
		rsc_value value;      /* eq, ne, contains, starts_with, ends_with,
		                         lt..gte (INT or FLOAT), semver_* (STRING,
		                         the version as written), exists (BOOL) */
		struct {              /* in, not_in */
			rsc_value *list;
			size_t nlist;
		};
		int64_t time;         /* before, after: seconds since the epoch (UTC) */
		struct {              /* all, any: kids[0..nkids); not: kids[0] */
			rsc_cond **kids;
			size_t nkids;
		};
		const char *segment;  /* segment */
	};
};

/* How many children c has: 0 for an attribute test or a segment. */
static inline size_t rsc_cond_nkids(const rsc_cond *c)
{
	return c->op == RSL_OP_ALL || c->op == RSL_OP_ANY || c->op == RSL_OP_NOT
	       ? c->nkids : 0;
}

/* A percentage split.  weights are in 1/1000 %: they sum to RSL_WEIGHT_TOTAL. */
typedef struct rsc_split {
	rsc_pos pos;
	size_t n;
	rsc_vref *variants;
	uint32_t *weights;
	int broken;          /* an entry had an error: the sum is not checked */
} rsc_split;

typedef struct rsc_step {
	rsc_pos pos;
	int64_t at; /* seconds since the epoch (UTC) */
	enum rsl_serve_kind kind; /* VARIANT or SPLIT */
	rsc_vref variant;
	rsc_split split;
	int broken;          /* `at` had an error: its order is not checked */
} rsc_step;

typedef struct rsc_serve {
	enum rsl_serve_kind kind;
	rsc_pos pos;
	rsc_vref variant;    /* VARIANT */
	rsc_split split;     /* SPLIT */
	rsc_step *steps;     /* SCHEDULE */
	size_t nsteps;
	const char *by;      /* bucketing attribute; "targeting_key" by default */
} rsc_serve;

typedef struct rsc_rule {
	const char *name;
	rsc_pos pos;         /* the rule's list item */
	rsc_cond *when;      /* NULL: matches everyone */
	rsc_serve serve;
} rsc_rule;

typedef struct rsc_req {
	const char *flag;
	rsc_pos pos;
	int flag_index;      /* filled by check.c */
	rsc_vref variant;    /* resolved against the prerequisite's variants */
} rsc_req;

/* One flag's targeting in one environment. */
typedef struct rsc_targeting {
	const char *file;
	rsc_pos pos;         /* the document */
	int enabled;
	rsc_req *requires;
	size_t nrequires;
	rsc_rule *rules;
	size_t nrules;
	rsc_serve dflt;
	rsc_pos dflt_pos;    /* the `default` key's value */
} rsc_targeting;

typedef struct rsc_flag {
	const char *key;
	const char *file;
	rsc_pos pos;
	const char *description;
	const char *owner;
	enum rsl_flag_type type;
	rsc_variant *variants;
	size_t nvariants;
	rsc_vref off_variant;
	int has_expires;
	int expires_y, expires_m, expires_d;
	rsc_pos expires_pos;
	const char **tags;
	size_t ntags;
	const char *salt;    /* the key when not set */
	rsc_targeting **targeting; /* [nenvs]; NULL when not configured */
	/* Its file, type or variants had an error (already reported): it is
	 * still in the model so that references to it resolve, but what
	 * depends on its variants is not checked. */
	int broken;
} rsc_flag;

typedef struct rsc_segment {
	const char *key;
	const char *file;
	rsc_pos pos;
	const char *description;
	rsc_cond *when;
	int broken;          /* its file had an error (already reported) */
} rsc_segment;

typedef struct rsc_env {
	const char *name;
	rsc_pos pos;
	int protected_;
} rsc_env;

typedef struct rsc_ruleset {
	rsc_arena *arena;
	const rsc_fileset *files;
	rsc_env *envs;           /* in the order of rulestead.yaml */
	size_t nenvs;
	rsc_flag *flags;         /* sorted by key (bytewise) */
	size_t nflags;
	/* [nenvs]: where the targeting of each environment is, parts of
	 * arena (rsc_model_drop_targeting) */
	rsc_arena *targeting_arenas;
	rsc_segment *segments;   /* sorted by key */
	size_t nsegments;
	int has_ttl;
	int64_t ttl_seconds;
	/* Reading found errors (rsc_model_load): rsc_model_check then checks
	 * references but not the bounds of evaluation, which a partly read
	 * condition would miscount. */
	int load_failed;
} rsc_ruleset;

/*
 * Reads every file of fs into rs (load.c): YAML parsing, field typing, unknown
 * keys, file placement.  Returns RSC_OK, or RSC_EINVALID with diagnostics; it
 * goes on after errors to report as many as it can.  After an error it also
 * runs rsc_model_check on what did load (a flag or segment whose file had an
 * error is kept, marked broken, so that references to it are not reported
 * as unknown and nothing that depends on it is checked): one run reports the
 * problems of every file.  rs is then only good for freeing, and the caller
 * does not call rsc_model_check again.  With fs->drop_parsed, each file's
 * bytes are freed once it is parsed (fileset.h).
 */
int rsc_model_load(rsc_ruleset *rs, rsc_arena *a, rsc_fileset *fs,
		   rsc_diags *d);

/* Frees the targeting of environment env (rs->flags[*].targeting[env]
 * becomes NULL): for a compile that has encoded that environment and needs
 * the memory for the next (compile.c).  Valid after rsc_model_load. */
void rsc_model_drop_targeting(rsc_ruleset *rs, size_t env);

/* Semantic checks and reference resolution (check.c).  RSC_OK or
 * RSC_EINVALID. */
int rsc_model_check(rsc_ruleset *rs, rsc_diags *d);

/* Warnings that do not block (lint.c); today is "YYYY-MM-DD" (UTC) to compare
 * expiry dates against.  Call only on a checked ruleset. */
void rsc_model_lint(const rsc_ruleset *rs, const char *today, rsc_diags *d);

/* Lookups by key: index or -1. */
int rsc_model_flag_index(const rsc_ruleset *rs, const char *key);
int rsc_model_segment_index(const rsc_ruleset *rs, const char *key);
int rsc_model_env_index(const rsc_ruleset *rs, const char *name);
int rsc_model_variant_index(const rsc_flag *f, const char *name);

/* Parses RFC 3339 ("2026-12-01T09:00:00Z", "...+02:00", optional fraction
 * which is truncated) to seconds since the epoch.  0 on success, -1 if
 * malformed.  Locale- and TZ-independent. */
int rsc_parse_rfc3339(const char *s, int64_t *out);

#endif
