/*
 * source.c - the files of a ruleset, from a commit's tree (libgit2) or from
 * the working directory; see source.h.
 *
 * From git, only the named commit and the trees and blobs under the ruleset
 * root are read (never the working directory), so what is compiled is
 * exactly what was reviewed; for the version, the commit's first-parent
 * ancestors back to the first earlier committer second (fileset.h), which a
 * clone of depth 2 usually holds; the files need only the commit itself.
 * The repository itself (where the root is, which commit, what a commit says
 * of itself) is repo.c's.
 */
#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repo.h"

/* What a walk collects before it is sorted into the fileset. */
typedef struct collect {
	rsc_arena *a;
	rsc_diags *d;
	rsc_file *v; /* malloc'd while growing */
	size_t n, cap;
	int refused;  /* a symlink, submodule or oversized file was found */
	int too_many; /* RSC_MAX_FILES was exceeded (reported once) */
	git_repository *ignores; /* worktree: skip what this repository ignores */
	const char *repo_rel;    /* worktree: the root inside that repository */
} collect;

#define MSG_SYMLINK "symbolic links are not allowed in a ruleset (points to '%s')"
#define MSG_SUBMODULE "submodules are not allowed in a ruleset"
#define MSG_TOO_LARGE "file is too large: %" PRIu64 " bytes, at most %u allowed"
#define MSG_TOO_MANY "too many files: a ruleset has at most %u .yaml and .yml files"
#define MSG_NOT_UTF8 "file name is not valid UTF-8"

