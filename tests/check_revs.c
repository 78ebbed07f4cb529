/*
 * check_revs.c - which two sides rsc diff and rsc simulate compare, in
 * real repositories made with git: the merge base with an upstream set by
 * a real clone, HEAD~1 without one (a detached HEAD), the work tree, and
 * the refusals (a first commit, a bad revision, a shallow clone).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "revs.h"
#include "testutil.h"

typedef struct ctx {
	rsc_arena arena;
	rsc_diags d;
	rsc_revs revs;
} ctx;

static int resolve(ctx *c, const char *root, const char *a, const char *b, int worktree)
{
	c->arena = (rsc_arena)RSC_ARENA_INIT;
	rsc_diags_init(&c->d, &c->arena);
	return rsc_revs_resolve(&c->revs, &c->arena, root, a, b, worktree, &c->d);
}

static void ctx_free(ctx *c)
{
	rsc_diags_free(&c->d);
	rsc_arena_free(&c->arena);
}

static char *rev(const char *dir, const char *r)
{
	return tu_line("git -C '%s' rev-parse '%s'", dir, r);
}

/* "NAME@1a2b3c4 SUFFIX" for the commit r names in dir. */
static char *label(const char *dir, const char *name, const char *r, const char *suffix)
{
	char *id = rev(dir, r);
	size_t n = strlen(name) + strlen(suffix) + 16;
	char *s = malloc(n);
	snprintf(s, n, "%s@%.7s%s", name, id, suffix);
	free(id);
	return s;
}

/* One diagnostic, without a file, that starts with msg. */
static void assert_error(const ctx *c, const char *msg)
{
	ck_assert_uint_eq(c->d.n, 1);
	ck_assert_str_eq(c->d.v[0].file, "");
	ck_assert_msg(strncmp(c->d.v[0].message, msg, strlen(msg)) == 0,
		      "message '%s' does not start with '%s'", c->d.v[0].message, msg);
}

/* main: three commits, at 1000, 2000, 3000. */
static char *three_commits(const char *name)
{
	char *dir = tu_tmpdir(name);
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", "environments: [prod]\n");
	tu_git_commit(dir, "one", 1780001000L);
	tu_write(dir, "a.yaml", "x\n");
	tu_git_commit(dir, "two", 1780002000L);
	tu_write(dir, "a.yaml", "y\n");
	tu_git_commit(dir, "three", 1780003000L);
	return dir;
}

/* A clone of origin with identity, its main tracking origin/main. */
static char *clone_of(const char *origin, const char *name, const char *opts)
{
	char *dir = tu_tmpdir(name);
	ck_assert_int_eq(tu_sh("git clone -q %s 'file://%s' '%s' && cd '%s' && "
			       "git config user.name 'Clone Author' && "
			       "git config user.email clone@example.com && "
			       "git config commit.gpgsign false", opts, origin, dir, dir), 0);
	return dir;
}

START_TEST(merge_base_with_the_upstream)
{
	char *origin = three_commits("revs-origin");
	char *dir = clone_of(origin, "revs-clone", "");
	/* A feature branch tracking origin/main, two commits ahead; origin
	 * moves on meanwhile, and the clone fetches it. */
	ck_assert_int_eq(tu_sh("cd '%s' && git checkout -q -b feature --track origin/main", dir), 0);
	tu_write(dir, "b.yaml", "b\n");
	tu_git_commit(dir, "feature one", 1780004000L);
	tu_write(dir, "b.yaml", "bb\n");
	tu_git_commit(dir, "feature two", 1780005000L);
	tu_write(origin, "c.yaml", "c\n");
	tu_git_commit(origin, "main moves on", 1780006000L);
	ck_assert_int_eq(tu_sh("git -C '%s' fetch -q", dir), 0);

	ctx c;
	ck_assert_int_eq(resolve(&c, dir, NULL, NULL, 0), RSC_OK);
	char *base = rev(origin, "main~1"), *head = rev(dir, "HEAD");
	ck_assert_str_eq(c.revs.a.commit, base);
	ck_assert_int_eq(c.revs.a.worktree, 0);
	char *want = label(dir, "main", base, " (merge base with origin/main)");
	ck_assert_str_eq(c.revs.a.label, want);
	free(want);
	ck_assert_str_eq(c.revs.b.commit, head);
	want = label(dir, "feature", "HEAD", "");
	ck_assert_str_eq(c.revs.b.label, want);
	free(want);
	ck_assert_str_eq(rsc_revs_source_rev(&c.revs.b), head);
	ctx_free(&c);

	/* With --worktree, A stays the merge base and B is the files. */
	ck_assert_int_eq(resolve(&c, dir, NULL, NULL, 1), RSC_OK);
	ck_assert_str_eq(c.revs.a.commit, base);
	ck_assert_int_eq(c.revs.b.worktree, 1);
	ck_assert_str_eq(c.revs.b.label, "work tree");
	ck_assert_ptr_null(rsc_revs_source_rev(&c.revs.b));
	ctx_free(&c);

	/* On main, up to date with origin/main: the merge base is HEAD
	 * itself, so A is the last change. */
	ck_assert_int_eq(tu_sh("cd '%s' && git checkout -q main && git merge -q --ff-only origin/main",
			       dir), 0);
	ck_assert_int_eq(resolve(&c, dir, NULL, NULL, 0), RSC_OK);
	char *prev = rev(dir, "HEAD~1");
	ck_assert_str_eq(c.revs.a.commit, prev);
	want = label(dir, "HEAD~1", "HEAD~1", " (HEAD has nothing beyond origin/main)");
	ck_assert_str_eq(c.revs.a.label, want);
	free(want);
	ctx_free(&c);
	free(base);
	free(head);
	free(prev);
}
END_TEST

