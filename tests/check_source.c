/*
 * check_source.c - reading a ruleset from real git repositories (made with
 * the git command): from a commit, from the working directory, from a
 * subdirectory, from a shallow clone; what is refused; provenance.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "source.h"
#include "testutil.h"

typedef struct ctx {
	rsc_arena arena;
	rsc_diags d;
	rsc_fileset fs;
} ctx;

static int src_read(ctx *c, const char *root, const char *rev)
{
	c->arena = (rsc_arena)RSC_ARENA_INIT;
	rsc_diags_init(&c->d, &c->arena);
	return rsc_source_read(&c->fs, &c->arena, root, rev, &c->d);
}

static void ctx_free(ctx *c)
{
	rsc_diags_free(&c->d);
	rsc_arena_free(&c->arena);
}

/* First line of a command's output (malloc'd). */
static char *sh_out(const char *cmd)
{
	char *out = NULL;
	ck_assert_int_eq(tu_run(cmd, &out, NULL), 0);
	ck_assert_ptr_nonnull(out);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

static char *rev_parse(const char *dir, const char *rev)
{
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse '%s'", dir, rev);
	return sh_out(cmd);
}

static void assert_file(const rsc_fileset *fs, const char *path, const char *data)
{
	const rsc_file *f = rsc_fileset_find(fs, path);
	ck_assert_msg(f != NULL, "missing %s", path);
	ck_assert_str_eq(f->data, data);
	ck_assert_uint_eq(f->len, strlen(data));
}

static void assert_one_diag(const rsc_diags *d, const char *file, const char *msg)
{
	ck_assert_uint_eq(d->n, 1);
	ck_assert_uint_eq(d->errors, 1);
	ck_assert_int_eq(d->v[0].severity, RSC_ERROR);
	ck_assert_str_eq(d->v[0].file ? d->v[0].file : "", file);
	/* A refused file is placed at its start, 1:1, like every other error;
	 * a problem with no file has no position. */
	ck_assert_uint_eq(d->v[0].line, *file ? 1 : 0);
	ck_assert_uint_eq(d->v[0].col, *file ? 1 : 0);
	ck_assert_str_eq(d->v[0].message, msg);
}

/* A repository with two commits and an uncommitted edit. */
static char *history_repo(const char *name)
{
	char *dir = tu_tmpdir(name);
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", "v: 1\n");
	tu_write(dir, "README.md", "not yaml\n");
	tu_git_commit(dir, "first commit", 1000);
	tu_write(dir, "rulestead.yaml", "v: 2\n");
	tu_write(dir, "flag.yaml", "key: flag\n");
	ck_assert_int_eq(tu_sh("cd '%s' && git add -A && "
			       "GIT_AUTHOR_DATE='@1500 +0000' GIT_COMMITTER_DATE='@2000 -0130' "
			       "git commit -q -m 'second commit' -m 'the body'", dir), 0);
	tu_write(dir, "rulestead.yaml", "v: 3 (uncommitted)\n");
	tu_write(dir, "untracked.yaml", "new\n");
	return dir;
}

START_TEST(test_head_is_the_commit_not_the_worktree)
{
	char *dir = history_repo("source-head");
	ctx c;
	ck_assert_int_eq(src_read(&c, dir, "HEAD"), RSC_OK);
	ck_assert_uint_eq(c.d.n, 0);
	ck_assert_uint_eq(c.fs.n, 2);
	ck_assert_str_eq(c.fs.v[0].path, "flag.yaml");
	ck_assert_str_eq(c.fs.v[1].path, "rulestead.yaml");
	assert_file(&c.fs, "rulestead.yaml", "v: 2\n");
	ck_assert_ptr_null(rsc_fileset_find(&c.fs, "untracked.yaml"));
	ck_assert_ptr_null(rsc_fileset_find(&c.fs, "README.md"));

	ck_assert_int_eq(c.fs.from_git, 1);
	char *head = rev_parse(dir, "HEAD");
	ck_assert_str_eq(c.fs.commit, head);
	ck_assert_int_eq(c.fs.commit_time, 2000);
	ck_assert_int_eq(c.fs.commit_tz, -90);
	/* a later second than the parent's: position 0, and the parent's
	 * version is not needed (surely lower) */
	ck_assert_ptr_null(c.fs.version_problem);
	ck_assert_uint_eq(c.fs.version, 2000u * 1024u);
	ck_assert_int_eq(c.fs.has_parent, 1);
	ck_assert_int_eq(c.fs.parent_time, 1000);
	ck_assert_uint_eq(c.fs.parent_version, 0);
	ck_assert_str_eq(c.fs.author, "Test Author <author@example.com>");
	ck_assert_str_eq(c.fs.subject, "second commit");
	ck_assert_str_eq(c.fs.root_path, "");
	ck_assert_ptr_null(c.fs.repo_url);
	ctx_free(&c);
	free(head);
	free(dir);
}
END_TEST

START_TEST(test_older_revision_by_name_and_hash)
{
	char *dir = history_repo("source-older");
	char *old = rev_parse(dir, "HEAD~1");
	const char *revs[] = { "HEAD~1", old, "main~1" };
	for (size_t i = 0; i < 3; i++) {
		ctx c;
		ck_assert_int_eq(src_read(&c, dir, revs[i]), RSC_OK);
		ck_assert_uint_eq(c.fs.n, 1);
		assert_file(&c.fs, "rulestead.yaml", "v: 1\n");
		ck_assert_str_eq(c.fs.commit, old);
		ck_assert_int_eq(c.fs.commit_time, 1000);
		ck_assert_int_eq(c.fs.commit_tz, 0);
		ck_assert_ptr_null(c.fs.version_problem);
		ck_assert_uint_eq(c.fs.version, 1000u * 1024u);
		ck_assert_int_eq(c.fs.has_parent, 0); /* a root commit */
		ck_assert_str_eq(c.fs.subject, "first commit");
		ctx_free(&c);
	}
	free(old);
	free(dir);
}
END_TEST

START_TEST(test_worktree_sees_uncommitted_edits)
{
	char *dir = history_repo("source-worktree");
	ctx c;
	ck_assert_int_eq(src_read(&c, dir, NULL), RSC_OK);
	ck_assert_uint_eq(c.d.n, 0);
	ck_assert_uint_eq(c.fs.n, 3);
	ck_assert_str_eq(c.fs.v[0].path, "flag.yaml");
	ck_assert_str_eq(c.fs.v[1].path, "rulestead.yaml");
	ck_assert_str_eq(c.fs.v[2].path, "untracked.yaml");
	assert_file(&c.fs, "rulestead.yaml", "v: 3 (uncommitted)\n");
	ck_assert_int_eq(c.fs.from_git, 0);
	ck_assert_str_eq(c.fs.commit, "");
	ck_assert_ptr_null(c.fs.author);
	ck_assert_ptr_null(c.fs.subject);
	ck_assert_int_eq(c.fs.commit_time, 0);
	ck_assert_str_eq(c.fs.root_path, "");
	ctx_free(&c);
	free(dir);
}
END_TEST

START_TEST(test_ruleset_in_a_subdirectory)
{
	char *dir = tu_tmpdir("source-subdir");
	tu_git_init(dir);
	tu_write(dir, "top.yaml", "outside: true\n");
	tu_write(dir, "flags/rulestead.yaml", "inside: true\n");
	tu_write(dir, "flags/segments/beta.yaml", "key: beta\n");
	tu_write(dir, "flags/environments/prod/.gitkeep", "");
	tu_git_commit(dir, "flags", 1000);

	/* Relative to the current directory, as a user would type it. */
	const char *roots[] = { "tests/tmp/source-subdir/flags",
				"tests/tmp/source-subdir/flags/" };
	for (size_t i = 0; i < 2; i++) {
		ctx c;
		ck_assert_int_eq(src_read(&c, roots[i], "HEAD"), RSC_OK);
		ck_assert_uint_eq(c.fs.n, 2);
		ck_assert_str_eq(c.fs.v[0].path, "rulestead.yaml");
		ck_assert_str_eq(c.fs.v[1].path, "segments/beta.yaml");
		assert_file(&c.fs, "segments/beta.yaml", "key: beta\n");
		ck_assert_str_eq(c.fs.root_path, "flags");
		ctx_free(&c);

		ck_assert_int_eq(src_read(&c, roots[i], NULL), RSC_OK);
		ck_assert_uint_eq(c.fs.n, 2);
		ck_assert_str_eq(c.fs.v[1].path, "segments/beta.yaml");
		ck_assert_str_eq(c.fs.root_path, "flags");
		ctx_free(&c);
	}

	/* The commit is read even when the directory is gone from the disk. */
	ck_assert_int_eq(tu_sh("rm -rf '%s/flags'", dir), 0);
	char root[4096];
	snprintf(root, sizeof root, "%s/flags", dir);
	ctx c;
	ck_assert_int_eq(src_read(&c, root, "HEAD"), RSC_OK);
	ck_assert_uint_eq(c.fs.n, 2);
	ck_assert_str_eq(c.fs.root_path, "flags");
	ctx_free(&c);

	/* A directory that exists on disk but not in the commit. */
	tu_write(dir, "other/x.yaml", "x\n");
	snprintf(root, sizeof root, "%s/other", dir);
	ck_assert_int_eq(src_read(&c, root, "HEAD"), RSC_EIO);
	char *head = rev_parse(dir, "HEAD");
	char msg[4200];
	snprintf(msg, sizeof msg,
		 "'%s' does not exist in commit %.7s (use --worktree to read files on disk)",
		 root, head);
	assert_one_diag(&c.d, "", msg);
	ctx_free(&c);

	/* Neither on disk nor in the commit: no hint. */
	snprintf(root, sizeof root, "%s/nowhere", dir);
	ck_assert_int_eq(src_read(&c, root, "HEAD"), RSC_EIO);
	snprintf(msg, sizeof msg, "'%s' does not exist in commit %.7s", root, head);
	assert_one_diag(&c.d, "", msg);
	ctx_free(&c);

	/* Not on disk, and nothing around it is a repository. */
	ck_assert_int_eq(src_read(&c, "/nonexistent-rsc-root/flags", "HEAD"), RSC_EIO);
	assert_one_diag(&c.d, "", "'/nonexistent-rsc-root/flags' does not exist");
	ctx_free(&c);

	/* A file, not a directory, in the commit. */
	snprintf(root, sizeof root, "%s/top.yaml", dir);
	ck_assert_int_eq(src_read(&c, root, "HEAD"), RSC_EIO);
	snprintf(msg, sizeof msg, "'%s' is not a directory in commit %.7s", root, head);
	assert_one_diag(&c.d, "", msg);
	ctx_free(&c);
	free(head);
	free(dir);
}
END_TEST

START_TEST(test_shallow_clone)
{
	char *src = tu_tmpdir("source-shallow-src");
	tu_git_init(src);
	tu_write(src, "rulestead.yaml", "v: 1\n");
	tu_git_commit(src, "one", 1000);
	tu_write(src, "rulestead.yaml", "v: 2\n");
	tu_git_commit(src, "two", 2000);
	tu_write(src, "rulestead.yaml", "v: 3\n");
	tu_write(src, "segments/s.yaml", "key: s\n");
	tu_git_commit(src, "three", 3000);
	char *dst = tu_tmpdir("source-shallow-dst");
	ck_assert_int_eq(tu_sh("rmdir '%s' && git clone -q --depth 1 'file://%s' '%s'",
			       dst, src, dst), 0);
	char shallow[4200];
	snprintf(shallow, sizeof shallow, "%s/.git/shallow", dst);
	ck_assert_int_eq(access(shallow, F_OK), 0);

	ctx c;
	ck_assert_int_eq(src_read(&c, dst, "HEAD"), RSC_OK);
	ck_assert_uint_eq(c.d.n, 0);
	ck_assert_uint_eq(c.fs.n, 2);
	assert_file(&c.fs, "rulestead.yaml", "v: 3\n");
	assert_file(&c.fs, "segments/s.yaml", "key: s\n");
	char *head = rev_parse(src, "HEAD");
	ck_assert_str_eq(c.fs.commit, head);
	ck_assert_str_eq(c.fs.subject, "three");
	ck_assert_int_eq(c.fs.commit_time, 3000);
	/* the files need only the commit; its version needs the parent's time */
	char want[256];
	snprintf(want, sizeof want, "the clone is too shallow to compute the version of "
		 "commit %.7s: fetch more history (git fetch --deepen=N, or "
		 "fetch-depth: 0 in CI)", head);
	ck_assert_str_eq(c.fs.version_problem, want);
	ck_assert_uint_eq(c.fs.version, 0);
	ck_assert_int_eq(c.fs.has_parent, 0);
	char url[4200];
	snprintf(url, sizeof url, "file://%s", src);
	ck_assert_str_eq(c.fs.repo_url, url);
	ctx_free(&c);

	/* The parent is not in the clone. */
	ck_assert_int_eq(src_read(&c, dst, "HEAD~1"), RSC_EIO);
	ck_assert_uint_eq(c.d.n, 1);
	ck_assert_msg(strncmp(c.d.v[0].message, "cannot resolve revision 'HEAD~1': ", 34) == 0,
		      "%s", c.d.v[0].message);
	ctx_free(&c);
	free(head);
	free(src);
	free(dst);
}
END_TEST

START_TEST(test_symlink_refused)
{
	char *dir = tu_tmpdir("source-symlink");
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", "v: 1\n");
	tu_write(dir, "segments/a.yaml", "key: a\n");
	tu_write(dir, "README.md", "readme\n");
	tu_write(dir, "docs/a.md", "a\n");
	ck_assert_int_eq(tu_sh("cd '%s' && ln -s rulestead.yaml link.yaml && "
			       "ln -s ../elsewhere segments/dir && "
			       "ln -s README.md README && ln -s docs manual && "
			       "ln -s ../README.md docs/b.md", dir), 0);
	tu_git_commit(dir, "links", 1000);

	/* Links the compiler would not read from are none of its business. */
	for (int mode = 0; mode < 2; mode++) {
		ctx c;
		ck_assert_int_eq(src_read(&c, dir, mode ? "HEAD" : NULL), RSC_EINVALID);
		ck_assert_uint_eq(c.d.n, 2);
		rsc_diags_sort(&c.d);
		ck_assert_str_eq(c.d.v[0].file, "link.yaml");
		ck_assert_uint_eq(c.d.v[0].line, 1);
		ck_assert_uint_eq(c.d.v[0].col, 1);
		ck_assert_str_eq(c.d.v[0].message,
				 "symbolic links are not allowed in a ruleset "
				 "(points to 'rulestead.yaml')");
		ck_assert_str_eq(c.d.v[1].file, "segments/dir");
		ck_assert_str_eq(c.d.v[1].message,
				 "symbolic links are not allowed in a ruleset "
				 "(points to '../elsewhere')");
		ctx_free(&c);
	}

	/* segments, environments and anything under environments/. */
	ck_assert_int_eq(tu_sh("cd '%s' && rm link.yaml segments/dir && mkdir -p envs/prod && "
			       "ln -s envs environments && ln -s ../envs/prod segs && "
			       "mv segs segments/x && ln -s /tmp stash && "
			       "ln -s ../segments envs/s.yml", dir), 0);
	tu_git_commit(dir, "more links", 2000);
	for (int mode = 0; mode < 2; mode++) {
		ctx c;
		ck_assert_int_eq(src_read(&c, dir, mode ? "HEAD" : NULL), RSC_EINVALID);
		ck_assert_uint_eq(c.d.n, 3);
		rsc_diags_sort(&c.d);
		ck_assert_str_eq(c.d.v[0].file, "environments");
		ck_assert_str_eq(c.d.v[1].file, "envs/s.yml");
		ck_assert_str_eq(c.d.v[2].file, "segments/x");
		ctx_free(&c);
	}
	free(dir);
}
END_TEST

START_TEST(test_dot_paths_skipped)
{
	char *dir = tu_tmpdir("source-dot");
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", "v: 1\n");
	tu_write(dir, ".github/workflows/ci.yml", "on: push\n");
	tu_write(dir, ".github/workflows/x.yaml", "on: push\n");
	tu_write(dir, ".pre-commit-config.yaml", "repos: []\n");
	tu_write(dir, "segments/.draft.yaml", "key: d\n");
	tu_write(dir, "environments/.old/f.yaml", "x\n");
	tu_write(dir, "environments/prod/f.yaml", "enabled: true\n");
	tu_git_commit(dir, "dots", 1000);
	/* A dot-directory may even hold links and repositories. */
	ck_assert_int_eq(tu_sh("cd '%s' && ln -s /tmp .cache", dir), 0);
	for (int mode = 0; mode < 2; mode++) {
		ctx c;
		ck_assert_int_eq(src_read(&c, dir, mode ? "HEAD" : NULL), RSC_OK);
		ck_assert_uint_eq(c.d.n, 0);
		ck_assert_uint_eq(c.fs.n, 2);
		ck_assert_str_eq(c.fs.v[0].path, "environments/prod/f.yaml");
		ck_assert_str_eq(c.fs.v[1].path, "rulestead.yaml");
		ctx_free(&c);
	}
	free(dir);
}
END_TEST

START_TEST(test_worktree_skips_ignored)
{
	char *dir = tu_tmpdir("source-ignored");
	tu_git_init(dir);
	tu_write(dir, ".gitignore", "node_modules/\n*.tmp.yaml\nbuild\n");
	tu_write(dir, "flags/rulestead.yaml", "v: 1\n");
	tu_write(dir, "flags/node_modules/x/c.yaml", "c\n");
	tu_write(dir, "flags/scratch.tmp.yaml", "s\n");
	tu_write(dir, "flags/build/b.yaml", "b\n");
	tu_git_commit(dir, "ignores", 1000);
	/* An ignored link is not looked at either. */
	ck_assert_int_eq(tu_sh("cd '%s/flags' && ln -s rulestead.yaml x.tmp.yaml", dir), 0);
	char root[4200];
	snprintf(root, sizeof root, "%s/flags", dir);
	ctx c;
	ck_assert_int_eq(src_read(&c, root, NULL), RSC_OK);
	ck_assert_uint_eq(c.d.n, 0);
	ck_assert_uint_eq(c.fs.n, 1);
	ck_assert_str_eq(c.fs.v[0].path, "rulestead.yaml");
	ctx_free(&c);

	/* A root that is itself ignored was named on purpose: all of it. */
	snprintf(root, sizeof root, "%s/flags/build", dir);
	ck_assert_int_eq(src_read(&c, root, NULL), RSC_OK);
	ck_assert_uint_eq(c.fs.n, 1);
	ck_assert_str_eq(c.fs.v[0].path, "b.yaml");
	ctx_free(&c);
	free(dir);
}
END_TEST

START_TEST(test_non_utf8_name_refused)
{
	char *dir = tu_tmpdir("source-utf8");
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", "v: 1\n");
	tu_write(dir, "caf\xc3\xa9.yaml", "ok\n");
	tu_write(dir, "bad\xe9.yaml", "x\n");
	tu_write(dir, "notes-\xff.md", "ignored\n");
	tu_git_commit(dir, "names", 1000);
	for (int mode = 0; mode < 2; mode++) {
		ctx c;
		ck_assert_int_eq(src_read(&c, dir, mode ? "HEAD" : NULL), RSC_EINVALID);
		assert_one_diag(&c.d, "bad?.yaml", "file name is not valid UTF-8");
		ck_assert_ptr_nonnull(rsc_fileset_find(&c.fs, "caf\xc3\xa9.yaml"));
		ctx_free(&c);
	}
	free(dir);
}
END_TEST

START_TEST(test_uncommitted_changes_counted)
{
	char *dir = tu_tmpdir("source-dirty");
	tu_git_init(dir);
	tu_write(dir, "flags/rulestead.yaml", "v: 1\n");
	tu_write(dir, "flags/a.yaml", "a\n");
	tu_write(dir, "flags/b.yaml", "b\n");
	tu_write(dir, "other/o.yaml", "o\n");
	tu_write(dir, ".gitignore", "*.tmp.yaml\n");
	tu_git_commit(dir, "clean", 1000);
	char root[4200];
	snprintf(root, sizeof root, "%s/flags", dir);
	size_t n = 99;
	ck_assert_int_eq(rsc_source_uncommitted(&n, root), RSC_OK);
	ck_assert_uint_eq(n, 0);

	/* Modified, deleted, added (untracked and staged); not: outside the
	 * root, ignored, dot-files, other extensions. */
	tu_write(dir, "flags/a.yaml", "a2\n");
	ck_assert_int_eq(tu_sh("cd '%s' && rm flags/b.yaml", dir), 0);
	tu_write(dir, "flags/segments/new.yaml", "n\n");
	tu_write(dir, "flags/staged.yaml", "s\n");
	ck_assert_int_eq(tu_sh("cd '%s' && git add flags/staged.yaml", dir), 0);
	tu_write(dir, "other/o.yaml", "o2\n");
	tu_write(dir, "flags/x.tmp.yaml", "t\n");
	tu_write(dir, "flags/.pre-commit-config.yaml", "p\n");
	tu_write(dir, "flags/notes.md", "m\n");
	ck_assert_int_eq(rsc_source_uncommitted(&n, root), RSC_OK);
	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(rsc_source_uncommitted(&n, dir), RSC_OK);
	ck_assert_uint_eq(n, 5);

	/* No repository: nothing to compare with. */
	ck_assert_int_eq(rsc_source_uncommitted(&n, "/"), RSC_EIO);
	ck_assert_uint_eq(n, 0);
	free(dir);
}
END_TEST

START_TEST(test_submodule_refused)
{
	char *other = tu_tmpdir("source-submodule-other");
	tu_git_init(other);
	tu_write(other, "inner.yaml", "inner\n");
	tu_git_commit(other, "inner", 1000);
	char *dir = tu_tmpdir("source-submodule");
	tu_git_init(dir);
	tu_write(dir, "rulestead.yaml", "v: 1\n");
	ck_assert_int_eq(tu_sh("cd '%s' && git -c protocol.file.allow=always "
			       "submodule add -q '%s' environments/sub && "
			       "git -c protocol.file.allow=always submodule add -q '%s' vendor/lib",
			       dir, other, other), 0);
	tu_git_commit(dir, "with a submodule", 2000);

	/* Refused where the compiler reads; vendor/lib is someone else's. */
	for (int mode = 0; mode < 2; mode++) {
		ctx c;
		ck_assert_int_eq(src_read(&c, dir, mode ? "HEAD" : NULL), RSC_EINVALID);
		assert_one_diag(&c.d, "environments/sub",
				"submodules are not allowed in a ruleset");
		ck_assert_ptr_null(rsc_fileset_find(&c.fs, "environments/sub/inner.yaml"));
		ck_assert_ptr_null(rsc_fileset_find(&c.fs, "vendor/lib/inner.yaml"));
		ctx_free(&c);
	}

	/* A gitlink written directly into the index, and a nested repository
	 * on disk. */
	char *dir2 = tu_tmpdir("source-gitlink");
	tu_git_init(dir2);
	tu_write(dir2, "rulestead.yaml", "v: 1\n");
	char *sha = rev_parse(other, "HEAD");
	ck_assert_int_eq(tu_sh("cd '%s' && git update-index --add --cacheinfo "
			       "160000,%s,mod.yaml && git update-index --add --cacheinfo "
			       "160000,%s,mod", dir2, sha, sha), 0);
	ck_assert_int_eq(tu_sh("cd '%s' && git commit -q -m gitlink", dir2), 0);
	ctx c;
	ck_assert_int_eq(src_read(&c, dir2, "HEAD"), RSC_EINVALID);
	assert_one_diag(&c.d, "mod.yaml", "submodules are not allowed in a ruleset");
	ctx_free(&c);
	tu_write(dir2, "segments/x.yaml", "x\n");
	tu_write(dir2, "nested/x.yaml", "x\n");
	char nested[4200];
	snprintf(nested, sizeof nested, "%s/segments", dir2);
	tu_git_init(nested);
	snprintf(nested, sizeof nested, "%s/nested", dir2);
	tu_git_init(nested);
	ck_assert_int_eq(src_read(&c, dir2, NULL), RSC_EINVALID);
	assert_one_diag(&c.d, "segments", "submodules are not allowed in a ruleset");
	ck_assert_ptr_null(rsc_fileset_find(&c.fs, "nested/x.yaml"));
	ctx_free(&c);
	free(sha);
	free(other);
	free(dir);
	free(dir2);
}
END_TEST

START_TEST(test_unresolvable_revision)
{
	char *dir = history_repo("source-badrev");
	ctx c;
	ck_assert_int_eq(src_read(&c, dir, "no-such-branch"), RSC_EIO);
	ck_assert_uint_eq(c.d.n, 1);
	const char *want = "cannot resolve revision 'no-such-branch': ";
	ck_assert_msg(strncmp(c.d.v[0].message, want, strlen(want)) == 0 &&
			      strlen(c.d.v[0].message) > strlen(want),
		      "%s", c.d.v[0].message);
	ck_assert_uint_eq(c.fs.n, 0);
	ctx_free(&c);

	/* Names a blob, not a commit. */
	ck_assert_int_eq(src_read(&c, dir, "HEAD:rulestead.yaml"), RSC_EIO);
	ck_assert_uint_eq(c.d.n, 1);
	want = "revision 'HEAD:rulestead.yaml' is not a commit: ";
	ck_assert_msg(strncmp(c.d.v[0].message, want, strlen(want)) == 0, "%s",
		      c.d.v[0].message);
	ctx_free(&c);
	free(dir);
}
END_TEST

START_TEST(test_not_a_repository)
{
	char tmpl[] = "/tmp/rsc-source-norepo-XXXXXX";
	char *dir = mkdtemp(tmpl);
	ck_assert_ptr_nonnull(dir);
	tu_write(dir, "rulestead.yaml", "v: 1\n");
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "git -C '%s' rev-parse --git-dir", dir);
	ck_assert_int_ne(tu_run(cmd, NULL, NULL), 0);

	ctx c;
	ck_assert_int_eq(src_read(&c, dir, "HEAD"), RSC_EIO);
	char msg[4200];
	snprintf(msg, sizeof msg,
		 "'%s' is not inside a git repository (use --worktree to read files on disk)",
		 dir);
	assert_one_diag(&c.d, "", msg);
	ctx_free(&c);

	/* The working directory needs no repository. */
	ck_assert_int_eq(src_read(&c, dir, NULL), RSC_OK);
	ck_assert_uint_eq(c.fs.n, 1);
	assert_file(&c.fs, "rulestead.yaml", "v: 1\n");
	ck_assert_ptr_null(c.fs.root_path);
	ck_assert_ptr_null(c.fs.repo_url);
	ctx_free(&c);
	ck_assert_int_eq(tu_sh("rm -rf '%s'", dir), 0);
}
END_TEST

