/*
 * check_story.c - the review flow of issue 10, end to end, as a team lives
 * it: a flags repository made by `rsc init`, changes on branches merged
 * with `git merge --no-ff` by different people, `rsc compile` after each
 * merge, the snapshot renamed into place under a running rsl_client, and
 * the review commands (`rsc diff`, `simulate`, `log`, `test`) on that
 * history.
 *
 * The story (one flag, one-click-pay, in prod):
 *   1. Amara scaffolds the repository with `rsc init`.
 *   2. Bruno adds one-click-pay on a branch: staff on, 10 % of the rest.
 *   3. Chen ramps the split to 25 % (reviewed with diff and simulate).
 *   4. Dana engages the kill switch.
 *   5. Emil rolls back with `git revert -m 1`: the kill switch merge, then
 *      the ramp merge; the client serves what it served before the ramp,
 *      and refuses the ramp's snapshot when it is renamed back into place.
 *
 * Each review command has its own test on the same history, so that one
 * command's failure does not hide another's.
 */
#include <check.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctxjson.h"
#include "rsl.h"
#include "testutil.h"

#define FLAG "one-click-pay"
#define POPULATION 2000

/* What the review commands say about this story, word for word. */
#define DIFF_RAMP FLAG ": default split on 10% \u2192 25% (15% of traffic moves from off to on)"
#define DIFF_KILL FLAG ": kill switch engaged: everyone gets off"
#define DIFF_ONE_PROTECTED "1 change, 1 in a protected environment\n"

#define ck_assert_has(text, want) \
	ck_assert_msg(strstr((text), (want)) != NULL, "expected \"%s\" in:\n%s", (want), (text))

/* Who does what: rsc log must name each of them. */
#define WHO_INIT "Amara Okafor"
#define WHO_FLAG "Bruno Silva"
#define WHO_RAMP "Chen Wei"
#define WHO_KILL "Dana Novak"
#define WHO_REVERT "Emil Larsen"

static struct {
	char dir[512], repo[600], snaps[600], node[600], primary[700], key[600],
		pub[600], contexts[600];
	long clock;                 /* the committer time of the next step */
	char merge_flag[64], merge_ramp[64], merge_kill[64];
	char revert_kill[64], revert_ramp[64];
} S;

/* --------------------------------------------------------------- git */

/* "Emil Larsen" writes as emil@kestrel.example. */
static void email_of(char out[64], const char *who)
{
	snprintf(out, 64, "%.*s@kestrel.example", (int)strcspn(who, " "), who);
	for (char *p = out; *p; p++)
		*p = (char)tolower((unsigned char)*p);
}

/* Runs `git ARGS` in the repository as who, at the story's next second. */
static void git_as(const char *who, const char *args)
{
	S.clock += 60;
	char email[64];
	email_of(email, who);
	/* Exported: args may chain several git commands with &&. */
	ck_assert_int_eq(tu_sh("cd '%s' && export GIT_AUTHOR_NAME='%s' GIT_AUTHOR_EMAIL='%s' "
			       "GIT_COMMITTER_NAME='%s' GIT_COMMITTER_EMAIL='%s' "
			       "GIT_AUTHOR_DATE='@%ld +0000' GIT_COMMITTER_DATE='@%ld +0000' && "
			       "git %s", S.repo, who, email, who, email, S.clock, S.clock,
			       args), 0);
}

static void head(char out[64])
{
	char *id = tu_line("git -C '%s' rev-parse HEAD", S.repo);
	snprintf(out, 64, "%s", id);
	free(id);
}

/* A change made on a branch by who, then merged into main with --no-ff. */
static void change_on_branch(const char *who, const char *branch, const char *subject,
			     const char *rel, const char *text, char merge[64])
{
	char args[512];
	snprintf(args, sizeof args, "checkout -q -b %s main", branch);
	git_as(who, args);
	tu_write(S.repo, rel, text);
	snprintf(args, sizeof args, "add -A && git commit -q -m '%s'", subject);
	git_as(who, args);
	snprintf(args, sizeof args, "checkout -q main && git merge -q --no-ff "
		 "-m 'Merge branch %s' %s", branch, branch);
	/* The checkout and the merge in one step: one second of history. */
	git_as(who, args);
	head(merge);
}

