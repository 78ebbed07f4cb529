/*
 * repo.c - the git repository around a ruleset (libgit2): where the root is
 * in its work tree, which commit a revision names, and what a commit says of
 * itself (author, subject, first parent, the version); see repo.h.
 */
#include "repo.h"

#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "../loader/repo_url.h"

const char *rsc_git_msg(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown error";
}

/*
 * Absolute, symlink-free form of path, which need not exist: the nearest
 * existing ancestor is resolved and the rest appended, so that a ruleset
 * directory deleted from the working tree can still be read from a commit.
 * *existing gets that ancestor (malloc'd).  Returns malloc'd or NULL (errno).
 */
char *rsc_repo_resolve(const char *path, char **existing)
{
	char *r = realpath(path, NULL);
	if (r) {
		*existing = strdup(r);
		if (!*existing) {
			free(r);
			return NULL;
		}
		return r;
	}
	if (errno != ENOENT)
		return NULL;
	size_t len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		len--;
	size_t base = len;
	while (base > 0 && path[base - 1] != '/')
		base--;
	const char *last = path + base;
	size_t last_len = len - base;
	if (last_len == 0 || (last_len == 1 && last[0] == '.') ||
	    (last_len == 2 && last[0] == '.' && last[1] == '.')) {
		errno = ENOENT;
		return NULL;
	}
	char *parent;
	if (base == 0)
		parent = strdup(".");
	else if (base == 1)
		parent = strdup("/");
	else
		parent = strndup(path, base - 1);
	if (!parent)
		return NULL;
	char *rp = rsc_repo_resolve(parent, existing);
	free(parent);
	if (!rp)
		return NULL;
	size_t rl = strlen(rp);
	char *full = malloc(rl + 1 + last_len + 1);
	if (!full) {
		free(rp);
		free(*existing);
		*existing = NULL;
		return NULL;
	}
	memcpy(full, rp, rl);
	if (rl == 0 || rp[rl - 1] != '/')
		full[rl++] = '/';
	memcpy(full + rl, last, last_len);
	full[rl + last_len] = '\0';
	free(rp);
	return full;
}

/* abs relative to the repository's work tree: "" for the top; NULL when
 * abs is not inside it (or the repository is bare). */
char *rsc_repo_relative(rsc_arena *a, git_repository *repo, const char *abs)
{
	const char *wd = git_repository_workdir(repo);
	if (!wd)
		return NULL;
	char *rwd = realpath(wd, NULL);
	if (!rwd)
		return NULL;
	size_t n = strlen(rwd);
	while (n > 1 && rwd[n - 1] == '/')
		n--;
	char *rel = NULL;
	if (strncmp(abs, rwd, n) == 0) {
		const char *rest = abs + n;
		if (*rest == '\0')
			rel = rsc_arena_strdup(a, "");
		else if (*rest == '/' || (n == 1 && rwd[0] == '/'))
			rel = rsc_arena_strdup(a, rest + (*rest == '/'));
	}
	free(rwd);
	return rel;
}

/* The URL of remote "origin" as configured (read from the configuration
 * rather than with git_remote_lookup, which leaks in libgit2 1.5). */
const char *rsc_repo_origin_url(rsc_arena *a, git_repository *repo)
{
	git_config *cfg = NULL;
	const char *u = NULL, *url = NULL;
	if (git_repository_config_snapshot(&cfg, repo) == 0 &&
	    git_config_get_string(&u, cfg, "remote.origin.url") == 0 && u)
		url = rsc_strip_credentials(a, u);
	git_config_free(cfg);
	git_error_clear();
	return url;
}

/* ---- the version ---- */

/*
 * c's first parent into *out: 1; 0 for a root commit; -1 when it is not in
 * the repository (the boundary of a shallow clone).  libgit2 before 1.7
 * lists a boundary commit's parents and fails to look them up; later ones
 * graft them away, but the raw header still names them.
 */
int rsc_source_first_parent(git_commit **out, const git_commit *c)
{
	*out = NULL;
	if (git_commit_parentcount(c) > 0)
		return git_commit_parent(out, c, 0) == 0 ? 1 : -1;
	const char *raw = git_commit_raw_header(c);
	if (raw && (strncmp(raw, "parent ", 7) == 0 || strstr(raw, "\nparent ")))
		return -1;
	return 0;
}

static const char *too_shallow(rsc_arena *a, const git_commit *c)
{
	char id[8];
	git_oid_tostr(id, sizeof id, git_commit_id(c));
	if (!git_repository_is_shallow(git_commit_owner(c)))
		return rsc_arena_printf(a, "cannot read the first parent of commit %s: %s",
					id, rsc_git_msg());
	return rsc_arena_printf(a, "the clone is too shallow to compute the version of "
				"commit %s: fetch more history (git fetch --deepen=N, or "
				"fetch-depth: 0 in CI)", id);
}

/*
 * The version of c into *out (fileset.h): its committer second times
 * RSC_VERSION_PER_SECOND plus n, the number of consecutive first-parent
 * ancestors whose committer time is not before c's.  Reads those ancestors
 * and one more (an earlier time, or a root commit ends the count).  Returns
 * NULL, or why there is no version (*out = 0), allocated in a.
 */
