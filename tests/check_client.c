/*
 * check_client.c - the live client (rsl_client): real snapshots compiled by
 * rsc from real git repositories, real files renamed into place, a
 * Kubernetes-style `..data` symlink swap, real threads; and `rsc status`,
 * `rsc watch`.
 */
#include <check.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "client_rcu.h"
#include "rsl.h"
#include "rsl_testing.h"
#include "rfc3339.h"
#include "testutil.h"

static char *T;
static char repo[512], snaps[512], node[512], primary[600], keyf[512],
	pubf[512], key2f[512];
static rsl_keyring *keys;
static long base_time;
/* The version of a snapshot compiled from a root commit made at second t
 * (docs/snapshot-format.md). */
#define V(t) ((uint64_t)(t) * 1024u)

/* ------------------------------------------------------------- events */

typedef struct logged {
	char name[64];
	int code;
	char message[400];
} logged;

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static logged events[512];
static int nevents;

static void on_event(const rsl_client_event *ev, void *user)
{
	(void)user;
	pthread_mutex_lock(&log_lock);
	if (nevents < (int)(sizeof events / sizeof events[0])) {
		logged *l = &events[nevents++];
		snprintf(l->name, sizeof l->name, "%s", ev->name);
		l->code = ev->code;
		snprintf(l->message, sizeof l->message, "%s", ev->message);
	}
	pthread_mutex_unlock(&log_lock);
}

static int count_events(const char *name)
{
	int n = 0;
	pthread_mutex_lock(&log_lock);
	for (int i = 0; i < nevents; i++)
		n += strcmp(events[i].name, name) == 0;
	pthread_mutex_unlock(&log_lock);
	return n;
}

static logged last_event(const char *name)
{
	logged l = { "", 0, "" };
	pthread_mutex_lock(&log_lock);
	for (int i = 0; i < nevents; i++)
		if (strcmp(events[i].name, name) == 0)
			l = events[i];
	pthread_mutex_unlock(&log_lock);
	return l;
}

/* ------------------------------------------------------------ snapshots */

/* Snapshot k: alpha = beta = "gen-k", gen = k, flip = (k odd), vip = (plan
 * is enterprise).  Each file
 * is handed to emit(u, relative path, text). */
typedef void emit_fn(void *u, const char *rel, const char *text);

static void ruleset_files(int k, const char *ttl, emit_fn *emit, void *u)
{
	char buf[512];
	snprintf(buf, sizeof buf, "environments: [prod, staging]\n%s%s%s",
		 ttl ? "settings:\n  snapshot_ttl: " : "", ttl ? ttl : "", ttl ? "\n" : "");
	emit(u, "rulestead.yaml", buf);
	const char *names[] = { "alpha", "beta" };
	for (int i = 0; i < 2; i++) {
		char rel[64];
		snprintf(buf, sizeof buf, "key: %s\ndescription: d\nowner: o\ntype: string\n"
			 "variants:\n  cur: \"gen-%d\"\n  none: \"none\"\noff_variant: none\n",
			 names[i], k);
		snprintf(rel, sizeof rel, "%s.yaml", names[i]);
		emit(u, rel, buf);
		snprintf(rel, sizeof rel, "environments/prod/%s.yaml", names[i]);
		emit(u, rel, "enabled: true\ndefault: cur\n");
		snprintf(rel, sizeof rel, "environments/staging/%s.yaml", names[i]);
		emit(u, rel, "enabled: true\ndefault: cur\n");
	}
	snprintf(buf, sizeof buf, "key: gen\ndescription: d\nowner: o\ntype: integer\n"
		 "variants:\n  cur: %d\n  zero: 0\noff_variant: zero\n", k);
	emit(u, "gen.yaml", buf);
	emit(u, "environments/prod/gen.yaml", "enabled: true\ndefault: cur\n");
	emit(u, "flip.yaml", "key: flip\ndescription: d\nowner: o\n");
	emit(u, "environments/prod/flip.yaml",
	     k % 2 ? "enabled: true\ndefault: on\n" : "enabled: true\ndefault: off\n");
	emit(u, "vip.yaml", "key: vip\ndescription: d\nowner: o\n");
	emit(u, "environments/prod/vip.yaml",
	     "enabled: true\nrules:\n  - name: enterprise\n    when:\n"
	     "      attribute: plan\n      eq: enterprise\n    serve: on\ndefault: off\n");
}

static void emit_file(void *u, const char *rel, const char *text)
{
	tu_write(u, rel, text);
}

static void write_ruleset(int k, const char *ttl)
{
	ruleset_files(k, ttl, emit_file, repo);
}

/* Commits snapshot k at base_time + when and compiles it, for env, signed
 * with key, into snaps/<name>.rsnap. */
static void compile_as(const char *name, int k, long when, const char *ttl,
		       const char *env, const char *key)
{
	/* Each snapshot from a commit with no parent, so that its version is
	 * V(base_time + when) whatever was committed before: the rollback and
	 * replay fixtures need older and equal versions. */
	static int orphans;
	ck_assert_int_eq(tu_sh("git -C '%s' checkout -q --orphan snap-%d", repo, ++orphans), 0);
	write_ruleset(k, ttl);
	tu_git_commit(repo, name, base_time + when);
	ck_assert_int_eq(tu_sh("%s compile --root '%s' "
			       "--rev HEAD --key '%s' --env %s --out '%s/%s.d' && mv '%s/%s.d/%s.rsnap' '%s/%s.rsnap'",
			       RSC_BIN, repo, key, env, snaps, name, snaps, name, env,
			       snaps, name), 0);
}

static void compile_snapshot(const char *name, int k, long when)
{
	compile_as(name, k, when, NULL, "prod", keyf);
}

static void snap_path(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s.rsnap", snaps, name);
}

/* Publishes like a sync tool should: a new file renamed into place. */
static void publish_to(const char *dst, const char *name)
{
	char src[1200], tmp[1200];
	snap_path(src, sizeof src, name);
	snprintf(tmp, sizeof tmp, "%s.incoming", dst);
	size_t n;
	char *bytes = tu_read(src, &n);
	ck_assert_ptr_nonnull(bytes);
	FILE *f = fopen(tmp, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(bytes, 1, n, f), n);
	fclose(f);
	free(bytes);
	ck_assert_int_eq(chmod(tmp, 0644), 0);
	ck_assert_int_eq(rename(tmp, dst), 0);
}

static void publish(const char *name)
{
	publish_to(primary, name);
}

static void setup(const char *test)
{
	T = tu_tmpdir(test);
	snprintf(repo, sizeof repo, "%s/repo", T);
	snprintf(snaps, sizeof snaps, "%s/snaps", T);
	snprintf(node, sizeof node, "%s/node", T);
	snprintf(primary, sizeof primary, "%s/prod.rsnap", node);
	snprintf(keyf, sizeof keyf, "%s/k.key", T);
	snprintf(pubf, sizeof pubf, "%s/k.pub", T);
	snprintf(key2f, sizeof key2f, "%s/k2.key", T);
	ck_assert_int_eq(tu_sh("mkdir -p '%s' '%s' '%s' && %s keygen --out '%s/k' >/dev/null && "
			       "%s keygen --out '%s/k2' >/dev/null", repo, snaps, node,
			       RSC_BIN, T, RSC_BIN, T), 0);
	tu_git_init(repo);
	rsl_keyring_free(keys);
	ck_assert_int_eq(rsl_keyring_new(&keys), RSL_OK);
	rsl_error e;
	ck_assert_int_eq(rsl_keyring_add_pem_file(keys, pubf, &e), RSL_OK);
	base_time = (long)time(NULL) - 100000;
	nevents = 0;
}

static rsl_client *new_client(unsigned flags, const char *backup)
{
	rsl_client_options o = RSL_CLIENT_OPTIONS_INIT;
	o.keys = keys;
	o.environment = "prod";
	o.flags = flags;
	o.backup_path = backup;
	o.poll_interval_ms = 100;
	o.on_event = on_event;
	rsl_client *c = NULL;
	rsl_error e;
	ck_assert_int_eq(rsl_client_new(&c, primary, &o, &e), RSL_OK);
	return c;
}

static const char *alpha(rsl_client *c)
{
	static char buf[64];
	rsl_client_string(buf, sizeof buf, c, "alpha", NULL, "fallback");
	return buf;
}

/* How long a test waits for a reload before it fails: far more than a
 * reload takes (the clients poll every 100 ms, and inotify is at once), so
 * that a loaded machine does not fail a test that works. */
#define RELOAD_DEADLINE_MS 10000

/* Milliseconds until alpha reads want, or -1 after limit_ms. */
static long wait_alpha(rsl_client *c, const char *want, long limit_ms)
{
	long t0 = tu_now_ms();
	while (tu_now_ms() - t0 <= limit_ms) {
		if (strcmp(alpha(c), want) == 0)
			return tu_now_ms() - t0;
		usleep(2000);
	}
	return -1;
}

/* The number of events called name once it reaches n, or what it is after
 * limit_ms: the watching thread delivers an event after it has published
 * the snapshot, so a reader may see the snapshot first. */
