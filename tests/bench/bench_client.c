/*
 * bench_client.c - `make bench`, second part: what the live client
 * (rsl_client) costs a reader on top of the raw snapshot handle.
 *
 * Compiles a small ruleset with rsc into tests/tmp/bench-client/, opens the
 * snapshot both ways (rsl_open; rsl_client_new on the same file, with its
 * watching thread running) and times the same evaluations through each:
 *  - static: a boolean flag with no rules (the cheapest evaluation, so the
 *    client's overhead is most visible);
 *  - three-rules: a boolean flag with three rules, reaching the last;
 *  - detailed: rsl_evaluate vs rsl_client_evaluate on the three-rule flag;
 *  - then the same with two threads evaluating at once, and with a third
 *    thread reloading a new snapshot every millisecond.
 * Every row alternates raw and client runs of 1,000,000 evaluations, 11
 * rounds (raw first in even rounds, client first in odd ones, so that a
 * drift in the machine's load falls on both sides), timed in the thread's
 * CPU time so that time spent preempted by other programs on a busy machine
 * is not counted.  It shows the median of each side and, as the overhead,
 * the median of the per-round differences (client - raw): the figure least
 * moved by load that comes and goes.  With two threads both evaluate in
 * step (a barrier before every run) and their figures are averaged.
 */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rsl.h"

#ifndef RSC_BIN
#define RSC_BIN "build/rsc"
#endif

#define ROOT "tests/tmp/bench-client"
#define RUNS 11
#define EVALS 1000000

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void put(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, ROOT "/repo/%s", rel);
	FILE *f = fopen(path, "w");
	if (!f)
		die(path);
	fputs(text, f);
	fclose(f);
}

static void sh(const char *cmd)
{
	if (system(cmd) != 0) {
		fprintf(stderr, "bench_client: failed: %s\n", cmd);
		exit(1);
	}
}

static void make_snapshots(void)
{
	sh("rm -rf " ROOT " && mkdir -p " ROOT "/repo/environments/prod " ROOT "/node && "
	   RSC_BIN " keygen --out " ROOT "/k >/dev/null && cd " ROOT "/repo && "
	   "git init -q -b main . && git config user.name B && "
	   "git config user.email b@example.com && git config commit.gpgsign false");
	put("rulestead.yaml", "environments: [prod]\n");
	put("fixed.yaml", "key: fixed\ndescription: d\nowner: o\n");
	put("environments/prod/fixed.yaml", "enabled: true\ndefault: on\n");
	put("ruled.yaml", "key: ruled\ndescription: d\nowner: o\n");
	put("environments/prod/ruled.yaml",
	    "enabled: true\n"
	    "rules:\n"
	    "  - name: pro\n    when: { attribute: plan, eq: pro }\n    serve: on\n"
	    "  - name: countries\n"
	    "    when: { attribute: country, in: [DE, AT, CH, FR, IT, ES, NL, BE, SE, \"NO\"] }\n"
	    "    serve: on\n"
	    "  - name: ramp\n    serve: { split: { on: 20, off: 80 } }\n"
	    "default: off\n");
	char rsc[PATH_MAX], cmd[3 * PATH_MAX];
	if (!realpath(RSC_BIN, rsc))
		die(RSC_BIN);
	snprintf(cmd, sizeof cmd,
		 "cd " ROOT "/repo && git add -A && GIT_COMMITTER_DATE='@1800000000 +0000' "
		 "GIT_AUTHOR_DATE='@1800000000 +0000' git commit -q -m one && "
		 "%s compile --rev HEAD --key ../k.key --out ../a >/dev/null && "
		 "echo '# 2' >> rulestead.yaml && git add -A && "
		 "GIT_COMMITTER_DATE='@1800000001 +0000' GIT_AUTHOR_DATE='@1800000001 +0000' "
		 "git commit -q -m two && "
		 "%s compile --rev HEAD --key ../k.key --out ../b >/dev/null && "
		 "cp ../a/prod.rsnap ../node/prod.rsnap", rsc, rsc);
	sh(cmd);
}

