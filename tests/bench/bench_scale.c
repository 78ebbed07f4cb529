/*
 * bench_scale.c - the loader's half of `make bench-scale`
 * (tests/bench/bench_scale.sh): for one snapshot, how long rsl_open takes
 * against one SHA-512 pass over the same bytes, how much private memory an
 * open leaves and needs at its peak, and how long an evaluation of a random
 * flag of the snapshot takes.  Public rsl.h API only (plus libsodium for
 * the hash), so that it measures any snapshot format the library reads.
 *
 *   bench_scale SNAPSHOT PUBKEY KEYS [RUNS]
 *
 * KEYS lists the snapshot's flag keys, one a line.  Prints one "name value"
 * line per figure, each the median of RUNS (default 7) runs:
 *   size          bytes of the file
 *   flags         flags in the snapshot (rsl_snapshot_info)
 *   open_<mode>_sha512_ms    map the file, crypto_hash_sha512 over it, unmap
 *                            (the one pass over the bytes that verifying
 *                            the signature needs), wall time, in the same
 *                            new process just before the open
 *   open_<mode>_ms           rsl_open (mode read: RSL_OPEN_READ; mmap:
 *                            RSL_OPEN_MMAP), wall time
 *   open_<mode>_private_kb   Private_Clean + Private_Dirty of
 *                            /proc/self/smaps_rollup after the open minus
 *                            before it (file pages mapped by this process
 *                            alone count as private too)
 *   open_<mode>_anon_kb      Anonymous of smaps_rollup, after minus before:
 *                            memory no other process can share
 *   open_<mode>_peak_kb      VmHWM during the open minus VmRSS before it
 *                            (the peak is reset through /proc/self/clear_refs)
 *   eval_ns       ns per evaluation (thread CPU time) of EVALS evaluations,
 *                 each of a flag drawn at random from all of KEYS, through
 *                 the typed call of its type, for one of 1,024 contexts in
 *                 turn: the snapshot's size shows in cache misses
 *   eval_hot_ns   the same over 64 of the keys only, which stay in cache
 *   reason_<NAME> how many evaluations of every flag for 16 of the contexts
 *                 ended with that reason (the ruleset's mix; not timed)
 * Each open runs in a new process (this program run again with --open), so
 * that what an earlier open left in the allocator does not count in the
 * next one, and each pays its page faults as a starting worker does.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "rsl.h"

#include "bench_util.h"

#define EVALS 1000000
#define NCTX 1024
#define HOT_KEYS 64
#define MAX_KEYS 1000000
#define MAX_RUNS 51

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "bench_scale: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(1);
}

/* ------------------------------------------------------------- memory */

/* The kB value of the line beginning with field in a /proc file, or -1. */
static long proc_kb(const char *path, const char *field)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return -1;
	char line[256];
	long kb = -1;
	size_t n = strlen(field);
	while (fgets(line, sizeof line, f) != NULL)
		if (strncmp(line, field, n) == 0) {
			kb = strtol(line + n, NULL, 10);
			break;
		}
	fclose(f);
	return kb;
}

struct mem {
	long priv, anon, rss;
};

static struct mem mem_now(void)
{
	struct mem m;
	long clean = proc_kb("/proc/self/smaps_rollup", "Private_Clean:");
	long dirty = proc_kb("/proc/self/smaps_rollup", "Private_Dirty:");
	m.anon = proc_kb("/proc/self/smaps_rollup", "Anonymous:");
	m.rss = proc_kb("/proc/self/status", "VmRSS:");
	if (clean < 0 || dirty < 0 || m.anon < 0 || m.rss < 0)
		die("cannot read %s", "/proc/self/smaps_rollup and /proc/self/status");
	m.priv = clean + dirty;
	return m;
}

/* Resets VmHWM to the current RSS (Linux 4.0 and later). */
static void reset_peak(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY);
	if (fd < 0 || write(fd, "5", 1) != 1)
		die("cannot reset the peak RSS through %s", "/proc/self/clear_refs");
	close(fd);
}

/* ---------------------------------------------------------- measuring */

