/* log.c - the audit trail from git; see log.h. */
#include "log.h"

#include <git2.h>
#include <string.h>

#include "cli.h"

/* The ruleset at one commit: read, loaded and checked, or absent. */
typedef struct side {
	rsc_arena arena;
	rsc_ruleset rs;
	char commit[41];     /* "" until read */
	int valid;           /* rs may be compared (an absent ruleset is empty) */
	size_t errors;       /* when not valid */
} side;

/* The id of the tree under rel in c into *out: 1; 0 when c has none. */
static int subtree(git_oid *out, const git_commit *c, const char *rel)
{
	if (!*rel) {
		git_oid_cpy(out, git_commit_tree_id(c));
		return 1;
	}
	git_tree *top = NULL;
	git_tree_entry *e = NULL;
	int found = 0;
	if (git_commit_tree(&top, c) == 0 && git_tree_entry_bypath(&e, top, rel) == 0 &&
	    git_tree_entry_filemode(e) == GIT_FILEMODE_TREE) {
		git_oid_cpy(out, git_tree_entry_id(e));
		found = 1;
	}
	git_tree_entry_free(e);
	git_tree_free(top);
	git_error_clear();
	return found;
}

/* Reads the ruleset at commit hex into s (absent: an empty ruleset).
 * RSC_OK (valid or not), or RSC_EIO with diagnostics copied into d. */
static int load(side *s, const char *root, const char *hex, int present, rsc_diags *d)
{
	if (strcmp(s->commit, hex) == 0)
		return RSC_OK;
	rsc_arena_free(&s->arena);
	memset(&s->rs, 0, sizeof s->rs);
	snprintf(s->commit, sizeof s->commit, "%s", hex);
	s->valid = 1;
	s->errors = 0;
	if (!present)
		return RSC_OK;
	rsc_diags sd;
	rsc_diags_init(&sd, &s->arena);
	rsc_fileset *fs = rsc_arena_alloc(&s->arena, sizeof *fs);
	rsc_cli_source src = RSC_CLI_SOURCE_INIT;
	src.root = root;
	src.rev = hex;
	int rc = rsc_cli_read_ruleset(&s->rs, fs, &s->arena, &sd, &src);
	if (rc == RSC_EIO)
		for (size_t i = 0; i < sd.n; i++)
			rsc_error(d, sd.v[i].file, sd.v[i].line, sd.v[i].col, "%s",
				  sd.v[i].message);
	s->valid = rc == RSC_OK;
	s->errors = sd.errors;
	rsc_diags_free(&sd);
	if (rc == RSC_EIO)
		s->commit[0] = '\0';
	return rc == RSC_EIO ? RSC_EIO : RSC_OK;
}

/* "This reverts commit X." (git revert's message): X, or NULL. */
static const char *reverted(rsc_arena *a, const char *msg)
{
	static const char key[] = "This reverts commit ";
	const char *p = msg ? strstr(msg, key) : NULL;
	if (!p)
		return NULL;
	p += sizeof key - 1;
	size_t n = strspn(p, "0123456789abcdef");
	return n >= 7 && n <= 40 ? rsc_arena_strndup(a, p, n) : NULL;
}

static const char *subject_of(rsc_arena *a, git_repository *repo, const char *hex)
{
	git_oid id;
	git_commit *c = NULL;
	const char *s = NULL;
	if (git_oid_fromstrn(&id, hex, strlen(hex)) == 0 &&
	    git_commit_lookup_prefix(&c, repo, &id, strlen(hex)) == 0)
		s = rsc_arena_strdup(a, git_commit_summary(c) ? git_commit_summary(c) : "");
	git_commit_free(c);
	git_error_clear();
	return s;
}