/* ----------------------------------------------------------- the ruleset */

static const char flag_definition[] =
	"key: " FLAG "\n"
	"description: Pay with the stored card in one click.\n"
	"owner: team-payments\n"
	"type: boolean\n";

/* prod's targeting with the default split's share of on, and enabled. */
static void prod_targeting(char *out, size_t cap, int on, int enabled)
{
	snprintf(out, cap,
		 "enabled: %s\n"
		 "rules:\n"
		 "  - name: staff\n"
		 "    when:\n"
		 "      attribute: email\n"
		 "      ends_with: \"@kestrel.example\"\n"
		 "    serve: on\n"
		 "default:\n"
		 "  split:\n"
		 "    on: %d\n"
		 "    off: %d\n", enabled ? "true" : "false", on, 100 - on);
}

/* Pins what must not change whatever the rollout: staff pay in one click
 * in prod, and everyone does in staging. */
static const char flag_expectations[] =
	"- name: staff pay in one click in prod\n"
	"  environment: prod\n"
	"  flag: " FLAG "\n"
	"  context:\n"
	"    targeting_key: user-1\n"
	"    email: ops@kestrel.example\n"
	"  expect:\n"
	"    variant: on\n"
	"\n"
	"- name: everyone pays in one click in staging\n"
	"  environment: staging\n"
	"  flag: " FLAG "\n"
	"  context:\n"
	"    targeting_key: user-2\n"
	"  expect:\n"
	"    variant: on\n";

/* Step 1: the repository rsc init makes, committed by Amara. */
static void story_init(const char *name)
{
	memset(&S, 0, sizeof S);
	/* An hour ago, a minute a step: the history is in the past, and its
	 * snapshots are fresh under the scaffold's snapshot_ttl (days). */
	S.clock = (long)time(NULL) - 3600;
	snprintf(S.dir, sizeof S.dir, "%s", tu_tmpdir(name));
	snprintf(S.repo, sizeof S.repo, "%s/flags-repo", S.dir);
	snprintf(S.snaps, sizeof S.snaps, "%s/snapshots", S.dir);
	snprintf(S.node, sizeof S.node, "%s/node", S.dir);
	snprintf(S.primary, sizeof S.primary, "%s/prod.rsnap", S.node);
	snprintf(S.key, sizeof S.key, "%s/ci.key", S.dir);
	snprintf(S.pub, sizeof S.pub, "%s/ci.pub", S.dir);
	snprintf(S.contexts, sizeof S.contexts, "%s/contexts.jsonl", S.dir);
	ck_assert_int_eq(tu_sh("mkdir -p '%s' '%s' && %s keygen --out '%s/ci' >/dev/null",
			       S.snaps, S.node, RSC_BIN, S.dir), 0);
	char *out = NULL, *err = NULL, cmd[1200];
	snprintf(cmd, sizeof cmd, "%s init '%s'", RSC_BIN, S.repo);
	int rc = tu_run(cmd, &out, &err);
	ck_assert_msg(rc == 0, "`rsc init` exited %d (the story starts in a repository "
		      "it makes):\n%s%s", rc, out ? out : "", err ? err : "");
	free(out);
	free(err);
	/* The story's repository is the scaffold's own, never one around it
	 * (tests/tmp lives inside this project's work tree): git stops looking
	 * at the scratch directory, and the repository is made here unless
	 * rsc init made it. */
	setenv("GIT_CEILING_DIRECTORIES", S.dir, 1);
	ck_assert_int_eq(tu_sh("cd '%s' && { test -e .git || git init -q -b main .; } && "
			       "test \"$(git rev-parse --show-toplevel)\" = \"$(pwd -P)\" && "
			       "{ git branch -M main 2>/dev/null || git symbolic-ref HEAD refs/heads/main; } && "
			       "git config commit.gpgsign false", S.repo), 0);
	git_as(WHO_INIT, "add -A && { git diff --cached --quiet || "
	       "git commit -q -m 'Scaffold the flags repository with rsc init'; }");
}

