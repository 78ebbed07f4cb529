/*
 * bench_worst.c - the worst case of `make bench` (docs/benchmarks.md,
 * "Worst case"): for each kind of test, the most expensive flag rsc accepts
 * built of it (cost just under RSL_MAX_FLAG_COST: rules using a segment,
 * `any` of up to 64 tests none of which matches, so that every test runs,
 * as in issue 11's 290 rules of 64 ends_with), evaluated and
 * explained with the largest context the library accepts, shaped to make
 * that test work hardest: RSL_MAX_CONTEXT_ATTRS attributes whose names
 * share their first byte with the one tested (found last), and a
 * value of RSL_MAX_CONTEXT_STRING bytes (a string, or a list of
 * RSL_MAX_CONTEXT_LIST items).  Each figure is the median of RUNS runs of
 * EVALS calls, in thread CPU time, as bench.c measures.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_worst.h"
#include "rsl.h"
#include "rsl_format.h"

#define RUNS 7
#define EVALS 20
#define KIDS 64
#define NAME_LEN 64 /* the tested attribute's name: as long as a key may be */

typedef struct kind {
	const char *name;
	const char *op;      /* the operator key */
	int ci;
	const char *operand; /* YAML; NULL: built by operand_of */
	int list;            /* the context value is a list */
	int op_enum;
} kind;

static char *repeat(char c, size_t n, const char *tail)
{
	size_t t = strlen(tail);
	char *s = malloc(n + t + 1);
	memset(s, c, n);
	memcpy(s + n, tail, t + 1);
	return s;
}

/* The operand (a YAML scalar) and its cost in the language's units. */
static char *operand_of(const kind *k, uint64_t *tc)
{
	char *op;
	uint64_t bytes = 0, nlist = 0;
	if (strcmp(k->op, "contains") == 0) {
		/* Short, so that the most tests fit: each searches the whole
		 * attribute (A x 4096) for a match that is nearly there
		 * everywhere.  Slower per unit of cost than the periodic
		 * a x 4000 b, Two-Way's hardest single test
		 * (docs/benchmarks.md). */
		op = repeat('a', 1, "b");
		bytes = 2;
	} else if (strcmp(k->op, "in") == 0) {
		/* 1000 operands of 63 bytes, differing in the middle only, so
		 * the filter lets through every item of the same shape. */
		size_t cap = 1000 * 70 + 8, n = 0;
		op = malloc(cap);
		n += (size_t)snprintf(op, cap, "[");
		for (int i = 0; i < 1000; i++)
			n += (size_t)snprintf(op + n, cap - n, "%sx%030d%031dy", i ? ", " : "",
					      i, 0);
		snprintf(op + n, cap - n, "]");
		bytes = 1000 * 63;
		nlist = 1000;
	} else if (k->operand) {
		op = strdup(k->operand);
		bytes = k->op_enum <= RSL_OP_ENDS_WITH ? strlen(k->operand) : 0;
	} else {
		op = repeat('x', 62, "y"); /* 63 bytes: costs nothing extra */
		bytes = 63;
	}
	*tc = 1 + rsl_test_cost(k->op_enum, k->ci, nlist, bytes);
	return op;
}

static const kind kinds[] = {
	{ "eq", "eq", 0, NULL, 1, RSL_OP_EQ },
	{ "eq ci", "eq", 1, NULL, 1, RSL_OP_EQ },
	{ "starts_with", "starts_with", 0, NULL, 1, RSL_OP_STARTS_WITH },
	{ "ends_with", "ends_with", 1, NULL, 1, RSL_OP_ENDS_WITH },
	{ "in", "in", 0, NULL, 1, RSL_OP_IN },
	{ "contains ci", "contains", 1, NULL, 0, RSL_OP_CONTAINS },
	{ "semver_gt", "semver_gt", 0, "9.9.9", 0, RSL_OP_SEMVER_GT },
	{ "after", "after", 0, "2099-01-01T00:00:00Z", 0, RSL_OP_AFTER },
};

/* The context value each kind works hardest on. */
static void value_of(const kind *k, rsl_attr *a, char **items, char *buf)
{
	if (!k->list) {
		size_t n = RSL_MAX_CONTEXT_STRING;
		if (k->op_enum == RSL_OP_CONTAINS) {
			memset(buf, 'A', n); /* folds to 'a': matches but for the 'b' */
		} else if (k->op_enum == RSL_OP_SEMVER_GT) {
			memcpy(buf, "1.2.3-", 6);
			for (size_t i = 6; i < n; i++)
				buf[i] = i % 2 ? '.' : 'a';
			buf[n - 1] = 'a';
		} else {
			memcpy(buf, "2026-01-01T00:00:00.", 20);
			memset(buf + 20, '1', n - 21);
			buf[n - 1] = 'Z';
		}
		buf[n] = 0;
		*a = (rsl_attr)RSL_STR(a->name, buf);
		return;
	}
	/* RSL_MAX_CONTEXT_LIST items of 255 bytes (63 for in), each
	 * equal to an operand but for a byte near its end. */
	for (int i = 0; i < RSL_MAX_CONTEXT_LIST; i++) {
		items[i] = buf + i * 256;
		if (k->op_enum == RSL_OP_IN) {
			snprintf(items[i], 64, "x%030d%031dy", i, 1);
		} else {
			memset(items[i], 'x', 254);
			items[i][254] = 'z';
			items[i][255] = 0;
		}
	}
	*a = (rsl_attr)RSL_LIST(a->name, (const char *const *)items, RSL_MAX_CONTEXT_LIST);
}

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