static int is_yaml(const char *name)
{
	size_t n = strlen(name);
	return (n >= 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	       (n >= 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* Dot-files and dot-directories (.git, .github, .pre-commit-config.yaml)
 * belong to other tools: never part of a ruleset. */
static int is_hidden(const char *name)
{
	return name[0] == '.';
}

/* Whether the compiler would read from path (relative to the root): a YAML
 * name, or the segments/ and environments/ trees.  A symbolic link or a
 * submodule there is refused; anywhere else it is none of our business. */
static int in_ruleset(const char *path, const char *name)
{
	return is_yaml(name) || strcmp(path, "segments") == 0 ||
	       strcmp(path, "environments") == 0 || strncmp(path, "segments/", 9) == 0 ||
	       strncmp(path, "environments/", 13) == 0;
}

/* A file name that is not UTF-8 cannot be shown or matched; it is reported
 * with '?' for each bad byte.  Returns 1 when name is fine. */
static int name_ok(collect *c, const char *path)
{
	size_t n = strlen(path);
	if (rsc_utf8_valid(path, n))
		return 1;
	char *shown = rsc_arena_alloc(c->a, n + 1), *o = shown;
	for (size_t i = 0; i < n;) {
		size_t l = rsc_utf8_seq(path + i, n - i);
		if (l) {
			memcpy(o, path + i, l);
			o += l;
			i += l;
		} else {
			*o++ = '?';
			i++;
		}
	}
	*o = '\0';
	rsc_error(c->d, shown, 0, 0, MSG_NOT_UTF8);
	c->refused = 1;
	return 0;
}

static char *join(rsc_arena *a, const char *prefix, const char *name)
{
	if (!*prefix)
		return rsc_arena_strdup(a, name);
	return rsc_arena_printf(a, "%s/%s", prefix, name);
}

/* Whether one more file fits under RSC_MAX_FILES; reports the first excess. */
static int room_for_one(collect *c, const char *path)
{
	if (c->n < RSC_MAX_FILES)
		return 1;
	if (!c->too_many)
		rsc_error(c->d, path, 0, 0, MSG_TOO_MANY, RSC_MAX_FILES);
	c->too_many = 1;
	c->refused = 1;
	return 0;
}

static int size_ok(collect *c, const char *path, uint64_t size)
{
	if (size <= RSC_MAX_FILE_SIZE)
		return 1;
	rsc_error(c->d, path, 0, 0, MSG_TOO_LARGE, size, RSC_MAX_FILE_SIZE);
	c->refused = 1;
	return 0;
}

/* path and data are arena copies. */
static void add_file(collect *c, const char *path, const char *data, size_t len)
{
	c->v = rsc_grow(c->v, &c->cap, c->n, sizeof(*c->v));
	c->v[c->n].path = path;
	c->v[c->n].data = data;
	c->v[c->n].len = len;
	c->n++;
}

static int by_path(const void *x, const void *y)
{
	return strcmp(((const rsc_file *)x)->path, ((const rsc_file *)y)->path);
}

/* Moves the collected files, sorted, into out (arena-owned). */
static void finish(rsc_fileset *out, collect *c)
{
	if (c->n) {
		qsort(c->v, c->n, sizeof(*c->v), by_path);
		out->v = rsc_arena_alloc(c->a, c->n * sizeof(*c->v));
		memcpy(out->v, c->v, c->n * sizeof(*c->v));
	}
	out->n = c->n;
	free(c->v);
	c->v = NULL;
}

/* ---- from a commit ---- */

typedef struct tree_walk {
	collect *c;
	git_repository *repo;
	git_odb *odb;
} tree_walk;

static int read_blob(tree_walk *w, const git_tree_entry *e, const char *path)
{
	collect *c = w->c;
	size_t size;
	git_object_t type;
	if (git_odb_read_header(&size, &type, w->odb, git_tree_entry_id(e)) < 0) {
		rsc_error(c->d, path, 0, 0, "cannot read file from the repository: %s",
			  rsc_git_msg());
		return RSC_EIO;
	}
	if (!size_ok(c, path, size))
		return RSC_OK;
	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, w->repo, git_tree_entry_id(e)) < 0) {
		rsc_error(c->d, path, 0, 0, "cannot read file from the repository: %s",
			  rsc_git_msg());
		return RSC_EIO;
	}
	size_t len = (size_t)git_blob_rawsize(blob);
	char *data = rsc_arena_block_alloc(c->a, len + 1);
	memcpy(data, git_blob_rawcontent(blob), len);
	data[len] = '\0';
	git_blob_free(blob);
	add_file(c, path, data, len);
	return RSC_OK;
}

static int refuse_git_link(tree_walk *w, const git_tree_entry *e, const char *path)
{
	git_blob *blob = NULL;
	if (git_blob_lookup(&blob, w->repo, git_tree_entry_id(e)) < 0) {
		rsc_error(w->c->d, path, 0, 0, "cannot read symbolic link from the repository: %s",
			  rsc_git_msg());
		return RSC_EIO;
	}
	size_t len = (size_t)git_blob_rawsize(blob);
	if (len > PATH_MAX)
		len = PATH_MAX;
	const char *target = rsc_arena_strndup(w->c->a, git_blob_rawcontent(blob), len);
	git_blob_free(blob);
	rsc_error(w->c->d, path, 0, 0, MSG_SYMLINK, target);
	w->c->refused = 1;
	return RSC_OK;
}

static int walk_git_tree(tree_walk *w, const git_tree *tree, const char *prefix)
{
	size_t n = git_tree_entrycount(tree);
	for (size_t i = 0; i < n; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		const char *name = git_tree_entry_name(e);
		git_filemode_t mode = git_tree_entry_filemode(e);
		int rc = RSC_OK;
		if (is_hidden(name))
			continue;
		if (mode == GIT_FILEMODE_TREE) {
			char *path = join(w->c->a, prefix, name);
			git_tree *sub = NULL;
			if (git_tree_lookup(&sub, w->repo, git_tree_entry_id(e)) < 0) {
				rsc_error(w->c->d, path, 0, 0,
					  "cannot read directory from the repository: %s",
					  rsc_git_msg());
				return RSC_EIO;
			}
			rc = walk_git_tree(w, sub, path);
			git_tree_free(sub);
		} else if (mode == GIT_FILEMODE_LINK) {
			char *path = join(w->c->a, prefix, name);
			if (in_ruleset(path, name))
				rc = refuse_git_link(w, e, path);
		} else if (mode == GIT_FILEMODE_COMMIT) {
			char *path = join(w->c->a, prefix, name);
			if (in_ruleset(path, name)) {
				rsc_error(w->c->d, path, 0, 0, MSG_SUBMODULE);
				w->c->refused = 1;
			}
		} else if ((mode == GIT_FILEMODE_BLOB ||
			    mode == GIT_FILEMODE_BLOB_EXECUTABLE) && is_yaml(name)) {
			char *path = join(w->c->a, prefix, name);
			if (name_ok(w->c, path) && room_for_one(w->c, path))
				rc = read_blob(w, e, path);
		}
		if (rc < 0)
			return rc;
	}
	return RSC_OK;
}

static int read_git(rsc_fileset *out, collect *c, const char *root, const char *rev)
{
	rsc_arena *a = c->a;
	rsc_diags *d = c->d;
	git_repository *repo = NULL;
	git_commit *commit = NULL;
	git_tree *top = NULL, *sub = NULL;
	git_tree_entry *entry = NULL;
	git_odb *odb = NULL;
	const char *rel = NULL;
	int on_disk = 0;
	int rc = rsc_source_open_repo(&repo, &rel, &on_disk, a, root, d);
	if (rc != RSC_OK)
		goto out;
	rc = RSC_EIO;
	if (rsc_source_commit(&commit, repo, rev, d) != RSC_OK)
		goto out;
	rsc_repo_commit_info(out, a, commit);
	out->root_path = rel;
	out->repo_url = rsc_repo_origin_url(a, repo);
	if (git_commit_tree(&top, commit) < 0 || git_repository_odb(&odb, repo) < 0) {
		rsc_error(d, NULL, 0, 0, "cannot read commit %.7s: %s", out->commit, rsc_git_msg());
		goto out;
	}
	const git_tree *tree = top;
	if (*rel) {
		int e = git_tree_entry_bypath(&entry, top, rel);
		if (e == GIT_ENOTFOUND) {
			rsc_error(d, NULL, 0, 0, "'%s' does not exist in commit %.7s%s", root,
				  out->commit,
				  on_disk ? " (use --worktree to read files on disk)" : "");
			goto out;
		}
		if (e < 0) {
			rsc_error(d, NULL, 0, 0, "cannot read '%s' in commit %.7s: %s", root,
				  out->commit, rsc_git_msg());
			goto out;
		}
		if (git_tree_entry_filemode(entry) != GIT_FILEMODE_TREE) {
			rsc_error(d, NULL, 0, 0, "'%s' is not a directory in commit %.7s", root,
				  out->commit);
			goto out;
		}
		if (git_tree_lookup(&sub, repo, git_tree_entry_id(entry)) < 0) {
			rsc_error(d, NULL, 0, 0, "cannot read '%s' in commit %.7s: %s", root,
				  out->commit, rsc_git_msg());
			goto out;
		}
		tree = sub;
	}
	tree_walk w = { c, repo, odb };
	rc = walk_git_tree(&w, tree, "");
	out->from_git = 1;
out:
	git_tree_entry_free(entry);
	git_tree_free(sub);
	git_tree_free(top);
	git_odb_free(odb);
	git_commit_free(commit);
	git_repository_free(repo);
	return rc;
}

/* ---- from the working directory ---- */

typedef struct disk_walk {
	collect *c;
	char buf[PATH_MAX * 2]; /* root, then '/', then the relative path */
	size_t root_len;
} disk_walk;

/* The relative part of w->buf (after root and '/'). */
static const char *rel_part(const disk_walk *w)
{
	return w->buf[w->root_len] ? w->buf + w->root_len + 1 : "";
}

static int read_disk_file(disk_walk *w, const char *path, const struct stat *st)
{
	collect *c = w->c;
	if (!size_ok(c, path, (uint64_t)st->st_size))
		return RSC_OK;
	int fd = open(w->buf, O_RDONLY | O_NOFOLLOW);
	if (fd < 0) {
		rsc_error(c->d, path, 0, 0, "cannot read file: %s", strerror(errno));
		return RSC_EIO;
	}
	size_t cap = (size_t)st->st_size, len = 0;
	char *data = rsc_arena_block_alloc(c->a, cap + 1);
	/* Reads to the end, in case the file changed since lstat. */
	for (;;) {
		if (len == cap) {
			char probe;
			ssize_t r = read(fd, &probe, 1);
			if (r == 0)
				break;
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				rsc_error(c->d, path, 0, 0, "cannot read file: %s", strerror(errno));
				close(fd);
				return RSC_EIO;
			}
			rsc_error(c->d, path, 0, 0, "file changed while being read");
			close(fd);
			return RSC_EIO;
		}
		ssize_t r = read(fd, data + len, cap - len);
		if (r == 0)
			break;
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rsc_error(c->d, path, 0, 0, "cannot read file: %s", strerror(errno));
			close(fd);
			return RSC_EIO;
		}
		len += (size_t)r;
	}
	close(fd);
	data[len] = '\0';
	add_file(c, path, data, len);
	return RSC_OK;
}