/* Step 2: Bruno's new flag, 10 % of prod, with expectations. */
static void story_add_flag(void)
{
	char prod[512];
	prod_targeting(prod, sizeof prod, 10, 1);
	git_as(WHO_FLAG, "checkout -q -b add-one-click-pay main");
	tu_write(S.repo, FLAG ".yaml", flag_definition);
	tu_write(S.repo, "environments/prod/" FLAG ".yaml", prod);
	tu_write(S.repo, "environments/staging/" FLAG ".yaml", "enabled: true\ndefault: on\n");
	tu_write(S.repo, "environments/dev/" FLAG ".yaml", "enabled: true\ndefault: on\n");
	tu_write(S.repo, "tests/" FLAG ".yaml", flag_expectations);
	git_as(WHO_FLAG, "add -A && git commit -q -m 'Add one-click-pay: staff and 10% of prod'");
	git_as(WHO_FLAG, "checkout -q main && git merge -q --no-ff "
	       "-m 'Merge branch add-one-click-pay' add-one-click-pay");
	head(S.merge_flag);
}

/* Step 3: Chen's ramp, 10 % -> 25 %, on a branch (its pull request)... */
static void story_ramp_branch(void)
{
	char prod[512];
	prod_targeting(prod, sizeof prod, 25, 1);
	git_as(WHO_RAMP, "checkout -q -b ramp-one-click-pay main");
	tu_write(S.repo, "environments/prod/" FLAG ".yaml", prod);
	git_as(WHO_RAMP, "add -A && git commit -q -m 'prod: one-click-pay 10% -> 25%'");
}

/* ...and merged. */
static void story_ramp_merge(void)
{
	git_as(WHO_RAMP, "checkout -q main && git merge -q --no-ff "
	       "-m 'Merge branch ramp-one-click-pay' ramp-one-click-pay");
	head(S.merge_ramp);
}

/* Step 4: Dana's kill switch. */
static void story_kill(void)
{
	char prod[512];
	prod_targeting(prod, sizeof prod, 25, 0);
	change_on_branch(WHO_KILL, "kill-one-click-pay", "prod: kill switch on one-click-pay",
			 "environments/prod/" FLAG ".yaml", prod, S.merge_kill);
}

/* Step 5: Emil's rollback, newest first: both merges reverted. */
static void story_revert(void)
{
	char args[256];
	snprintf(args, sizeof args, "revert --no-edit -m 1 %s", S.merge_kill);
	git_as(WHO_REVERT, args);
	head(S.revert_kill);
	snprintf(args, sizeof args, "revert --no-edit -m 1 %s", S.merge_ramp);
	git_as(WHO_REVERT, args);
	head(S.revert_ramp);
	/* The rollback restores the very files of the first merge. */
	ck_assert_int_eq(tu_sh("git -C '%s' diff --quiet %s HEAD", S.repo, S.merge_flag), 0);
}

/* The whole history, steps 1 to 5. */
static void story_all(const char *name)
{
	story_init(name);
	story_add_flag();
	story_ramp_branch();
	story_ramp_merge();
	story_kill();
	story_revert();
}

/* ------------------------------------------------------------ snapshots */

/* What CI does after a merge: compile HEAD, signed, into snapshots/<label>. */
static void compile_head(const char *label)
{
	ck_assert_int_eq(tu_sh("%s compile --root '%s' --rev HEAD --key '%s' --out '%s/%s'",
			       RSC_BIN, S.repo, S.key, S.snaps, label), 0);
}

/* What a sync tool does on the node: the new file renamed into place. */
static void publish(const char *label)
{
	ck_assert_int_eq(tu_sh("cp '%s/%s/prod.rsnap' '%s/.incoming' && chmod 644 '%s/.incoming' "
			       "&& mv '%s/.incoming' '%s'", S.snaps, label, S.node, S.node,
			       S.node, S.primary), 0);
}

/* ----------------------------------------------------------- population */

/* The people who pay: user-<i>, some of them staff.  Written once as
 * contexts.jsonl for rsc simulate, and read back through the same JSON
 * context reader for the in-process client, so both see the same people. */
static rsc_ctx people[POPULATION];

static void person_json(char out[256], int i)
{
	snprintf(out, 256, "{\"targeting_key\":\"user-%d\",\"email\":\"%s%d@%s\",\"country\":\"%s\"}",
		 i, i % 97 == 0 ? "ops" : "shopper", i,
		 i % 97 == 0 ? "kestrel.example" : "mail.example", i % 3 ? "DE" : "FR");
}

