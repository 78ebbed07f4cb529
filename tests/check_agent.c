/*
 * check_agent.c - rsc agent and its engine (agent.c) over file:// sources:
 * real snapshots compiled by rsc from a real git repository, published by
 * renaming into a source directory; `rsc agent --once` as cron runs it,
 * `rsc agent` as a process stopped by SIGTERM with a live client on its
 * PATH, and the engine in-process for the counters and the backoff.
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "fetch.h"
#include "rsl.h"
#include "testutil.h"

static char *T;
static char repo[512], snaps[512], src[512], node[512], path[600], pubf[512];
static long base_time;

/* Snapshot `name`: a root commit at base_time + when whose prod serves
 * new-checkout = on (or off), compiled signed with key k (or k2) into
 * snaps/name/{dev,prod}.rsnap.  Root commits so that the version is the
 * commit time's whatever came before (docs/snapshot-format.md). */
static void make_snap(const char *name, long when, int on, const char *key)
{
	static int orphans;
	ck_assert_int_eq(tu_sh("git -C '%s' checkout -q --orphan agent-%d", repo, ++orphans), 0);
	tu_write(repo, "flags/environments/prod/new-checkout.yaml",
		 on ? "enabled: true\ndefault: on\n" : "enabled: true\ndefault: off\n");
	tu_git_commit(repo, name, base_time + when);
	ck_assert_int_eq(tu_rsc(NULL, NULL, repo, "compile --root flags --key '%s/%s.key' "
				"--out '%s/%s'", T, key, snaps, name), 0);
}

static void snap_file(char *out, size_t cap, const char *name, const char *env)
{
	snprintf(out, cap, "%s/%s/%s.rsnap", snaps, name, env);
}

/* Publishes like CI: a new file renamed into src/prod.rsnap. */
static void publish_env(const char *name, const char *env)
{
	char from[1200];
	snap_file(from, sizeof from, name, env);
	ck_assert_int_eq(tu_sh("cp '%s' '%s/.incoming' && mv '%s/.incoming' '%s/prod.rsnap'",
			       from, src, src, src), 0);
}

static void publish(const char *name)
{
	publish_env(name, "prod");
}

static uint64_t version_of(const char *name)
{
	char f[1200];
	snap_file(f, sizeof f, name, "prod");
	rsl_snapshot *s;
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	rsl_keyring *kr;
	rsl_error e;
	ck_assert_int_eq(rsl_keyring_new(&kr), RSL_OK);
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, pubf, &e), RSL_OK);
	o.keys = kr;
	/* k2's snapshots are opened with k2's key */
	char k2[1200];
	snprintf(k2, sizeof k2, "%s/k2.pub", T);
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, k2, &e), RSL_OK);
	ck_assert_int_eq(rsl_open(&s, f, &o, &e), RSL_OK);
	rsl_info i;
	rsl_snapshot_info(&i, s);
	uint64_t v = i.version;
	rsl_close(s);
	rsl_keyring_free(kr);
	return v;
}

/* Whether PATH holds exactly snapshot name's bytes. */
static int path_holds(const char *name)
{
	char f[1200];
	snap_file(f, sizeof f, name, "prod");
	size_t a, b;
	char *x = tu_read(f, &a), *y = tu_read(path, &b);
	int same = x && y && a == b && memcmp(x, y, a) == 0;
	free(x);
	free(y);
	return same;
}

static void setup(const char *test)
{
	T = tu_checkout_repo(test);
	snprintf(repo, sizeof repo, "%s", T);
	snprintf(snaps, sizeof snaps, "%s/.snaps", T);
	snprintf(src, sizeof src, "%s/.src", T);
	snprintf(node, sizeof node, "%s/.node", T);
	snprintf(path, sizeof path, "%s/prod.rsnap", node);
	snprintf(pubf, sizeof pubf, "%s/k.pub", T);
	ck_assert_int_eq(tu_sh("mkdir -p '%s' '%s' '%s' && %s keygen --out '%s/k' >/dev/null && "
			       "%s keygen --out '%s/k2' >/dev/null", snaps, src, node,
			       RSC_BIN, T, RSC_BIN, T), 0);
	/* Only the ruleset is committed: keys, snapshots and the node apart. */
	tu_write(T, ".gitignore", "/.*/\n/k*\n/x\n/log\n/agent.log\n");
	base_time = (long)time(NULL) - 100000;
}