static double now_ns(void)
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

enum { RAW_STATIC, CLIENT_STATIC, RAW_RULES, CLIENT_RULES, RAW_DETAIL, CLIENT_DETAIL };

static rsl_snapshot *raw;
static rsl_client *client;
static volatile int sink;

static const rsl_attr attrs[] = { RSL_STR("plan", "free"), RSL_STR("country", "US") };
static const rsl_context ctx = { "user-42", NULL, NULL, NULL, NULL, attrs, 2, 0, 0 };

/* ns per evaluation of one run of EVALS. */
static double run(int what)
{
	int acc = 0;
	rsl_result r;
	double t0 = now_ns();
	for (int i = 0; i < EVALS; i++) {
		switch (what) {
		case RAW_STATIC:
			acc += rsl_bool(raw, "fixed", &ctx, 0);
			break;
		case CLIENT_STATIC:
			acc += rsl_client_bool(client, "fixed", &ctx, 0);
			break;
		case RAW_RULES:
			acc += rsl_bool(raw, "ruled", &ctx, 0);
			break;
		case CLIENT_RULES:
			acc += rsl_client_bool(client, "ruled", &ctx, 0);
			break;
		case RAW_DETAIL:
			rsl_evaluate(&r, raw, "ruled", RSL_BOOLEAN, &ctx, NULL);
			acc += r.value.b;
			break;
		default:
			rsl_client_evaluate(&r, client, "ruled", RSL_BOOLEAN, &ctx, NULL);
			acc += r.value.b;
			break;
		}
	}
	double dt = now_ns() - t0;
	sink = acc;
	return dt / EVALS;
}