static int wait_events(const char *name, int n, long limit_ms)
{
	long t0 = tu_now_ms();
	while (count_events(name) < n && tu_now_ms() - t0 <= limit_ms)
		usleep(2000);
	return count_events(name);
}

/* --------------------------------------------------------------- reloads */

START_TEST(new_snapshot_served_after_a_rename)
{
	setup("client-reload");
	compile_snapshot("s1", 1, 10);
	compile_snapshot("s2", 2, 20);
	publish("s1");
	rsl_client *c = new_client(0, NULL);
	ck_assert_str_eq(alpha(c), "gen-1");
	publish("s2");
	long ms = wait_alpha(c, "gen-2", RELOAD_DEADLINE_MS);
	ck_assert_msg(ms >= 0, "gen-2 not served within 10 s");
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_str_eq(st.watch, "inotify");
	ck_assert_uint_eq(st.version, V(base_time + 20));
	ck_assert_str_eq(st.environment, "prod");
	ck_assert_str_eq(st.last_outcome, "accepted");
	ck_assert_uint_eq(st.reloads_accepted, 2);
	ck_assert_uint_eq(st.reloads_refused, 0);
	ck_assert_int_eq(st.ready, 1);
	ck_assert_int_eq(st.stale, 0);
	ck_assert_int_eq(wait_events(RSL_EVENT_ACCEPTED, 2, RELOAD_DEADLINE_MS), 2);
	rsl_client_free(c);
}
END_TEST

START_TEST(poll_only_follows_a_rename)
{
	setup("client-poll");
	compile_snapshot("s1", 1, 10);
	compile_snapshot("s2", 2, 20);
	publish("s1");
	rsl_client *c = new_client(RSL_CLIENT_POLL_ONLY, NULL);
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_str_eq(st.watch, "poll");
	publish("s2");
	ck_assert_msg(wait_alpha(c, "gen-2", RELOAD_DEADLINE_MS) >= 0,
		      "gen-2 not served within 10 s");
	rsl_client_free(c);
}
END_TEST

START_TEST(refresh_serves_at_once)
{
	setup("client-refresh");
	compile_snapshot("s1", 1, 10);
	compile_snapshot("s2", 2, 20);
	publish("s1");
	rsl_client *c = new_client(RSL_CLIENT_NO_THREAD, NULL);
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_str_eq(st.watch, "none");
	publish("s2");
	usleep(200000);
	ck_assert_str_eq(alpha(c), "gen-1"); /* no thread: nothing happens alone */
	rsl_error e;
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_OK);
	ck_assert_str_eq(alpha(c), "gen-2");
	/* Refreshing the same file again is not a reload. */
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_OK);
	rsl_client_status_get(&st, c);
	ck_assert_str_eq(st.last_outcome, "accepted");
	ck_assert_uint_eq(st.reloads_accepted, 2);
	/* A refusal, then the served content back: the refusal is over. */
	ck_assert_int_eq(tu_sh("echo junk > '%s.t' && chmod 644 '%s.t' && mv '%s.t' '%s'",
			       primary, primary, primary, primary), 0);
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_EFORMAT);
	publish("s2");
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_OK);
	rsl_client_status_get(&st, c);
	ck_assert_str_eq(st.last_outcome, "unchanged");
	ck_assert_str_eq(st.last_error, "");
	ck_assert_uint_eq(st.reloads_accepted, 2);
	ck_assert_uint_eq(st.reloads_refused, 1);
	rsl_client_free(c);
}
END_TEST

START_TEST(kubernetes_symlink_swap)
{
	setup("client-k8s");
	compile_snapshot("s1", 1, 10);
	compile_snapshot("s2", 2, 20);
	/* A ConfigMap volume: prod.rsnap -> ..data/prod.rsnap, ..data -> ..<ts>. */
	char d1[1200], d2[1200];
	snprintf(d1, sizeof d1, "%s/..2026_11_22_10_00_00.000000001", node);
	snprintf(d2, sizeof d2, "%s/..2026_11_22_10_05_00.000000002", node);
	ck_assert_int_eq(tu_sh("mkdir '%s' && cd '%s' && ln -s '%s' ..data && "
			       "ln -s ..data/prod.rsnap prod.rsnap", d1, node, strrchr(d1, '/') + 1), 0);
	char in1[1300];
	snprintf(in1, sizeof in1, "%s/prod.rsnap", d1);
	publish_to(in1, "s1");
	rsl_client *c = new_client(0, NULL);
	ck_assert_str_eq(alpha(c), "gen-1");
	/* The kubelet's atomic writer: new directory, new ..data_tmp symlink
	 * renamed over ..data, old directory removed. */
	ck_assert_int_eq(tu_sh("mkdir '%s'", d2), 0);
	char in2[1300];
	snprintf(in2, sizeof in2, "%s/prod.rsnap", d2);
	publish_to(in2, "s2");
	ck_assert_int_eq(tu_sh("cd '%s' && ln -s '%s' ..data_tmp && mv -T ..data_tmp ..data && "
			       "rm -rf '%s'", node, strrchr(d2, '/') + 1, d1), 0);
	ck_assert_msg(wait_alpha(c, "gen-2", RELOAD_DEADLINE_MS) >= 0,
		      "the ..data swap was not followed");
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_uint_eq(st.version, V(base_time + 20));
	rsl_client_free(c);
}
END_TEST

/* ------------------------------------------------------------- refusals */

/* Each refusal: served s1 (version +20), then a bad file; s1 keeps serving
 * and the reason is reported by refresh, the status and an event. */
enum { BAD_CORRUPT, BAD_GARBAGE, BAD_ALTERED, BAD_KEY, BAD_ENV, BAD_OLDER,
       BAD_REPLAY, BAD_MISSING, BAD_UNSAFE, NBAD };

START_TEST(refusals_keep_serving)
{
	setup("client-refuse");
	compile_snapshot("s1", 1, 20);
	publish("s1");
	rsl_client *c = new_client(RSL_CLIENT_NO_THREAD, NULL);
	ck_assert_str_eq(alpha(c), "gen-1");
	int code = 0;
	const char *want = NULL;
	char buf[1300], wantbuf[1400];
	int quoted = 0; /* the file's own checks (rsl_open's): the path in quotes */
	switch (_i) {
	case BAD_CORRUPT:
		compile_snapshot("s2", 2, 30);
		snap_path(buf, sizeof buf, "s2");
		ck_assert_int_eq(tu_sh("head -c 100 '%s' > '%s.t' && chmod 644 '%s.t' && "
				       "mv '%s.t' '%s'", buf, primary, primary, primary, primary), 0);
		code = RSL_EFORMAT;
		want = "not a COSE_Sign1 snapshot";
		break;
	case BAD_GARBAGE:
		ck_assert_int_eq(tu_sh("echo garbage > '%s.t' && chmod 644 '%s.t' && mv '%s.t' '%s'",
				       primary, primary, primary, primary), 0);
		code = RSL_EFORMAT;
		want = "begins with 0x67, not tag 18";
		break;
	case BAD_ALTERED: {
		compile_snapshot("s2", 2, 30);
		snap_path(buf, sizeof buf, "s2");
		size_t n;
		char *bytes = tu_read(buf, &n);
		bytes[n - 1] ^= 1; /* the last byte of the signature */
		FILE *f = fopen(buf, "wb");
		fwrite(bytes, 1, n, f);
		fclose(f);
		free(bytes);
		publish("s2");
		code = RSL_ESIGNATURE;
		want = "does not verify";
		break;
	}
	case BAD_KEY:
		compile_as("s2", 2, 30, NULL, "prod", key2f);
		publish("s2");
		code = RSL_EKEY;
		want = "no trusted key has key id";
		break;
	case BAD_ENV:
		compile_as("s2", 2, 30, NULL, "staging", keyf);
		publish("s2");
		code = RSL_EENV;
		want = "snapshot is for 'staging', expected 'prod'";
		break;
	case BAD_OLDER:
		compile_snapshot("s0", 0, 10);
		publish("s0");
		code = RSL_EROLLBACK;
		want = "is older than the served";
		break;
	case BAD_REPLAY:
		compile_snapshot("s1b", 7, 20); /* same version (commit time), other content */
		publish("s1b");
		code = RSL_EREPLAY;
		want = "is already served with different content";
		break;
	case BAD_MISSING:
		ck_assert_int_eq(tu_sh("ln -sf nowhere '%s.t' && mv -T '%s.t' '%s'", primary,
				       primary, primary), 0);
		code = RSL_EIO;
		snprintf(wantbuf, sizeof wantbuf, "cannot open '%s': No such file or directory",
			 primary);
		want = wantbuf;
		quoted = 1;
		break;
	case BAD_UNSAFE:
		compile_snapshot("s2", 2, 30);
		publish("s2");
		ck_assert_int_eq(chmod(primary, 0666), 0);
		code = RSL_EUNSAFE;
		snprintf(wantbuf, sizeof wantbuf, "'%s': snapshot is writable by group or "
			 "others (mode 0666)", primary);
		want = wantbuf;
		quoted = 1;
		break;
	}
	rsl_error e;
	ck_assert_int_eq(rsl_client_refresh(c, &e), code);
	ck_assert_int_eq(e.code, code);
	ck_assert_msg(strstr(e.message, want), "message '%s' lacks '%s'", e.message, want);
	if (!quoted)
		ck_assert_msg(strncmp(e.message, primary, strlen(primary)) == 0 &&
			      e.message[strlen(primary)] == ':',
			      "message '%s' does not name the file", e.message);
	ck_assert_str_eq(alpha(c), "gen-1");
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_str_eq(st.last_outcome, "refused");
	ck_assert_int_eq(st.last_code, code);
	ck_assert_str_eq(st.last_error, e.message);
	ck_assert_uint_eq(st.reloads_refused, 1);
	ck_assert_uint_eq(st.version, V(base_time + 20));
	ck_assert_int_eq(st.ready, 1);
	logged ev = last_event(RSL_EVENT_REFUSED);
	ck_assert_int_eq(ev.code, code);
	ck_assert_str_eq(ev.message, e.message);
	/* The same bad file again is not a new refusal. */
	ck_assert_int_eq(rsl_client_refresh(c, &e), code);
	rsl_client_status_get(&st, c);
	ck_assert_uint_eq(st.reloads_refused, 1);
	ck_assert_int_eq(count_events(RSL_EVENT_REFUSED), 1);
	rsl_client_free(c);
}
END_TEST