/* rsc agent --once from src to path; its exit status, stderr into *err. */
static int once(char **err, const char *extra)
{
	free(*err);
	*err = NULL;
	return tu_rsc(NULL, err, T, "agent --from 'file://%s' --to '%s' --pub '%s' --env prod "
		      "--once %s", src, path, pubf, extra ? extra : "");
}

static ino_t inode_of(const char *p, struct timespec *mtime)
{
	struct stat st;
	ck_assert_int_eq(stat(p, &st), 0);
	if (mtime)
		*mtime = st.st_mtim;
	return st.st_ino;
}

/* No temporary file left next to PATH: only the names in want. */
static void only_files(const char *dir, int want)
{
	DIR *d = opendir(dir);
	ck_assert_ptr_nonnull(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	ck_assert_int_eq(n, want);
}

/* ------------------------------------------------------------ --once */

START_TEST(updates_then_unchanged_without_rewrite)
{
	setup("agent-update");
	make_snap("s1", 10, 0, "k");
	make_snap("s2", 20, 1, "k");
	char *err = NULL, want[512];
	publish("s1");
	ck_assert_int_eq(once(&err, NULL), 0);
	ck_assert(path_holds("s1"));
	snprintf(want, sizeof want, " updated env=prod version=%llu commit=",
		 (unsigned long long)version_of("s1"));
	ck_assert_msg(strstr(err, want), "%s", err);
	ck_assert_msg(strstr(err, "written to"), "%s", err);
	ck_assert_int_eq(strchr(err, '\n') - err + 1, (long)strlen(err)); /* one line */

	/* The same bytes again: PATH is not rewritten (same inode, same mtime). */
	struct timespec m0, m1;
	ino_t i0 = inode_of(path, &m0);
	ck_assert_int_eq(once(&err, NULL), 4);
	ck_assert_msg(strstr(err, " unchanged env=prod version="), "%s", err);
	ck_assert_msg(strstr(err, "the source serves what"), "%s", err);
	ck_assert_uint_eq(inode_of(path, &m1), i0);
	ck_assert(m0.tv_sec == m1.tv_sec && m0.tv_nsec == m1.tv_nsec);

	publish("s2");
	ck_assert_int_eq(once(&err, "--log-format json"), 0);
	ck_assert(path_holds("s2"));
	snprintf(want, sizeof want, "\"outcome\":\"updated\",\"env\":\"prod\",\"version\":%llu,"
		 "\"commit\":\"", (unsigned long long)version_of("s2"));
	ck_assert_msg(strstr(err, want), "%s", err);
	ck_assert_msg(strncmp(err, "{\"time\":\"20", 11) == 0, "%s", err);
	only_files(node, 1);
	free(err);
}
END_TEST

/* Each refused source leaves PATH exactly as it was, with exit 1 and the
 * reason on the log line. */
enum { OLDER, OTHER_KEY, FORGED, OTHER_ENV, REPLAY, TRUNCATED, EMPTY, NBAD };

START_TEST(refusals_keep_path)
{
	static const char *const names[] = { "older", "other key", "forged", "other env",
					     "replay", "truncated", "empty" };
	static const char *const reasons[] = {
		"RSL_EROLLBACK: ", "RSL_EKEY", "RSL_ESIGNATURE", "RSL_EENV",
		"RSL_EREPLAY: ", "RSL_EFORMAT", "RSL_EFORMAT" };
	setup("agent-refusals");
	make_snap("s1", 10, 0, "k");
	make_snap("s2", 20, 1, "k");
	char *err = NULL, bad[1200];
	publish("s2");
	ck_assert_int_eq(once(&err, NULL), 0);
	snap_file(bad, sizeof bad, "s2", "prod");
	size_t n;
	char *bytes = tu_read(bad, &n);
	switch (_i) {
	case OLDER:
		publish("s1");
		break;
	case OTHER_KEY:
		make_snap("k2", 30, 1, "k2");
		publish("k2");
		break;
	case FORGED: /* one byte of the body changed after signing */
		make_snap("s3", 30, 1, "k");
		snap_file(bad, sizeof bad, "s3", "prod");
		free(bytes);
		bytes = tu_read(bad, &n);
		{
			char *p = NULL;
			for (size_t k = 0; !p && k + 12 <= n; k++)
				if (memcmp(bytes + k, "new-checkout", 12) == 0)
					p = bytes + k;
			ck_assert_ptr_nonnull(p);
			p[0] = 'N';
		}
		snprintf(bad, sizeof bad, "%s/x", T);
		{
			FILE *f = fopen(bad, "wb");
			ck_assert_uint_eq(fwrite(bytes, 1, n, f), n);
			fclose(f);
		}
		ck_assert_int_eq(tu_sh("mv '%s' '%s/prod.rsnap'", bad, src), 0);
		break;
	case OTHER_ENV:
		make_snap("s3", 30, 1, "k");
		publish_env("s3", "dev");
		break;
	case REPLAY: /* the same version with other rules */
		make_snap("s2b", 20, 0, "k");
		ck_assert_uint_eq(version_of("s2b"), version_of("s2"));
		publish("s2b");
		break;
	case TRUNCATED:
	case EMPTY: {
		make_snap("s3", 30, 1, "k");
		snap_file(bad, sizeof bad, "s3", "prod");
		ck_assert_int_eq(tu_sh("head -c %d '%s' > '%s/x' && mv '%s/x' '%s/prod.rsnap'",
				       _i == EMPTY ? 0 : 100, bad, T, T, src), 0);
		break;
	}
	}
	struct timespec m0, m1;
	ino_t i0 = inode_of(path, &m0);
	ck_assert_int_eq(once(&err, NULL), 1);
	ck_assert_msg(strstr(err, " refused env=prod version="), "%s: %s", names[_i], err);
	ck_assert_msg(strstr(err, reasons[_i]), "%s: %s", names[_i], err);
	ck_assert_msg(path_holds("s2"), "%s", names[_i]);
	ck_assert_uint_eq(inode_of(path, &m1), i0);
	ck_assert(m0.tv_sec == m1.tv_sec && m0.tv_nsec == m1.tv_nsec);
	only_files(node, 1);
	free(bytes);
	free(err);
}
END_TEST

START_TEST(renewal_is_accepted)
{
	setup("agent-renewal");
	make_snap("s1", 10, 1, "k");
	char *err = NULL;
	publish("s1");
	ck_assert_int_eq(once(&err, NULL), 0);
	/* The same commit compiled again later: a renewal. */
	ck_assert_int_eq(tu_rsc(NULL, NULL, repo, "compile --root flags --key '%s/k.key' "
				"--issued-at %ld --out '%s/r1'", T, base_time + 50000, snaps), 0);
	publish("r1");
	ck_assert_int_eq(once(&err, NULL), 0);
	ck_assert(path_holds("r1"));
	ck_assert_msg(strstr(err, "(a renewal: the same rules, issued later)"), "%s", err);
	/* ... and the older issue of it is now a replay. */
	publish("s1");
	ck_assert_int_eq(once(&err, NULL), 1);
	ck_assert_msg(strstr(err, "RSL_EREPLAY: ") && strstr(err, "is not a renewal"), "%s", err);
	ck_assert(path_holds("r1"));
	free(err);
}
END_TEST

START_TEST(truncated_source_never_makes_a_partial_path)
{
	setup("agent-truncated");
	make_snap("s1", 10, 1, "k");
	char s1[1200];
	snap_file(s1, sizeof s1, "s1", "prod");
	char *err = NULL;
	/* Nothing at PATH yet: every prefix of the snapshot is refused and
	 * PATH never appears; the whole file then lands. */
	size_t n;
	free(tu_read(s1, &n));
	for (size_t k = 1; k < n; k += n / 7) {
		ck_assert_int_eq(tu_sh("head -c %zu '%s' > '%s/x' && mv '%s/x' '%s/prod.rsnap'",
				       k, s1, T, T, src), 0);
		ck_assert_int_eq(once(&err, NULL), 1);
		ck_assert_msg(access(path, F_OK) != 0, "a partial file at PATH after %zu bytes", k);
		only_files(node, 0);
	}
	publish("s1");
	ck_assert_int_eq(once(&err, NULL), 0);
	ck_assert(path_holds("s1"));
	free(err);
}
END_TEST

START_TEST(source_down_keeps_path)
{
	setup("agent-down");
	make_snap("s1", 10, 1, "k");
	char *err = NULL;
	publish("s1");
	ck_assert_int_eq(once(&err, NULL), 0);
	ck_assert_int_eq(tu_sh("rm -r '%s'", src), 0);
	ck_assert_int_eq(once(&err, NULL), 3);
	ck_assert_msg(strstr(err, " error env=prod version=") &&
		      strstr(err, "prod.rsnap: No such file or directory; keeping what"), "%s", err);
	ck_assert(path_holds("s1"));
	/* PATH cannot be written (its directory is gone): an error, no file. */
	ck_assert_int_eq(tu_sh("mkdir -p '%s' && cp '%s/.snaps/s1/prod.rsnap' '%s/'", src, T,
			       src), 0);
	free(err);
	err = NULL;
	ck_assert_int_eq(tu_rsc(NULL, &err, T, "agent --from 'file://%s' --to '%s/gone/prod.rsnap' "
				"--pub '%s' --env prod --once", src, T, pubf), 3);
	ck_assert_msg(strstr(err, " error env=prod: ") && strstr(err, "/gone/prod.rsnap"),
		      "%s", err);
	ck_assert_int_eq(access(path, F_OK) == 0 && path_holds("s1"), 1);
	/* Another kind of source, not built here, is an error too. */
	free(err);
	ck_assert_int_eq(tu_rsc(NULL, &err, T, "agent --from oci://127.0.0.1:1/r --to '%s' "
				"--pub '%s' --once", path, pubf), 3);
	ck_assert(path_holds("s1"));
	free(err);
}
END_TEST

START_TEST(usage_errors)
{
	setup("agent-usage");
	char *err = NULL;
	/* No --env and nothing at PATH to take it from. */
	ck_assert_int_eq(tu_rsc(NULL, &err, T, "agent --from 'file://%s' --to '%s' --pub '%s' "
				"--once", src, path, pubf), 2);
	ck_assert_msg(strstr(err, "rsc agent: which environment? give --env ENV"), "%s", err);
	free(err);
	ck_assert_int_eq(tu_rsc(NULL, &err, T, "agent --from 'file://%s' --to '%s' --pub '%s' "
				"--env prod --interval 10", src, path, pubf), 2);
	ck_assert_msg(strstr(err, "--interval expects a duration"), "%s", err);
	free(err);
	ck_assert_int_eq(tu_rsc(NULL, &err, T, "agent --from 'file://%s' --to '%s' --pub '%s' "
				"--env prod --jitter 60%%", src, path, pubf), 2);
	ck_assert_msg(strstr(err, "--jitter expects a percentage from 0% to 50%"), "%s", err);
	free(err);
	ck_assert_int_eq(tu_rsc(NULL, &err, T, "agent --from 'file://%s' --to '%s' --env prod",
				src, path), 2);
	ck_assert_msg(strstr(err, "no trusted key"), "%s", err);
	free(err);
	ck_assert_int_eq(tu_rsc(NULL, &err, T, "agent --to '%s' --pub '%s'", path, pubf), 2);
	ck_assert_msg(strstr(err, "give --from URL"), "%s", err);
	free(err);
	char *out = NULL;
	ck_assert_int_eq(tu_rsc(&out, NULL, T, "agent --help"), 0);
	ck_assert_msg(strstr(out, "usage: rsc agent --from URL --to PATH --pub KEY"), "%s", out);
	ck_assert_msg(strstr(out, "0 updated, 4 unchanged,\n1 refused, 3 error"), "%s", out);
	free(out);
}
END_TEST

/* The options' durations (rsc agent --help): ms, s, m or h, leading
 * zeros, a bare 0; each refusal names its option and what it found. */
START_TEST(durations)
{
	setup("agent-durations");
	make_snap("s1", 10, 0, "k");
	publish("s1");
	char *err = NULL;
	static const char *const good[] = {
		"--interval 500ms --jitter 0 --max-backoff 1h",
		"--interval 05s --jitter 0ms --max-backoff 100000000ms",
		"--interval 10ms --jitter 2s --max-backoff 30m",
		"--interval 100000000h --jitter 10%",
	};
	for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(once(&err, good[i]) == (i ? 4 : 0), "%s: %s", good[i], err);
	static const struct {
		const char *args, *msg;
	} bad[] = {
		{ "--interval 10", "--interval expects a duration of at least 10ms (500ms, 10s, "
		  "5m, 1h), found '10'" },
		{ "--interval 9ms", "found '9ms'" },
		{ "--interval 1.5s", "found '1.5s'" },
		{ "--interval 1d", "found '1d'" },
		{ "--interval -1s", "found '-1s'" },
		{ "--interval +1s", "found '+1s'" },
		{ "--interval ' 30s'", "found ' 30s'" },
		{ "--interval 100000001ms", "found '100000001ms'" },
		{ "--interval 99999999999999999999s", "found '99999999999999999999s'" },
		{ "--jitter 2x", "--jitter expects a duration (2s) or a percentage (10%), found '2x'" },
		{ "--max-backoff 0", "--max-backoff expects a positive duration (30s, 5m, 1h), "
		  "found '0'" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_int_eq(once(&err, bad[i].args), 2);
		ck_assert_msg(strstr(err, bad[i].msg), "%s: %s", bad[i].args, err);
	}
	free(err);
}
END_TEST

/* ---------------------------------------------------- the engine itself */

static rsc_agent *new_agent(FILE *log, int64_t interval, int64_t jitter, int64_t cap,
			    rsl_keyring **kr)
{
	rsl_error e;
	ck_assert_int_eq(rsl_keyring_new(kr), RSL_OK);
	ck_assert_int_eq(rsl_keyring_add_pem_file(*kr, pubf, &e), RSL_OK);
	static char from[600];
	snprintf(from, sizeof from, "file://%s", src);
	rsc_agent_options o = RSC_AGENT_OPTIONS_INIT;
	o.from = from;
	o.to = path;
	o.env = "prod";
	o.keys = *kr;
	o.interval_ms = interval;
	o.jitter_ms = jitter;
	o.max_backoff_ms = cap;
	o.log = log;
	o.live_client = 1;
	rsc_agent *a = NULL;
	char err[256];
	ck_assert_int_eq(rsc_agent_new(&a, &o, err, sizeof err), 0);
	return a;
}

START_TEST(conditional_polls_count_and_back_off)
{
	setup("agent-engine");
	make_snap("s1", 10, 1, "k");
	publish("s1");
	char logf[1200];
	snprintf(logf, sizeof logf, "%s/log", T);
	FILE *log = fopen(logf, "w");
	rsl_keyring *kr;
	rsc_agent *a = new_agent(log, 100, 0, 1000, &kr);
	struct rsc_agent_stats st;
	rsl_client *c = rsc_agent_client(a);
	ck_assert_int_eq(rsl_client_bool(c, "new-checkout", NULL, 0), 0); /* nothing yet */

	ck_assert_int_eq(rsc_agent_poll(a), RSC_AGENT_UPDATED);
	/* the live client on PATH serves it at once */
	ck_assert(rsl_client_bool(c, "new-checkout", NULL, 0));
	/* Unchanged source: the tag holds, nothing downloaded. */
	ck_assert_int_eq(rsc_agent_poll(a), RSC_AGENT_UNCHANGED);
	rsc_agent_stats_get(a, &st);
	ck_assert_uint_eq(st.polls, 2);
	ck_assert_uint_eq(st.downloads, 1);
	ck_assert_uint_eq(st.updates, 1);
	ck_assert_uint_eq(st.unchanged, 1);
	ck_assert_uint_eq(st.version, version_of("s1"));
	ck_assert_str_eq(st.env, "prod");
	ck_assert_str_eq(st.last_reason, "the source has not changed");
	ck_assert_int_eq(st.next_delay_ms, 100);
	int64_t ok_at = st.last_success_at;
	ck_assert(ok_at > 0);

	/* The source down: errors, each wait twice the last up to the cap. */
	ck_assert_int_eq(tu_sh("mv '%s/prod.rsnap' '%s/away'", src, T), 0);
	static const int64_t waits[] = { 200, 400, 800, 1000, 1000 };
	for (size_t i = 0; i < 5; i++) {
		ck_assert_int_eq(rsc_agent_poll(a), RSC_AGENT_ERROR);
		rsc_agent_stats_get(a, &st);
		ck_assert_int_eq(st.next_delay_ms, waits[i]);
		ck_assert_uint_eq(st.consecutive_errors, i + 1);
	}
	ck_assert_uint_eq(st.errors[RSC_AGENT_ERR_SOURCE], 5);
	ck_assert_int_eq(st.last_outcome, RSC_AGENT_ERROR);
	ck_assert_int_eq(st.last_success_at, ok_at);
	ck_assert(path_holds("s1"));
	ck_assert(rsl_client_bool(c, "new-checkout", NULL, 0));
	/* Back: the backoff resets. */
	ck_assert_int_eq(tu_sh("mv '%s/away' '%s/prod.rsnap'", T, src), 0);
	ck_assert_int_eq(rsc_agent_poll(a), RSC_AGENT_UNCHANGED);
	rsc_agent_stats_get(a, &st);
	ck_assert_int_eq(st.next_delay_ms, 100);
	ck_assert_uint_eq(st.consecutive_errors, 0);

	/* PATH deleted behind the agent's back: put back at the next poll,
	 * although the source has not changed. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(rsc_agent_poll(a), RSC_AGENT_UPDATED);
	ck_assert(path_holds("s1"));
	rsc_agent_stats_get(a, &st);
	ck_assert_msg(strstr(st.last_reason, "(put back: it was no longer there)"), "%s",
		      st.last_reason);

	/* A refused source stays refused without downloading it again. */
	make_snap("s0", 5, 0, "k");
	publish("s0");
	ck_assert_int_eq(rsc_agent_poll(a), RSC_AGENT_REFUSED);
	ck_assert_int_eq(rsc_agent_poll(a), RSC_AGENT_REFUSED);
	rsc_agent_stats_get(a, &st);
	ck_assert_uint_eq(st.refusals, 2);
	ck_assert_uint_eq(st.downloads, 3);
	ck_assert_msg(strstr(st.last_reason, "still refused (the source has not changed): "
			     "RSL_EROLLBACK"), "%s", st.last_reason);
	ck_assert(rsl_client_bool(c, "new-checkout", NULL, 0));
	rsc_agent_free(a);
	rsl_keyring_free(kr);
	fclose(log);

	/* One line per poll, each saying its outcome. */
	char *text = tu_read(logf, NULL);
	ck_assert_ptr_nonnull(text);
	int lines = 0;
	for (char *p = text; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_int_eq(lines, 11);
	ck_assert_msg(strstr(text, "next poll in 0.2s") && strstr(text, "next poll in 1.0s"),
		      "%s", text);
	free(text);
}
END_TEST

START_TEST(jitter_stays_within_bounds)
{
	setup("agent-jitter");
	rsl_keyring *kr;
	FILE *log = fopen("/dev/null", "w");
	rsc_agent *a = new_agent(log, 1000, -1, 0, &kr);
	int64_t lo = 1000000, hi = 0;
	for (int i = 0; i < 200; i++) {
		ck_assert_int_eq(rsc_agent_poll(a), RSC_AGENT_ERROR); /* nothing published */
		struct rsc_agent_stats st;
		rsc_agent_stats_get(a, &st);
		/* errors: 1 s doubled per error, capped at the 5 min default */
		int64_t base = 1000;
		for (unsigned k = 0; k < st.consecutive_errors && base < 300000; k++)
			base *= 2;
		if (base > 300000)
			base = 300000;
		ck_assert_msg(st.next_delay_ms >= base - base / 10 &&
			      st.next_delay_ms <= base + base / 10, "%lld for %lld",
			      (long long)st.next_delay_ms, (long long)base);
		if (base == 300000) {
			lo = st.next_delay_ms < lo ? st.next_delay_ms : lo;
			hi = st.next_delay_ms > hi ? st.next_delay_ms : hi;
		}
	}
	ck_assert_msg(hi - lo > 6000, "no jitter: %lld..%lld", (long long)lo, (long long)hi);
	rsc_agent_free(a);
	rsl_keyring_free(kr);
	fclose(log);
}
END_TEST

/* ------------------------------------------- the process, a live client */

/* How long a test waits for something the agent does every 100 ms before
 * it fails: far more than it takes, so that a loaded machine passes. */
#define DEADLINE_MS 15000

static int wait_bool(rsl_client *c, int want)
{
	long t0 = tu_now_ms();
	while (tu_now_ms() - t0 < DEADLINE_MS) {
		if (rsl_client_bool(c, "new-checkout", NULL, !want) == want)
			return 1;
		usleep(5000);
	}
	return 0;
}

static int count_in(const char *file, const char *what)
{
	char *text = tu_read(file, NULL);
	int n = 0;
	for (char *p = text; p && (p = strstr(p, what)); p++)
		n++;
	free(text);
	return n;
}

START_TEST(process_serves_a_live_client_and_stops_on_sigterm)
{
	setup("agent-process");
	make_snap("s1", 10, 0, "k");
	make_snap("s2", 20, 1, "k");
	make_snap("s0", 5, 1, "k");
	publish("s1");
	char logf[1200], from[600], top[1024];
	snprintf(logf, sizeof logf, "%s/agent.log", T);
	snprintf(from, sizeof from, "file://%s", src);
	ck_assert_ptr_nonnull(getcwd(top, sizeof top));
	char bin[1200];
	snprintf(bin, sizeof bin, "%s/%s", top, RSC_BIN);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		FILE *f = freopen(logf, "w", stderr);
		(void)f;
		execl(bin, "rsc", "agent", "--from", from, "--to", path, "--pub", pubf, "--env",
		      "prod", "--interval", "100ms", (char *)NULL);
		_exit(127);
	}
	/* A live client in this process follows PATH as an application does. */
	rsl_keyring *kr;
	rsl_error e;
	ck_assert_int_eq(rsl_keyring_new(&kr), RSL_OK);
	ck_assert_int_eq(rsl_keyring_add_pem_file(kr, pubf, &e), RSL_OK);
	rsl_client_options co = RSL_CLIENT_OPTIONS_INIT;
	co.keys = kr;
	co.environment = "prod";
	co.poll_interval_ms = 50;
	rsl_client *c;
	ck_assert_int_eq(rsl_client_new(&c, path, &co, &e), RSL_OK);

	long t0 = tu_now_ms();
	while (count_in(logf, " updated ") < 1 && tu_now_ms() - t0 < DEADLINE_MS)
		usleep(5000);
	ck_assert_int_eq(count_in(logf, " updated "), 1);
	ck_assert(wait_bool(c, 0));
	/* It keeps polling: the next polls find nothing new. */
	while (count_in(logf, " unchanged ") < 2 && tu_now_ms() - t0 < DEADLINE_MS)
		usleep(5000);
	ck_assert_int_ge(count_in(logf, " unchanged "), 2);
	publish("s2");
	ck_assert_msg(wait_bool(c, 1), "the live client never served s2");
	/* An older snapshot now: refused, the node keeps serving s2. */
	publish("s0");
	t0 = tu_now_ms();
	while (count_in(logf, " refused ") < 1 && tu_now_ms() - t0 < DEADLINE_MS)
		usleep(5000);
	ck_assert_int_ge(count_in(logf, " refused "), 1);
	ck_assert(path_holds("s2"));
	ck_assert(rsl_client_bool(c, "new-checkout", NULL, 0));

	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	int status = 0;
	t0 = tu_now_ms();
	while (waitpid(pid, &status, WNOHANG) == 0 && tu_now_ms() - t0 < DEADLINE_MS)
		usleep(5000);
	if (tu_now_ms() - t0 >= DEADLINE_MS) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_abort_msg("rsc agent did not stop on SIGTERM");
	}
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 0);
	rsl_client_free(c);
	rsl_keyring_free(kr);
	only_files(node, 1);
}
END_TEST

