/*
 * repo.h - the git repository around a ruleset, for source.c and the review
 * commands (the public part is declared in source.h: rsc_source_open_repo,
 * rsc_source_commit, rsc_source_first_parent, rsc_strip_credentials, all
 * defined in repo.c).
 */
#ifndef RSC_REPO_H
#define RSC_REPO_H

#include <git2.h>

#include "source.h"

/* libgit2's last error message, or "unknown error". */
const char *rsc_git_msg(void);

/* Absolute, symlink-free form of path, which need not exist: the nearest
 * existing ancestor is resolved and the rest appended, so that a ruleset
 * directory deleted from the working tree can still be read from a commit.
 * *existing gets that ancestor (malloc'd).  Returns malloc'd or NULL (errno). */
char *rsc_repo_resolve(const char *path, char **existing);

/* abs relative to repo's work tree ("" for the top), in a; NULL when abs is
 * not inside it (or the repository is bare). */
char *rsc_repo_relative(rsc_arena *a, git_repository *repo, const char *abs);

/* The URL of remote "origin" without credentials, in a; NULL when none. */
const char *rsc_repo_origin_url(rsc_arena *a, git_repository *repo);

/* Fills out's commit fields from commit: id, times, author, subject, the
 * version (or why there is none) and the first parent's (fileset.h). */
void rsc_repo_commit_info(rsc_fileset *out, rsc_arena *a, git_commit *commit);

#endif