START_TEST(test_unreadable_root)
{
	char *dir = tu_tmpdir("source-noroot");
	char root[4200];
	snprintf(root, sizeof root, "%s/missing", dir);
	ctx c;
	ck_assert_int_eq(src_read(&c, root, NULL), RSC_EIO);
	char msg[4400];
	snprintf(msg, sizeof msg, "cannot read '%s': No such file or directory", root);
	assert_one_diag(&c.d, "", msg);
	ctx_free(&c);
	free(dir);
}
END_TEST

START_TEST(test_remote_credentials_stripped)
{
	char *dir = history_repo("source-remote");
	ck_assert_int_eq(tu_sh("git -C '%s' remote add origin "
			       "'https://user:secret@example.com/x.git'", dir), 0);
	for (int mode = 0; mode < 2; mode++) {
		ctx c;
		ck_assert_int_eq(src_read(&c, dir, mode ? "HEAD" : NULL), RSC_OK);
		ck_assert_str_eq(c.fs.repo_url, "https://example.com/x.git");
		ctx_free(&c);
	}
	free(dir);
}
END_TEST

START_TEST(test_which_files_are_read)
{
	char *dir = tu_tmpdir("source-names");
	tu_git_init(dir);
	tu_write(dir, "b.yml", "b\n");
	tu_write(dir, "a.yaml", "a\n");
	tu_write(dir, "Z.yaml", "Z\n");
	tu_write(dir, "dir/x.yaml", "x\n");
	tu_write(dir, "dir-x.yaml", "dx\n");
	tu_write(dir, "README.md", "r\n");
	tu_write(dir, "c.yaml.txt", "c\n");
	tu_write(dir, "upper.YAML", "u\n");
	tu_write(dir, "segments/.gitkeep", "");
	tu_write(dir, "run.yaml", "exec\n");
	ck_assert_int_eq(tu_sh("chmod +x '%s/run.yaml'", dir), 0);
	tu_git_commit(dir, "names", 1000);
	const char *order[] = { "Z.yaml", "a.yaml", "b.yml", "dir-x.yaml", "dir/x.yaml",
				"run.yaml" };
	for (int mode = 0; mode < 2; mode++) {
		ctx c;
		ck_assert_int_eq(src_read(&c, dir, mode ? "HEAD" : NULL), RSC_OK);
		ck_assert_uint_eq(c.fs.n, 6);
		for (size_t i = 0; i < 6; i++)
			ck_assert_str_eq(c.fs.v[i].path, order[i]);
		assert_file(&c.fs, "b.yml", "b\n");
		assert_file(&c.fs, "dir/x.yaml", "x\n");
		assert_file(&c.fs, "run.yaml", "exec\n");
		ck_assert_ptr_null(rsc_fileset_find(&c.fs, "README.md"));
		ck_assert_ptr_null(rsc_fileset_find(&c.fs, "dir"));
		ck_assert_ptr_null(rsc_fileset_find(&c.fs, "zzz.yaml"));
		ck_assert_ptr_null(rsc_fileset_find(&c.fs, "0.yaml"));
		ctx_free(&c);
	}
	free(dir);
}
END_TEST