static int walk_disk_dir(disk_walk *w, size_t len);

/* Whether the repository around a --worktree root ignores rel (relative to
 * the root). */
static int ignored(collect *c, const char *rel)
{
	if (!c->ignores)
		return 0;
	int yes = 0;
	const char *path = *c->repo_rel ? rsc_arena_printf(c->a, "%s/%s", c->repo_rel, rel)
					: rel;
	if (git_ignore_path_is_ignored(&yes, c->ignores, path) < 0) {
		git_error_clear();
		return 0;
	}
	return yes;
}

static int visit_disk_entry(disk_walk *w, size_t len, const char *name)
{
	collect *c = w->c;
	/* Also the repository itself (a directory, or the gitfile of a linked
	 * work tree or submodule) when root is the top of a work tree. */
	if (is_hidden(name))
		return RSC_OK;
	size_t nl = strlen(name);
	if (len + 1 + nl + 1 > sizeof w->buf) {
		w->buf[len] = '\0';
		rsc_error(c->d, rel_part(w), 0, 0, "path too long");
		return RSC_EIO;
	}
	w->buf[len] = '/';
	memcpy(w->buf + len + 1, name, nl + 1);
	size_t sublen = len + 1 + nl;
	struct stat st;
	if (lstat(w->buf, &st) < 0) {
		rsc_error(c->d, rel_part(w), 0, 0, "cannot read: %s", strerror(errno));
		return RSC_EIO;
	}
	const char *rel = rel_part(w);
	if (!S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode) && !is_yaml(name))
		return RSC_OK;
	if (ignored(c, rel))
		return RSC_OK;
	if (S_ISLNK(st.st_mode)) {
		if (!in_ruleset(rel, name))
			return RSC_OK;
		char target[PATH_MAX + 1];
		ssize_t tl = readlink(w->buf, target, PATH_MAX);
		if (tl < 0)
			tl = 0;
		target[tl] = '\0';
		rsc_error(c->d, rel, 0, 0, MSG_SYMLINK, target);
		c->refused = 1;
		return RSC_OK;
	}
	if (S_ISDIR(st.st_mode)) {
		/* A .git (directory or file) marks a submodule or nested repository. */
		if (sublen + 5 < sizeof w->buf) {
			struct stat gst;
			memcpy(w->buf + sublen, "/.git", 6);
			int nested = lstat(w->buf, &gst) == 0;
			w->buf[sublen] = '\0';
			if (nested) {
				if (in_ruleset(rel, name)) {
					rsc_error(c->d, rel, 0, 0, MSG_SUBMODULE);
					c->refused = 1;
				}
				return RSC_OK;
			}
		}
		return walk_disk_dir(w, sublen);
	}
	char *path = rsc_arena_strdup(c->a, rel);
	if (!name_ok(c, path))
		return RSC_OK;
	if (!S_ISREG(st.st_mode)) {
		rsc_error(c->d, path, 0, 0, "not a regular file");
		c->refused = 1;
		return RSC_OK;
	}
	if (!room_for_one(c, path))
		return RSC_OK;
	return read_disk_file(w, path, &st);
}