START_TEST(rollback_override_is_loud)
{
	setup("client-override-rollback");
	compile_snapshot("s1", 1, 20);
	compile_snapshot("s0", 0, 10);
	publish("s1");
	rsl_client *c = new_client(RSL_CLIENT_NO_THREAD | RSL_CLIENT_ALLOW_ROLLBACK, NULL);
	publish("s0");
	rsl_error e;
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_OK);
	ck_assert_str_eq(alpha(c), "gen-0");
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_int_eq(st.rollback_override, 1);
	ck_assert_uint_eq(st.version, V(base_time + 10));
	logged ev = last_event(RSL_EVENT_ROLLBACK_OVERRIDE);
	ck_assert_int_eq(ev.code, RSL_EROLLBACK);
	ck_assert_msg(strstr(ev.message, "OPERATOR OVERRIDE"), "%s", ev.message);
	rsl_client_free(c);
}
END_TEST

/* ---------------------------------------------------- backup and startup */

START_TEST(start_from_backup)
{
	setup("client-backup");
	compile_snapshot("s1", 1, 10);
	compile_snapshot("s2", 2, 20);
	char backup[1200], s1[1200];
	snprintf(backup, sizeof backup, "%s/backup/prod.rsnap", T);
	ck_assert_int_eq(tu_sh("mkdir -p '%s/backup'", T), 0);
	publish("s1");
	rsl_client *c = new_client(RSL_CLIENT_NO_THREAD, backup);
	rsl_client_free(c);
	/* The backup holds exactly the accepted bytes, not group-writable. */
	snap_path(s1, sizeof s1, "s1");
	size_t n1, nb;
	char *b1 = tu_read(s1, &n1), *bb = tu_read(backup, &nb);
	ck_assert_ptr_nonnull(bb);
	ck_assert_uint_eq(n1, nb);
	ck_assert_int_eq(memcmp(b1, bb, n1), 0);
	free(b1);
	free(bb);
	struct stat st_b;
	ck_assert_int_eq(stat(backup, &st_b), 0);
	ck_assert_int_eq(st_b.st_mode & 022, 0);

	/* The node restarts before distribution delivered anything. */
	ck_assert_int_eq(unlink(primary), 0);
	nevents = 0;
	c = new_client(0, backup);
	ck_assert_str_eq(alpha(c), "gen-1");
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_int_eq(st.from_backup, 1);
	ck_assert_int_eq(st.ready, 1);
	ck_assert_str_eq(st.last_outcome, "refused"); /* the primary is missing */
	ck_assert_int_eq(st.last_code, RSL_EIO);
	logged ev = last_event(RSL_EVENT_ACCEPTED);
	ck_assert_msg(strstr(ev.message, "(from the backup)"), "%s", ev.message);
	/* Distribution catches up. */
	publish("s2");
	ck_assert_msg(wait_alpha(c, "gen-2", RELOAD_DEADLINE_MS) >= 0,
		      "gen-2 not served within 10 s");
	rsl_client_status_get(&st, c);
	ck_assert_int_eq(st.from_backup, 0);
	rsl_client_free(c);
	char s2[1200];
	snap_path(s2, sizeof s2, "s2");
	b1 = tu_read(s2, &n1);
	bb = tu_read(backup, &nb);
	ck_assert_uint_eq(n1, nb);
	ck_assert_int_eq(memcmp(b1, bb, n1), 0);
	free(b1);
	free(bb);

	/* The backup is a floor: an older primary at start is a rollback. */
	publish("s1");
	c = new_client(RSL_CLIENT_NO_THREAD, backup);
	ck_assert_str_eq(alpha(c), "gen-2");
	rsl_client_status_get(&st, c);
	ck_assert_int_eq(st.last_code, RSL_EROLLBACK);
	rsl_client_free(c);
}
END_TEST

START_TEST(start_with_nothing_then_recover)
{
	setup("client-nothing");
	compile_snapshot("s1", 1, 10);
	rsl_client_options o = RSL_CLIENT_OPTIONS_INIT;
	o.keys = keys;
	o.poll_interval_ms = 100;
	rsl_client *c = NULL;
	rsl_error e;
	ck_assert_int_eq(rsl_client_new(&c, primary, &o, &e), RSL_OK);
	ck_assert_int_eq(e.code, RSL_EIO);
	char want[1400];
	snprintf(want, sizeof want, "cannot open '%s': No such file or directory", primary);
	ck_assert_str_eq(e.message, want);
	ck_assert_str_eq(alpha(c), "fallback");
	ck_assert_int_eq(rsl_client_bool(c, "flip", NULL, 1), 1);
	rsl_result r;
	rsl_value fb = { RSL_BOOLEAN, 0, 0, 0.0, NULL, 0 };
	rsl_client_evaluate(&r, c, "flip", RSL_BOOLEAN, NULL, &fb);
	ck_assert_int_eq(r.error, RSL_ERR_PROVIDER_NOT_READY);
	ck_assert_int_eq(r.reason, RSL_REASON_ERROR);
	char buf[512];
	rsl_client_explain(buf, sizeof buf, c, "flip", NULL, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "PROVIDER_NOT_READY"), "%s", buf);
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_int_eq(st.ready, 0);
	ck_assert_uint_eq(st.errors, 3);
	ck_assert_uint_eq(st.evaluations, 3);
	publish("s1");
	ck_assert_msg(wait_alpha(c, "gen-1", RELOAD_DEADLINE_MS) >= 0,
		      "did not recover within 10 s");
	ck_assert_int_eq(rsl_client_bool(c, "flip", NULL, 0), 1);
	rsl_client_status_get(&st, c);
	ck_assert_int_eq(st.ready, 1);
	rsl_client_free(c);
}
END_TEST

START_TEST(stale_serves_or_fails_closed)
{
	setup("client-stale");
	compile_as("old", 1, 10, "1h", "prod", keyf); /* issued ~28 h ago */
	publish("old");
	rsl_client *c = new_client(RSL_CLIENT_NO_THREAD, NULL);
	ck_assert_str_eq(alpha(c), "gen-1");
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_int_eq(st.stale, 1);
	ck_assert_int_eq(st.failing_closed, 0);
	ck_assert_int_eq(st.expires_at, base_time + 10 + 3600);
	ck_assert_int_ge(st.age, 100000 - 10);
	logged ev = last_event(RSL_EVENT_STALE);
	char want[256];
	char when[RSL__TIME_MAX];
	rsl__rfc3339_format(when, base_time + 10 + 3600);
	snprintf(want, sizeof want, ": STALE: expired %s (", when);
	ck_assert_msg(strstr(ev.message, want), "%s", ev.message);
	ck_assert_msg(strstr(ev.message, " ago); still serving it, degraded"), "%s", ev.message);
	rsl_client_free(c);

	c = new_client(RSL_CLIENT_NO_THREAD | RSL_CLIENT_FAIL_CLOSED, NULL);
	ck_assert_str_eq(alpha(c), "fallback");
	rsl_result r;
	rsl_client_evaluate(&r, c, "flip", RSL_BOOLEAN, NULL, NULL);
	ck_assert_int_eq(r.error, RSL_ERR_PROVIDER_NOT_READY);
	rsl_client_status_get(&st, c);
	ck_assert_int_eq(st.failing_closed, 1);
	ck_assert_int_eq(st.ready, 0);
	ck_assert_uint_eq(st.version, V(base_time + 10));
	/* A fresh snapshot ends it. */
	compile_snapshot("fresh", 2, 20);
	publish("fresh");
	rsl_error e;
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_OK);
	ck_assert_str_eq(alpha(c), "gen-2");
	rsl_client_status_get(&st, c);
	ck_assert_int_eq(st.failing_closed, 0);
	ck_assert_int_eq(st.stale, 0);
	rsl_client_free(c);
}
END_TEST

/* ------------------------------------------------ evaluation and counters */