static const char *version_of(uint64_t *out, rsc_arena *a, const git_commit *c)
{
	int64_t t = (int64_t)git_commit_time(c);
	git_commit *cur = NULL, *next = NULL;
	const char *why = NULL;
	unsigned n = 0;
	for (const git_commit *at = c;; at = cur) {
		int k = rsc_source_first_parent(&next, at);
		if (k < 0) {
			why = too_shallow(a, c);
			break;
		}
		git_commit_free(cur);
		cur = next;
		if (k == 0 || (int64_t)git_commit_time(cur) < t)
			break;
		if (++n == RSC_VERSION_PER_SECOND) {
			char id[8];
			git_oid_tostr(id, sizeof id, git_commit_id(c));
			why = rsc_arena_printf(a, "commit %s follows %u first-parent commits "
					       "made in the same second (or later): a version "
					       "has room for %u commits a second; re-commit it a "
					       "second later (git commit --amend --no-edit "
					       "--date=now)", id, n, RSC_VERSION_PER_SECOND);
			break;
		}
	}
	git_commit_free(cur);
	git_error_clear();
	*out = why || t < 0 ? 0 : (uint64_t)t * RSC_VERSION_PER_SECOND + n;
	return why;
}

void rsc_repo_commit_info(rsc_fileset *out, rsc_arena *a, git_commit *commit)
{
	git_oid_tostr(out->commit, sizeof out->commit, git_commit_id(commit));
	out->commit_time = (int64_t)git_commit_time(commit);
	out->commit_tz = git_commit_time_offset(commit);
	const git_signature *who = git_commit_author(commit);
	out->author = rsc_arena_printf(a, "%s <%s>", who && who->name ? who->name : "",
				       who && who->email ? who->email : "");
	const char *subject = git_commit_summary(commit);
	out->subject = rsc_arena_strdup(a, subject ? subject : "");
	out->version_problem = version_of(&out->version, a, commit);
	/* The parent's version, for the check that versions increase; only
	 * when its second is not earlier (fileset.h), so that a clone of depth
	 * 2 is enough for a commit made in a later second than its parent. */
	git_commit *parent = NULL;
	if (rsc_source_first_parent(&parent, commit) == 1) {
		out->has_parent = 1;
		git_oid_tostr(out->parent, sizeof out->parent, git_commit_id(parent));
		out->parent_time = (int64_t)git_commit_time(parent);
		if (out->parent_time >= out->commit_time && !out->version_problem)
			out->version_problem = version_of(&out->parent_version, a, parent);
	}
	git_commit_free(parent);
	git_error_clear();
}

int rsc_source_open_repo(git_repository **out, const char **rel, int *on_disk,
			 rsc_arena *a, const char *root, rsc_diags *d)
{
	char *existing = NULL;
	int rc = RSC_EIO;
	*out = NULL;
	*rel = NULL;
	char *abs = rsc_repo_resolve(root, &existing);
	if (!abs) {
		rsc_error(d, NULL, 0, 0, "cannot open '%s': %s", root, strerror(errno));
		goto out;
	}
	/* Whether root itself is on disk: a directory deleted from the work
	 * tree can still be read from a commit. */
	int here = strcmp(abs, existing) == 0;
	if (on_disk)
		*on_disk = here;
	if (git_repository_open_ext(out, existing, 0, NULL) < 0) {
		if (here)
			rsc_error(d, NULL, 0, 0,
				  "'%s' is not inside a git repository (use --worktree to read "
				  "files on disk)",
				  root);
		else
			rsc_error(d, NULL, 0, 0, "'%s' does not exist", root);
		goto out;
	}
	*rel = rsc_repo_relative(a, *out, abs);
	if (!*rel) {
		rsc_error(d, NULL, 0, 0,
			  "'%s' is not inside the work tree of a git repository (use --worktree to read files on disk)",
			  root);
		goto out;
	}
	rc = RSC_OK;
out:
	if (rc != RSC_OK) {
		git_repository_free(*out);
		*out = NULL;
	}
	free(abs);
	free(existing);
	return rc;
}

int rsc_source_commit(git_commit **out, git_repository *repo, const char *rev,
		      rsc_diags *d)
{
	git_object *obj = NULL, *peeled = NULL;
	*out = NULL;
	if (git_revparse_single(&obj, repo, rev) < 0) {
		if (strcmp(rev, "HEAD") == 0 && git_repository_head_unborn(repo) == 1)
			rsc_error(d, NULL, 0, 0, "no commit yet: commit the ruleset, or use --worktree");
		else
			rsc_error(d, NULL, 0, 0, "cannot resolve revision '%s': %s", rev, rsc_git_msg());
		git_object_free(obj);
		return RSC_EIO;
	}
	if (git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		rsc_error(d, NULL, 0, 0, "revision '%s' is not a commit: %s", rev, rsc_git_msg());
		git_object_free(obj);
		return RSC_EIO;
	}
	git_object_free(obj);
	*out = (git_commit *)peeled;
	return RSC_OK;
}

char *rsc_strip_credentials(rsc_arena *a, const char *url)
{
	if (!url)
		return NULL;
	char *out = rsc_arena_alloc(a, strlen(url) + 1);
	if (out)
		rsl__url_strip_credentials(out, url);
	return out;
}
