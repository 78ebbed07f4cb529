/*
 * diff.h - what changed between two checked rulesets, in the words a
 * reviewer uses (rsc diff, rsc log; docs/review.md).  It compares what is
 * compiled into snapshots, never the YAML: a comment, a reformatting, a
 * moved line, a description or an owner is no change.  Split changes are
 * computed from the bucket ranges the loader serves (weights taken in
 * written order), so "15% of traffic moves from off to on" is exact.
 */
#ifndef RSC_DIFF_H
#define RSC_DIFF_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "model.h"

/* A share of traffic that a split change moves between two variants. */
typedef struct rsc_moved {
	const char *from, *to;  /* variant names */
	uint32_t weight;        /* in 1/1000 % (RSL_WEIGHT_TOTAL is 100 %) */
} rsc_moved;

typedef struct rsc_change {
	/* Stable names, listed in docs/review.md: flag_added, flag_removed,
	 * flag_type_changed, variant_added, variant_removed, variant_changed,
	 * off_variant_changed, salt_changed, segment_added, segment_removed,
	 * segment_changed, ttl_changed, environment_added,
	 * environment_removed, protection_changed, targeting_added,
	 * targeting_removed, kill_switch_engaged, kill_switch_released,
	 * prerequisites_changed, rule_added, rule_removed, rule_moved,
	 * condition_changed, serve_changed, split_changed, schedule_changed. */
	const char *kind;
	const char *env;       /* its environment; NULL for the whole ruleset */
	int protected_;        /* env is protected (on side B, or A if gone) */
	const char *flag;      /* the flag, segment, rule concerned, or NULL */
	const char *segment;
	const char *rule;
	const char *text;      /* the change in words, without the environment */
	const char *before;    /* the two sides rendered, or NULL */
	const char *after;
	rsc_moved *moved;      /* split_changed and serve_changed with a split */
	size_t nmoved;
} rsc_change;

typedef struct rsc_diff {
	rsc_change *v;         /* environments' changes first (protected ones
				* first), then the whole ruleset's */
	size_t n, cap;
	size_t nprotected;     /* changes in protected environments */
} rsc_diff;

/*
 * The changes from a to b (both checked: rsc_model_check returned RSC_OK)
 * into out; with env not NULL, only that environment's and the whole
 * ruleset's (a segment's use is then counted in env alone).  Texts are
 * allocated in arena; out->v is malloc'd (rsc_diff_free).
 */
void rsc_diff_models(rsc_diff *out, rsc_arena *arena, const rsc_ruleset *a,
		     const rsc_ruleset *b, const char *env);

void rsc_diff_free(rsc_diff *d);

/* Keeps only the changes of flag: its own, and those of the segments it
 * uses on either side. */
void rsc_diff_keep_flag(rsc_diff *d, const rsc_ruleset *a, const rsc_ruleset *b,
			const char *flag);

/* How rsc diff and rsc log print changes (diff_out.c). */
typedef enum { RSC_DIFF_TEXT, RSC_DIFF_JSON, RSC_DIFF_MARKDOWN } rsc_diff_format;

/* The marker line that starts every markdown body: a bot finds the comment
 * it posted before by it, and updates it instead of adding one. */
#define RSC_DIFF_MARKER "<!-- rulestead-diff -->"

/* One change as a text line: "prod (protected): new-checkout: kill switch
 * engaged: everyone gets off", indented by indent. */
void rsc_diff_print_line(FILE *out, const rsc_change *c, const char *indent);

/* One change as a JSON object (docs/review.md). */
void rsc_diff_print_json_change(FILE *out, const rsc_change *c);

/* The whole report of rsc diff: text (a "Comparing A → B" line, a line per
 * change, a summary), JSON ({"a", "b", "changed", "changes"}) or markdown
 * (the body of one pull-request comment, starting with RSC_DIFF_MARKER).
 * label_a/label_b name the sides (rsc_revs labels); commit_a/commit_b are
 * their ids, NULL for the work tree. */
void rsc_diff_print(FILE *out, const rsc_diff *d, rsc_diff_format fmt,
		    const char *label_a, const char *commit_a,
		    const char *label_b, const char *commit_b);

#endif
