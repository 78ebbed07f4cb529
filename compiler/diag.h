/*
 * diag.h - diagnostics: every problem found in a ruleset, with its position,
 * collected so that one run reports all of them, then printed as a compiler
 * would (text with the offending line and a caret), as JSON, or as GitHub
 * workflow annotations.
 */
#ifndef RSC_DIAG_H
#define RSC_DIAG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "arena.h"

typedef enum { RSC_ERROR, RSC_WARNING } rsc_severity;

typedef enum {
	RSC_FORMAT_TEXT,
	RSC_FORMAT_JSON,
	RSC_FORMAT_GITHUB
} rsc_format;

typedef struct rsc_diag {
	rsc_severity severity;
	const char *file; /* path relative to the ruleset root; "" for none */
	uint32_t line, col; /* 1-based; 0 when unknown */
	const char *message; /* one line, no trailing period */
	int whole_file; /* about the whole file, placed at 1:1: no source line */
} rsc_diag;

typedef struct rsc_diags {
	rsc_arena *arena; /* owns files' and messages' copies */
	rsc_diag *v;
	size_t n, cap;
	size_t errors, warnings;
} rsc_diags;

struct rsc_fileset;

void rsc_diags_init(rsc_diags *d, rsc_arena *a);
void rsc_diags_free(rsc_diags *d);

/* Records a problem; file may be NULL.  A problem with a file but line 0 (the
 * whole file is refused) is placed at line 1, column 1.  The message is
 * formatted into the arena, so arguments need not outlive the call. */
void rsc_diag_add(rsc_diags *d, rsc_severity sev, const char *file, uint32_t line,
	      uint32_t col, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
#define rsc_error(d, file, line, col, ...) \
	rsc_diag_add((d), RSC_ERROR, (file), (line), (col), __VA_ARGS__)
#define rsc_warning(d, file, line, col, ...) \
	rsc_diag_add((d), RSC_WARNING, (file), (line), (col), __VA_ARGS__)

/* Sorts by file, line, column (stable for equal positions). */
void rsc_diags_sort(rsc_diags *d);

/*
 * Prints every diagnostic.  Text: "file:line:col: error: message", then the
 * source line and a caret under the column when files has the file (a long
 * line is cut to a window around the caret, marked with an ellipsis; a line that
 * is not valid UTF-8 or holds control characters is not shown).  JSON: one
 * object {"diagnostics":[...],"errors":N,"warnings":N}.  GitHub:
 * "::error file=F,line=L,col=C::message" (the file path prefixed by
 * path_prefix, the ruleset's path inside the repository, so annotations land on
 * the pull request's diff).  Text and JSON print the ruleset-relative paths as
 * they are.  files and path_prefix may be NULL.
 */
void rsc_diags_print(FILE *out, const rsc_diags *d, rsc_format fmt,
		     const struct rsc_fileset *files, const char *path_prefix);

/*
 * Like rsc_diags_print, but text and JSON paths (and nothing else) are
 * prefixed with user_root, the ruleset root as the user named it (--root), so
 * that they open from the current directory: "flags" + "x.yaml" ->
 * "flags/x.yaml"; "." or "" or NULL adds nothing; trailing slashes are
 * dropped.  GitHub annotations use repo_prefix as rsc_diags_print's
 * path_prefix.  Typical call:
 *   rsc_diags_print_at(out, &d, fmt, &fs, fs.root_path, src.root);
 */
void rsc_diags_print_at(FILE *out, const rsc_diags *d, rsc_format fmt,
			const struct rsc_fileset *files, const char *repo_prefix,
			const char *user_root);

/* user_root without trailing slashes, "" for "." or NULL: the prefix
 * rsc_diags_print_at joins with '/'.  Returns len of the prefix; *out points
 * into user_root (or to ""). */
size_t rsc_root_prefix(const char **out, const char *user_root);

/* Length (1-4) of the well-formed UTF-8 sequence at s[0..n), or 0 when it is
 * not one (a stray continuation byte, an overlong form, a surrogate, a code
 * point above U+10FFFF, a truncated sequence). */
size_t rsc_utf8_seq(const char *s, size_t n);

/* Whether s[0..n) is entirely well-formed UTF-8. */
int rsc_utf8_valid(const char *s, size_t n);

/* Writes s for a GitHub workflow command: '%', CR and LF escaped, and with
 * property set (file=..., title=...) also ',' and ':'. */
void rsc_gh_escape(FILE *out, const char *s, int property);

/* Writes s as a JSON string literal (with quotes); bytes that are not
 * well-formed UTF-8 become \ufffd, so the output is always valid JSON. */
void rsc_json_string(FILE *out, const char *s, size_t len);

/* The NUL-terminated s as a JSON string literal, or null when s is NULL. */
void rsc_json_string_or_null(FILE *out, const char *s);

#endif