/* Writes segment name: `any` of kids tests; returns its cost. */
static uint64_t write_segment(const char *dir, const char *name, int kids, const kind *k,
			      const char *attr, const char *op, uint64_t tc)
{
	char path[1024];
	size_t cap = (size_t)kids * (strlen(op) + 256) + 256, n = 0;
	char *y = malloc(cap);
	n += (size_t)snprintf(y, cap, "key: %s\ndescription: bench\nwhen:\n  any:\n", name);
	for (int i = 0; i < kids; i++)
		n += (size_t)snprintf(y + n, cap - n, "    - attribute: %s\n      %s: %s\n%s",
				      attr, k->op, op,
				      k->ci ? "      case_insensitive: true\n" : "");
	snprintf(path, sizeof path, "%s/segments/%s.yaml", dir, name);
	put(path, y);
	free(y);
	return 1 + (uint64_t)kids * tc;
}

/* Writes the ruleset of one kind under dir: rules that each use segment s
 * (`any` of as many tests as a file may hold, at most 64), then one rule
 * using segment t, which fills what is left of the budget.  Returns the
 * flag's cost: 1 + for each rule, 1 + (1 + the segment's cost). */
static uint64_t write_worst(const char *dir, const kind *k, const char *attr)
{
	char path[1024];
	uint64_t tc;
	char *op = operand_of(k, &tc);
	snprintf(path, sizeof path, "mkdir -p %s/environments/prod %s/segments", dir, dir);
	if (system(path) != 0)
		exit(1);
	snprintf(path, sizeof path, "%s/rulestead.yaml", dir);
	put(path, "environments:\n  - prod\n");
	snprintf(path, sizeof path, "%s/worst.yaml", dir);
	put(path, "key: worst\ndescription: bench\nowner: bench\n");
	int kids = KIDS;
	while ((size_t)kids * (strlen(op) + 128) > 1000000)
		kids--;
	uint64_t seg = 1 + (uint64_t)kids * tc, cost = 1;
	int rules = 0;
	while (rules < RSL_MAX_RULES - 1 && cost + 2 + seg <= RSL_MAX_FLAG_COST) {
		cost += 2 + seg;
		rules++;
	}
	int rest = 0;
	while (rest < kids && cost + 3 + (uint64_t)(rest + 1) * tc <= RSL_MAX_FLAG_COST)
		rest++;
	write_segment(dir, "s", kids, k, attr, op, tc);
	if (rest)
		cost += 2 + write_segment(dir, "t", rest, k, attr, op, tc);
	size_t cap = 64 * (size_t)(rules + 2) + 64, n = 0;
	char *y = malloc(cap);
	n += (size_t)snprintf(y, cap, "enabled: true\nrules:\n");
	for (int r = 0; r <= rules; r++)
		if (r < rules || rest)
			n += (size_t)snprintf(y + n, cap - n, "  - name: r%d\n    when:\n"
					      "      segment: %s\n    serve: on\n", r,
					      r < rules ? "s" : "t");
	snprintf(y + n, cap - n, "default: off\n");
	snprintf(path, sizeof path, "%s/environments/prod/worst.yaml", dir);
	put(path, y);
	free(y);
	free(op);
	return cost;
}

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static char explain_buf[RSL_EXPLAIN_MAX + 1];