START_TEST(local_upstream)
{
	/* A branch whose upstream is a local branch (remote "."). */
	char *dir = three_commits("revs-local");
	ck_assert_int_eq(tu_sh("cd '%s' && git checkout -q -b topic main~1 && "
			       "git branch -q --set-upstream-to=main", dir), 0);
	tu_write(dir, "t.yaml", "t\n");
	tu_git_commit(dir, "topic", 1780004000L);
	ctx c;
	ck_assert_int_eq(resolve(&c, dir, NULL, NULL, 0), RSC_OK);
	char *base = rev(dir, "main~1");
	ck_assert_str_eq(c.revs.a.commit, base);
	char *want = label(dir, "main", base, " (merge base with main)");
	ck_assert_str_eq(c.revs.a.label, want);
	free(want);
	free(base);
	ctx_free(&c);
}
END_TEST

START_TEST(detached_head_compares_with_its_parent)
{
	char *dir = three_commits("revs-detached");
	ck_assert_int_eq(tu_sh("git -C '%s' checkout -q --detach HEAD~1", dir), 0);
	ctx c;
	ck_assert_int_eq(resolve(&c, dir, NULL, NULL, 0), RSC_OK);
	char *a = rev(dir, "HEAD~1"), *b = rev(dir, "HEAD");
	ck_assert_str_eq(c.revs.a.commit, a);
	char *want = label(dir, "HEAD~1", "HEAD~1", "");
	ck_assert_str_eq(c.revs.a.label, want);
	free(want);
	ck_assert_str_eq(c.revs.b.commit, b);
	want = label(dir, "HEAD", "HEAD", "");
	ck_assert_str_eq(c.revs.b.label, want);
	free(want);
	ctx_free(&c);
	/* Without an upstream, --worktree compares with HEAD: what is being
	 * edited. */
	ck_assert_int_eq(resolve(&c, dir, NULL, NULL, 1), RSC_OK);
	ck_assert_str_eq(c.revs.a.commit, b);
	ck_assert_int_eq(c.revs.b.worktree, 1);
	ctx_free(&c);
	free(a);
	free(b);
}
END_TEST

START_TEST(named_revisions)
{
	char *dir = three_commits("revs-named");
	char *first = rev(dir, "main~2"), *second = rev(dir, "main~1");
	ctx c;
	ck_assert_int_eq(resolve(&c, dir, "main~2", "main~1", 0), RSC_OK);
	ck_assert_str_eq(c.revs.a.commit, first);
	ck_assert_str_eq(c.revs.b.commit, second);
	char *want = label(dir, "main~2", "main~2", "");
	ck_assert_str_eq(c.revs.a.label, want);
	free(want);
	ctx_free(&c);
	/* An id names itself; one revision is compared with HEAD. */
	char shortid[8];
	snprintf(shortid, sizeof shortid, "%.7s", first);
	ck_assert_int_eq(resolve(&c, dir, shortid, NULL, 0), RSC_OK);
	ck_assert_str_eq(c.revs.a.label, shortid);
	want = label(dir, "main", "HEAD", "");
	ck_assert_str_eq(c.revs.b.label, want);
	free(want);
	ctx_free(&c);
	/* From a subdirectory of the work tree too. */
	tu_write(dir, "flags/x.yaml", "x\n");
	char sub[4096];
	snprintf(sub, sizeof sub, "%s/flags", dir);
	ck_assert_int_eq(resolve(&c, sub, "main~1", NULL, 1), RSC_OK);
	ck_assert_str_eq(c.revs.a.commit, second);
	ctx_free(&c);
	free(first);
	free(second);
}
END_TEST

