/*
 * native.c - make bench-peers, the C rows: the bench's flag evaluated over
 * the contexts file, either through librsl (`native MODE SNAPSHOT PUBKEY
 * CONTEXTS RUNS`) or by the hand-written floor (`native floor CONTEXTS
 * RUNS`): the same flag as inline compares and Rulestead's bucketing.
 * MODE is how librsl is called: `rsl`, rsl_bool with an rsl_context;
 * `prepared`, rsl_prepared_bool with each context prepared once and bound
 * to the snapshot (rsl_context_prepare and rsl_context_bind, untimed, like
 * the rsl_context itself); `prepare`, rsl_context_prepare, rsl_context_bind
 * and rsl_prepared_bool together for each evaluation
 * (timed: what one flag per prepared context costs); `flag`,
 * rsl_flag_bool with the prepared contexts and the flag found once
 * (rsl_flag_find, untimed).
 *
 * The floor calls librsl's own bucketing functions (rsl__bucket_seed once,
 * rsl__bucket_hash_seeded per evaluation, loader/bucket.h), not a copy:
 * its buckets are then the library's by construction, and it pays exactly
 * the hashing the library pays (the same XXH3 behind the same call), so
 * the distance between the two rows is everything else the library does.
 *
 * Contexts: one a line, "targeting_key<TAB>email<TAB>country", written by
 * contexts.js.  All are read and prepared before any timing.  Prints one
 * JSON line: {"ns": median ns per evaluation, "runs": [...], "on": count
 * of "on" decisions, "n": contexts, "matched": contexts the first two
 * rules match, "matched_on": how many of those were on}.  Timing is the
 * process's CPU time (CLOCK_PROCESS_CPUTIME_ID), as process.cpuUsage in
 * the Node.js rows.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bucket.h"
#include "rsl.h"

#define FLAG "bench-peers"
#define MAX_RUNS 64

typedef struct {
	char *key, *email, *country;
	size_t key_len;
} bench_ctx;

static bench_ctx *ctxs;
static size_t nctx;

static void die(const char *what)
{
	fprintf(stderr, "native: %s\n", what);
	exit(1);
}

/* Reads the whole contexts file and splits it in place. */
static void read_contexts(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		die("cannot open the contexts file");
	if (fseek(f, 0, SEEK_END) != 0)
		die("cannot size the contexts file");
	long size = ftell(f);
	if (size <= 0 || size > (1L << 30))
		die("the contexts file is empty or over 1 GiB");
	rewind(f);
	char *buf = malloc((size_t)size + 1);
	if (buf == NULL || fread(buf, 1, (size_t)size, f) != (size_t)size)
		die("cannot read the contexts file");
	fclose(f);
	buf[size] = 0;
	size_t cap = 0;
	for (long i = 0; i < size; i++)
		cap += buf[i] == '\n';
	ctxs = calloc(cap ? cap : 1, sizeof *ctxs);
	if (ctxs == NULL)
		die("out of memory");
	for (char *line = buf; *line;) {
		char *end = strchr(line, '\n');
		if (end == NULL)
			die("the contexts file does not end with a newline");
		*end = 0;
		char *t1 = strchr(line, '\t'), *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
		if (t2 == NULL || nctx == cap)
			die("a context line is not key<TAB>email<TAB>country");
		*t1 = *t2 = 0;
		ctxs[nctx++] = (bench_ctx){ line, t1 + 1, t2 + 1, (size_t)(t1 - line) };
		line = end + 1;
	}
}

static double cpu_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* ----------------------------------------------------------- librsl row */

/* The contexts in librsl's shape, built once; prepared once for the
 * prepared row. */
static rsl_context *rsl_ctxs;
static rsl_attr *rsl_attrs;
static rsl_prepared *rsl_preps;
static const rsl_snapshot *snap;

static void rsl_prepare(void)
{
	rsl_ctxs = calloc(nctx, sizeof *rsl_ctxs);
	rsl_attrs = calloc(nctx * 2, sizeof *rsl_attrs);
	if (rsl_ctxs == NULL || rsl_attrs == NULL)
		die("out of memory");
	for (size_t i = 0; i < nctx; i++) {
		rsl_attr *a = &rsl_attrs[2 * i];
		a[0] = (rsl_attr)RSL_STR("email", ctxs[i].email);
		a[1] = (rsl_attr)RSL_STR("country", ctxs[i].country);
		rsl_ctxs[i].targeting_key = ctxs[i].key;
		rsl_ctxs[i].attrs = a;
		rsl_ctxs[i].nattrs = 2;
	}
}

static void rsl_prepare_each(void)
{
	rsl_prepare();
	rsl_preps = calloc(nctx, sizeof *rsl_preps);
	if (rsl_preps == NULL)
		die("out of memory");
	for (size_t i = 0; i < nctx; i++) {
		if (rsl_context_prepare(&rsl_preps[i], &rsl_ctxs[i], NULL) != RSL_OK)
			die("rsl_context_prepare refused a context");
		rsl_context_bind(&rsl_preps[i], snap);
	}
}

static int rsl_eval(size_t i)
{
	return rsl_bool(snap, FLAG, &rsl_ctxs[i], 0);
}

static int rsl_eval_prepared(size_t i)
{
	return rsl_prepared_bool(snap, FLAG, &rsl_preps[i], 0);
}