static double median_of(double *v, int n)
{
	qsort(v, (size_t)n, sizeof v[0], cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One row's figures: medians of the raw and client runs and of the
 * per-round differences. */
typedef struct pair {
	double raw, client, overhead;
} pair;

static pthread_barrier_t in_step; /* paired2: the two threads run in step */

/* RUNS rounds of raw and client runs, alternated; sync: wait at in_step
 * before every run. */
static pair paired(int rawwhat, int clientwhat, int sync)
{
	double r[RUNS], c[RUNS], d[RUNS];
	for (int i = 0; i < RUNS; i++) {
		for (int k = 0; k < 2; k++) {
			int client_now = (i + k) % 2 == 1;
			if (sync)
				pthread_barrier_wait(&in_step);
			if (client_now)
				c[i] = run(clientwhat);
			else
				r[i] = run(rawwhat);
		}
		d[i] = c[i] - r[i];
	}
	pair p = { median_of(r, RUNS), median_of(c, RUNS), median_of(d, RUNS) };
	return p;
}

typedef struct job {
	int rawwhat, clientwhat;
	pair p;
} job;

static void *job_main(void *arg)
{
	job *j = arg;
	j->p = paired(j->rawwhat, j->clientwhat, 1);
	return NULL;
}

/* paired() with two threads evaluating at once, in step; their mean. */
static pair paired2(int rawwhat, int clientwhat)
{
	pthread_t th[2];
	job j[2] = { { rawwhat, clientwhat, { 0, 0, 0 } },
		     { rawwhat, clientwhat, { 0, 0, 0 } } };
	if (pthread_barrier_init(&in_step, NULL, 2) != 0)
		die("pthread_barrier_init");
	for (int i = 0; i < 2; i++)
		if (pthread_create(&th[i], NULL, job_main, &j[i]) != 0)
			die("pthread_create");
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&in_step);
	pair p = { (j[0].p.raw + j[1].p.raw) / 2, (j[0].p.client + j[1].p.client) / 2,
		   (j[0].p.overhead + j[1].p.overhead) / 2 };
	return p;
}

static atomic_int reloading;
static atomic_long reloads;

static void *reloader(void *arg)
{
	(void)arg;
	int flip = 0;
	while (atomic_load(&reloading)) {
		/* Alternate two snapshots; the operator override lets the older one
		 * back in, so that every publish is a real reload. */
		sh(flip ? "cp " ROOT "/a/prod.rsnap " ROOT "/node/.t && mv " ROOT "/node/.t "
			  ROOT "/node/prod.rsnap"
			: "cp " ROOT "/b/prod.rsnap " ROOT "/node/.t && mv " ROOT "/node/.t "
			  ROOT "/node/prod.rsnap");
		flip = !flip;
		if (rsl_client_refresh(client, NULL) == RSL_OK)
			atomic_fetch_add(&reloads, 1);
		usleep(1000);
	}
	return NULL;
}

static void row(const char *name, pair p)
{
	printf("  %-28s %8.2f %8.2f %+8.2f\n", name, p.raw, p.client, p.overhead);
}

int main(void)
{
	make_snapshots();
	rsl_keyring *keys;
	rsl_error e;
	if (rsl_keyring_new(&keys) != RSL_OK ||
	    rsl_keyring_add_pem_file(keys, ROOT "/k.pub", &e) != RSL_OK) {
		fprintf(stderr, "bench_client: key: %s\n", e.message);
		return 1;
	}
	rsl_open_options oo = RSL_OPEN_OPTIONS_INIT;
	oo.keys = keys;
	if (rsl_open(&raw, ROOT "/node/prod.rsnap", &oo, &e) != RSL_OK) {
		fprintf(stderr, "bench_client: %s\n", e.message);
		return 1;
	}
	rsl_client_options co = RSL_CLIENT_OPTIONS_INIT;
	co.keys = keys;
	co.flags = RSL_CLIENT_ALLOW_ROLLBACK;
	if (rsl_client_new(&client, ROOT "/node/prod.rsnap", &co, &e) != RSL_OK ||
	    e.code != RSL_OK) {
		fprintf(stderr, "bench_client: %s\n", e.message);
		return 1;
	}

	printf("live client vs raw snapshot: ns per evaluation, thread CPU time; %d rounds\n"
	       "of alternated raw and client runs of %d; medians, and the median of the\n"
	       "per-round differences as the overhead\n", RUNS, EVALS);
	printf("  %-28s %8s %8s %8s\n", "", "raw", "client", "overhead");
	pair st1 = paired(RAW_STATIC, CLIENT_STATIC, 0);
	row("static flag, 1 thread", st1);
	pair ru1 = paired(RAW_RULES, CLIENT_RULES, 0);
	row("three rules, 1 thread", ru1);
	row("detailed, 1 thread", paired(RAW_DETAIL, CLIENT_DETAIL, 0));
	row("static flag, 2 threads", paired2(RAW_STATIC, CLIENT_STATIC));
	row("three rules, 2 threads", paired2(RAW_RULES, CLIENT_RULES));

	atomic_store(&reloading, 1);
	pthread_t rt;
	if (pthread_create(&rt, NULL, reloader, NULL) != 0)
		die("pthread_create");
	pair rl = paired(RAW_RULES, CLIENT_RULES, 0);
	atomic_store(&reloading, 0);
	pthread_join(rt, NULL);
	row("three rules, reloading", rl);
	printf("  (%ld reloads during the last row)\n", (long)atomic_load(&reloads));

	rsl_client_status st;
	rsl_client_status_get(&st, client);
	printf("  client: %llu evaluations counted, watching with %s\n",
	       (unsigned long long)st.evaluations, st.watch);
	double worst = st1.overhead > ru1.overhead ? st1.overhead : ru1.overhead;
	printf("target: the reload machinery costs a reader < 5 ns per evaluation\n"
	       "(rsl_client_bool vs rsl_bool, the same evaluation path, 1 thread):\n"
	       "overhead %+.2f ns (static flag), %+.2f ns (three rules): %s\n",
	       st1.overhead, ru1.overhead, worst < 5.0 ? "met" : "NOT MET");
	rsl_client_free(client);
	rsl_close(raw);
	rsl_keyring_free(keys);
	return 0;
}