START_TEST(test_file_size_limit)
{
	char *dir = tu_tmpdir("source-size");
	tu_git_init(dir);
	ck_assert_int_eq(tu_sh("cd '%s' && head -c %u /dev/zero | tr '\\0' x > max.yaml && "
			       "head -c %u /dev/zero | tr '\\0' x > big.yaml && "
			       "head -c %u /dev/zero > big.bin",
			       dir, RSC_MAX_FILE_SIZE, RSC_MAX_FILE_SIZE + 1,
			       RSC_MAX_FILE_SIZE + 1), 0);
	tu_git_commit(dir, "big", 1000);
	for (int mode = 0; mode < 2; mode++) {
		ctx c;
		ck_assert_int_eq(src_read(&c, dir, mode ? "HEAD" : NULL), RSC_EINVALID);
		assert_one_diag(&c.d, "big.yaml",
				"file is too large: 1048577 bytes, at most 1048576 allowed");
		const rsc_file *f = rsc_fileset_find(&c.fs, "max.yaml");
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(f->len, RSC_MAX_FILE_SIZE);
		ck_assert_int_eq(f->data[0], 'x');
		ck_assert_int_eq(f->data[f->len - 1], 'x');
		ck_assert_int_eq(f->data[f->len], '\0');
		ctx_free(&c);
	}
	free(dir);
}
END_TEST