START_TEST(typed_calls_and_counters)
{
	setup("client-typed");
	compile_snapshot("s5", 5, 10);
	publish("s5");
	rsl_client *c = new_client(RSL_CLIENT_NO_THREAD, NULL);
	ck_assert_int_eq(rsl_client_int(c, "gen", NULL, -1), 5);
	ck_assert_int_eq(rsl_client_bool(c, "flip", NULL, 0), 1);
	ck_assert(rsl_client_float(c, "nope", NULL, 2.5) == 2.5);
	char small[4];
	ck_assert_uint_eq(rsl_client_string(small, sizeof small, c, "alpha", NULL, "x"), 5);
	ck_assert_str_eq(small, "gen");
	char obj[32];
	ck_assert_uint_eq(rsl_client_object(obj, sizeof obj, c, "alpha", NULL, "{}"), 2);
	ck_assert_str_eq(obj, "{}"); /* a string flag asked as an object */
	const rsl_snapshot *s = rsl_client_hold(c);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(rsl_string(s, "beta", NULL, "x"), "gen-5");
	rsl_error e;
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_EINVAL); /* would wait for itself */
	rsl_client_release(c);
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_uint_eq(st.evaluations, 5);
	ck_assert_uint_eq(st.misses, 1);
	ck_assert_uint_eq(st.errors, 1);
	logged ev = last_event(RSL_EVENT_EVALUATION);
	ck_assert_str_eq(ev.message, "flag not found");
	ck_assert_int_eq(count_events(RSL_EVENT_EVALUATION), 1);
	rsl_client_free(c);
}
END_TEST

/* The rsl_client_prepared_* calls: the decisions, fallbacks, copies and
 * counters of the plain calls, for a prepared context bound or not, across
 * a reload. */
START_TEST(prepared_contexts_through_the_client)
{
	setup("client-prepared");
	compile_snapshot("s5", 5, 10);
	publish("s5");
	rsl_client *c = new_client(RSL_CLIENT_NO_THREAD, NULL);
	rsl_attr ent[] = { RSL_STR("plan", "enterprise") };
	rsl_attr fre[] = { RSL_STR("plan", "free") };
	rsl_context ce = { .targeting_key = "u1", .attrs = ent, .nattrs = 1 };
	rsl_context cf = { .targeting_key = "u2", .attrs = fre, .nattrs = 1 };
	rsl_context bad = { .attrs = NULL, .nattrs = 1 };
	rsl_prepared pe, pf, pbad;
	ck_assert_int_eq(rsl_context_prepare(&pe, &ce, NULL), RSL_OK);
	ck_assert_int_eq(rsl_context_prepare(&pf, &cf, NULL), RSL_OK);
	ck_assert_int_eq(rsl_context_prepare(&pbad, &bad, NULL), RSL_EINVAL);

	/* 1-4: decisions as the plain calls make them; NULL is the empty
	 * context (no plan: off). */
	ck_assert_int_eq(rsl_client_prepared_bool(c, "vip", &pe, 0), 1);
	ck_assert_int_eq(rsl_client_bool(c, "vip", &ce, 0), 1);
	ck_assert_int_eq(rsl_client_prepared_bool(c, "vip", &pf, 1), 0);
	ck_assert_int_eq(rsl_client_prepared_bool(c, "vip", NULL, 1), 0);
	/* 5: bound to the served snapshot. */
	rsl_context_bind(&pe, rsl_client_hold(c));
	rsl_client_release(c);
	ck_assert_int_eq(rsl_client_prepared_bool(c, "vip", &pe, 0), 1);
	/* 6-9: the other types, a miss, a copy cut short, a type mismatch. */
	ck_assert_int_eq(rsl_client_prepared_int(c, "gen", &pe, -1), 5);
	ck_assert(rsl_client_prepared_float(c, "nope", &pe, 2.5) == 2.5);
	char small[4];
	ck_assert_uint_eq(rsl_client_prepared_string(small, sizeof small, c, "alpha", &pf, "x"), 5);
	ck_assert_str_eq(small, "gen");
	char obj[32];
	ck_assert_uint_eq(rsl_client_prepared_object(obj, sizeof obj, c, "alpha", &pf, "{}"), 2);
	ck_assert_str_eq(obj, "{}");
	/* 10: a refused prepared context: the fallback, an error. */
	ck_assert_int_eq(rsl_client_prepared_bool(c, "vip", &pbad, 1), 1);

	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_uint_eq(st.evaluations, 10);
	ck_assert_uint_eq(st.misses, 1);
	ck_assert_uint_eq(st.errors, 2);
	ck_assert_int_eq(count_events(RSL_EVENT_EVALUATION), 1);
	ck_assert_str_eq(last_event(RSL_EVENT_EVALUATION).message, "flag not found");

	/* A reload: pe is bound to the snapshot before it, and still finds
	 * its attribute (by name) in the new one. */
	compile_snapshot("s6", 6, 20);
	publish("s6");
	rsl_error e;
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_OK);
	ck_assert_int_eq(rsl_client_prepared_int(c, "gen", &pe, -1), 6);
	ck_assert_int_eq(rsl_client_prepared_bool(c, "vip", &pe, 0), 1);
	ck_assert_int_eq(rsl_client_prepared_bool(c, "vip", &pf, 1), 0);
	rsl_client_free(c);

	/* No client: the fallback, copied. */
	ck_assert_int_eq(rsl_client_prepared_bool(NULL, "vip", &pe, 1), 1);
	ck_assert_uint_eq(rsl_client_prepared_string(obj, sizeof obj, NULL, "alpha", &pe,
						     "fb"), 2);
	ck_assert_str_eq(obj, "fb");
}
END_TEST

/* ---------------------------------------------------------- test helpers */

START_TEST(testing_helpers)
{
	setup("client-testing");
	rsl_client_options o = RSL_CLIENT_OPTIONS_INIT;
	o.flags = RSL_CLIENT_TESTING;
	rsl_client *c = NULL;
	rsl_error e;
	unsetenv("RSL_TESTING");
	ck_assert_int_eq(rsl_client_new(&c, NULL, &o, &e), RSL_EINVAL);
	ck_assert_str_eq(e.message, "RSL_CLIENT_TESTING needs RSL_TESTING=1 in the "
			 "environment: test helpers are never on in production");
	ck_assert_ptr_null(c);
	setenv("RSL_TESTING", "1", 1);
	/* An in-memory client: values, no keys, no files. */
	ck_assert_int_eq(rsl_client_new(&c, NULL, &o, &e), RSL_OK);
	ck_assert_int_eq(rsl_client_bool(c, "new-checkout", NULL, 0), 0);
	rsl_value on = { RSL_BOOLEAN, 1, 0, 0.0, NULL, 0 };
	ck_assert_int_eq(rsl_client_override_value(c, "new-checkout", &on, &e), RSL_OK);
	ck_assert_int_eq(rsl_client_bool(c, "new-checkout", NULL, 0), 1);
	rsl_result r;
	rsl_client_evaluate(&r, c, "new-checkout", RSL_BOOLEAN, NULL, NULL);
	ck_assert_int_eq(r.reason, RSL_REASON_STATIC);
	ck_assert_str_eq(r.rule_name, "test override");
	ck_assert_int_eq(rsl_client_int(c, "new-checkout", NULL, 9), 9); /* type mismatch */
	rsl_value color = { RSL_STRING, 0, 0, 0.0, "green", 5 };
	ck_assert_int_eq(rsl_client_override_value(c, "color", &color, &e), RSL_OK);
	char buf[16];
	rsl_client_string(buf, sizeof buf, c, "color", NULL, "blue");
	ck_assert_str_eq(buf, "green");
	ck_assert_int_eq(rsl_client_override_value(c, "color", NULL, &e), RSL_OK);
	rsl_client_string(buf, sizeof buf, c, "color", NULL, "blue");
	ck_assert_str_eq(buf, "blue");
	rsl_client_free(c);

	/* A variant override over a real snapshot. */
	compile_snapshot("s1", 1, 10);
	publish("s1");
	rsl_client *p = new_client(RSL_CLIENT_NO_THREAD, NULL);
	ck_assert_int_eq(rsl_client_override(p, "alpha", "none", &e), RSL_EINVAL);
	ck_assert_str_eq(e.message, "test overrides need a client created with RSL_CLIENT_TESTING");
	rsl_client_free(p);
	p = new_client(RSL_CLIENT_NO_THREAD | RSL_CLIENT_TESTING, NULL);
	ck_assert_int_eq(rsl_client_override(p, "alpha", "none", &e), RSL_OK);
	ck_assert_str_eq(alpha(p), "none");
	ck_assert_int_eq(rsl_client_override(p, "alpha", "nosuch", &e), RSL_EINVAL);
	ck_assert_str_eq(e.message, "test override: flag 'alpha' has no variant 'nosuch'");
	ck_assert_int_eq(rsl_client_override(p, "alpha", NULL, &e), RSL_OK);
	ck_assert_str_eq(alpha(p), "gen-1");
	rsl_client_status st;
	rsl_client_status_get(&st, p);
	ck_assert_int_eq(st.testing, 1);
	ck_assert_int_eq(count_events(RSL_EVENT_TEST_OVERRIDE), 2);
	rsl_client_free(p);
}
END_TEST

