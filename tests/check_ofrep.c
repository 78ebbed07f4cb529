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
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "ofrep.h"
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

/* rsc agent --metrics FILE: the client's status and the agent's counters,
 * written after the poll; --serve's refusals. */
START_TEST(agent_metrics_file)
{
	setup("ofrep-agent");
	char *out = NULL, *err = NULL;
	ck_assert_int_eq(tu_sh("mkdir -p '%s/node'", T), 0);
	ck_assert_int_eq(tu_rsc(&out, &err, ".", "agent --from 'file://%s/out' --to '%s/node/prod.rsnap' "
				"--pub '%s' --env prod --once --metrics '%s/node/m.prom'", T, T, pubf, T), 0);
	free(out);
	free(err);
	char path[1300];
	snprintf(path, sizeof path, "%s/node/m.prom", T);
	char *m = tu_read(path, NULL);
	ck_assert_ptr_nonnull(m);
	ck_assert_msg(strstr(m, "\nrulestead_ready 1\n"), "%s", m);
	ck_assert_msg(strstr(m, "\nrulestead_agent_polls_total 1\n"), "%s", m);
	ck_assert_msg(strstr(m, "\nrulestead_agent_updates_total 1\n"), "%s", m);
	ck_assert_msg(strstr(m, "\nrulestead_agent_errors_total{kind=\"source\"} 0\n"
			     "rulestead_agent_errors_total{kind=\"write\"} 0\n"), "%s", m);
	ck_assert_msg(strstr(m, "\nrulestead_agent_last_poll_outcome{outcome=\"updated\"} 1\n"),
		      "%s", m);
	char why[1024];
	int rc = promtool(m, why, sizeof why);
	if (rc == -2)
		fprintf(stderr, "skipped: ofrep: promtool check metrics on --metrics: %s\n", why);
	else
		ck_assert_msg(rc == 0, "promtool check metrics: %s\n%s", why, m);
	free(m);

	/* The source gone: the file says error, and still what is served. */
	ck_assert_int_eq(tu_rsc(&out, &err, ".", "agent --from 'file://%s/none' --to "
				"'%s/node/prod.rsnap' --pub '%s' --env prod --once --metrics "
				"'%s/node/m.prom'", T, T, pubf, T), 3);
	free(out);
	free(err);
	m = tu_read(path, NULL);
	ck_assert_msg(strstr(m, "\nrulestead_agent_errors_total{kind=\"source\"} 1\n"), "%s", m);
	ck_assert_msg(strstr(m, "\nrulestead_agent_last_poll_outcome{outcome=\"error\"} 1\n"),
		      "%s", m);
	ck_assert_msg(strstr(m, "\nrulestead_ready 1\n"), "%s", m);
	free(m);

	ck_assert_int_eq(tu_rsc(&out, &err, ".", "agent --from 'file://%s/out' --to '%s/node/prod.rsnap' "
				"--pub '%s' --once --serve 127.0.0.1:0", T, T, pubf), 2);
	ck_assert_msg(strstr(err, "rsc agent: --serve needs the agent to keep running: not with "
			     "--once\n"), "%s", err);
	free(out);
	free(err);
	ck_assert_int_eq(tu_rsc(&out, &err, ".", "agent --from 'file://%s/out' --to '%s/node/prod.rsnap' "
				"--pub '%s' --serve 127.0.0.1:99999", T, T, pubf), 3);
	ck_assert_msg(strstr(err, "rsc agent: --serve: '127.0.0.1:99999' is not HOST:PORT "
			     "(127.0.0.1:8016, [::1]:8016)\n"), "%s", err);
	free(out);
	free(err);
}
END_TEST

/* ------------------------------------------------------- over HTTP */

/* One HTTP answer. */
typedef struct answer {
	long status;
	char *body;
	size_t len;
	char etag[128];
	char type[128];
	char allow[64];
} answer;