/* Builds and reports the entry of cur, compared with its parent's side. */
static int report(const rsc_log_options *o, git_repository *repo, const git_commit *cur,
		  const side *now, const side *before, rsc_arena *a)
{
	rsc_log_entry e;
	memset(&e, 0, sizeof e);
	git_oid_tostr(e.commit, sizeof e.commit, git_commit_id(cur));
	const git_signature *who = git_commit_author(cur);
	e.author = rsc_arena_printf(a, "%s <%s>", who && who->name ? who->name : "",
				    who && who->email ? who->email : "");
	e.time = (int64_t)git_commit_time(cur);
	e.subject = rsc_arena_strdup(a, git_commit_summary((git_commit *)cur) ?
				     git_commit_summary((git_commit *)cur) : "");
	e.reverts = reverted(a, git_commit_message(cur));
	if (e.reverts)
		e.reverts_subject = subject_of(a, repo, e.reverts);
	rsc_diff diff = { 0 };
	if (!now->valid)
		e.problem = rsc_arena_printf(a, "the ruleset at this commit is not valid (%zu "
					     "error%s): not compared", now->errors,
					     rsc_cli_plural(now->errors));
	else if (!before->valid)
		e.problem = rsc_arena_printf(a, "the ruleset at its parent is not valid (%zu "
					     "error%s): not compared", before->errors,
					     rsc_cli_plural(before->errors));
	else {
		rsc_diff_models(&diff, a, &before->rs, &now->rs, o->env);
		if (o->flag)
			rsc_diff_keep_flag(&diff, &before->rs, &now->rs, o->flag);
	}
	e.diff = &diff;
	int stop = 0;
	if (diff.n || e.problem)
		stop = o->entry(o->arg, &e);
	rsc_diff_free(&diff);
	return stop;
}

int rsc_log_walk(const rsc_log_options *o, rsc_log_end *end, rsc_diags *d)
{
	memset(end, 0, sizeof *end);
	if (git_libgit2_init() < 0) {
		rsc_error(d, NULL, 0, 0, "cannot initialize libgit2");
		return RSC_EIO;
	}
	rsc_arena a = RSC_ARENA_INIT, scratch = RSC_ARENA_INIT;
	side sides[2];
	memset(sides, 0, sizeof sides);
	side *now = &sides[0], *before = &sides[1];
	git_repository *repo = NULL;
	git_commit *cur = NULL, *parent = NULL;
	const char *rel;
	int rc = rsc_source_open_repo(&repo, &rel, NULL, &a, o->root, d);
	if (rc == RSC_OK)
		rc = rsc_source_commit(&cur, repo, o->rev ? o->rev : "HEAD", d);
	while (rc == RSC_OK && cur) {
		if (o->has_since && (int64_t)git_commit_time(cur) < o->since)
			break;
		int k = rsc_source_first_parent(&parent, cur);
		git_error_clear();
		if (k < 0) {
			git_oid_tostr(end->shallow_at, sizeof end->shallow_at, git_commit_id(cur));
			end->shallow_time = (int64_t)git_commit_time(cur);
			break;
		}
		git_oid tc, tp;
		int has_c = subtree(&tc, cur, rel), has_p = k > 0 && subtree(&tp, parent, rel);
		if (has_c != has_p || (has_c && !git_oid_equal(&tc, &tp))) {
			char hc[41], hp[41] = "(none)";
			git_oid_tostr(hc, sizeof hc, git_commit_id(cur));
			if (k > 0)
				git_oid_tostr(hp, sizeof hp, git_commit_id(parent));
			rc = load(now, o->root, hc, has_c, d);
			if (rc == RSC_OK)
				rc = load(before, o->root, hp, has_p, d);
			if (rc == RSC_OK && report(o, repo, cur, now, before, &scratch)) {
				git_commit_free(parent);
				parent = NULL;
			}
			rsc_arena_free(&scratch);
			/* The parent's side is the next commit's. */
			side *t = now;
			now = before;
			before = t;
		}
		git_commit_free(cur);
		cur = parent;
		parent = NULL;
	}
	git_commit_free(cur);
	git_commit_free(parent);
	git_repository_free(repo);
	rsc_arena_free(&sides[0].arena);
	rsc_arena_free(&sides[1].arena);
	rsc_arena_free(&scratch);
	git_error_clear();
	git_libgit2_shutdown();
	/* Diagnostics' texts were copied into d's own arena; a is the
	 * repository path's. */
	rsc_arena_free(&a);
	return rc;
}