/* ---------------------------------------------------------------- stress */

#define NSNAP 200
#define NREADERS 4

static atomic_int publishing_done;
static atomic_long bad_results, reads;

static void *reader(void *arg)
{
	rsl_client *c = arg;
	int64_t last_gen = 0;
	long n = 0;
	char a[32], want[32];
	while (!atomic_load(&publishing_done)) {
		/* One call: a value of one published snapshot, never going back. */
		int64_t g = rsl_client_int(c, "gen", NULL, -1);
		if (g < 1 || g > NSNAP || g < last_gen)
			atomic_fetch_add(&bad_results, 1);
		last_gen = g;
		/* Held: several flags of one snapshot agree with each other. */
		const rsl_snapshot *s = rsl_client_hold(c);
		int64_t hg = rsl_int(s, "gen", NULL, -1);
		int flip = rsl_bool(s, "flip", NULL, -1);
		const char *al = rsl_string(s, "alpha", NULL, "?");
		const char *be = rsl_string(s, "beta", NULL, "!");
		snprintf(want, sizeof want, "gen-%lld", (long long)hg);
		if (flip != (int)(hg % 2) || strcmp(al, want) != 0 || strcmp(be, want) != 0)
			atomic_fetch_add(&bad_results, 1);
		if (++n % 1024 == 0) { /* the status while holding: no deadlock */
			rsl_client_status st;
			rsl_client_status_get(&st, c);
			if (st.version == 0)
				atomic_fetch_add(&bad_results, 1);
		}
		rsl_client_release(c);
		rsl_client_string(a, sizeof a, c, "alpha", NULL, "?");
		if (strncmp(a, "gen-", 4) != 0)
			atomic_fetch_add(&bad_results, 1);
		atomic_fetch_add(&reads, 1);
	}
	return NULL;
}

static void emit_inline(void *u, const char *rel, const char *text)
{
	fprintf(u, "M 100644 inline %s\ndata %zu\n%s\n", rel, strlen(text), text);
}

/* The NSNAP snapshots, compiled once per run of the test program and
 * shared by the stress tests (each commit and compilation costs ~50 ms). */
static void stress_snapshots(void)
{
	char rsc[PATH_MAX], marker[700], shared[460];
	ck_assert_ptr_nonnull(realpath(RSC_BIN, rsc));
	const char *nofork = getenv("CK_FORK");
	long runner = nofork && strcmp(nofork, "no") == 0 ? (long)getpid() : (long)getppid();
	ck_assert_ptr_nonnull(getcwd(shared, 400));
	strcat(shared, "/tests/tmp/client-stress-shared");
	snprintf(marker, sizeof marker, "%s/done-%ld", shared, runner);
	char *done = tu_read(marker, NULL);
	if (!done) {
		char *dir = tu_tmpdir("client-stress-shared");
		snprintf(repo, sizeof repo, "%s/repo", dir);
		snprintf(snaps, sizeof snaps, "%s/snaps", dir);
		snprintf(keyf, sizeof keyf, "%s/k.key", dir);
		ck_assert_int_eq(tu_sh("mkdir -p '%s' '%s' && %s keygen --out '%s/k' >/dev/null",
				       repo, snaps, rsc, dir), 0);
		tu_git_init(repo);
		/* The commits in one git fast-import stream, then the compilations
		 * in parallel. */
		char stream[700];
		snprintf(stream, sizeof stream, "%s/stream", dir);
		FILE *f = fopen(stream, "w");
		ck_assert_ptr_nonnull(f);
		for (int k = 1; k <= NSNAP; k++) {
			fprintf(f, "commit refs/heads/main\n"
				"author Test Author <author@example.com> %ld +0000\n"
				"committer Test Author <author@example.com> %ld +0000\n"
				"data %d\ns%d\ndeleteall\n", base_time + k, base_time + k,
				snprintf(NULL, 0, "s%d", k) + 1, k);
			ruleset_files(k, NULL, emit_inline, f);
			fputc('\n', f);
		}
		fclose(f);
		char script[20000];
		snprintf(script, sizeof script,
			 "cd '%s' && git fast-import --quiet < '%s' && "
			 "git log --reverse --format='%%H %%s' main | xargs -P 4 -L 1 sh -c "
			 "'%s compile --rev \"$0\" --key %s --env prod --out %s/$1.d >/dev/null && "
			 "mv %s/$1.d/prod.rsnap %s/$1.rsnap'",
			 repo, stream, rsc, keyf, snaps, snaps, snaps);
		ck_assert_int_eq(tu_sh("%s", script), 0);
		tu_write(dir, strrchr(marker, '/') + 1, "done\n");
	}
	free(done);
	snprintf(snaps, sizeof snaps, "%s/snaps", shared);
	snprintf(pubf, sizeof pubf, "%s/k.pub", shared);
	rsl_keyring_free(keys);
	rsl_error e;
	ck_assert_int_eq(rsl_keyring_new(&keys), RSL_OK);
	ck_assert_int_eq(rsl_keyring_add_pem_file(keys, pubf, &e), RSL_OK);
}

static void stress(const char *name)
{
	setup(name);
	stress_snapshots();
	atomic_store(&bad_results, 0);
	atomic_store(&reads, 0);
	publish("s1");
	rsl_client *c = new_client(0, NULL);
	ck_assert_int_eq(rsl_client_int(c, "gen", NULL, -1), 1);
	atomic_store(&publishing_done, 0);
	pthread_t th[NREADERS];
	for (int i = 0; i < NREADERS; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, reader, c), 0);
	for (int k = 2; k <= NSNAP; k++) {
		char n[16];
		snprintf(n, sizeof n, "s%d", k);
		publish(n);
		if (k % 3 == 0) { /* the application refreshing too, racing the thread */
			rsl_error e;
			ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_OK);
		}
		usleep(1000);
	}
	rsl_error e;
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_OK);
	usleep(50000);
	atomic_store(&publishing_done, 1);
	for (int i = 0; i < NREADERS; i++)
		pthread_join(th[i], NULL);
	ck_assert_int_eq(atomic_load(&bad_results), 0);
	ck_assert_int_gt(atomic_load(&reads), 1000);
	ck_assert_int_eq(rsl_client_int(c, "gen", NULL, -1), NSNAP);
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_uint_eq(st.reloads_refused, 0);
	/* The watcher may merge quick renames into one reload; every third file
	 * is refreshed explicitly, so at least those are accepted. */
	ck_assert_uint_ge(st.reloads_accepted, NSNAP / 3);
	ck_assert_uint_eq(st.evaluations, (uint64_t)atomic_load(&reads) * 2 + 2);
	rsl_client_free(c);
}

START_TEST(stress_consistent_snapshots)
{
	stress("client-stress");
}
END_TEST

START_TEST(stress_consistent_snapshots_with_fences)
{
	setenv("RSL_MEMBARRIER", "0", 1); /* readers fence themselves */
	stress("client-stress-fences");
}
END_TEST

/* ------------------------------------------------------------------ CLI */

START_TEST(cli_status)
{
	setup("client-cli-status");
	compile_snapshot("s1", 1, 10);
	publish("s1");
	char *out = NULL, *err = NULL;
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "%s status --pub '%s' --env prod '%s'", RSC_BIN, pubf, primary);
	ck_assert_int_eq(tu_run(cmd, &out, &err), 0);
	char want[1400];
	snprintf(want, sizeof want, "%s: accepted\n  version      %llu\n", primary,
		 (unsigned long long)V(base_time + 10));
	ck_assert_msg(strstr(out, want), "%s", out);
	ck_assert_msg(strstr(out, "  environment  prod\n"), "%s", out);
	ck_assert_msg(strstr(out, "  freshness    does not expire\n"), "%s", out);
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s status --pub '%s' --env staging '%s'", RSC_BIN, pubf, primary);
	ck_assert_int_eq(tu_run(cmd, &out, &err), 1);
	snprintf(want, sizeof want, "refused (RSL_EENV): %s: snapshot is for 'prod', "
		 "expected 'staging'\n", primary);
	ck_assert_str_eq(out, want);
	free(out);
	free(err);
	compile_as("old", 2, 20, "1h", "prod", keyf);
	publish("old");
	snprintf(cmd, sizeof cmd, "%s status --pub '%s' '%s'", RSC_BIN, pubf, primary);
	ck_assert_int_eq(tu_run(cmd, &out, &err), 1);
	ck_assert_msg(strstr(out, "  freshness    STALE: expired "), "%s", out);
	free(out);
	free(err);
	snprintf(cmd, sizeof cmd, "%s status --pub '%s' '%s/none.rsnap'", RSC_BIN, pubf, node);
	ck_assert_int_eq(tu_run(cmd, &out, &err), 3);
	free(out);
	free(err);
}
END_TEST