/* ------------------------------------------------------------- fetch.h */

START_TEST(fetch_file_tags)
{
	setup("agent-fetch");
	make_snap("s1", 10, 1, "k");
	publish("s1");
	char from[600], err[256];
	snprintf(from, sizeof from, "file://%s", src);
	rsc_fetched f;
	ck_assert_int_eq(rsc_fetch(from, "prod", NULL, 1 << 20, &f, err, sizeof err),
			 RSC_FETCH_NEW);
	ck_assert(f.len > 0 && strncmp(f.tag, "file:", 5) == 0);
	char tag[512];
	snprintf(tag, sizeof tag, "%s", f.tag);
	rsc_fetched_free(&f);
	ck_assert_int_eq(rsc_fetch(from, "prod", tag, 1 << 20, &f, err, sizeof err),
			 RSC_FETCH_UNCHANGED);
	ck_assert_ptr_null(f.data);
	/* over the limit */
	ck_assert_int_eq(rsc_fetch(from, "prod", NULL, 10, &f, err, sizeof err), RSC_FETCH_ERROR);
	ck_assert_msg(strstr(err, "over the limit of 10"), "%s", err);
	/* hostile environment names never reach the path */
	ck_assert_int_eq(rsc_fetch(from, "../x", NULL, 1 << 20, &f, err, sizeof err),
			 RSC_FETCH_ERROR);
	ck_assert_msg(strstr(err, "environment '../x': expected"), "%s", err);
	ck_assert_int_eq(rsc_fetch("http://x/", "prod", NULL, 1 << 20, &f, err, sizeof err),
			 RSC_FETCH_ERROR);
	ck_assert_msg(strstr(err, "unknown source"), "%s", err);
	/* a new file renamed in: a new tag, even at the same size */
	publish("s1");
	ck_assert_int_eq(rsc_fetch(from, "prod", tag, 1 << 20, &f, err, sizeof err),
			 RSC_FETCH_NEW);
	ck_assert_str_ne(f.tag, tag);
	rsc_fetched_free(&f);
}
END_TEST

Suite *agent_suite(void);

Suite *agent_suite(void)
{
	Suite *s = suite_create("agent");
	TCase *tc = tcase_create("once");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, updates_then_unchanged_without_rewrite);
	tcase_add_loop_test(tc, refusals_keep_path, 0, NBAD);
	tcase_add_test(tc, renewal_is_accepted);
	tcase_add_test(tc, truncated_source_never_makes_a_partial_path);
	tcase_add_test(tc, source_down_keeps_path);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, durations);
	suite_add_tcase(s, tc);
	TCase *en = tcase_create("engine");
	tcase_set_timeout(en, 60);
	tcase_add_test(en, conditional_polls_count_and_back_off);
	tcase_add_test(en, jitter_stays_within_bounds);
	tcase_add_test(en, fetch_file_tags);
	suite_add_tcase(s, en);
	TCase *pr = tcase_create("process");
	tcase_set_timeout(pr, 90);
	tcase_add_test(pr, process_serves_a_live_client_and_stops_on_sigterm);
	suite_add_tcase(s, pr);
	return s;
}
