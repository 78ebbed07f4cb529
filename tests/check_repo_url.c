/*
 * check_repo_url.c - a remote URL read once (loader/repo_url.c): without
 * its credentials, as rsc records it, and as the repository's name written
 * into a snapshot's provenance, one spelling per repository.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "encode.h"
#include "repo_url.h"
#include "source.h"

START_TEST(credentials_are_stripped)
{
	static const char *cases[][2] = {
		{ "https://user:tok@github.com/a/b.git", "https://github.com/a/b.git" },
		{ "https://tok@host/x", "https://host/x" },
		{ "ssh://git@host/x", "ssh://host/x" },
		{ "ssh://git@host:2222/x", "ssh://host:2222/x" },
		{ "git@github.com:a/b.git", "git@github.com:a/b.git" },
		{ "https://github.com/a/b.git", "https://github.com/a/b.git" },
		{ "https://host/x?token=abc", "https://host/x" },
		{ "https://host/x#tok", "https://host/x" },
		{ "https://u:p@host?access_token=1", "https://host" },
		{ "https://a@b@host/x", "https://host/x" },
		{ "https://host/path@not-userinfo", "https://host/path@not-userinfo" },
		{ "git+ssh://me@host/r", "git+ssh://host/r" },
		{ "/srv/git/repo.git", "/srv/git/repo.git" },
		{ "", "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char got[256];
		size_t n = rsl__url_strip_credentials(got, cases[i][0]);
		ck_assert_str_eq(got, cases[i][1]);
		ck_assert_uint_eq(n, strlen(got));
	}
	/* rsc's wrapper, which the source layer records */
	rsc_arena a = RSC_ARENA_INIT;
	ck_assert_str_eq(rsc_strip_credentials(&a, "https://u:t@h/x"), "https://h/x");
	ck_assert_ptr_null(rsc_strip_credentials(&a, NULL));
	rsc_arena_free(&a);
}
END_TEST

START_TEST(repo_name_is_one_spelling_per_repository)
{
	static const char *const cases[][2] = {
		{ "https://user:tok@GitHub.com/o/r.git", "github.com/o/r" },
		{ "git@github.com:o/r.git", "github.com/o/r" },
		{ "ssh://git@github.com/o/r", "github.com/o/r" },
		{ "ssh://git@github.com:22/o/r.git/", "github.com/o/r" },
		{ "https://github.com:443/o/r/", "github.com/o/r" },
		{ "http://github.com:80/o/r", "github.com/o/r" },
		{ "git://github.com:9418/o/r", "github.com/o/r" },
		{ "git+ssh://git@github.com/o/r", "github.com/o/r" },
		{ "https://github.com/o/r?token=x#frag", "github.com/o/r" },
		{ "github.com:o/r", "github.com/o/r" },
		{ "https://git.example.com:8443/Team/Repo.git", "git.example.com:8443/Team/Repo" },
		{ "ssh://git@host:2222/srv/r.git", "host:2222/srv/r" },
		{ "https://[::1]:8443/o/r", "[::1]:8443/o/r" },
		{ "https://[::1]/o/r", "[::1]/o/r" },
		{ "host:/srv/git/r.git", "host/srv/git/r" },
		{ "file:///srv/git/base", "/srv/git/base" },
		{ "file://localhost/srv/git/base/", "/srv/git/base" },
		{ "/srv/git/base", "/srv/git/base" },
		{ "/srv/git/base.git", "/srv/git/base" },
		{ "/srv/git/base/.git", "/srv/git/base" },
		{ "../base", "../base" },
		{ "https://", "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char got[256];
		size_t n = rsl__url_repo_name(got, cases[i][0]);
		ck_assert_msg(strcmp(got, cases[i][1]) == 0, "%s -> '%s', want '%s'",
			      cases[i][0], got, cases[i][1]);
		ck_assert_uint_eq(n, strlen(got));
	}
	/* rsc's wrapper, which the encoder writes */
	char *name = rsc_repo_name("git@GitHub.com:o/r.git");
	ck_assert_str_eq(name, "github.com/o/r");
	free(name);
	ck_assert_ptr_null(rsc_repo_name(NULL));
}
END_TEST

Suite *repo_url_suite(void); /* called by the runner */
Suite *repo_url_suite(void)
{
	Suite *s = suite_create("repo_url");
	TCase *tc = tcase_create("repo_url");
	tcase_add_test(tc, credentials_are_stripped);
	tcase_add_test(tc, repo_name_is_one_spelling_per_repository);
	suite_add_tcase(s, tc);
	return s;
}
