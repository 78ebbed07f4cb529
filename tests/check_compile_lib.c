/*
 * check_compile_lib.c - compile.c, the compiler as a library, in process:
 * two revisions compiled in memory and opened by the loader, review
 * snapshots signed with an ephemeral key, environment choice, and the
 * self-check that never returns a snapshot the loader refuses.  The rsc
 * compile command itself is tested in check_compile.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "compile.h"
#include "rsl.h"
#include "testutil.h"

#define T0 1767225600L /* 2026-01-01T00:00:00Z */

/* A fresh repository holding the fixture ruleset, committed at T0. */
static char *fixture_repo(const char *name, char root[1024])
{
	char *dir = tu_tmpdir(name);
	snprintf(root, 1024, "%s/repo", dir);
	ck_assert_int_eq(tu_sh("mkdir -p '%s' && cp -R tests/fixtures/compile/ruleset/. "
			       "'%s/'", root, root), 0);
	tu_git_init(root);
	tu_git_commit(root, "Add the flags", T0);
	return dir;
}

static void assert_opens(const rsc_compiled *r, size_t i, int64_t version)
{
	rsl_keyring *kr = NULL;
	rsl_snapshot *snap = NULL;
	rsl_error e;
	ck_assert_int_eq(rsl_keyring_new(&kr), RSL_OK);
	ck_assert_int_eq(rsl_keyring_add_raw(kr, r->pk, &e), RSL_OK);
	rsl_open_options oo = RSL_OPEN_OPTIONS_INIT;
	oo.keys = kr;
	oo.environment = r->snaps[i].env_name;
	ck_assert_msg(rsl_open_buffer(&snap, r->snaps[i].bytes, r->snaps[i].len, &oo, &e) ==
		      RSL_OK, "%s: %s", r->snaps[i].env_name, e.message);
	rsl_info info;
	rsl_snapshot_info(&info, snap);
	ck_assert_int_eq((int64_t)info.version, version);
	rsl_close(snap);
	rsl_keyring_free(kr);
}

/* Two revisions compiled in memory without a key (review snapshots, each
 * signed with an ephemeral key of its own) and opened by the loader: what
 * a later `rsc diff` does. */
START_TEST(two_revisions_in_memory)
{
	char root[1024];
	char *d = fixture_repo("lib-two", root);
	ck_assert_int_eq(tu_sh("sed -i 's/^description: .*/description: changed/' "
			       "'%s/ratio.yaml' && git -C '%s' add -A", root, root), 0);
	tu_git_commit(root, "Change", T0 + 60);

	rsc_compile_options o = RSC_COMPILE_OPTIONS_INIT;
	rsc_compiled a, b;
	o.root = root;
	o.rev = "HEAD~1";
	ck_assert_int_eq(rsc_compile(&a, &o), RSC_OK);
	o.rev = "HEAD";
	ck_assert_int_eq(rsc_compile(&b, &o), RSC_OK);
	ck_assert_uint_eq(a.nsnaps, 2);
	ck_assert_uint_eq(b.nsnaps, 2);
	ck_assert_str_eq(a.snaps[0].env_name, a.ruleset.envs[a.snaps[0].env].name);
	for (size_t i = 0; i < 2; i++) {
		assert_opens(&a, i, T0 * 1024);
		assert_opens(&b, i, (T0 + 60) * 1024);
	}
	ck_assert_int_ne(memcmp(a.pk, b.pk, sizeof a.pk), 0);
	ck_assert_uint_eq(a.diags.errors, 0);
	ck_assert_int_eq(b.files.has_parent, 1);
	ck_assert_int_eq(b.files.parent_time, T0);
	ck_assert_str_eq(b.files.parent, a.files.commit);
	rsc_compiled_free(&a);
	rsc_compiled_free(&b);

	/* an unknown environment: a usage error naming the known ones */
	static const char *const envs[] = { "qa" };
	o.envs = envs;
	o.nenvs = 1;
	ck_assert_int_eq(rsc_compile(&a, &o), RSC_EUSAGE);
	ck_assert_str_eq(a.message, "unknown environment 'qa'; the ruleset has dev, prod");
	ck_assert_uint_eq(a.nsnaps, 0);
	rsc_compiled_free(&a);

	/* a commit in the same second as its parent: the next version */
	tu_git_commit(root, "Same second", T0 + 60);
	o.envs = NULL;
	o.nenvs = 0;
	ck_assert_int_eq(rsc_compile(&a, &o), RSC_OK);
	ck_assert_uint_eq(a.diags.n, 0);
	ck_assert_uint_eq(a.files.version, (T0 + 60) * 1024 + 1);
	ck_assert_uint_eq(a.files.parent_version, (T0 + 60) * 1024);
	assert_opens(&a, 0, (T0 + 60) * 1024 + 1);
	rsc_compiled_free(&a);

	/* a committer clock that went backwards: invalid, with the reason */
	tu_git_commit(root, "Clock skew", T0 + 59);
	ck_assert_int_eq(rsc_compile(&a, &o), RSC_EINVALID);
	ck_assert_uint_eq(a.diags.errors, 1);
	ck_assert_uint_eq(a.nsnaps, 0);
	ck_assert_ptr_nonnull(strstr(a.diags.v[0].message, "its version 1809639074818 would "
				     "not be above the parent's 1809639075841;"));
	rsc_compiled_free(&a);
	/* the override compiles it, with a warning in the diagnostics */
	o.allow_nonincreasing_version = 1;
	ck_assert_int_eq(rsc_compile(&a, &o), RSC_OK);
	ck_assert_uint_eq(a.diags.errors, 0);
	ck_assert_uint_eq(a.diags.warnings, 1);
	assert_opens(&a, 0, (T0 + 59) * 1024 + 2);
	rsc_compiled_free(&a);
	free(d);
}
END_TEST

