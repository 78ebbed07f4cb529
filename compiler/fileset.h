/*
 * fileset.h - the files of a ruleset as read (source.c fills it), with the
 * commit's provenance.  Its own header so that diag.c, which shows source
 * lines under its messages, needs nothing of the reader that makes
 * diagnostics (no diag.c <-> source.c include cycle).
 */
#ifndef RSC_FILESET_H
#define RSC_FILESET_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"

/* Versions per committer second: the same-second position n is below it. */
#define RSC_VERSION_PER_SECOND 1024u

typedef struct rsc_file {
	const char *path; /* relative to the ruleset root, '/'-separated */
	const char *data; /* NUL-terminated copy; len excludes the NUL.  NULL
			   * once parsed when the set is drop_parsed */
	size_t len;
} rsc_file;

typedef struct rsc_fileset {
	rsc_file *v; /* sorted by path (bytewise) */
	size_t n;
	/* Provenance.  When read from git all of these are set; from the
	 * worktree only root_path and repo_url may be, the rest are NULL/0. */
	int from_git;
	char commit[41];        /* hex object id of the commit */
	int64_t commit_time;    /* committer time, seconds since the epoch */
	int commit_tz;          /* committer offset in minutes */
	const char *author;     /* "Name <email>" of the author */
	const char *subject;    /* first line of the commit message */
	/* The snapshot version (docs/snapshot-format.md): commit_time *
	 * RSC_VERSION_PER_SECOND + the number of consecutive first-parent
	 * ancestors committed in the same second or later.  Valid when
	 * version_problem is NULL; 0 from the worktree. */
	uint64_t version;
	const char *version_problem; /* why the version (or the parent's) is
				      * unknown: the clone is too shallow, or
				      * too many commits in one second */
	int has_parent;         /* the first parent is in the repository */
	char parent[41];        /* its hex object id, when has_parent */
	int64_t parent_time;    /* its committer time, when has_parent */
	/* The parent's version, computed the same way, when has_parent and its
	 * committer second is not before this commit's; 0 when it is before:
	 * the parent's version is then below commit_time *
	 * RSC_VERSION_PER_SECOND <= version whatever its position, so its
	 * history is not needed. */
	uint64_t parent_version;
	const char *repo_url;   /* remote "origin" URL, credentials stripped; NULL if none */
	const char *root_path;  /* ruleset root relative to the repository top, "" for the top */
	const char *root;       /* the root as given to rsc_source_read (e.g. --root);
				 * NULL when the fileset was built by hand */
	/* Set by the caller before rsc_model_load: each file's bytes
	 * (rsc_arena_block_alloc'd in arena by rsc_source_read) are freed as soon as
	 * the file is parsed, so that the bytes of every file are never in
	 * memory together with the whole model.  The caller then calls
	 * rsc_source_refill before printing diagnostics. */
	int drop_parsed;
	rsc_arena *arena;       /* what rsc_source_read allocated in */
} rsc_fileset;

/* Finds a file by path; NULL if absent. */
const rsc_file *rsc_fileset_find(const rsc_fileset *fs, const char *path);

#endif