static rsl_flag_ref flag_ref;

static void rsl_prepare_ref(void)
{
	rsl_prepare_each();
	flag_ref = rsl_flag_find(snap, FLAG);
}

static int rsl_eval_ref(size_t i)
{
	return rsl_flag_bool(snap, &flag_ref, &rsl_preps[i], 0);
}

static int rsl_eval_prepare(size_t i)
{
	rsl_prepared p;
	if (rsl_context_prepare(&p, &rsl_ctxs[i], NULL) != RSL_OK)
		return -1000000000; /* fails the count check */
	rsl_context_bind(&p, snap);
	return rsl_prepared_bool(snap, FLAG, &p, 0);
}

/* ------------------------------------------------------------ the floor */

static uint64_t floor_seed;

static void floor_prepare(void)
{
	floor_seed = rsl__bucket_seed(FLAG, strlen(FLAG));
}

/* The flag's first two rules: the vip email, the three countries. */
static int rules_match(const bench_ctx *c)
{
	if (strcmp(c->email, "vip@example.com") == 0)
		return 1;
	const char *k = c->country;
	return k[0] && k[1] && !k[2] &&
	       ((k[0] == 'D' && k[1] == 'E') || (k[0] == 'F' && k[1] == 'R') ||
		(k[0] == 'N' && k[1] == 'L'));
}

/* The flag by hand: the two rules, then 20% of RSL_BUCKETS by the
 * targeting key's bucket (on owns the first 20,000, as a split listed on
 * first does). */
static int floor_eval(size_t i)
{
	const bench_ctx *c = &ctxs[i];
	if (rules_match(c))
		return 1;
	uint64_t h = rsl__bucket_hash_seeded(floor_seed, c->key, c->key_len);
	return rsl__bucket_of(h) < RSL_BUCKETS / 5;
}

/* ------------------------------------------------------------------ main */

int main(int argc, char **argv)
{
	int (*eval)(size_t);
	const char *contexts, *runs_arg;
	rsl_keyring *keys = NULL;
	rsl_snapshot *opened = NULL;
	static const struct {
		const char *mode;
		int (*eval)(size_t);
		void (*prepare)(void);
	} modes[] = {
		{ "rsl", rsl_eval, rsl_prepare },
		{ "prepared", rsl_eval_prepared, rsl_prepare_each },
		{ "prepare", rsl_eval_prepare, rsl_prepare },
		{ "flag", rsl_eval_ref, rsl_prepare_ref },
	};
	void (*prepare)(void) = floor_prepare;
	size_t m = 0;
	while (argc == 6 && m < sizeof modes / sizeof *modes && strcmp(argv[1], modes[m].mode) != 0)
		m++;
	if (argc == 6 && m < sizeof modes / sizeof *modes) {
		rsl_error err;
		rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
		if (rsl_keyring_new(&keys) != RSL_OK ||
		    rsl_keyring_add_pem_file(keys, argv[3], &err) != RSL_OK)
			die("cannot load the public key");
		o.keys = keys;
		if (rsl_open(&opened, argv[2], &o, &err) != RSL_OK) {
			fprintf(stderr, "native: %s: %s\n", argv[2], err.message);
			return 1;
		}
		snap = opened;
		contexts = argv[4];
		runs_arg = argv[5];
		eval = modes[m].eval;
		prepare = modes[m].prepare;
	} else if (argc == 4 && strcmp(argv[1], "floor") == 0) {
		contexts = argv[2];
		runs_arg = argv[3];
		eval = floor_eval;
	} else {
		fprintf(stderr, "usage: native rsl|prepared|prepare|flag SNAPSHOT PUBKEY CONTEXTS RUNS\n"
				"       native floor CONTEXTS RUNS\n");
		return 2;
	}
	int runs = atoi(runs_arg);
	if (runs < 1 || runs > MAX_RUNS)
		die("RUNS must be 1 to 64");
	read_contexts(contexts);
	prepare();

	/* The share of on must be the same on every run: count it on each. */
	long on = -1;
	double t[MAX_RUNS];
	for (int r = 0; r < runs; r++) {
		long acc = 0;
		double t0 = cpu_ns();
		for (size_t i = 0; i < nctx; i++)
			acc += eval(i);
		t[r] = (cpu_ns() - t0) / (double)nctx;
		if (on >= 0 && acc != on)
			die("two runs over the same contexts disagree");
		on = acc;
	}
	/* Untimed: the decisions by kind of context, which bench.js checks
	 * (every context a rule matches must be on). */
	size_t matched = 0, matched_on = 0;
	for (size_t i = 0; i < nctx; i++)
		if (rules_match(&ctxs[i])) {
			matched++;
			matched_on += (size_t)eval(i);
		}
	printf("{\"runs\":[");
	for (int r = 0; r < runs; r++)
		printf("%s%.2f", r ? "," : "", t[r]);
	qsort(t, (size_t)runs, sizeof *t, cmp_double);
	printf("],\"ns\":%.2f,\"on\":%ld,\"n\":%zu,\"matched\":%zu,\"matched_on\":%zu}\n",
	       t[runs / 2], on, nctx, matched, matched_on);
	rsl_close(opened);
	rsl_keyring_free(keys);
	return 0;
}