START_TEST(test_find_in_empty_set)
{
	rsc_fileset fs;
	memset(&fs, 0, sizeof fs);
	ck_assert_ptr_null(rsc_fileset_find(&fs, "a.yaml"));
}
END_TEST

Suite *source_suite(void); /* called by the runner */
Suite *source_suite(void)
{
	Suite *s = suite_create("source");
	TCase *tc = tcase_create("git");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_head_is_the_commit_not_the_worktree);
	tcase_add_test(tc, test_older_revision_by_name_and_hash);
	tcase_add_test(tc, test_worktree_sees_uncommitted_edits);
	tcase_add_test(tc, test_ruleset_in_a_subdirectory);
	tcase_add_test(tc, test_shallow_clone);
	tcase_add_test(tc, test_symlink_refused);
	tcase_add_test(tc, test_submodule_refused);
	tcase_add_test(tc, test_dot_paths_skipped);
	tcase_add_test(tc, test_worktree_skips_ignored);
	tcase_add_test(tc, test_non_utf8_name_refused);
	tcase_add_test(tc, test_uncommitted_changes_counted);
	tcase_add_test(tc, test_unresolvable_revision);
	tcase_add_test(tc, test_not_a_repository);
	tcase_add_test(tc, test_unreadable_root);
	tcase_add_test(tc, test_remote_credentials_stripped);
	tcase_add_test(tc, test_which_files_are_read);
	tcase_add_test(tc, test_file_size_limit);
	suite_add_tcase(s, tc);
	TCase *tu = tcase_create("util");
	tcase_add_test(tu, test_find_in_empty_set);
	suite_add_tcase(s, tu);
	return s;
}