static double sha512_ms(const char *path)
{
	double t0 = clock_ns(CLOCK_MONOTONIC);
	int fd = open(path, O_RDONLY);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) != 0 || st.st_size <= 0)
		die("cannot open %s", path);
	size_t len = (size_t)st.st_size;
	void *p = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		die("cannot map %s", path);
	unsigned char h[crypto_hash_sha512_BYTES];
	crypto_hash_sha512(h, p, len);
	munmap(p, len);
	close(fd);
	double ms = (clock_ns(CLOCK_MONOTONIC) - t0) / 1e6;
	static volatile unsigned char sink;
	sink = h[0];
	(void)sink;
	return ms;
}

struct open_run {
	double sha, ms;
	long priv, anon, peak;
};

/* `bench_scale --open MODE SNAPSHOT PUBKEY MAX_SIZE`: one rsl_open in a
 * process of its own, whose heap nothing has used yet (as a worker that
 * starts or reloads pays it), after one SHA-512 pass over the file in the
 * same process; prints "sha512_ms open_ms private_kb anon_kb peak_kb". */
static int open_child(char **argv)
{
	unsigned flags = strcmp(argv[2], "mmap") == 0 ? RSL_OPEN_MMAP : RSL_OPEN_READ;
	rsl_keyring *kr;
	rsl_error e = { 0, "" };
	if (rsl_keyring_new(&kr) != RSL_OK || rsl_keyring_add_pem_file(kr, argv[4], &e) != RSL_OK)
		die("%s", e.message);
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	o.keys = kr;
	o.flags = flags;
	o.max_size = (size_t)strtoull(argv[5], NULL, 10);
	rsl_snapshot *snap;
	double sha = sha512_ms(argv[3]);
	struct mem before = mem_now();
	reset_peak();
	double t0 = clock_ns(CLOCK_MONOTONIC);
	int rc = rsl_open(&snap, argv[3], &o, &e);
	double t1 = clock_ns(CLOCK_MONOTONIC);
	if (rc != RSL_OK)
		die("%s", e.message);
	struct mem after = mem_now();
	printf("%.6f %.6f %ld %ld %ld\n", sha, (t1 - t0) / 1e6, after.priv - before.priv,
	       after.anon - before.anon, proc_kb("/proc/self/status", "VmHWM:") - before.rss);
	rsl_close(snap);
	rsl_keyring_free(kr);
	return 0;
}

/* Runs open_child in a new process (this program again) and reads its line. */
static struct open_run open_once(const char *self, const char *mode, const char *path,
				 const char *pubkey, size_t max_size)
{
	char size[32];
	snprintf(size, sizeof size, "%zu", max_size);
	int fds[2];
	if (pipe(fds) != 0)
		die("pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execl(self, self, "--open", mode, path, pubkey, size, (char *)NULL);
		_exit(127);
	}
	close(fds[1]);
	char line[256];
	ssize_t got = read(fds[0], line, sizeof line - 1);
	close(fds[0]);
	int status;
	struct open_run r;
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    got <= 0)
		die("the open of %s in a new process failed", path);
	line[got] = 0;
	if (sscanf(line, "%lf %lf %ld %ld %ld", &r.sha, &r.ms, &r.priv, &r.anon, &r.peak) != 5)
		die("unexpected output of the open: %s", line);
	return r;
}

static void measure_open(const char *self, const char *name, const char *path,
			 const char *pubkey, size_t max_size, int runs)
{
	double sha[MAX_RUNS], ms[MAX_RUNS], priv[MAX_RUNS], anon[MAX_RUNS], peak[MAX_RUNS];
	for (int i = 0; i < runs; i++) {
		struct open_run r = open_once(self, name, path, pubkey, max_size);
		sha[i] = r.sha;
		ms[i] = r.ms;
		priv[i] = (double)r.priv;
		anon[i] = (double)r.anon;
		peak[i] = (double)r.peak;
	}
	printf("open_%s_sha512_ms %.3f\n", name, median(sha, runs));
	printf("open_%s_ms %.3f\n", name, median(ms, runs));
	printf("open_%s_private_kb %.0f\n", name, median(priv, runs));
	printf("open_%s_anon_kb %.0f\n", name, median(anon, runs));
	printf("open_%s_peak_kb %.0f\n", name, median(peak, runs));
}

/* --------------------------------------------------------- evaluating */

struct flag {
	const char *key;
	rsl_type type;
};

static const char *const countries[] = { "DE", "FR", "US", "GB", "JP", "BR", "SE", "IN",
					  "NL", "ES", "CA", "AU", "PL", "ZA", "KR", "MX" };