static void write_population(void)
{
	FILE *f = fopen(S.contexts, "w");
	ck_assert_ptr_nonnull(f);
	char line[256];
	for (int i = 0; i < POPULATION; i++) {
		person_json(line, i);
		fprintf(f, "%s\n", line);
	}
	fclose(f);
}

static void read_population(void)
{
	char *text = tu_read(S.contexts, NULL);
	ck_assert_ptr_nonnull(text);
	char *line = text, err[256];
	for (int i = 0; i < POPULATION; i++) {
		char *nl = strchr(line, '\n');
		ck_assert_ptr_nonnull(nl);
		*nl = '\0';
		rsc_ctx c = RSC_CTX_INIT;
		people[i] = c;
		ck_assert_msg(rsc_ctx_add_json(&people[i], line, err, sizeof err) == 0,
			      "contexts.jsonl:%d: %s", i + 1, err);
		rsc_ctx_finish(&people[i]);
		line = nl + 1;
	}
	free(text);
}

static void free_population(void)
{
	for (int i = 0; i < POPULATION; i++)
		rsc_ctx_free(&people[i]);
}

/* One decision as a user notices it: the value, and why. */
typedef struct decision {
	int on;
	rsl_reason reason;
	uint32_t bucket;
} decision;

static void decide_all(decision *out, rsl_client *c)
{
	for (int i = 0; i < POPULATION; i++) {
		rsl_result r;
		rsl_client_evaluate(&r, c, FLAG, RSL_BOOLEAN, &people[i].ctx, NULL);
		ck_assert_msg(r.error == RSL_ERR_NONE, "user-%d: error %s", i,
			      rsl_error_code_name(r.error));
		out[i] = (decision){ r.value.b, r.reason, r.bucket };
	}
}

static int count_on(const decision *d)
{
	int n = 0;
	for (int i = 0; i < POPULATION; i++)
		n += d[i].on;
	return n;
}

static int count_differing(const decision *a, const decision *b)
{
	int n = 0;
	for (int i = 0; i < POPULATION; i++)
		n += a[i].on != b[i].on || a[i].reason != b[i].reason ||
		     a[i].bucket != b[i].bucket;
	return n;
}

static rsl_client *start_client(rsl_keyring **keys)
{
	rsl_error e;
	ck_assert_int_eq(rsl_keyring_new(keys), RSL_OK);
	ck_assert_int_eq(rsl_keyring_add_pem_file(*keys, S.pub, &e), RSL_OK);
	rsl_client_options o = RSL_CLIENT_OPTIONS_INIT;
	o.keys = *keys;
	o.environment = "prod";
	rsl_client *c = NULL;
	ck_assert_int_eq(rsl_client_new(&c, S.primary, &o, &e), RSL_OK);
	ck_assert_msg(e.code == RSL_OK, "the client serves nothing: %s", e.message);
	return c;
}

/* The client takes the file now (its thread may have taken it already). */
static void refresh(rsl_client *c, const char *what)
{
	rsl_error e;
	int rc = rsl_client_refresh(c, &e);
	ck_assert_msg(rc == RSL_OK, "%s: refused (%s): %s", what, rsl_strerror(rc), e.message);
}

static uint64_t served_version(rsl_client *c)
{
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	return st.version;
}

/* ------------------------------------------------------------- the story */