START_TEST(cli_watch)
{
	setup("client-cli-watch");
	compile_snapshot("s1", 1, 10);
	compile_snapshot("s2", 2, 20);
	compile_snapshot("s0", 0, 5);
	publish("s1");
	char s2[1200], s0[1200];
	snap_path(s2, sizeof s2, "s2");
	snap_path(s0, sizeof s0, "s0");
	char *out = NULL, *err = NULL;
	char cmd[16384];
	/* Each file is published once watch has printed the previous one's
	 * decision, the line after its outcome (each step waits at most 10 s):
	 * no guess at how long the watch takes to start or to reload, and no
	 * newer file served before the older one's decision is printed. */
	snprintf(cmd, sizeof cmd,
		 "o='%s/watch.out'; { %s watch --pub '%s' '%s' --env prod --flag alpha "
		 "targeting_key=u1 --max-events 3 --timeout 60 >\"$o\" & w=$!; }; "
		 "seen() { i=0; until [ \"$(grep -c '   alpha ' \"$o\")\" -ge $1 ]; do "
		 "i=$((i+1)); if [ $i -ge 200 ]; then kill $w; cat \"$o\"; exit 9; fi; "
		 "sleep 0.05; done; }; "
		 "seen 1 && cp '%s' '%s.t' && mv '%s.t' '%s' && "
		 "seen 2 && cp '%s' '%s.t' && mv '%s.t' '%s' && wait $w && cat \"$o\"",
		 T, RSC_BIN, pubf, primary, s2, primary, primary, primary,
		 s0, primary, primary, primary);
	int rc = tu_run(cmd, &out, &err);
	ck_assert_msg(rc == 0, "exit %d (9: a decision not printed within 10 s): %s%s", rc,
		      out, err);
	char want[1400];
	const char *p = strstr(out, " accepted ");
	ck_assert_msg(p, "%s", out);
	snprintf(want, sizeof want, "accepted %s: serving version %llu", primary,
		 (unsigned long long)V(base_time + 10));
	ck_assert_msg(strstr(out, want), "%s", out);
	ck_assert_msg(strstr(out, "   alpha = \"gen-1\" (variant cur, STATIC"), "%s", out);
	snprintf(want, sizeof want, "accepted %s: serving version %llu", primary,
		 (unsigned long long)V(base_time + 20));
	ck_assert_msg(strstr(out, want), "%s", out);
	ck_assert_msg(strstr(out, "   alpha = \"gen-2\" (variant cur, STATIC"), "%s", out);
	ck_assert_msg(strstr(out, " refused RSL_EROLLBACK: "), "%s", out);
	ck_assert_msg(strstr(strstr(out, "gen-2"), "refused") != NULL, "order: %s", out);
	free(out);
	free(err);
}
END_TEST

/* ------------------------------------------------------------ robustness */

/* Every evaluation call takes a NULL client: the fallback, not ready. */
START_TEST(null_client_serves_fallbacks)
{
	rsl_context ctx;
	memset(&ctx, 0, sizeof ctx);
	ck_assert_int_eq(rsl_client_bool(NULL, "flip", &ctx, 1), 1);
	ck_assert_int_eq(rsl_client_int(NULL, "gen", NULL, -7), -7);
	ck_assert(rsl_client_float(NULL, "f", NULL, 2.5) == 2.5);
	char buf[512];
	ck_assert_uint_eq(rsl_client_string(buf, sizeof buf, NULL, "alpha", NULL, "fb"), 2);
	ck_assert_str_eq(buf, "fb");
	ck_assert_uint_eq(rsl_client_object(buf, sizeof buf, NULL, "o", NULL, "{}"), 2);
	ck_assert_str_eq(buf, "{}");
	rsl_result r;
	rsl_value fb = { RSL_BOOLEAN, 1, 0, 0.0, NULL, 0 };
	ck_assert_int_eq(rsl_client_evaluate(&r, NULL, "flip", RSL_BOOLEAN, NULL, &fb), 0);
	ck_assert_int_eq(r.error, RSL_ERR_PROVIDER_NOT_READY);
	ck_assert_int_eq(r.reason, RSL_REASON_ERROR);
	ck_assert_int_eq(r.value.b, 1);
	ctx.strict = 1;
	ck_assert_int_eq(rsl_client_evaluate(&r, NULL, "flip", RSL_BOOLEAN, &ctx, &fb), RSL_ESTRICT);
	rsl_client_explain(buf, sizeof buf, NULL, "flip", NULL, RSL_EXPLAIN_TEXT);
	ck_assert_msg(strstr(buf, "no snapshot") && strstr(buf, "PROVIDER_NOT_READY"), "%s", buf);
	ck_assert_ptr_null(rsl_client_hold(NULL));
	rsl_client_release(NULL);
}
END_TEST

/* Holding any client and creating one would wait for the caller itself. */
START_TEST(new_client_while_holding_is_refused)
{
	setup("client-hold-new");
	compile_snapshot("s1", 1, 10);
	publish("s1");
	rsl_client *c = new_client(RSL_CLIENT_NO_THREAD, NULL);
	ck_assert_ptr_nonnull(rsl_client_hold(c));
	rsl_client_options o = RSL_CLIENT_OPTIONS_INIT;
	o.keys = keys;
	o.flags = RSL_CLIENT_NO_THREAD;
	rsl_client *d = (rsl_client *)1;
	rsl_error e;
	alarm(10); /* a deadlock fails the test instead of hanging it */
	ck_assert_int_eq(rsl_client_new(&d, primary, &o, &e), RSL_EINVAL);
	ck_assert_ptr_null(d);
	ck_assert_str_eq(e.message, "rsl_client_new: the calling thread holds a client "
			 "(rsl_client_hold) and would wait for itself");
	rsl_client_release(c);
	ck_assert_int_eq(rsl_client_new(&d, primary, &o, &e), RSL_OK);
	alarm(0);
	rsl_client_free(d);
	rsl_client_free(c);
}
END_TEST

/* Freshness renewed without a commit: the same commit compiled a day
 * later with --issued-at is accepted by a client serving the original,
 * clears STALE and changes no decision; an older issue of it, and a
 * different ruleset at the same version, are still refused. */
START_TEST(renewal_clears_stale_and_changes_nothing)
{
	setup("client-renewal");
	compile_as("orig", 1, 10, "1h", "prod", keyf); /* issued ~28 h ago: stale */
	publish("orig");
	rsl_client *c = new_client(RSL_CLIENT_NO_THREAD, NULL);
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_int_eq(st.stale, 1);
	uint64_t version = st.version;
	ck_assert_str_eq(alpha(c), "gen-1");
	ck_assert_int_eq(rsl_client_int(c, "gen", NULL, -1), 1);
	ck_assert_int_eq(rsl_client_bool(c, "flip", NULL, 0), 1);

	/* The renewal job: the same HEAD, issued now. */
	ck_assert_int_eq(tu_sh("%s compile --root '%s' --rev HEAD --key '%s' --env prod "
			       "--issued-at now --out '%s/renew.d' >/dev/null && "
			       "mv '%s/renew.d/prod.rsnap' '%s/renew.rsnap'",
			       RSC_BIN, repo, keyf, snaps, snaps, snaps), 0);
	publish("renew");
	rsl_error e;
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_OK);
	rsl_client_status_get(&st, c);
	ck_assert_int_eq(st.stale, 0);
	ck_assert_uint_eq(st.version, version);
	ck_assert_str_eq(st.last_outcome, "accepted");
	ck_assert_int_ge(st.issued_at, (int64_t)time(NULL) - 60);
	logged ev = last_event(RSL_EVENT_ACCEPTED);
	ck_assert_msg(strstr(ev.message, " (a renewal: the same rules, issued later)"), "%s",
		      ev.message);
	ck_assert_str_eq(alpha(c), "gen-1");
	ck_assert_int_eq(rsl_client_int(c, "gen", NULL, -1), 1);
	ck_assert_int_eq(rsl_client_bool(c, "flip", NULL, 0), 1);

	/* The original again: the same rules, issued earlier. */
	publish("orig");
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_EREPLAY);
	char want[512];
	rsl_client_status_get(&st, c);
	snprintf(want, sizeof want, "version %llu issued at %ld is not a renewal of the "
		 "served one, issued at %lld: a renewal is issued later",
		 (unsigned long long)version, base_time + 10, (long long)st.issued_at);
	ck_assert_msg(strstr(e.message, want), "%s", e.message);

	/* Another ruleset committed in the same second: the same version. */
	compile_as("other", 2, 10, "1h", "prod", keyf);
	publish("other");
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_EREPLAY);
	ck_assert_msg(strstr(e.message, "is already served with different content"), "%s",
		      e.message);
	ck_assert_str_eq(alpha(c), "gen-1");
	rsl_client_free(c);
}
END_TEST