static const char *const plans[] = { "free", "pro", "enterprise", "free" };
static const char *const platforms[] = { "ios-17", "android", "web", "ios-16" };

enum { NATTRS = 7 };
static char ctx_text[NCTX][5][48];
static rsl_attr ctx_attrs[NCTX][NATTRS];
static rsl_context ctxs[NCTX];

/* 1,024 contexts of the attributes the generated rules test. */
static void make_contexts(void)
{
	for (int i = 0; i < NCTX; i++) {
		char(*t)[48] = ctx_text[i];
		snprintf(t[0], sizeof t[0], "user-%d", (i * 7919) % 100000);
		snprintf(t[1], sizeof t[1], "tenant-%d", i % 97);
		snprintf(t[2], sizeof t[2], "%s%d@%s", "user", i,
			 i % 10 == 0 ? "Example.com" : "mail.test");
		snprintf(t[3], sizeof t[3], "3.%d.%d", i % 12, i % 5);
		rsl_attr *a = ctx_attrs[i];
		a[0] = (rsl_attr)RSL_STR("email", t[2]);
		a[1] = (rsl_attr)RSL_STR("country", countries[i % 16]);
		a[2] = (rsl_attr)RSL_STR("plan", plans[(i / 3) % 4]);
		a[3] = (rsl_attr)RSL_STR("app_version", t[3]);
		a[4] = (rsl_attr)RSL_STR("platform", platforms[(i / 5) % 4]);
		a[5] = (rsl_attr)RSL_NUM("tier", (double)(i % 10));
		a[6] = (rsl_attr)RSL_BOOL("beta", i % 7 == 0);
		memset(&ctxs[i], 0, sizeof ctxs[i]);
		ctxs[i].targeting_key = t[0];
		ctxs[i].tenant_key = t[1];
		ctxs[i].attrs = a;
		ctxs[i].nattrs = NATTRS;
	}
}

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t next_random(uint32_t bound)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % bound);
}

static volatile long sink;

/* ns per evaluation of the flags order[0..EVALS), median of runs. */
static double measure_eval(const rsl_snapshot *snap, const struct flag *flags,
			   const uint32_t *order, int runs)
{
	double t[MAX_RUNS];
	for (int r = 0; r < runs; r++) {
		long acc = 0;
		double t0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		for (long i = 0; i < EVALS; i++) {
			const struct flag *f = &flags[order[i]];
			const rsl_context *ctx = &ctxs[i & (NCTX - 1)];
			switch (f->type) {
			case RSL_BOOLEAN:
				acc += rsl_bool(snap, f->key, ctx, 0);
				break;
			case RSL_STRING:
				acc += rsl_string(snap, f->key, ctx, "")[0];
				break;
			case RSL_INTEGER:
				acc += (long)rsl_int(snap, f->key, ctx, 0);
				break;
			case RSL_FLOAT:
				acc += (long)rsl_float(snap, f->key, ctx, 0.0);
				break;
			default:
				acc += rsl_object(snap, f->key, ctx, "{}")[0];
				break;
			}
		}
		t[r] = (clock_ns(CLOCK_THREAD_CPUTIME_ID) - t0) / EVALS;
		sink += acc;
	}
	return median(t, runs);
}

/* How the flags decide, over all flags for MIX_CONTEXTS contexts: one
 * "reason_<NAME> count" line per reason (rsl_evaluate), so that the ruleset's
 * mix is on record next to the timings. */
#define MIX_CONTEXTS 16
static void print_mix(const rsl_snapshot *snap, const struct flag *flags, size_t nflags)
{
	long count[RSL_REASON_PREREQUISITE_FAILED + 1] = { 0 };
	for (int c = 0; c < MIX_CONTEXTS; c++)
		for (size_t i = 0; i < nflags; i++) {
			rsl_result res;
			rsl_evaluate(&res, snap, flags[i].key, RSL_ANY, &ctxs[c * (NCTX / MIX_CONTEXTS)],
				     NULL);
			if ((int)res.reason >= 0 && res.reason <= RSL_REASON_PREREQUISITE_FAILED)
				count[res.reason]++;
		}
	for (int r = 0; r <= RSL_REASON_PREREQUISITE_FAILED; r++)
		printf("reason_%s %ld\n", rsl_reason_name((rsl_reason)r), count[r]);
}