int bench_worst(const char *root, const char *rsc, rsl_keyring *kr, const char *only)
{
	char attr[NAME_LEN + 1];
	memset(attr, 'a', NAME_LEN - 1);
	attr[NAME_LEN - 1] = 'z';
	attr[NAME_LEN] = 0;
	/* The context: decoys first, each differing from attr in its last byte. */
	static char names[RSL_MAX_CONTEXT_ATTRS][NAME_LEN + 1];
	static char value[RSL_MAX_CONTEXT_STRING + 64 * 2];
	static char *items[RSL_MAX_CONTEXT_LIST];
	rsl_attr attrs[RSL_MAX_CONTEXT_ATTRS];
	for (int i = 0; i < RSL_MAX_CONTEXT_ATTRS - 1; i++) {
		memcpy(names[i], attr, NAME_LEN + 1);
		/* Names are the caller's, not the user's: they share the
		 * tested one's first byte only (docs/benchmarks.md). */
		names[i][1] = (char)('A' + i % 26);
		names[i][NAME_LEN - 1] = (char)('A' + i / 26);
		attrs[i] = (rsl_attr)RSL_NUM(names[i], i);
	}
	size_t nkinds = sizeof kinds / sizeof *kinds, found = 0;
	for (size_t i = 0; i < nkinds; i++)
		found += !only || strcmp(only, kinds[i].name) == 0;
	if (!found) {
		fprintf(stderr, "bench: no worst case named '%s' (the rows' names: eq, "
			"starts_with, ...)\n", only);
		return 1;
	}
	static char tkey[RSL_MAX_CONTEXT_STRING + 1];
	memset(tkey, 'k', RSL_MAX_CONTEXT_STRING);

	printf("\nworst case: the most expensive flag of each kind (cost <= %u), context of "
	       "%d attributes, values of %d bytes;\nmedian of %d runs of %d calls\n",
	       RSL_MAX_FLAG_COST, RSL_MAX_CONTEXT_ATTRS, RSL_MAX_CONTEXT_STRING, RUNS, EVALS);
	printf("%-12s %6s %6s | %12s %12s %12s\n", "tests", "cost", "tests", "evaluate us",
	       "explain us", "explain B");
	for (size_t i = 0; i < nkinds; i++) {
		const kind *k = &kinds[i];
		if (only && strcmp(only, k->name) != 0)
			continue;
		char dir[256], out[256], cmd[2048], path[300];
		snprintf(dir, sizeof dir, "%s/worst-%zu", root, i);
		snprintf(out, sizeof out, "%s/worst-out-%zu", root, i);
		snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, out);
		if (system(cmd) != 0)
			return 1;
		uint64_t cost = write_worst(dir, k, attr);
		snprintf(cmd, sizeof cmd, "%s compile --worktree --root %s --key %s/k.key "
			 "--out %s >/dev/null", rsc, dir, root, out);
		if (system(cmd) != 0) {
			fprintf(stderr, "bench: the worst %s flag does not compile\n", k->name);
			return 1;
		}
		snprintf(path, sizeof path, "%s/prod.rsnap", out);
		rsl_open_options oo = RSL_OPEN_OPTIONS_INIT;
		oo.keys = kr;
		rsl_snapshot *snap;
		rsl_error e;
		if (rsl_open(&snap, path, &oo, &e) != RSL_OK) {
			fprintf(stderr, "bench: %s: %s\n", path, e.message);
			return 1;
		}
		attrs[RSL_MAX_CONTEXT_ATTRS - 1].name = attr;
		value_of(k, &attrs[RSL_MAX_CONTEXT_ATTRS - 1], items, value);
		rsl_context ctx;
		memset(&ctx, 0, sizeof ctx);
		ctx.targeting_key = tkey;
		ctx.attrs = attrs;
		ctx.nattrs = RSL_MAX_CONTEXT_ATTRS;
		rsl_result res;
		rsl_evaluate(&res, snap, "worst", RSL_BOOLEAN, &ctx, NULL);
		if (res.error != RSL_ERR_NONE || res.reason != RSL_REASON_DEFAULT) {
			fprintf(stderr, "bench: worst %s: error %s, reason %s: not every test "
				"ran\n", k->name, rsl_error_code_name(res.error),
				rsl_reason_name(res.reason));
			return 1;
		}
		double te[RUNS], tx[RUNS];
		size_t xlen = 0;
		for (int r = 0; r < RUNS; r++) {
			double t0 = cpu_ns();
			for (int j = 0; j < EVALS; j++)
				rsl_evaluate(&res, snap, "worst", RSL_BOOLEAN, &ctx, NULL);
			te[r] = (cpu_ns() - t0) / EVALS / 1e3;
			t0 = cpu_ns();
			for (int j = 0; j < EVALS; j++)
				xlen = rsl_explain(explain_buf, sizeof explain_buf, snap, "worst",
						   &ctx, RSL_EXPLAIN_TEXT);
			tx[r] = (cpu_ns() - t0) / EVALS / 1e3;
		}
		qsort(te, RUNS, sizeof *te, cmp_double);
		qsort(tx, RUNS, sizeof *tx, cmp_double);
		uint64_t tc;
		free(operand_of(k, &tc));
		printf("%-12s %6llu %6llu | %12.1f %12.1f %12zu\n", k->name,
		       (unsigned long long)cost, (unsigned long long)((cost - 1) / tc), te[RUNS / 2],
		       tx[RUNS / 2], xlen);
		rsl_close(snap);
	}
	return 0;
}