static size_t on_body(char *p, size_t size, size_t n, void *u)
{
	answer *a = u;
	size_t k = size * n;
	a->body = realloc(a->body, a->len + k + 1);
	ck_assert_ptr_nonnull(a->body);
	memcpy(a->body + a->len, p, k);
	a->len += k;
	a->body[a->len] = 0;
	return k;
}

/* Keeps the value of header name (case-insensitive) into out, trimmed. */
static void header_value(char *out, size_t cap, const char *line, size_t k, const char *name)
{
	size_t n = strlen(name);
	if (k <= n || strncasecmp(line, name, n) != 0 || line[n] != ':')
		return;
	const char *v = line + n + 1;
	size_t m = k - n - 1;
	while (m && (*v == ' '))
		v++, m--;
	while (m && (v[m - 1] == '\r' || v[m - 1] == '\n'))
		m--;
	snprintf(out, cap, "%.*s", (int)m, v);
}

static size_t on_header(char *p, size_t size, size_t n, void *u)
{
	answer *a = u;
	size_t k = size * n;
	header_value(a->etag, sizeof a->etag, p, k, "ETag");
	header_value(a->type, sizeof a->type, p, k, "Content-Type");
	header_value(a->allow, sizeof a->allow, p, k, "Allow");
	return k;
}

/* method path on the server at port, with body (NULL: none) and up to two
 * extra header lines. */
static answer http(unsigned port, const char *method, const char *path, const char *body,
		   const char *h1, const char *h2)
{
	answer a;
	memset(&a, 0, sizeof a);
	a.body = calloc(1, 1);
	CURL *c = curl_easy_init();
	ck_assert_ptr_nonnull(c);
	char url[512];
	snprintf(url, sizeof url, "http://127.0.0.1:%u%s", port, path);
	struct curl_slist *hs = curl_slist_append(NULL, "Content-Type: application/json");
	if (h1)
		hs = curl_slist_append(hs, h1);
	if (h2)
		hs = curl_slist_append(hs, h2);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (strcmp(method, "HEAD") == 0)
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &a);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	CURLcode rc = curl_easy_perform(c);
	ck_assert_msg(rc == CURLE_OK, "%s %s: %s", method, url, curl_easy_strerror(rc));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
	curl_slist_free_all(hs);
	curl_easy_cleanup(c);
	return a;
}

static rsl_keyring *keys;
static rsl_client *client;
static rsc_ofrep *server;
static unsigned port;
static char logpath[1300];
static FILE *logfile;

/* A live client on the snapshot (path NULL: on one that does not exist)
 * and a server over it on a free loopback port. */
static void serve(const char *name, const char *path, const char *token)
{
	setup(name);
	rsl_error e;
	ck_assert_int_eq(rsl_keyring_new(&keys), RSL_OK);
	ck_assert_int_eq(rsl_keyring_add_pem_file(keys, pubf, &e), RSL_OK);
	rsl_client_options co = RSL_CLIENT_OPTIONS_INIT;
	co.keys = keys;
	co.flags = RSL_CLIENT_NO_THREAD;
	char missing[1300];
	snprintf(missing, sizeof missing, "%s/none.rsnap", T);
	ck_assert_int_eq(rsl_client_new(&client, path ? path : missing, &co, &e), RSL_OK);
	snprintf(logpath, sizeof logpath, "%s/ofrep.log", T);
	logfile = fopen(logpath, "w+");
	ck_assert_ptr_nonnull(logfile);
	rsc_ofrep_options o = RSC_OFREP_OPTIONS_INIT;
	o.addr = "127.0.0.1:0";
	o.client = client;
	o.token = token;
	o.log = logfile;
	char err[256];
	ck_assert_msg(rsc_ofrep_start(&server, &o, err, sizeof err) == 0, "%s", err);
	port = rsc_ofrep_port(server);
	ck_assert_uint_gt(port, 0);
}

static void unserve(void)
{
	rsc_ofrep_stop(server);
	rsl_client_free(client);
	rsl_keyring_free(keys);
	fclose(logfile);
	server = NULL, client = NULL, keys = NULL, logfile = NULL;
}

