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

/* The upstream of HEAD's branch, from the configuration as git reads it:
 * branch.<name>.remote and branch.<name>.merge, the merge ref mapped
 * through remote.<remote>.fetch (refs/heads/main -> refs/remotes/origin/main;
 * the usual refspec when none is set), or the merge ref itself for remote
 * ".".  Into *name ("origin/main", in a) and *branch ("main", the name
 * people give it); 0, or -1 when HEAD has no upstream.  (Not
 * git_branch_upstream, which looks the remote up and so leaks in libgit2
 * 1.5, like git_remote_lookup: see source.c.) */
static int upstream(git_oid *out, const char **name, const char **branch, rsc_arena *a,
		    git_repository *repo)
{
	git_reference *head = NULL, *up = NULL;
	git_config *cfg = NULL;
	git_refspec *spec = NULL;
	git_buf mapped = { 0 };
	const char *remote = NULL, *merge = NULL, *fetch = NULL, *ref = NULL;
	int rc = -1;
	if (git_repository_head(&head, repo) < 0 || !git_reference_is_branch(head) ||
	    git_repository_config_snapshot(&cfg, repo) < 0)
		goto out;
	const char *short_name = git_reference_shorthand(head);
	if (git_config_get_string(&remote, cfg, rsc_arena_printf(a, "branch.%s.remote",
								  short_name)) < 0 ||
	    git_config_get_string(&merge, cfg, rsc_arena_printf(a, "branch.%s.merge",
								 short_name)) < 0)
		goto out;
	*branch = strncmp(merge, "refs/heads/", 11) == 0 ? merge + 11 : merge;
	if (strcmp(remote, ".") == 0) {
		ref = merge;
	} else {
		if (git_config_get_string(&fetch, cfg, rsc_arena_printf(a, "remote.%s.fetch",
									 remote)) < 0)
			fetch = rsc_arena_printf(a, "+refs/heads/*:refs/remotes/%s/*", remote);
		if (git_refspec_parse(&spec, fetch, 1) < 0 || !git_refspec_src_matches(spec, merge) ||
		    git_refspec_transform(&mapped, spec, merge) < 0)
			goto out;
		ref = mapped.ptr;
	}
	if (git_reference_lookup(&up, repo, ref) < 0 ||
	    git_reference_name_to_id(out, repo, ref) < 0)
		goto out;
	*branch = rsc_arena_strdup(a, *branch);
	*name = rsc_arena_strdup(a, git_reference_shorthand(up));
	rc = 0;
out:
	git_buf_dispose(&mapped);
	git_refspec_free(spec);
	git_config_free(cfg);
	git_reference_free(up);
	git_reference_free(head);
	git_error_clear();
	return rc;
}

/* The default side A (revs.h); head is HEAD's commit. */
static int default_a(rsc_rev_side *s, rsc_arena *a, git_repository *repo,
		     const git_commit *head, int worktree, rsc_diags *d)
{
	git_oid tip, base;
	const char *up_name, *branch;
	if (upstream(&tip, &up_name, &branch, a, repo) < 0) {
		if (!worktree)
			return parent_side(s, a, head, "", d);
		set_commit(s, head);
		s->label = rsc_arena_printf(a, "HEAD@%.7s", s->commit);
		return RSC_OK;
	}
	if (git_merge_base(&base, repo, git_commit_id(head), &tip) < 0) {
		git_error_clear();
		rsc_error(d, NULL, 0, 0, "HEAD and its upstream %s have no common commit in "
			  "this clone%s; name REV_A", up_name,
			  git_repository_is_shallow(repo) == 1 ?
			  " (it is shallow: git fetch --unshallow)" : "");
		return RSC_EIO;
	}
	if (git_oid_equal(&base, git_commit_id(head)) && !worktree)
		return parent_side(s, a, head, rsc_arena_printf(a, " (HEAD has nothing beyond %s)",
								 up_name), d);
	git_oid_tostr(s->commit, sizeof s->commit, &base);
	s->label = rsc_arena_printf(a, "%s@%.7s (merge base with %s)", branch, s->commit,
				    up_name);
	return RSC_OK;
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