START_TEST(story_live_client)
{
	static decision before_ramp[POPULATION], ramped[POPULATION], killed[POPULATION],
		rolled_back[POPULATION];
	story_init("story-client");
	write_population();
	read_population();

	/* Merge 1: the flag, compiled, renamed into place, served. */
	story_add_flag();
	compile_head("1-flag");
	publish("1-flag");
	rsl_keyring *keys;
	rsl_client *c = start_client(&keys);
	rsl_attr staff_attrs[] = { RSL_STR("email", "ops@kestrel.example") };
	rsl_context staff = { .targeting_key = "user-1", .attrs = staff_attrs, .nattrs = 1 };
	rsl_result r;
	rsl_client_evaluate(&r, c, FLAG, RSL_BOOLEAN, &staff, NULL);
	ck_assert_int_eq(r.value.b, 1);
	ck_assert_int_eq(r.reason, RSL_REASON_TARGETING_MATCH);
	ck_assert_str_eq(r.rule_name, "staff");
	ck_assert_str_eq(r.file, "environments/prod/" FLAG ".yaml");
	decide_all(before_ramp, c);
	int staff_n = 0;
	for (int i = 0; i < POPULATION; i++)
		staff_n += i % 97 == 0;
	int on_before = count_on(before_ramp);
	/* Staff, and about 10 % of the others (the buckets are a hash). */
	ck_assert_msg(on_before > staff_n + (POPULATION - staff_n) * 7 / 100 &&
		      on_before < staff_n + (POPULATION - staff_n) * 13 / 100,
		      "%d of %d on with a 10%% split", on_before, POPULATION);
	uint64_t v1 = served_version(c);

	/* Merge 2: the ramp, compiled, served; nobody who had it loses it. */
	story_ramp_branch();
	story_ramp_merge();
	compile_head("2-ramp");
	publish("2-ramp");
	refresh(c, "the ramp's snapshot");
	uint64_t v2 = served_version(c);
	ck_assert_msg(v2 > v1, "version %llu after %llu", (unsigned long long)v2,
		      (unsigned long long)v1);
	decide_all(ramped, c);
	int on_after = count_on(ramped);
	ck_assert_msg(on_after > staff_n + (POPULATION - staff_n) * 21 / 100 &&
		      on_after < staff_n + (POPULATION - staff_n) * 29 / 100,
		      "%d of %d on with a 25%% split", on_after, POPULATION);
	for (int i = 0; i < POPULATION; i++)
		ck_assert_msg(!before_ramp[i].on || ramped[i].on,
			      "user-%d had one-click-pay at 10%% and lost it at 25%%", i);

	/* A reviewer's explanation from source (no key, nothing written) is
	 * the client's, word for word, down to the version and commit: one
	 * evaluator, one version scheme. */
	int mover = 0;
	while (mover < POPULATION && (before_ramp[mover].on || !ramped[mover].on))
		mover++;
	ck_assert_int_lt(mover, POPULATION);
	char json[256], served[RSL_EXPLAIN_MAX + 1];
	person_json(json, mover);
	rsl_client_explain(served, sizeof served, c, FLAG, &people[mover].ctx, RSL_EXPLAIN_TEXT);
	char *from_source = NULL;
	ck_assert_int_eq(tu_rsc(&from_source, NULL, S.repo, "explain --rev HEAD --env prod "
				"--flag " FLAG " --context '%s'", json), 0);
	ck_assert_has(served, "serve on\n");
	ck_assert_str_eq(from_source, served);
	free(from_source);

	/* Merge 3: the kill switch, observed by everyone, staff included. */
	story_kill();
	compile_head("3-kill");
	publish("3-kill");
	refresh(c, "the kill switch's snapshot");
	decide_all(killed, c);
	ck_assert_int_eq(count_on(killed), 0);
	for (int i = 0; i < POPULATION; i++)
		ck_assert_int_eq(killed[i].reason, RSL_REASON_DISABLED);

	/* The rollback: git revert, compile, refresh: the decisions of before
	 * the ramp, for every one of them. */
	story_revert();
	compile_head("4-revert");
	publish("4-revert");
	refresh(c, "the rollback's snapshot");
	uint64_t v4 = served_version(c);
	decide_all(rolled_back, c);
	ck_assert_int_eq(count_differing(before_ramp, ramped) > 0, 1);
	ck_assert_int_eq(count_differing(before_ramp, rolled_back), 0);

	/* The ramp's snapshot renamed back into place: refused as a rollback,
	 * and the client goes on serving the revert. */
	publish("2-ramp");
	rsl_error e;
	ck_assert_int_eq(rsl_client_refresh(c, &e), RSL_EROLLBACK);
	char want[1200];
	snprintf(want, sizeof want, "%s: version %llu (commit %.12s) is older than the served "
		 "%llu (commit %.12s): a rollback is a new commit, e.g. git revert", S.primary,
		 (unsigned long long)v2, S.merge_ramp, (unsigned long long)v4, S.revert_ramp);
	ck_assert_str_eq(e.message, want);
	rsl_client_status st;
	rsl_client_status_get(&st, c);
	ck_assert_str_eq(st.last_outcome, "refused");
	ck_assert_int_eq(st.last_code, RSL_EROLLBACK);
	ck_assert_uint_eq(st.version, v4);
	decide_all(ramped, c);
	ck_assert_int_eq(count_differing(before_ramp, ramped), 0);

	rsl_client_free(c);
	rsl_keyring_free(keys);
	free_population();
}
END_TEST

