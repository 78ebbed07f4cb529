/*
 * bench.c - `make bench`: nanoseconds per evaluation through librsl's
 * public API, the time rsl_open takes against the snapshot's size, and a
 * count of allocations during evaluation (malloc, calloc and realloc are
 * wrapped at link time: -Wl,--wrap=...).
 *
 * For 10, 1,000 and ~100,000 flags it writes a ruleset under
 * tests/tmp/bench/, compiles it with rsc, opens it and measures:
 *  - three-rules: a boolean flag with three rules (plan eq; country in a
 *    list of ten; a 20% split of everyone), for a context that reaches the
 *    split;
 *  - color: a string flag with a three-way split as its default;
 *  - missing: a key that is not in the snapshot;
 *  - detailed: the three-rule flag through rsl_evaluate, which also fills
 *    the rule's name, file and line (the typed calls skip that).
 * Then the worst case (bench_worst.c).  `build/bench --worst [KIND]` runs
 * only the worst case, of every kind or of the one named (a row's name, as
 * printed: "eq", "starts_with"...), for a focused or callgrind measurement.
 * Each figure is the median of 7 runs of 1,000,000 evaluations, in the
 * thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so that time the program
 * spends preempted on a busy machine is not counted; open is wall time.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "bench_worst.h"
#include "rsl.h"

#ifndef RSC_BIN
#define RSC_BIN "build/rsc"
#endif

#define ROOT "tests/tmp/bench"
#define RUNS 7
#define EVALS 1000000
#define NKEYS 1024

/* ------------------------------------------------ allocation counting */

static volatile long allocations;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
	allocations++;
	return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	allocations++;
	return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	allocations++;
	return __real_realloc(p, n);
}

/* ------------------------------------------------------------ rulesets */

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void mkdirs(const char *path)
{
	char tmp[512];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = 0;
			mkdir(tmp, 0755);
			*p = '/';
		}
	mkdir(tmp, 0755);
}

static void put(const char *dir, const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	FILE *f = fopen(path, "w");
	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
		die(path);
}

static int run(const char *cmd)
{
	int rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "bench: '%s' failed (%d)\n", cmd, rc);
	return rc;
}

/* A ruleset of nflags flags: the two measured ones and unconfigured
 * filler (a ruleset holds at most 100,000 files). */
static void write_ruleset(const char *dir, long nflags)
{
	char sub[512];
	snprintf(sub, sizeof sub, "%s/environments/prod", dir);
	mkdirs(sub);
	put(dir, "rulestead.yaml", "environments:\n  - prod\n");
	put(dir, "three-rules.yaml", "key: three-rules\ndescription: bench\nowner: bench\n");
	put(dir, "environments/prod/three-rules.yaml",
	    "enabled: true\n"
	    "rules:\n"
	    "  - name: enterprise\n"
	    "    when:\n"
	    "      attribute: plan\n"
	    "      eq: enterprise\n"
	    "    serve: on\n"
	    "  - name: dach and friends\n"
	    "    when:\n"
	    "      attribute: country\n"
	    "      in: [DE, AT, CH, FR, IT, ES, NL, BE, LU, DK]\n"
	    "    serve: on\n"
	    "  - name: rollout\n"
	    "    serve:\n"
	    "      split:\n"
	    "        on: 20\n"
	    "        off: 80\n"
	    "default: off\n");
	put(dir, "color.yaml", "key: color\ndescription: bench\nowner: bench\ntype: string\n"
			       "variants:\n  control: blue\n  green: green\n  orange: orange\n"
			       "off_variant: control\n");
	put(dir, "environments/prod/color.yaml",
	    "enabled: true\ndefault:\n  split:\n    control: 34\n    green: 33\n    orange: 33\n");
	for (long i = 2; i < nflags; i++) {
		char rel[64], text[128];
		snprintf(rel, sizeof rel, "filler-%06ld.yaml", i);
		snprintf(text, sizeof text, "key: filler-%06ld\ndescription: bench\nowner: bench\n", i);
		put(dir, rel, text);
	}
}

/* ----------------------------------------------------------- measuring */

static double now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

/* Evaluations are timed in this thread's CPU time: on a shared machine a
 * run that is preempted would otherwise count the other programs' time. */
static double cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}

static char keys[NKEYS][24];
static volatile long sink;

enum { BOOL3, COLOR, MISSING, DETAILED, PREPARED, BYREF };