/* A client that could never accept a snapshot does not report success. */
START_TEST(empty_keyring_is_refused)
{
	setup("client-empty-keyring");
	compile_snapshot("s1", 1, 10);
	publish("s1");
	rsl_keyring *none = NULL;
	ck_assert_int_eq(rsl_keyring_new(&none), RSL_OK);
	rsl_client_options o = RSL_CLIENT_OPTIONS_INIT;
	o.keys = none;
	o.flags = RSL_CLIENT_NO_THREAD;
	rsl_client *c = (rsl_client *)1;
	rsl_error e;
	ck_assert_int_eq(rsl_client_new(&c, primary, &o, &e), RSL_EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_int_eq(e.code, RSL_EINVAL);
	ck_assert_str_eq(e.message, "rsl_client_new: the keyring is empty: add the public "
			 "key that signs the snapshots (rsl_keyring_add_pem_file)");
	rsl_keyring_free(none);
}
END_TEST

/* A reader stuck in a slow evaluation (a hold is the same read section)
 * must not delay a kill switch: the refresh serves the new snapshot at
 * once, and the old one is closed only once the reader has left. */
static rsl_client *slow_client;
static pthread_barrier_t slow_in;
static atomic_int slow_saw_old_after;

static void *slow_reader(void *arg)
{
	long ms = (long)(intptr_t)arg;
	const rsl_snapshot *s = rsl_client_hold(slow_client);
	int before = s && strcmp(rsl_string(s, "alpha", NULL, "x"), "gen-1") == 0;
	pthread_barrier_wait(&slow_in);
	usleep((useconds_t)ms * 1000);
	/* Still the snapshot it began with, still readable. */
	atomic_store(&slow_saw_old_after,
		     before && rsl_bool(s, "flip", NULL, 0) == 1 &&
		     strcmp(rsl_string(s, "alpha", NULL, "x"), "gen-1") == 0);
	rsl_client_release(slow_client);
	return NULL;
}

START_TEST(slow_reader_does_not_delay_a_kill_switch)
{
	setup("client-slow-reader");
	compile_snapshot("s1", 1, 10); /* flip on */
	compile_snapshot("s2", 2, 20); /* flip off: the kill switch */
	publish("s1");
	slow_client = new_client(RSL_CLIENT_NO_THREAD, NULL);
	ck_assert_int_eq(rsl_client_bool(slow_client, "flip", NULL, 0), 1);
	pthread_barrier_init(&slow_in, NULL, 2);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, slow_reader, (void *)(intptr_t)5000), 0);
	pthread_barrier_wait(&slow_in);
	publish("s2");
	long t0 = tu_now_ms();
	rsl_error e;
	ck_assert_int_eq(rsl_client_refresh(slow_client, &e), RSL_OK);
	long took = tu_now_ms() - t0;
	ck_assert_msg(took < 1000, "the refresh waited %ld ms for a reader", took);
	ck_assert_int_eq(rsl_client_bool(slow_client, "flip", NULL, 1), 0);
	ck_assert_str_eq(alpha(slow_client), "gen-2");
	rsl_client_status st;
	rsl_client_status_get(&st, slow_client);
	ck_assert_uint_eq(st.snapshots_retiring, 1); /* the reader still has it */
	/* A refresh while the reader is inside keeps it. */
	ck_assert_int_eq(rsl_client_refresh(slow_client, &e), RSL_OK);
	rsl_client_status_get(&st, slow_client);
	ck_assert_uint_eq(st.snapshots_retiring, 1);
	pthread_join(t, NULL);
	ck_assert_int_eq(atomic_load(&slow_saw_old_after), 1);
	/* The reader is gone: the next refresh closes the old snapshot. */
	ck_assert_int_eq(rsl_client_refresh(slow_client, &e), RSL_OK);
	rsl_client_status_get(&st, slow_client);
	ck_assert_uint_eq(st.snapshots_retiring, 0);
	pthread_barrier_destroy(&slow_in);
	rsl_client_free(slow_client);
}
END_TEST

/* The retire list is bounded: with a reader inside, 8 reloads return at
 * once and keep 8 snapshots; the ninth waits for the reader and closes
 * them all. */
START_TEST(retired_snapshots_are_bounded)
{
	setup("client-retire-bound");
	for (int k = 1; k <= 10; k++) {
		char name[16];
		snprintf(name, sizeof name, "s%d", k);
		compile_snapshot(name, k, 10L * k);
	}
	publish("s1");
	slow_client = new_client(RSL_CLIENT_NO_THREAD, NULL);
	pthread_barrier_init(&slow_in, NULL, 2);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, slow_reader, (void *)(intptr_t)1500), 0);
	pthread_barrier_wait(&slow_in);
	long t0 = tu_now_ms();
	rsl_error e;
	rsl_client_status st;
	for (int k = 2; k <= 9; k++) {
		char name[16];
		snprintf(name, sizeof name, "s%d", k);
		publish(name);
		ck_assert_int_eq(rsl_client_refresh(slow_client, &e), RSL_OK);
		rsl_client_status_get(&st, slow_client);
		ck_assert_uint_eq(st.snapshots_retiring, (size_t)(k - 1));
	}
	long eight = tu_now_ms() - t0;
	ck_assert_msg(eight < 1000, "8 reloads took %ld ms", eight);
	publish("s10");
	ck_assert_int_eq(rsl_client_refresh(slow_client, &e), RSL_OK);
	long nine = tu_now_ms() - t0;
	ck_assert_msg(nine >= 1200, "the ninth reload returned after %ld ms, "
		      "before the reader left", nine);
	rsl_client_status_get(&st, slow_client);
	ck_assert_uint_eq(st.snapshots_retiring, 0);
	ck_assert_str_eq(alpha(slow_client), "gen-10");
	pthread_join(t, NULL);
	ck_assert_int_eq(atomic_load(&slow_saw_old_after), 1);
	pthread_barrier_destroy(&slow_in);
	rsl_client_free(slow_client);
}
END_TEST

static rsl_client *forked_client;
static atomic_int holder_stop;

static void *hold_loop(void *arg)
{
	(void)arg;
	while (!atomic_load(&holder_stop)) {
		rsl_client_hold(forked_client);
		usleep(500);
		rsl_client_release(forked_client);
	}
	return NULL;
}

/* fork() while another thread holds the client: the child has no such
 * thread, and must still reload, create clients and free them. */
START_TEST(fork_child_reloads_and_frees)
{
	setup("client-fork");
	compile_snapshot("s1", 1, 10);
	publish("s1");
	forked_client = new_client(0, NULL); /* with its watching thread */
	atomic_store(&holder_stop, 0);
	pthread_t t;
	ck_assert_int_eq(pthread_create(&t, NULL, hold_loop, NULL), 0);
	usleep(20000);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		alarm(10);
		rsl_error e;
		compile_snapshot("s2", 2, 20);
		publish("s2");
		int ok = rsl_client_refresh(forked_client, &e) == RSL_OK &&
			 strcmp(alpha(forked_client), "gen-2") == 0;
		rsl_client_status st;
		rsl_client_status_get(&st, forked_client);
		ok = ok && strcmp(st.watch, "none") == 0 && st.version > 0;
		rsl_client *d = new_client(RSL_CLIENT_NO_THREAD, NULL);
		ok = ok && strcmp(alpha(d), "gen-2") == 0;
		rsl_client_free(d);
		rsl_client_free(forked_client); /* must not join the parent's thread */
		_exit(ok ? 0 : 1);
	}
	int status;
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "child: exited %d status %d signal %d", WIFEXITED(status),
		      WIFEXITED(status) ? WEXITSTATUS(status) : -1,
		      WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	atomic_store(&holder_stop, 1);
	pthread_join(t, NULL);
	/* The parent is unaffected. */
	ck_assert_msg(wait_alpha(forked_client, "gen-2", RELOAD_DEADLINE_MS) >= 0,
		      "parent did not reload");
	rsl_client_free(forked_client);
}
END_TEST

static pthread_barrier_t parked, unpark;
static atomic_int parked_slot_bad;

static void *parker(void *arg)
{
	(void)arg;
	rsl_client_bool(forked_client, "flip", NULL, 0);
	if (rsl__client_thread_slot() < 0)
		atomic_store(&parked_slot_bad, 1);
	pthread_barrier_wait(&parked);
	pthread_barrier_wait(&unpark);
	return NULL;
}

/* Holds forked_client for 1.5 s (on the shared path when the slots are
 * taken); *arg gets the thread's slot. */
static void *shared_holder(void *arg)
{
	const rsl_snapshot *s = rsl_client_hold(forked_client);
	*(int *)arg = rsl__client_thread_slot();
	pthread_barrier_wait(&slow_in);
	usleep(1500000);
	atomic_store(&slow_saw_old_after,
		     s && strcmp(rsl_string(s, "alpha", NULL, "x"), "gen-2") == 0);
	rsl_client_release(forked_client);
	return NULL;
}

static void *exits_holding(void *arg)
{
	int *slot = arg;
	rsl_client_hold(forked_client);
	*slot = rsl__client_thread_slot();
	return NULL; /* without rsl_client_release */
}

static atomic_int late_phase;
static atomic_int late_slot[2];

/* Evaluates while every slot is taken, then again once one is free. */
static void *late_reader(void *arg)
{
	(void)arg;
	rsl_client_bool(forked_client, "flip", NULL, 0);
	atomic_store(&late_slot[0], rsl__client_thread_slot());
	atomic_store(&late_phase, 1);
	while (atomic_load(&late_phase) != 2)
		usleep(1000);
	rsl_client_bool(forked_client, "flip", NULL, 0);
	atomic_store(&late_slot[1], rsl__client_thread_slot());
	return NULL;
}

