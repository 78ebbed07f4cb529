/*
 * testutil.h - helpers shared by the tests: scratch directories, files,
 * running commands (git, rsc) and capturing what they print.
 */
#ifndef RSC_TESTUTIL_H
#define RSC_TESTUTIL_H

#include <stddef.h>

/* A fresh empty directory under tests/tmp/ (emptied first); returns a
 * malloc'd path that the caller may free or not (it stays reachable). */
char *tu_tmpdir(const char *name);
extern char *tu_keep_paths[256];

/* Writes text to dir/rel, creating parent directories. */
void tu_write(const char *dir, const char *rel, const char *text);

/* Reads a whole file into a malloc'd NUL-terminated buffer, or NULL. */
char *tu_read(const char *path, size_t *len);

/* Milliseconds on the monotonic clock, for a test's hang guards. */
long tu_now_ms(void);

/* Runs "sh -c cmd" with stdin from /dev/null; stores malloc'd stdout and
 * stderr when out/err are not NULL; returns the exit status (or -1). */
int tu_run(const char *cmd, char **out, char **err);

/* Like tu_run, formatting the command; aborts the test when it fails to
 * start.  Use for git set-up steps that must succeed: ck_assert on 0. */
int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Makes the locale name ("de_DE.UTF-8") usable by this process and the
 * commands it runs: one made with localedef into tests/tmp/locale (once;
 * LOCPATH then names the directory), or else the system's.  Leaves LC_ALL
 * at "C".
 * Returns 0, or -1 with why[0..cap) saying what is missing: a test that
 * needs the locale then reports itself skipped instead of passing. */
int tu_locale(const char *name, char *why, size_t cap);

/* Makes dir a git repository with a committer identity and a fixed clock
 * (GIT_*_DATE set by tu_git_commit), independent of the user's config. */
void tu_git_init(const char *dir);
/* git add -A && git commit -m msg at the given epoch second. */
void tu_git_commit(const char *dir, const char *msg, long when);


/* Runs build/rsc (RSC_BIN, from the top of the tree) in directory dir with
 * the arguments args (shell words, printf-formatted), stdin from /dev/null;
 * stores malloc'd stdout and stderr when out/err are not NULL; returns the
 * exit status (or -1). */
int tu_rsc(char **out, char **err, const char *dir, const char *args, ...)
	__attribute__((format(printf, 4, 5)));

/* The first line of what a command that must succeed prints (malloc'd):
 * tu_line("git -C '%%s' rev-parse HEAD", dir). */
char *tu_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The small ruleset several command tests start from: rulestead.yaml with
 * dev and prod (prod protected), the boolean flag new-checkout, and its
 * targeting (rule "staff": email ends with "@example.com" serves on;
 * default off). */
extern const char tu_rulestead[], tu_flag[], tu_targeting[];
/* A fresh git repository (tu_tmpdir(name), tu_git_init) with that ruleset
 * written under flags/, targeting in prod only, not yet committed: the
 * caller adds its own files and commits with tu_git_commit. */
char *tu_checkout_repo(const char *name);

#endif