/* ------------------------------------------------------------ the review */

/* rsc ARGS in the repository; stdout in *out, stderr in *err (malloc'd). */
static int rsc(char **out, char **err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int rsc(char **out, char **err, const char *fmt, ...)
{
	char words[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(words, sizeof words, fmt, ap);
	va_end(ap);
	return tu_rsc(out, err, S.repo, "%s", words);
}

/* Everything after rsc diff's first line, "Comparing A -> B". */
static const char *after_header(const char *out)
{
	const char *nl = strchr(out, '\n');
	return nl ? nl + 1 : "";
}

START_TEST(story_diff_says_it_in_words)
{
	story_init("story-diff");
	story_add_flag();
	story_ramp_branch();
	char *out = NULL, *err = NULL;
	/* On the ramp's branch, as its pull request: the default sides. */
	int rc = rsc(&out, &err, "diff");
	ck_assert_msg(rc == 1, "rsc diff exited %d (1: something changed)\n%s%s", rc,
		      out ? out : "", err ? err : "");
	char want[256];
	snprintf(want, sizeof want, "Comparing HEAD~1@%.7s \u2192 ramp-one-click-pay@", S.merge_flag);
	ck_assert_msg(strncmp(out, want, strlen(want)) == 0, "expected \"%s\" first in:\n%s",
		      want, out);
	ck_assert_str_eq(after_header(out), "prod (protected): " DIFF_RAMP "\n" DIFF_ONE_PROTECTED);
	free(out);
	free(err);
	/* The pull request's comment, which a bot finds by its marker. */
	rc = rsc(&out, &err, "diff --format markdown");
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strncmp(out, "<!-- rulestead-diff -->\n", 24) == 0, "markdown:\n%s", out);
	ck_assert_has(out, "\n#### prod (protected)\n\n- " DIFF_RAMP "\n");
	free(out);
	free(err);

	story_ramp_merge();
	story_kill();
	rc = rsc(&out, &err, "diff %s %s", S.merge_ramp, S.merge_kill);
	ck_assert_msg(rc == 1, "rsc diff exited %d\n%s%s", rc, out, err);
	ck_assert_str_eq(after_header(out), "prod (protected): " DIFF_KILL "\n" DIFF_ONE_PROTECTED);
	free(out);
	free(err);

	/* The rollback compiles to what was there before the ramp. */
	story_revert();
	rc = rsc(&out, &err, "diff %s HEAD", S.merge_flag);
	ck_assert_msg(rc == 0, "rsc diff exited %d (0: no change)\n%s%s", rc, out, err);
	ck_assert_str_eq(after_header(out), "no change to what is compiled (comments and formatting do not count)\n");
	free(out);
	free(err);
}
END_TEST

/* The ones on in the snapshot CI signed for label, decided by librsl. */
static void on_in_snapshot(int *out, const char *label)
{
	rsl_keyring *keys;
	rsl_snapshot *snap = NULL;
	rsl_error e;
	char path[1200];
	snprintf(path, sizeof path, "%s/%s/prod.rsnap", S.snaps, label);
	ck_assert_int_eq(rsl_keyring_new(&keys), RSL_OK);
	ck_assert_int_eq(rsl_keyring_add_pem_file(keys, S.pub, &e), RSL_OK);
	rsl_open_options o = RSL_OPEN_OPTIONS_INIT;
	o.keys = keys;
	o.environment = "prod";
	ck_assert_msg(rsl_open(&snap, path, &o, &e) == RSL_OK, "%s: %s", path, e.message);
	for (int i = 0; i < POPULATION; i++)
		out[i] = rsl_bool(snap, FLAG, &people[i].ctx, -1);
	rsl_close(snap);
	rsl_keyring_free(keys);
}

static double pct(int n)
{
	return 100.0 * n / POPULATION;
}

START_TEST(story_simulate_nobody_leaves_on)
{
	story_init("story-simulate");
	write_population();
	read_population();
	story_add_flag();
	compile_head("1-flag");
	story_ramp_branch();
	compile_head("2-ramp");
	/* What simulate must find, counted from the signed snapshots. */
	static int before[POPULATION], after[POPULATION];
	on_in_snapshot(before, "1-flag");
	on_in_snapshot(after, "2-ramp");
	int had = 0, has = 0, joined = 0;
	for (int i = 0; i < POPULATION; i++) {
		ck_assert_int_ne(before[i], -1);
		ck_assert_int_ne(after[i], -1);
		had += before[i];
		has += after[i];
		joined += !before[i] && after[i];
	}
	ck_assert_int_eq(has - had, joined); /* the ramp takes nobody out */
	ck_assert_msg(joined > POPULATION / 10, "only %d of %d join at 25%%", joined, POPULATION);

	/* On the ramp's branch, as its pull request: the default sides. */
	char *out = NULL, *err = NULL;
	int rc = rsc(&out, &err, "simulate --contexts '%s' --env prod", S.contexts);
	ck_assert_msg(rc == 0, "rsc simulate exited %d\n%s%s", rc, out ? out : "", err ? err : "");
	char want[1024];
	snprintf(want, sizeof want, "A: HEAD~1@%.7s\nB: ramp-one-click-pay@", S.merge_flag);
	ck_assert_has(out, want);
	snprintf(want, sizeof want,
		 "\nprod (protected): %d contexts, 1 of 2 flags change\n"
		 "  " FLAG ": %d of %d contexts (%.1f%%) change variant\n"
		 "    off -> on: %d (%.1f%%)\n"
		 "    nobody leaves on: all %d who had it keep it\n"
		 "    before: on %d (%.1f%%), off %d (%.1f%%)\n"
		 "    after:  on %d (%.1f%%), off %d (%.1f%%)\n",
		 POPULATION, joined, POPULATION, pct(joined), joined, pct(joined), had,
		 had, pct(had), POPULATION - had, pct(POPULATION - had),
		 has, pct(has), POPULATION - has, pct(POPULATION - has));
	const char *prod = strstr(out, "\nprod (protected): ");
	ck_assert_msg(prod != NULL, "no prod in:\n%s", out);
	ck_assert_str_eq(prod, want);
	free(out);
	free(err);
	free_population();
}
END_TEST

/* One entry of rsc log: "<commit> <date> <who> <email>", then body. */
static void log_entry(char *out, size_t cap, const char *commit, const char *who,
		      const char *body)
{
	char *ct = tu_line("git -C '%s' log -1 --format=%%ct %s", S.repo, commit);
	time_t t = (time_t)atol(ct);
	free(ct);
	struct tm tm;
	char date[32], email[64];
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	email_of(email, who);
	size_t n = strlen(out);
	snprintf(out + n, cap - n, "%s%.7s %s %s <%s>\n%s", n ? "\n" : "", commit, date, who,
		 email, body);
}

START_TEST(story_log_names_each_author)
{
	story_all("story-log");
	char *out = NULL, *err = NULL;
	int rc = rsc(&out, &err, "log " FLAG);
	ck_assert_msg(rc == 0, "rsc log exited %d\n%s%s", rc, out ? out : "", err ? err : "");
	/* Newest first, each step with who did it; the scaffold's commit
	 * does not touch this flag. */
	static char want[8192];
	char body[1024];
	want[0] = '\0';
	snprintf(body, sizeof body, "    Revert \"Merge branch ramp-one-click-pay\"\n"
		 "    reverts %.7s (Merge branch ramp-one-click-pay)\n"
		 "    prod (protected): " FLAG ": default split on 25%% \u2192 10%% "
		 "(15%% of traffic moves from on to off)\n", S.merge_ramp);
	log_entry(want, sizeof want, S.revert_ramp, WHO_REVERT, body);
	snprintf(body, sizeof body, "    Revert \"Merge branch kill-one-click-pay\"\n"
		 "    reverts %.7s (Merge branch kill-one-click-pay)\n"
		 "    prod (protected): " FLAG ": kill switch released: the rules serve again\n",
		 S.merge_kill);
	log_entry(want, sizeof want, S.revert_kill, WHO_REVERT, body);
	log_entry(want, sizeof want, S.merge_kill, WHO_KILL,
		  "    Merge branch kill-one-click-pay\n"
		  "    prod (protected): " DIFF_KILL "\n");
	log_entry(want, sizeof want, S.merge_ramp, WHO_RAMP,
		  "    Merge branch ramp-one-click-pay\n"
		  "    prod (protected): " DIFF_RAMP "\n");
	log_entry(want, sizeof want, S.merge_flag, WHO_FLAG,
		  "    Merge branch add-one-click-pay\n"
		  "    prod (protected): " FLAG ": configured: enabled, 1 rule, default split "
		  "on 10%, off 90%\n"
		  "    prod (protected): " FLAG ": rule 1 'staff' added: email ends_with "
		  "\"@kestrel.example\" serves on\n"
		  "    dev: " FLAG ": configured: enabled, 0 rules, default on\n"
		  "    staging: " FLAG ": configured: enabled, 0 rules, default on\n"
		  "    flag " FLAG " added (boolean: on, off)\n");
	ck_assert_str_eq(out, want);
	free(out);
	free(err);
	/* The whole trail begins with the scaffold, by its author. */
	rc = rsc(&out, &err, "log");
	ck_assert_int_eq(rc, 0);
	char *init = tu_line("git -C '%s' rev-list --max-parents=0 HEAD", S.repo);
	char first[256], email[64];
	email_of(email, WHO_INIT);
	snprintf(first, sizeof first, "\n%.7s ", init);
	const char *at = strstr(out, first);
	ck_assert_msg(at != NULL, "no entry for the scaffold's commit in:\n%s", out);
	snprintf(first, sizeof first, " " WHO_INIT " <%s>\n    Scaffold the flags repository "
		 "with rsc init\n", email);
	ck_assert_has(at, first);
	free(init);
	free(out);
	free(err);
}
END_TEST

START_TEST(story_test_pins_behaviour)
{
	story_all("story-test");
	char *out = NULL, *err = NULL;
	int rc = rsc(&out, &err, "test");
	ck_assert_msg(rc == 0, "rsc test exited %d\n%s%s", rc, out ? out : "", err ? err : "");
	ck_assert_has(out, "ok   tests/" FLAG ".yaml:1: staff pay in one click in prod\n");
	ck_assert_has(out, "ok   tests/" FLAG ".yaml:10: everyone pays in one click in staging\n");
	free(out);
	free(err);
	/* Someone pins the wrong thing: staff off in prod. */
	const char *pin = strstr(flag_expectations, "    variant: on\n");
	char broken[sizeof flag_expectations + 8];
	snprintf(broken, sizeof broken, "%.*s    variant: off\n%s",
		 (int)(pin - flag_expectations), flag_expectations, pin + strlen("    variant: on\n"));
	tu_write(S.repo, "tests/" FLAG ".yaml", broken);
	rc = rsc(&out, &err, "test --worktree");
	ck_assert_msg(rc == 1, "rsc test exited %d\n%s%s", rc, out, err);
	ck_assert_has(out, "FAIL tests/" FLAG ".yaml:1: staff pay in one click in prod: "
		      "expected variant 'off', got 'on' (reason TARGETING_MATCH)\n");
	/* and why, down to the rule that decided */
	ck_assert_has(out, "    rule 1 \"staff\" (environments/prod/" FLAG ".yaml:3): match: "
		      "email = \"ops@kestrel.example\" ends with \"@kestrel.example\"; serve on\n");
	ck_assert_has(out, "ok   tests/" FLAG ".yaml:10: everyone pays in one click in staging\n");
	free(out);
	free(err);
}
END_TEST

Suite *story_suite(void); /* called by the runner */
Suite *story_suite(void)
{
	Suite *s = suite_create("story");
	TCase *tc = tcase_create("story");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, story_live_client);
	tcase_add_test(tc, story_diff_says_it_in_words);
	tcase_add_test(tc, story_simulate_nobody_leaves_on);
	tcase_add_test(tc, story_log_names_each_author);
	tcase_add_test(tc, story_test_pins_behaviour);
	suite_add_tcase(s, tc);
	return s;
}
