/*
 * source.h - repository access: the files of a ruleset, read either from a
 * commit's tree with libgit2 (what was reviewed) or from the working
 * directory (for local editing), plus the commit's provenance.
 */
#ifndef RSC_SOURCE_H
#define RSC_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "fileset.h"

/* Return codes shared by the compiler's modules. */
#define RSC_OK 0
#define RSC_EINVALID (-1) /* the ruleset is invalid: diagnostics say why */
#define RSC_EUSAGE (-2)   /* bad command-line usage */
#define RSC_EIO (-3)      /* I/O or git error: diagnostics say why */

/* Limits of what is read. */
#define RSC_MAX_FILE_SIZE (1024u * 1024u)
#define RSC_MAX_FILES 1000000u


/*
 * Reads every file under root whose name ends in ".yaml" or ".yml", from the
 * commit that rev names (rev != NULL; e.g. "HEAD", a branch, an id) or from the
 * working directory (rev == NULL).  root may be anywhere inside a repository's
 * work tree; with rev == NULL it need not be in a repository at all.
 *
 * Skips every dot-file and dot-directory (".github", ".pre-commit-config.yaml",
 * ".git") at any depth, and with rev == NULL whatever the repository around
 * root ignores (.gitignore), if root is in one and is not ignored itself.
 *
 * Refuses (RSC_EINVALID, one diagnostic per offender, at the path with line
 * and column 0): symbolic links and submodules where the compiler would read
 * (a name ending in .yaml or .yml, or segments, environments or anything under
 * them; others are ignored), YAML files whose names are not valid UTF-8
 * ("file name is not valid UTF-8", at the path with '?' for each bad byte),
 * files over RSC_MAX_FILE_SIZE, more than RSC_MAX_FILES files.  Returns RSC_EIO when root
 * or the repository cannot be opened, rev does not resolve to a commit, or a
 * read fails.  Works in shallow clones: the files come from the named
 * commit alone.  The snapshot version (fileset.h) needs the commit's
 * first-parent ancestors back to the first one committed in an earlier
 * second; when the clone lacks them, out->version_problem says so (the
 * read still succeeds: rsc validate needs no version, rsc compile refuses).
 * Everything out points to is allocated in a.
 */
int rsc_source_read(rsc_fileset *out, rsc_arena *a, const char *root,
		    const char *rev, rsc_diags *d);

/*
 * Reads again the bytes of the files of fs that rsc_model_load freed
 * (fs->drop_parsed) and a diagnostic of d shows a line of, from the same
 * commit (or the work tree, as it is now), into a.  Call it before printing
 * d.  Returns RSC_OK (also when nothing was needed), or RSC_EIO when the
 * files cannot be read again: the diagnostics then print without their
 * source lines.
 */
int rsc_source_refill(rsc_fileset *fs, rsc_arena *a, const rsc_diags *d);

/*
 * Counts into *out the ruleset files (as rsc_source_read would read them,
 * dot-paths and ignored files aside) under root whose work-tree state differs
 * from HEAD: modified, added (tracked or not) or deleted, staged or not.
 * Returns RSC_OK, or RSC_EIO (no diagnostic; *out = 0) when root is not in
 * the work tree of a repository or the status cannot be read.
 */
int rsc_source_uncommitted(size_t *out, const char *root);


/* For the modules that walk history themselves (revs.c, log.c), between
 * git_libgit2_init() and git_libgit2_shutdown(): */
struct git_repository;
struct git_commit;

/*
 * Opens the repository whose work tree holds root (which need not exist on
 * disk: it may have been deleted since a commit) into *out, the caller
 * freeing it with git_repository_free; *rel gets root's path inside the
 * work tree ("" for the top; in a), *on_disk (when not NULL) whether root
 * exists.  RSC_OK, or RSC_EIO with one diagnostic (*out NULL): root is not
 * in a repository, or not in its work tree.
 */
int rsc_source_open_repo(struct git_repository **out, const char **rel, int *on_disk,
			 rsc_arena *a, const char *root, rsc_diags *d);

/* The commit rev names ("HEAD", a branch, a tag, an id, "main~2") into
 * *out (git_commit_free).  RSC_OK, or RSC_EIO with one diagnostic: "no
 * commit yet", "cannot resolve revision 'X': ...", "revision 'X' is not a
 * commit". */
int rsc_source_commit(struct git_commit **out, struct git_repository *repo,
		      const char *rev, rsc_diags *d);

/* c's first parent into *out (git_commit_free): 1; 0 for a root commit; -1
 * when it is not in the repository (the boundary of a shallow clone, which
 * libgit2 before 1.7 lists as a parent it cannot look up). */
int rsc_source_first_parent(struct git_commit **out, const struct git_commit *c);

/* Copies url (in a) without any "user:password@" or "user@" part of an
 * authority-form URL ("https://tok@host/x" -> "https://host/x"), nor a query
 * or fragment; scp-like "git@host:x" keeps its user, which is not a secret.
 * The library's rule (loader/repo_url.h); NULL for a NULL url. */
char *rsc_strip_credentials(rsc_arena *a, const char *url);

#endif
