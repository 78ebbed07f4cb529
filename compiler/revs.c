/* revs.c - the two sides of a review; see revs.h. */
#include "revs.h"

#include <git2.h>
#include <string.h>

#include "source.h"

const char *rsc_revs_source_rev(const rsc_rev_side *s)
{
	return s->worktree ? NULL : s->commit;
}

static void set_commit(rsc_rev_side *s, const git_commit *c)
{
	git_oid_tostr(s->commit, sizeof s->commit, git_commit_id(c));
}

/* A side rev names: "REV@1a2b3c4", or "1a2b3c4" when rev is the id. */
static int named(rsc_rev_side *s, rsc_arena *a, git_repository *repo, const char *rev,
		 rsc_diags *d)
{
	git_commit *c = NULL;
	if (rsc_source_commit(&c, repo, rev, d) != RSC_OK)
		return RSC_EIO;
	set_commit(s, c);
	git_commit_free(c);
	size_t n = strlen(rev);
	if (n >= 4 && strncmp(s->commit, rev, n) == 0)
		s->label = rsc_arena_printf(a, "%.7s", s->commit);
	else
		s->label = rsc_arena_printf(a, "%s@%.7s", rev, s->commit);
	return RSC_OK;
}

/* HEAD~1 of head into s; why names the reason it is A ("" for none). */
static int parent_side(rsc_rev_side *s, rsc_arena *a, const git_commit *head,
		       const char *why, rsc_diags *d)
{
	git_commit *p = NULL;
	int k = rsc_source_first_parent(&p, head);
	char id[8];
	git_oid_tostr(id, sizeof id, git_commit_id(head));
	git_error_clear();
	if (k < 0) {
		rsc_error(d, NULL, 0, 0, "the clone is too shallow to hold HEAD~1, the parent of "
			  "HEAD (%s): fetch more history (git fetch --deepen=1), or name REV_A",
			  id);
		return RSC_EIO;
	}
	if (k == 0) {
		rsc_error(d, NULL, 0, 0, "HEAD (%s) is the first commit: there is no HEAD~1 "
			  "to compare with; name REV_A, or use --worktree", id);
		return RSC_EIO;
	}
	set_commit(s, p);
	git_commit_free(p);
	s->label = rsc_arena_printf(a, "HEAD~1@%.7s%s", s->commit, why);
	return RSC_OK;
}

/* The name people give the upstream's branch: "main" for origin/main (or
 * for a local upstream, remote "."). */
static const char *branch_name(const git_reference *up)
{
	const char *name = git_reference_shorthand(up);
	if (git_reference_is_remote(up) && strchr(name, '/'))
		return strchr(name, '/') + 1;
	return name;
}

/* The default side A (revs.h); head is HEAD's commit. */
static int default_a(rsc_rev_side *s, rsc_arena *a, git_repository *repo,
		     const git_commit *head, int worktree, rsc_diags *d)
{
	git_reference *href = NULL, *up = NULL, *resolved = NULL;
	int rc = RSC_EIO;
	if (git_repository_head(&href, repo) < 0 || !git_reference_is_branch(href) ||
	    git_branch_upstream(&up, href) < 0 || git_reference_resolve(&resolved, up) < 0) {
		git_error_clear();
		if (worktree) {
			set_commit(s, head);
			s->label = rsc_arena_printf(a, "HEAD@%.7s", s->commit);
			rc = RSC_OK;
		} else {
			rc = parent_side(s, a, head, "", d);
		}
		goto out;
	}
	const char *up_name = git_reference_shorthand(up);
	git_oid base;
	if (git_merge_base(&base, repo, git_commit_id(head), git_reference_target(resolved)) < 0) {
		git_error_clear();
		rsc_error(d, NULL, 0, 0, "HEAD and its upstream %s have no common commit in "
			  "this clone%s; name REV_A", up_name,
			  git_repository_is_shallow(repo) == 1 ?
			  " (it is shallow: git fetch --unshallow)" : "");
		goto out;
	}
	if (git_oid_equal(&base, git_commit_id(head)) && !worktree) {
		const char *why = rsc_arena_printf(a, " (HEAD has nothing beyond %s)", up_name);
		rc = parent_side(s, a, head, why, d);
		goto out;
	}
	git_oid_tostr(s->commit, sizeof s->commit, &base);
	s->label = rsc_arena_printf(a, "%s@%.7s (merge base with %s)", branch_name(up),
				    s->commit, up_name);
	rc = RSC_OK;
out:
	git_reference_free(resolved);
	git_reference_free(up);
	git_reference_free(href);
	return rc;
}

/* HEAD as side B: "feature@5d6e7f8", or "HEAD@5d6e7f8" when detached. */
static void head_side(rsc_rev_side *s, rsc_arena *a, git_repository *repo,
		      const git_commit *head)
{
	git_reference *href = NULL;
	const char *name = "HEAD";
	if (git_repository_head(&href, repo) == 0 && git_reference_is_branch(href))
		name = git_reference_shorthand(href);
	set_commit(s, head);
	s->label = rsc_arena_printf(a, "%s@%.7s", name, s->commit);
	git_reference_free(href);
	git_error_clear();
}

int rsc_revs_resolve(rsc_revs *out, rsc_arena *a, const char *root,
		     const char *rev_a, const char *rev_b, int worktree,
		     rsc_diags *d)
{
	memset(out, 0, sizeof *out);
	if (rev_b && worktree) {
		rsc_error(d, NULL, 0, 0, "--worktree is side B: give at most one revision "
			  "with it (found '%s' and '%s')", rev_a ? rev_a : "", rev_b);
		return RSC_EUSAGE;
	}
	if (git_libgit2_init() < 0) {
		rsc_error(d, NULL, 0, 0, "cannot initialize libgit2");
		return RSC_EIO;
	}
	git_repository *repo = NULL;
	git_commit *head = NULL;
	const char *rel;
	int rc = rsc_source_open_repo(&repo, &rel, NULL, a, root, d);
	if (rc != RSC_OK)
		goto out;
	if (rev_a)
		rc = named(&out->a, a, repo, rev_a, d);
	if (rc == RSC_OK && (!rev_a || !rev_b) && !(rev_a && worktree))
		rc = rsc_source_commit(&head, repo, "HEAD", d);
	if (rc == RSC_OK && !rev_a)
		rc = default_a(&out->a, a, repo, head, worktree, d);
	if (rc != RSC_OK)
		goto out;
	if (worktree) {
		out->b.worktree = 1;
		out->b.label = "work tree";
	} else if (rev_b) {
		rc = named(&out->b, a, repo, rev_b, d);
	} else {
		head_side(&out->b, a, repo, head);
	}
out:
	git_commit_free(head);
	git_repository_free(repo);
	git_error_clear();
	git_libgit2_shutdown();
	return rc;
}