/* ns per evaluation, median of RUNS; *allocs gets the allocations made. */
static double measure(const rsl_snapshot *snap, int what, long *allocs)
{
	static const rsl_attr attrs[] = { RSL_STR("plan", "free"), RSL_STR("country", "US"),
					  RSL_NUM("seats", 3) };
	rsl_context ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.attrs = attrs;
	ctx.nattrs = 3;
	/* PREPARED and BYREF: the same contexts, each prepared and bound once
	 * (rsl_context_prepare and rsl_context_bind, untimed: their
	 * allocations, none, are counted); BYREF also finds the flag once
	 * (rsl_flag_find). */
	static rsl_context pctx[NKEYS];
	static rsl_prepared prep[NKEYS];
	double t[RUNS];
	long before = allocations;
	for (int i = 0; (what == PREPARED || what == BYREF) && i < NKEYS; i++) {
		pctx[i] = ctx;
		pctx[i].targeting_key = keys[i];
		if (rsl_context_prepare(&prep[i], &pctx[i], NULL) != RSL_OK)
			die("rsl_context_prepare");
		rsl_context_bind(&prep[i], snap);
	}
	rsl_flag_ref ref = rsl_flag_find(snap, "three-rules");
	for (int r = 0; r < RUNS; r++) {
		long acc = 0;
		double t0 = cpu_ns();
		for (long i = 0; i < EVALS; i++) {
			ctx.targeting_key = keys[i & (NKEYS - 1)];
			switch (what) {
			case BOOL3:
				acc += rsl_bool(snap, "three-rules", &ctx, 0);
				break;
			case COLOR:
				acc += rsl_string(snap, "color", &ctx, "x")[0];
				break;
			case MISSING:
				acc += rsl_bool(snap, "no-such-flag", &ctx, 0);
				break;
			case PREPARED:
				acc += rsl_prepared_bool(snap, "three-rules", &prep[i & (NKEYS - 1)], 0);
				break;
			case BYREF:
				acc += rsl_flag_bool(snap, &ref, &prep[i & (NKEYS - 1)], 0);
				break;
			default: {
				rsl_result res;
				rsl_evaluate(&res, snap, "three-rules", RSL_BOOLEAN, &ctx, NULL);
				acc += res.value.b + res.rule_index;
				break;
			}
			}
		}
		t[r] = (cpu_ns() - t0) / EVALS;
		sink += acc;
	}
	*allocs = allocations - before;
	return median(t, RUNS);
}

int main(int argc, char **argv)
{
	/* --prepare: only the key and the 10-flag snapshot, then exit: the
	 * bindings' benchmarks measure the same three-rule flag in it. */
	int prepare = argc > 1 && strcmp(argv[1], "--prepare") == 0;
	int worst_only = argc > 1 && strcmp(argv[1], "--worst") == 0;
	const char *worst_kind = worst_only && argc > 2 ? argv[2] : NULL;
	static const long sizes[] = { 10, 1000, 100000 };
	char cmd[1024], dir[256], out[256], path[300];
	for (int i = 0; i < NKEYS; i++)
		snprintf(keys[i], sizeof keys[i], "user-%d", i * 7919);

	mkdirs(ROOT);
	/* The key and the compiled snapshots are kept between runs (compiling
	 * 100,000 flags takes a while); a new key means new snapshots. */
	if (access(ROOT "/k.pub", R_OK) != 0) {
		snprintf(cmd, sizeof cmd, "rm -rf %s/out-* && %s keygen --force --out %s/k >/dev/null",
			 ROOT, RSC_BIN, ROOT);
		if (run(cmd))
			return 1;
	}
	rsl_keyring *kr;
	rsl_error e;
	if (rsl_keyring_new(&kr) || rsl_keyring_add_pem_file(kr, ROOT "/k.pub", &e)) {
		fprintf(stderr, "bench: key: %s\n", e.message);
		return 1;
	}
	if (worst_only) {
		int rc = bench_worst(ROOT, RSC_BIN, kr, worst_kind);
		rsl_keyring_free(kr);
		return rc;
	}
	if (!prepare)
		printf("librsl %s benchmark: median of %d runs of %d evaluations each\n\n",
		       RSL_VERSION_STRING, RUNS, EVALS);
	if (!prepare)
		printf("%8s %10s %10s | %10s %10s %10s %10s %10s %10s | %s\n", "flags", "size (B)",
		       "open (ms)", "3-rule ns", "prepared", "by ref", "3-way ns", "missing ns",
		       "detail ns", "allocations");
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		snprintf(dir, sizeof dir, ROOT "/rules-%ld", sizes[s]);
		snprintf(out, sizeof out, ROOT "/out-%ld", sizes[s]);
		snprintf(path, sizeof path, "%s/prod.rsnap", out);
		if (access(path, R_OK) != 0) {
			snprintf(cmd, sizeof cmd, "rm -rf %s %s", dir, out);
			run(cmd);
			write_ruleset(dir, sizes[s]);
			snprintf(cmd, sizeof cmd,
				 "%s compile --worktree --root %s --key %s/k.key --out %s >/dev/null",
				 RSC_BIN, dir, ROOT, out);
			if (run(cmd))
				return 1;
		}
		if (prepare) {
			rsl_keyring_free(kr);
			return 0;
		}
		rsl_open_options oo = RSL_OPEN_OPTIONS_INIT;
		oo.keys = kr;
		double topen[RUNS];
		rsl_snapshot *snap = NULL;
		for (int r = 0; r < RUNS; r++) {
			rsl_close(snap);
			double t0 = now_ns();
			if (rsl_open(&snap, path, &oo, &e) != RSL_OK) {
				fprintf(stderr, "bench: %s: %s\n", path, e.message);
				return 1;
			}
			topen[r] = (now_ns() - t0) / 1e6;
		}
		rsl_info info;
		rsl_snapshot_info(&info, snap);
		long a1, a2, a3, a4, a5, a6;
		double b3 = measure(snap, BOOL3, &a1);
		double pr = measure(snap, PREPARED, &a5);
		double br = measure(snap, BYREF, &a6);
		double c3 = measure(snap, COLOR, &a2);
		double mi = measure(snap, MISSING, &a3);
		double de = measure(snap, DETAILED, &a4);
		printf("%8zu %10zu %10.2f | %10.1f %10.1f %10.1f %10.1f %10.1f %10.1f | %ld in %d\n",
		       info.flag_count, info.size, median(topen, RUNS), b3, pr, br, c3, mi, de,
		       a1 + a2 + a3 + a4 + a5 + a6, 6 * RUNS * EVALS);
		rsl_close(snap);
	}
	int rc = bench_worst(ROOT, RSC_BIN, kr, NULL);
	rsl_keyring_free(kr);
	return rc;
}