static int starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static void answer_free(answer *a)
{
	free(a->body);
}

#define EVAL "/ofrep/v1/evaluate/flags"

START_TEST(single_flag)
{
	serve("ofrep-single", snap, NULL);
	answer a = http(port, "POST", EVAL "/max-cart-items",
			"{\"context\": {\"targetingKey\": \"u-1\", \"account_age_days\": 3}}",
			NULL, NULL);
	ck_assert_int_eq(a.status, 200);
	ck_assert_str_eq(a.type, "application/json");
	char want[512];
	snprintf(want, sizeof want, "{\"key\":\"max-cart-items\",\"value\":10,\"reason\":"
		 "\"TARGETING_MATCH\",\"variant\":\"new_account\",\"metadata\":{"
		 "\"feature_flag.provider.name\":\"rulestead\",\"feature_flag.set.id\":\"prod\","
		 "\"feature_flag.version\":\"%lld\",\"rulestead.commit\":\"", (long long)when * 1024);
	ck_assert_msg(strncmp(a.body, want, strlen(want)) == 0, "%s", a.body);
	ck_assert_msg(strstr(a.body, "\",\"rulestead.rule\":\"accounts younger than a week\"}}\n"),
		      "%s", a.body);
	answer_free(&a);

	a = http(port, "POST", EVAL "/max-cart-items", "{\"context\": {}}", NULL, NULL);
	ck_assert_int_eq(a.status, 200);
	ck_assert_msg(starts(a.body, "{\"key\":\"max-cart-items\",\"value\":50,\"reason\":"
			     "\"DEFAULT\",\"variant\":\"standard\","), "%s", a.body);
	answer_free(&a);
	/* Every value type: a string, and an object as JSON. */
	a = http(port, "POST", EVAL "/order-export-format", "{\"context\":{\"targetingKey\":\"u\"}}",
		 NULL, NULL);
	ck_assert_int_eq(a.status, 200);
	ck_assert_msg(strstr(a.body, "\"value\":\""), "%s", a.body);
	answer_free(&a);

	/* The flag is unknown: 404 and the flagNotFound body. */
	a = http(port, "POST", EVAL "/no-such-flag", "{\"context\":{}}", NULL, NULL);
	ck_assert_int_eq(a.status, 404);
	ck_assert_str_eq(a.body, "{\"key\":\"no-such-flag\",\"errorCode\":\"FLAG_NOT_FOUND\","
			 "\"errorDetails\":\"the snapshot being served has no flag of this key\"}\n");
	answer_free(&a);
	/* A split by the targeting key, without one. */
	a = http(port, "POST", EVAL "/holiday-banner", "{\"context\":{}}", NULL, NULL);
	ck_assert_int_eq(a.status, 400);
	ck_assert_msg(starts(a.body, "{\"key\":\"holiday-banner\",\"errorCode\":"
			     "\"TARGETING_KEY_MISSING\",\"errorDetails\":"), "%s", a.body);
	answer_free(&a);
	fflush(logfile);
	char *log = tu_read(logpath, NULL);
	ck_assert_msg(strstr(log, "ofrep: feature_flag.evaluation feature_flag.key=\"no-such-flag\" "
			     "error.type=flag_not_found feature_flag.set.id=\"prod\" "
			     "feature_flag.version="), "%s", log);
	ck_assert_msg(strstr(log, "feature_flag.key=\"holiday-banner\" "
			     "error.type=targeting_key_missing"), "%s", log);
	free(log);
	unserve();
}
END_TEST

