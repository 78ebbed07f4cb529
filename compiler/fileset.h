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

typedef struct rsc_file {
	const char *path; /* relative to the ruleset root, '/'-separated */
	const char *data; /* NUL-terminated copy; len excludes the NUL */
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
	int has_parent;         /* the first parent is in the repository */
	char parent[41];        /* its hex object id, when has_parent */
	int64_t parent_time;    /* its committer time, when has_parent */
	const char *repo_url;   /* remote "origin" URL, credentials stripped; NULL if none */
	const char *root_path;  /* ruleset root relative to the repository top, "" for the top */
	const char *root;       /* the root as given to rsc_source_read (e.g. --root);
				 * NULL when the fileset was built by hand */
} rsc_fileset;

/* Finds a file by path; NULL if absent. */
const rsc_file *rsc_fileset_find(const rsc_fileset *fs, const char *path);

#endif