/* Beyond the 256 reader slots threads share counters: one that exits
 * holding must not wedge reloads, and one that fell back takes a slot
 * again when one is given back. */
START_TEST(threads_beyond_the_slots)
{
	enum { NPARK = 256 };
	setup("client-slots");
	compile_snapshot("s1", 1, 10);
	publish("s1");
	forked_client = new_client(RSL_CLIENT_NO_THREAD, NULL);
	atomic_store(&parked_slot_bad, 0);
	pthread_barrier_init(&parked, NULL, NPARK + 1);
	pthread_barrier_init(&unpark, NULL, NPARK + 1);
	static pthread_t th[NPARK];
	for (int i = 0; i < NPARK; i++)
		ck_assert_int_eq(pthread_create(&th[i], NULL, parker, NULL), 0);
	pthread_barrier_wait(&parked);
	ck_assert_int_eq(atomic_load(&parked_slot_bad), 0);
	pthread_t x;
	int slot = 0;
	ck_assert_int_eq(pthread_create(&x, NULL, exits_holding, &slot), 0);
	pthread_join(x, NULL);
	ck_assert_int_eq(slot, -2); /* it was on the shared path */
	compile_snapshot("s2", 2, 20);
	publish("s2");
	rsl_error e;
	alarm(10); /* a wedged grace period fails the test */
	ck_assert_int_eq(rsl_client_refresh(forked_client, &e), RSL_OK);
	alarm(0);
	ck_assert_str_eq(alpha(forked_client), "gen-2");
	/* A slow reader on the shared path does not delay a reload either,
	 * and what it holds is closed once it has left. */
	compile_snapshot("s3", 3, 30);
	rsl_client_status st;
	ck_assert_int_eq(rsl_client_refresh(forked_client, &e), RSL_OK);
	rsl_client_status_get(&st, forked_client);
	ck_assert_uint_eq(st.snapshots_retiring, 0); /* s1: nobody was inside */
	publish("s3");
	pthread_barrier_init(&slow_in, NULL, 2);
	atomic_store(&slow_saw_old_after, 0);
	ck_assert_int_eq(pthread_create(&x, NULL, shared_holder, &slot), 0);
	pthread_barrier_wait(&slow_in);
	ck_assert_int_eq(slot, -2);
	long t0 = tu_now_ms();
	ck_assert_int_eq(rsl_client_refresh(forked_client, &e), RSL_OK);
	long took = tu_now_ms() - t0;
	ck_assert_msg(took < 1000, "the refresh waited %ld ms for a shared-path reader", took);
	ck_assert_str_eq(alpha(forked_client), "gen-3");
	rsl_client_status_get(&st, forked_client);
	ck_assert_uint_eq(st.snapshots_retiring, 1);
	pthread_join(x, NULL);
	ck_assert_int_eq(atomic_load(&slow_saw_old_after), 1);
	ck_assert_int_eq(rsl_client_refresh(forked_client, &e), RSL_OK);
	rsl_client_status_get(&st, forked_client);
	ck_assert_uint_eq(st.snapshots_retiring, 0);
	pthread_barrier_destroy(&slow_in);
	/* A reader on the shared path, then slots are given back. */
	atomic_store(&late_phase, 0);
	ck_assert_int_eq(pthread_create(&x, NULL, late_reader, NULL), 0);
	while (atomic_load(&late_phase) != 1)
		usleep(1000);
	ck_assert_int_eq(atomic_load(&late_slot[0]), -2);
	pthread_barrier_wait(&unpark);
	for (int i = 0; i < NPARK; i++)
		pthread_join(th[i], NULL);
	atomic_store(&late_phase, 2);
	pthread_join(x, NULL);
	ck_assert_int_ge(atomic_load(&late_slot[1]), 0);
	pthread_barrier_destroy(&parked);
	pthread_barrier_destroy(&unpark);
	rsl_client_free(forked_client);
}
END_TEST

static atomic_int miss_calls;
static rsl_client *miss_client;

static void on_miss(const rsl_client_event *ev, void *user)
{
	(void)user;
	if (strcmp(ev->name, RSL_EVENT_EVALUATION) != 0)
		return;
	atomic_fetch_add(&miss_calls, 1);
	/* A callback that itself evaluates a missing flag: no recursion. */
	rsl_client_bool(miss_client, "also-missing", NULL, 0);
}

/* Flag-not-found events are throttled; every miss is still counted. */
START_TEST(miss_events_are_throttled)
{
	setup("client-miss");
	compile_snapshot("s1", 1, 10);
	publish("s1");
	rsl_client_options o = RSL_CLIENT_OPTIONS_INIT;
	o.keys = keys;
	o.flags = RSL_CLIENT_NO_THREAD;
	o.on_event = on_miss;
	rsl_error e;
	ck_assert_int_eq(rsl_client_new(&miss_client, primary, &o, &e), RSL_OK);
	atomic_store(&miss_calls, 0);
	for (int i = 0; i < 1000; i++)
		rsl_client_bool(miss_client, "nope", NULL, 0);
	int n = atomic_load(&miss_calls);
	ck_assert_msg(n >= 1 && n <= 20, "%d miss events", n); /* 10 a second */
	rsl_client_status st;
	rsl_client_status_get(&st, miss_client);
	ck_assert_uint_eq(st.misses, 1000 + (uint64_t)n);
	rsl_client_free(miss_client);
}
END_TEST

/* The backup is written through a fresh temporary file with the mode
 * readers accept, whatever stale file or umask is there. */
START_TEST(backup_temp_files_are_fresh)
{
	setup("client-backup-tmp");
	compile_snapshot("s1", 1, 10);
	publish("s1");
	char backup[700], stale[800];
	snprintf(backup, sizeof backup, "%s/backup.rsnap", node);
	snprintf(stale, sizeof stale, "%s.tmp.%ld", backup, (long)getpid());
	tu_write(node, "backup.rsnap.tmp.stale", "x");
	ck_assert_int_eq(tu_sh("cp '%s/backup.rsnap.tmp.stale' '%s' && chmod 0666 '%s'",
			       node, stale, stale), 0);
	mode_t old = umask(0);
	rsl_client *c = new_client(RSL_CLIENT_NO_THREAD, backup);
	umask(old);
	struct stat st;
	ck_assert_int_eq(stat(backup, &st), 0);
	ck_assert_uint_eq(st.st_mode & 07777, 0644);
	ck_assert_int_eq(stat(stale, &st), 0); /* not reused */
	ck_assert_uint_eq(st.st_mode & 07777, 0666);
	rsl_client_free(c);
	/* The next node start reads it. */
	ck_assert_int_eq(unlink(primary), 0);
	c = new_client(RSL_CLIENT_NO_THREAD, backup);
	ck_assert_str_eq(alpha(c), "gen-1");
	rsl_client_free(c);
}
END_TEST

static void teardown(void)
{
	rsl_keyring_free(keys);
	keys = NULL;
}

Suite *client_suite(void);

Suite *client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("reload");
	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, new_snapshot_served_after_a_rename);
	tcase_add_test(tc, poll_only_follows_a_rename);
	tcase_add_test(tc, refresh_serves_at_once);
	tcase_add_test(tc, kubernetes_symlink_swap);
	tcase_add_loop_test(tc, refusals_keep_serving, 0, NBAD);
	tcase_add_test(tc, rollback_override_is_loud);
	tcase_add_test(tc, start_from_backup);
	tcase_add_test(tc, start_with_nothing_then_recover);
	tcase_add_test(tc, stale_serves_or_fails_closed);
	tcase_add_test(tc, typed_calls_and_counters);
	tcase_add_test(tc, prepared_contexts_through_the_client);
	tcase_add_test(tc, testing_helpers);
	suite_add_tcase(s, tc);
	TCase *st = tcase_create("stress");
	tcase_set_timeout(st, 300);
	tcase_add_checked_fixture(st, NULL, teardown);
	tcase_add_test(st, stress_consistent_snapshots);
	tcase_add_test(st, stress_consistent_snapshots_with_fences);
	suite_add_tcase(s, st);
	TCase *cli = tcase_create("cli");
	tcase_set_timeout(cli, 60);
	tcase_add_checked_fixture(cli, NULL, teardown);
	tcase_add_test(cli, cli_status);
	tcase_add_test(cli, cli_watch);
	suite_add_tcase(s, cli);
	TCase *rb = tcase_create("robustness");
	tcase_set_timeout(rb, 60);
	tcase_add_checked_fixture(rb, NULL, teardown);
	tcase_add_test(rb, null_client_serves_fallbacks);
	tcase_add_test(rb, new_client_while_holding_is_refused);
	tcase_add_test(rb, empty_keyring_is_refused);
	tcase_add_test(rb, renewal_clears_stale_and_changes_nothing);
	tcase_add_test(rb, slow_reader_does_not_delay_a_kill_switch);
	tcase_add_test(rb, retired_snapshots_are_bounded);
	tcase_add_test(rb, fork_child_reloads_and_frees);
	tcase_add_test(rb, threads_beyond_the_slots);
	tcase_add_test(rb, miss_events_are_throttled);
	tcase_add_test(rb, backup_temp_files_are_fresh);
	suite_add_tcase(s, rb);
	return s;
}