/* Hostile or malformed requests: the specification's error bodies. */
static const struct {
	const char *method, *path, *body;
	long status;
	const char *want;  /* the whole body, or its beginning when it ends in '*' */
} bad[] = {
	{ "POST", EVAL "/max-cart-items", "{\"context\": {\"a\": ", 400,
	  "{\"key\":\"max-cart-items\",\"errorCode\":\"PARSE_ERROR\",\"errorDetails\":\"the "
	  "request's context: at offset 18: expected a string, number, true, false, null or a "
	  "list of strings\"}\n" },
	{ "POST", EVAL "/max-cart-items", "{\"context\": {\"a\": {\"b\": 1}}}", 400,
	  "{\"key\":\"max-cart-items\",\"errorCode\":\"INVALID_CONTEXT\",*" },
	{ "POST", EVAL "/max-cart-items", "{\"context\": {\"targetingKey\": 1}}", 400,
	  "{\"key\":\"max-cart-items\",\"errorCode\":\"INVALID_CONTEXT\",\"errorDetails\":\"the "
	  "request's context: at offset 29: \\\"targeting_key\\\" must be a string\"}\n" },
	{ "POST", EVAL, "[]", 400, "{\"errorCode\":\"PARSE_ERROR\",\"errorDetails\":\"the "
	  "request's context: at offset 0: expected a JSON object\"}\n" },
	{ "POST", EVAL, "{\"context\": {\"bad key\": 1}}", 400,
	  "{\"errorCode\":\"INVALID_CONTEXT\",*" },
	{ "GET", EVAL "/max-cart-items", NULL, 405,
	  "{\"errorDetails\":\"evaluation takes POST\"}\n" },
	{ "POST", "/ofrep/v1/evaluate/flagsx", "{}", 404, "{\"errorDetails\":\"no such endpoint: *" },
	{ "POST", "/metrics", "{}", 405, "" },
	{ "POST", EVAL "/\"a\\\nb", "{}", 404,
	  "{\"key\":\"\\\"a\\\\\\nb\",\"errorCode\":\"FLAG_NOT_FOUND\",*" },
};

START_TEST(malformed_requests)
{
	serve("ofrep-malformed", snap, NULL);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char path[256];
		/* the last one's key, percent-encoded: a quote, a backslash, a newline */
		snprintf(path, sizeof path, "%s", strchr(bad[i].path, '"')
			 ? EVAL "/%22a%5C%0Ab" : bad[i].path);
		answer a = http(port, bad[i].method, path, bad[i].body, NULL, NULL);
		ck_assert_msg(a.status == bad[i].status, "%zu: %ld %s", i, a.status, a.body);
		size_t n = strlen(bad[i].want);
		if (n && bad[i].want[n - 1] == '*')
			ck_assert_msg(strncmp(a.body, bad[i].want, n - 1) == 0, "%zu: %s", i, a.body);
		else
			ck_assert_msg(strcmp(a.body, bad[i].want) == 0, "%zu: %s", i, a.body);
		if (a.status == 405)
			ck_assert_str_eq(a.allow, strcmp(bad[i].path, "/metrics") ? "POST" : "GET, HEAD");
		answer_free(&a);
	}
	/* A body past the bound is refused, whole. */
	size_t big = RSC_OFREP_MAX_BODY + 10;
	char *body = malloc(big + 1);
	memset(body, ' ', big);
	memcpy(body, "{\"context\":{}}", 14);
	body[big] = 0;
	/* Announced by Content-Length (refused before it is read), or sent in
	 * chunks (read and dropped past the bound). */
	for (int chunked = 0; chunked < 2; chunked++) {
		answer a = http(port, "POST", EVAL, body,
				chunked ? "Transfer-Encoding: chunked" : NULL, NULL);
		ck_assert_int_eq(a.status, 400);
		ck_assert_str_eq(a.body, "{\"errorCode\":\"PARSE_ERROR\",\"errorDetails\":\"the "
				 "request body is over 65536 bytes\"}\n");
		answer_free(&a);
	}
	free(body);
	/* The server still answers after all that. */
	answer a = http(port, "POST", EVAL "/max-cart-items", "{\"context\":{}}", NULL, NULL);
	ck_assert_int_eq(a.status, 200);
	answer_free(&a);
	unserve();
}
END_TEST