/* Walks the directory w->buf[0..len). */
static int walk_disk_dir(disk_walk *w, size_t len)
{
	w->buf[len] = '\0';
	DIR *dir = opendir(w->buf);
	if (!dir) {
		if (len == w->root_len)
			rsc_error(w->c->d, NULL, 0, 0, "cannot read '%s': %s", w->buf,
				  strerror(errno));
		else
			rsc_error(w->c->d, rel_part(w), 0, 0, "cannot read directory: %s",
				  strerror(errno));
		return RSC_EIO;
	}
	int rc = RSC_OK;
	struct dirent *de;
	for (;;) {
		errno = 0;
		de = readdir(dir);
		if (!de) {
			if (errno) {
				w->buf[len] = '\0';
				rsc_error(w->c->d, rel_part(w), 0, 0, "cannot read directory: %s",
					  strerror(errno));
				rc = RSC_EIO;
			}
			break;
		}
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		rc = visit_disk_entry(w, len, de->d_name);
		if (rc < 0)
			break;
	}
	closedir(dir);
	w->buf[len] = '\0';
	return rc;
}

/* Where the working directory is in its repository, if it is in one; returns
 * that repository (the caller frees it) when root is inside its work tree. */
static git_repository *worktree_repo_info(rsc_fileset *out, rsc_arena *a,
					  const char *root)
{
	char *existing = NULL;
	char *abs = rsc_repo_resolve(root, &existing);
	git_repository *repo = NULL;
	if (abs && git_repository_open_ext(&repo, existing, 0, NULL) == 0) {
		out->root_path = rsc_repo_relative(a, repo, abs);
		out->repo_url = rsc_repo_origin_url(a, repo);
	}
	if (!out->root_path) {
		git_repository_free(repo);
		repo = NULL;
	}
	git_error_clear();
	free(abs);
	free(existing);
	return repo;
}