/* The keys of the file at path, one a line; their types come from snap. */
static struct flag *read_flags(const char *path, const rsl_snapshot *snap, size_t *count)
{
	FILE *f = fopen(path, "r");
	if (f == NULL)
		die("cannot open %s", path);
	size_t n = 0, cap = 1024;
	struct flag *flags = malloc(cap * sizeof *flags);
	char line[128];
	while (flags != NULL && fgets(line, sizeof line, f) != NULL) {
		size_t len = strcspn(line, "\r\n");
		if (len == 0)
			continue;
		if (len > 64 || line[len] == 0)
			die("%s: a key is longer than 64 bytes", path);
		line[len] = 0;
		if (n == MAX_KEYS)
			die("%s: more than 1,000,000 keys", path);
		if (n == cap) {
			cap *= 2;
			struct flag *more = realloc(flags, cap * sizeof *flags);
			if (more == NULL)
				break;
			flags = more;
		}
		rsl_result res;
		rsl_evaluate(&res, snap, line, RSL_ANY, NULL, NULL);
		if (res.error == RSL_ERR_FLAG_NOT_FOUND)
			die("the snapshot has no flag '%s' (KEYS does not match it)", line);
		flags[n].type = res.value.type;
		if ((flags[n].key = strdup(line)) == NULL)
			die("%s", "out of memory");
		n++;
	}
	if (flags == NULL)
		die("%s", "out of memory");
	fclose(f);
	if (n == 0)
		die("%s holds no key", path);
	*count = n;
	return flags;
}

int main(int argc, char **argv)
{
	if (argc == 6 && strcmp(argv[1], "--open") == 0)
		return open_child(argv);
	/* The program itself, to run again for each open. */
	static char self[4096];
	ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
	if (sl <= 0 || (size_t)sl >= sizeof self - 1)
		die("%s", "cannot read /proc/self/exe");
	self[sl] = 0;
	if (argc < 4 || argc > 5) {
		fprintf(stderr, "usage: bench_scale SNAPSHOT PUBKEY KEYS [RUNS]\n");
		return 2;
	}
	const char *path = argv[1];
	int runs = argc == 5 ? atoi(argv[4]) : 7;
	if (runs < 1 || runs > MAX_RUNS)
		die("RUNS must be 1 to 51, not '%s'", argv[4]);
	if (sodium_init() < 0)
		die("%s", "libsodium cannot initialise");

	rsl_keyring *kr;
	rsl_error e = { 0, "" };
	if (rsl_keyring_new(&kr) != RSL_OK || rsl_keyring_add_pem_file(kr, argv[2], &e) != RSL_OK)
		die("%s", e.message);
	struct stat st;
	if (stat(path, &st) != 0)
		die("cannot stat %s", path);
	/* Whatever the file's size: this measures, the default limit protects. */
	size_t max_size = (size_t)st.st_size + 1;

	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	o.keys = kr;
	o.max_size = max_size;
	rsl_snapshot *snap;
	if (rsl_open(&snap, path, &o, &e) != RSL_OK)
		die("%s", e.message);
	rsl_info info;
	rsl_snapshot_info(&info, snap);
	size_t nflags;
	struct flag *flags = read_flags(argv[3], snap, &nflags);
	printf("size %zu\nflags %zu\n", info.size, info.flag_count);

	fflush(stdout);
	measure_open(self, "read", path, argv[2], max_size, runs);
	measure_open(self, "mmap", path, argv[2], max_size, runs);
	fflush(stdout);

	make_contexts();
	print_mix(snap, flags, nflags);
	uint32_t *order = malloc(EVALS * sizeof *order);
	if (order == NULL)
		die("%s", "out of memory");
	for (long i = 0; i < EVALS; i++)
		order[i] = next_random((uint32_t)nflags);
	printf("eval_ns %.1f\n", measure_eval(snap, flags, order, runs));
	uint32_t hot = nflags < HOT_KEYS ? (uint32_t)nflags : HOT_KEYS;
	for (long i = 0; i < EVALS; i++)
		order[i] = next_random(hot);
	printf("eval_hot_ns %.1f\n", measure_eval(snap, flags, order, runs));

	free(order);
	for (size_t i = 0; i < nflags; i++)
		free((void *)flags[i].key);
	free(flags);
	rsl_close(snap);
	rsl_keyring_free(kr);
	return 0;
}