START_TEST(bulk_and_etag)
{
	serve("ofrep-bulk", snap, NULL);
	const char *ctx = "{\"context\": {\"targetingKey\": \"u-1\", \"account_age_days\": 3}}";
	answer a = http(port, "POST", EVAL, ctx, NULL, NULL);
	ck_assert_int_eq(a.status, 200);
	ck_assert_msg(starts(a.body, "{\"flags\":[{\"key\":\"app-home-layout\","), "%s", a.body);
	ck_assert_msg(strstr(a.body, "{\"key\":\"max-cart-items\",\"value\":10,\"reason\":"
			     "\"TARGETING_MATCH\",\"variant\":\"new_account\","), "%s", a.body);
	size_t n = 0;
	for (const char *p = a.body; (p = strstr(p, "{\"key\":")); p++)
		n++;
	ck_assert_uint_eq(n, 12);
	ck_assert_uint_eq(strlen(a.etag), 34);
	ck_assert_int_eq(a.etag[0], '"');
	char etag[128], inm[200];
	snprintf(etag, sizeof etag, "%s", a.etag);
	answer_free(&a);

	/* The same context and snapshot: 304, no body, the same ETag. */
	snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
	a = http(port, "POST", EVAL, ctx, inm, NULL);
	ck_assert_int_eq(a.status, 304);
	ck_assert_uint_eq(a.len, 0);
	ck_assert_str_eq(a.etag, etag);
	answer_free(&a);
	snprintf(inm, sizeof inm, "If-None-Match: \"other\", W/%s", etag);
	a = http(port, "POST", EVAL, ctx, inm, NULL);
	ck_assert_int_eq(a.status, 304);
	answer_free(&a);
	/* Another context: another answer, another tag. */
	snprintf(inm, sizeof inm, "If-None-Match: %s", etag);
	a = http(port, "POST", EVAL, "{\"context\": {\"targetingKey\": \"u-2\"}}", inm, NULL);
	ck_assert_int_eq(a.status, 200);
	ck_assert_str_ne(a.etag, etag);
	/* holiday-banner splits by the targeting key: it has one here; but
	 * payments-api-v2 splits by tenant_key, which it lacks. */
	const char *fail = strstr(a.body, "\"errorCode\"");
	ck_assert_ptr_nonnull(fail);
	ck_assert_ptr_null(strstr(fail + 1, "\"errorCode\""));
	ck_assert_msg(strstr(a.body, "{\"key\":\"payments-api-v2\",\"errorCode\":"
			     "\"TARGETING_KEY_MISSING\","), "%s", a.body);
	ck_assert_msg(strstr(a.body, "{\"key\":\"holiday-banner\",\"value\":"), "%s", a.body);
	answer_free(&a);
	/* Without a targeting key, that flag's entry is a failure, the rest
	 * are values. */
	a = http(port, "POST", EVAL, "{}", NULL, NULL);
	ck_assert_int_eq(a.status, 200);
	ck_assert_msg(strstr(a.body, "{\"key\":\"holiday-banner\",\"errorCode\":"
			     "\"TARGETING_KEY_MISSING\",\"errorDetails\":"), "%s", a.body);
	ck_assert_msg(strstr(a.body, "{\"key\":\"max-cart-items\",\"value\":50,"), "%s", a.body);
	answer_free(&a);

	/* /metrics: the client's status and the server's counters, in a
	 * format promtool accepts. */
	a = http(port, "GET", "/metrics", NULL, NULL, NULL);
	ck_assert_int_eq(a.status, 200);
	ck_assert_str_eq(a.type, RSC_METRICS_CONTENT_TYPE);
	ck_assert_msg(strstr(a.body, "\nrulestead_ofrep_requests_total{endpoint=\"bulk\"} 5\n"),
		      "%s", a.body);
	ck_assert_msg(strstr(a.body, "\nrulestead_ofrep_not_modified_total 2\n"), "%s", a.body);
	ck_assert_msg(strstr(a.body, "rulestead_snapshot_info{env=\"prod\""), "%s", a.body);
	/* 12 flags for each of the three bulk answers that evaluated */
	ck_assert_msg(strstr(a.body, "\nrulestead_evaluations_total 36\n"), "%s", a.body);
	char why[1024];
	int rc = promtool(a.body, why, sizeof why);
	if (rc == -2)
		fprintf(stderr, "skipped: ofrep: promtool check metrics on /metrics: %s\n", why);
	else
		ck_assert_msg(rc == 0, "promtool: %s\n%s", why, a.body);
	answer_free(&a);
	unserve();
}
END_TEST