static int read_worktree(rsc_fileset *out, collect *c, const char *root)
{
	disk_walk *w = malloc(sizeof *w);
	if (!w) {
		rsc_error(c->d, NULL, 0, 0, "out of memory");
		return RSC_EIO;
	}
	w->c = c;
	size_t rl = strlen(root);
	while (rl > 1 && root[rl - 1] == '/')
		rl--;
	if (rl + 2 > sizeof w->buf) {
		rsc_error(c->d, NULL, 0, 0, "cannot read '%s': path too long", root);
		free(w);
		return RSC_EIO;
	}
	memcpy(w->buf, root, rl);
	w->root_len = rl;
	c->ignores = worktree_repo_info(out, c->a, root);
	c->repo_rel = out->root_path;
	/* A root the repository ignores was named on purpose: read it all. */
	int root_ignored = 0;
	if (c->ignores && *c->repo_rel &&
	    (git_ignore_path_is_ignored(&root_ignored, c->ignores, c->repo_rel) < 0 ||
	     root_ignored)) {
		git_error_clear();
		git_repository_free(c->ignores);
		c->ignores = NULL;
	}
	int rc = walk_disk_dir(w, rl);
	git_repository_free(c->ignores);
	c->ignores = NULL;
	free(w);
	return rc;
}

int rsc_source_read(rsc_fileset *out, rsc_arena *a, const char *root,
		    const char *rev, rsc_diags *d)
{
	memset(out, 0, sizeof *out);
	out->arena = a;
	out->root = rsc_arena_strdup(a, root);
	collect c = { .a = a, .d = d };
	int rc;
	if (git_libgit2_init() < 0) {
		rsc_error(d, NULL, 0, 0, "cannot initialize libgit2");
		return RSC_EIO;
	}
	if (rev)
		rc = read_git(out, &c, root, rev);
	else
		rc = read_worktree(out, &c, root);
	git_libgit2_shutdown();
	finish(out, &c);
	if (rc == RSC_OK && c.refused)
		rc = RSC_EINVALID;
	return rc;
}