/* The body's map loses a pair it still holds: bytes after the item. */
static void break_body(unsigned char *body, size_t len)
{
	ck_assert_uint_gt(len, 0);
	ck_assert_int_ge(body[0], 0xa1);
	ck_assert_int_le(body[0], 0xb7);
	body[0]--;
}

/* The compiler checks itself: a signed snapshot the loader refuses is
 * never returned, and the message names the environment and the loader's
 * reason. */
START_TEST(never_returns_what_the_loader_refuses)
{
	char root[1024];
	char *d = fixture_repo("lib-self-check", root);
	static const char *const envs[] = { "prod" };
	rsc_compile_options o = RSC_COMPILE_OPTIONS_INIT;
	o.root = root;
	o.rev = "HEAD";
	o.envs = envs;
	o.nenvs = 1;
	o.test_body_hook = break_body;
	rsc_compiled r;
	ck_assert_int_eq(rsc_compile(&r, &o), RSC_EIO);
	ck_assert_uint_eq(r.nsnaps, 0);
	const char *want = "environment 'prod': the loader refuses the snapshot just "
			   "signed (RSL_EFORMAT: ";
	ck_assert_msg(strncmp(r.message, want, strlen(want)) == 0, "%s", r.message);
	ck_assert_ptr_nonnull(strstr(r.message, "); this is a bug in rsc, nothing written"));
	rsc_compiled_free(&r);

	o.test_body_hook = NULL;
	ck_assert_int_eq(rsc_compile(&r, &o), RSC_OK);
	ck_assert_uint_eq(r.nsnaps, 1);
	assert_opens(&r, 0, T0 * 1024);
	rsc_compiled_free(&r);
	free(d);
}
END_TEST

/* emit for the test below: stages each snapshot next to dir/<env>.rsnap. */
typedef struct emitted {
	const char *dir;
	rsc_atomic_set set;
	size_t calls;
	char paths[4][1100];
} emitted;

static int stage_to(const rsc_snapshot_bytes *s, void *arg, const char **path, char *err,
		    size_t errlen)
{
	emitted *em = arg;
	ck_assert_uint_lt(em->calls, 4);
	snprintf(em->paths[em->calls], sizeof em->paths[0], "%s/%s.rsnap", em->dir, s->env_name);
	if (rsc_atomic_stage(&em->set, em->paths[em->calls], s->bytes, s->len, 0444, err,
			     errlen) != 0)
		return -1;
	*path = rsc_atomic_staged_path(&em->set, em->set.n - 1);
	em->calls++;
	return 0;
}

/* With emit, every snapshot is written first and checked from its file once
 * the model is freed: a refused one still fails the call, naming it, and
 * the caller's discarding the staged files leaves nothing. */
START_TEST(emitted_snapshots_are_checked_from_their_files)
{
	char root[1024], out[1100];
	char *d = fixture_repo("lib-emit", root);
	snprintf(out, sizeof out, "%s/out", d);
	ck_assert_int_eq(tu_sh("mkdir '%s'", out), 0);
	emitted em = { out, RSC_ATOMIC_SET_INIT, 0, { "" } };
	rsc_compile_options o = RSC_COMPILE_OPTIONS_INIT;
	o.root = root;
	o.rev = "HEAD";
	o.emit = stage_to;
	o.emit_arg = &em;
	o.test_body_hook = break_body;
	rsc_compiled r;
	ck_assert_int_eq(rsc_compile(&r, &o), RSC_EIO);
	ck_assert_uint_eq(em.calls, 2); /* dev and prod written, then checked */
	const char *want = "environment 'dev': the loader refuses the snapshot just "
			   "signed (RSL_EFORMAT: ";
	ck_assert_msg(strncmp(r.message, want, strlen(want)) == 0, "%s", r.message);
	rsc_compiled_free(&r);
	rsc_atomic_set_free(&em.set);
	ck_assert_int_eq(tu_sh("test -z \"$(ls -A '%s')\"", out), 0);

	em = (emitted){ out, RSC_ATOMIC_SET_INIT, 0, { "" } };
	o.test_body_hook = NULL;
	ck_assert_int_eq(rsc_compile(&r, &o), RSC_OK);
	ck_assert_uint_eq(r.nsnaps, 2);
	ck_assert_ptr_null(r.snaps[0].bytes);
	ck_assert_str_eq(r.snaps[1].env_name, "prod");
	ck_assert_uint_eq(r.ruleset.nenvs, 2);
	ck_assert_int_eq(rsc_atomic_commit(&em.set, r.message, sizeof r.message), 0);
	ck_assert_int_eq(tu_sh("test \"$(ls -A '%s' | tr '\\n' ' ')\" = 'dev.rsnap prod.rsnap '",
			       out), 0);
	rsc_compiled_free(&r);
	rsc_atomic_set_free(&em.set);
	free(d);
}
END_TEST

Suite *compile_lib_suite(void);

Suite *compile_lib_suite(void)
{
	Suite *s = suite_create("compile_lib");
	TCase *tc = tcase_create("library");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, two_revisions_in_memory);
	tcase_add_test(tc, never_returns_what_the_loader_refuses);
	tcase_add_test(tc, emitted_snapshots_are_checked_from_their_files);
	suite_add_tcase(s, tc);
	return s;
}