START_TEST(token_and_readiness)
{
	serve("ofrep-token", NULL, "s3cret-token");
	answer a = http(port, "POST", EVAL "/max-cart-items", "{}", NULL, NULL);
	ck_assert_int_eq(a.status, 401);
	ck_assert_str_eq(a.body, "{\"errorDetails\":\"this server needs a token: Authorization: "
			 "Bearer TOKEN, or X-API-Key: TOKEN\"}\n");
	answer_free(&a);
	a = http(port, "POST", EVAL "/max-cart-items", "{}", "Authorization: Bearer s3cret", NULL);
	ck_assert_int_eq(a.status, 403);
	answer_free(&a);
	a = http(port, "GET", "/metrics", NULL, "X-API-Key: nope-nope-no", NULL);
	ck_assert_int_eq(a.status, 403);
	answer_free(&a);
	/* The right token; but nothing is served yet. */
	a = http(port, "POST", EVAL "/max-cart-items", "{}", "Authorization: Bearer s3cret-token",
		 NULL);
	ck_assert_int_eq(a.status, 500);
	ck_assert_str_eq(a.body, "{\"key\":\"max-cart-items\",\"errorCode\":\"PROVIDER_NOT_READY\","
			 "\"errorDetails\":\"no snapshot is being served yet\"}\n");
	answer_free(&a);
	a = http(port, "POST", EVAL, "{}", "X-API-Key: s3cret-token", NULL);
	ck_assert_int_eq(a.status, 500);
	ck_assert_str_eq(a.body, "{\"errorCode\":\"PROVIDER_NOT_READY\",\"errorDetails\":"
			 "\"no snapshot is being served yet\"}\n");
	answer_free(&a);
	a = http(port, "GET", "/metrics", NULL, "X-API-Key: s3cret-token", NULL);
	ck_assert_int_eq(a.status, 200);
	ck_assert_msg(strstr(a.body, "\nrulestead_ready 0\n"), "%s", a.body);
	ck_assert_msg(strstr(a.body, "\nrulestead_ofrep_errors_total{class=\"4xx\"} 3\n"), "%s",
		      a.body);
	ck_assert_msg(strstr(a.body, "\nrulestead_ofrep_errors_total{class=\"5xx\"} 2\n"), "%s",
		      a.body);
	answer_free(&a);

	/* The address: refused with a reason. */
	rsc_ofrep *other = NULL;
	rsc_ofrep_options o = RSC_OFREP_OPTIONS_INIT;
	o.client = client;
	char err[256], addr[64];
	o.addr = "localhost";
	ck_assert_int_eq(rsc_ofrep_start(&other, &o, err, sizeof err), -1);
	ck_assert_str_eq(err, "'localhost' is not HOST:PORT (127.0.0.1:8016, [::1]:8016)");
	snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
	o.addr = addr;
	ck_assert_int_eq(rsc_ofrep_start(&other, &o, err, sizeof err), -1);
	snprintf(addr, sizeof addr, "cannot listen on 127.0.0.1:%u: Address already in use", port);
	ck_assert_str_eq(err, addr);
	ck_assert_ptr_null(other);
	unserve();
}
END_TEST

Suite *ofrep_suite(void);

Suite *ofrep_suite(void)
{
	Suite *s = suite_create("ofrep");
	TCase *tc = tcase_create("ofrep");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, status_prometheus);
	tcase_add_test(tc, agent_metrics_file);
	tcase_add_test(tc, single_flag);
	tcase_add_test(tc, malformed_requests);
	tcase_add_test(tc, bulk_and_etag);
	tcase_add_test(tc, token_and_readiness);
	suite_add_tcase(s, tc);
	return s;
}