int rsc_source_refill(rsc_fileset *fs, rsc_arena *a, const rsc_diags *d)
{
	/* shown[i]: a diagnostic shows a line of fs->v[i], whose bytes are gone */
	unsigned char *shown = NULL;
	for (size_t i = 0; i < d->n; i++) {
		const rsc_file *f = d->v[i].line && d->v[i].file
				    ? rsc_fileset_find(fs, d->v[i].file) : NULL;
		if (!f || f->data)
			continue;
		if (!shown && !(shown = calloc(fs->n, 1)))
			return RSC_EIO;
		shown[f - fs->v] = 1;
	}
	if (!shown || !fs->root) {
		free(shown);
		return RSC_OK;
	}
	rsc_arena scratch = RSC_ARENA_INIT;
	rsc_diags ignored;
	rsc_diags_init(&ignored, &scratch);
	rsc_fileset again;
	int rc = rsc_source_read(&again, &scratch, fs->root,
				 fs->from_git ? fs->commit : NULL, &ignored);
	for (size_t i = 0; i < again.n; i++) {
		rsc_file *f = (rsc_file *)rsc_fileset_find(fs, again.v[i].path);
		if (f && shown[f - fs->v]) {
			f->data = rsc_arena_strndup(a, again.v[i].data, again.v[i].len);
			f->len = again.v[i].len;
		}
		rsc_arena_block_free(&scratch, (void *)again.v[i].data);
	}
	free(shown);
	rsc_diags_free(&ignored);
	rsc_arena_free(&scratch);
	return rc == RSC_OK ? RSC_OK : RSC_EIO;
}

/* Whether path (relative to the repository top) is a file the compiler would
 * read under the ruleset root rel: a YAML name, no dot-component. */
static int ruleset_path(const char *path, const char *rel)
{
	size_t rl = strlen(rel);
	if (rl) {
		if (strncmp(path, rel, rl) != 0 || path[rl] != '/')
			return 0;
		path += rl + 1;
	}
	for (const char *p = path; *p; p++)
		if (*p == '.' && (p == path || p[-1] == '/'))
			return 0;
	const char *base = strrchr(path, '/');
	return is_yaml(base ? base + 1 : path);
}

int rsc_source_uncommitted(size_t *out, const char *root)
{
	*out = 0;
	rsc_arena a = RSC_ARENA_INIT;
	git_repository *repo = NULL;
	git_status_list *list = NULL;
	char *existing = NULL;
	int rc = RSC_EIO;
	if (git_libgit2_init() < 0)
		return RSC_EIO;
	char *abs = rsc_repo_resolve(root, &existing);
	if (!abs || git_repository_open_ext(&repo, existing, 0, NULL) < 0)
		goto out;
	const char *rel = rsc_repo_relative(&a, repo, abs);
	if (!rel)
		goto out;
	git_status_options opts;
	if (git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION) < 0)
		goto out;
	opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
	opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
		     GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	char *spec = (char *)rel;
	if (*rel && !strpbrk(rel, "*?[\\")) {
		/* Only a speed-up: entries are filtered below anyway. */
		opts.pathspec.strings = &spec;
		opts.pathspec.count = 1;
	}
	if (git_status_list_new(&list, repo, &opts) < 0)
		goto out;
	size_t n = git_status_list_entrycount(list);
	for (size_t i = 0; i < n; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		if (!e || e->status == GIT_STATUS_CURRENT || (e->status & GIT_STATUS_IGNORED))
			continue;
		const git_diff_delta *dd = e->index_to_workdir ? e->index_to_workdir
							       : e->head_to_index;
		if (!dd)
			continue;
		const char *path = dd->old_file.path ? dd->old_file.path : dd->new_file.path;
		if (path && ruleset_path(path, rel))
			(*out)++;
	}
	rc = RSC_OK;
out:
	git_status_list_free(list);
	git_repository_free(repo);
	git_error_clear();
	git_libgit2_shutdown();
	free(abs);
	free(existing);
	rsc_arena_free(&a);
	return rc;
}