START_TEST(first_commit_has_no_parent)
{
	char *dir = tu_tmpdir("revs-root");
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", "environments: [prod]\n");
	tu_git_commit(dir, "one", 1780001000L);
	ctx c;
	ck_assert_int_eq(resolve(&c, dir, NULL, NULL, 0), RSC_EIO);
	char *id = rev(dir, "HEAD");
	char want[256];
	snprintf(want, sizeof want, "HEAD (%.7s) is the first commit: there is no HEAD~1 to "
		 "compare with; name REV_A, or use --worktree", id);
	assert_error(&c, want);
	ck_assert_str_eq(c.d.v[0].message, want);
	ctx_free(&c);
	free(id);
}
END_TEST

START_TEST(refusals)
{
	char *dir = three_commits("revs-bad");
	ctx c;
	ck_assert_int_eq(resolve(&c, dir, "nope", NULL, 0), RSC_EIO);
	assert_error(&c, "cannot resolve revision 'nope': ");
	ctx_free(&c);
	ck_assert_int_eq(resolve(&c, dir, "main", "no-such-branch", 0), RSC_EIO);
	assert_error(&c, "cannot resolve revision 'no-such-branch': ");
	ctx_free(&c);
	ck_assert_int_eq(resolve(&c, dir, "main~1", "main", 1), RSC_EUSAGE);
	assert_error(&c, "--worktree is side B: give at most one revision with it "
		     "(found 'main~1' and 'main')");
	ctx_free(&c);

	char *empty = tu_tmpdir("revs-empty");
	tu_git_init(empty);
	ck_assert_int_eq(resolve(&c, empty, NULL, NULL, 0), RSC_EIO);
	assert_error(&c, "no commit yet: commit the ruleset, or use --worktree");
	ctx_free(&c);

	char tmpl[] = "/tmp/rsc-revs-norepo-XXXXXX";
	char *plain = mkdtemp(tmpl);
	ck_assert_ptr_nonnull(plain);
	ck_assert_int_eq(resolve(&c, plain, NULL, NULL, 0), RSC_EIO);
	char want[256];
	snprintf(want, sizeof want, "'%s' is not inside a git repository (use --worktree to "
		 "read files on disk)", plain);
	assert_error(&c, want);
	ctx_free(&c);
	ck_assert_int_eq(tu_sh("rmdir '%s'", plain), 0);
}
END_TEST

START_TEST(shallow_clone_says_so)
{
	char *origin = three_commits("revs-shallow-origin");
	char *dir = clone_of(origin, "revs-shallow", "--depth 1");
	ctx c;
	ck_assert_int_eq(resolve(&c, dir, NULL, NULL, 0), RSC_EIO);
	/* Cloned main tracks origin/main, which is HEAD: A would be HEAD~1,
	 * which the clone does not hold. */
	char *id = rev(dir, "HEAD");
	char want[256];
	snprintf(want, sizeof want, "the clone is too shallow to hold HEAD~1, the parent of "
		 "HEAD (%.7s): fetch more history (git fetch --deepen=1), or name REV_A", id);
	assert_error(&c, want);
	ctx_free(&c);
	free(id);
}
END_TEST

Suite *revs_suite(void); /* called by the runner */
Suite *revs_suite(void)
{
	Suite *s = suite_create("revs");
	TCase *tc = tcase_create("resolve");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, merge_base_with_the_upstream);
	tcase_add_test(tc, local_upstream);
	tcase_add_test(tc, detached_head_compares_with_its_parent);
	tcase_add_test(tc, named_revisions);
	tcase_add_test(tc, first_commit_has_no_parent);
	tcase_add_test(tc, refusals);
	tcase_add_test(tc, shallow_clone_says_so);
	suite_add_tcase(s, tc);
	return s;
}
