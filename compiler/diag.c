/* diag.c - collecting and printing diagnostics; see diag.h. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fileset.h"

void rsc_diags_init(rsc_diags *d, rsc_arena *a)
{
	memset(d, 0, sizeof(*d));
	d->arena = a;
}

void rsc_diags_free(rsc_diags *d)
{
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

void rsc_diag_add(rsc_diags *d, rsc_severity sev, const char *file, uint32_t line,
	      uint32_t col, const char *fmt, ...)
{
	char small[256];
	va_list ap;
	va_start(ap, fmt);
	int len = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (len < 0)
		len = 0;
	char *msg = rsc_arena_alloc(d->arena, (size_t)len + 1);
	if ((size_t)len < sizeof small) {
		memcpy(msg, small, (size_t)len + 1);
	} else {
		va_start(ap, fmt);
		vsnprintf(msg, (size_t)len + 1, fmt, ap);
		va_end(ap);
	}

	d->v = rsc_grow(d->v, &d->cap, d->n, sizeof(*d->v));
	rsc_diag *x = &d->v[d->n++];
	x->severity = sev;
	x->file = rsc_arena_strdup(d->arena, file ? file : "");
	/* A refusal of a whole file (too large, a symlink, misplaced...) is
	 * placed at its start, so that editors and annotations can show it. */
	x->whole_file = *x->file && line == 0;
	if (x->whole_file)
		line = col = 1;
	x->line = line;
	x->col = col;
	x->message = msg;
	if (sev == RSC_ERROR)
		d->errors++;
	else
		d->warnings++;
}

static int cmp_diag(const rsc_diag *a, const rsc_diag *b)
{
	int c = strcmp(a->file, b->file);
	if (c)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	if (a->col != b->col)
		return a->col < b->col ? -1 : 1;
	return 0;
}

/* Insertion sort: stable, and lists are short. */
void rsc_diags_sort(rsc_diags *d)
{
	for (size_t i = 1; i < d->n; i++) {
		rsc_diag x = d->v[i];
		size_t j = i;
		while (j > 0 && cmp_diag(&d->v[j - 1], &x) > 0) {
			d->v[j] = d->v[j - 1];
			j--;
		}
		d->v[j] = x;
	}
}

size_t rsc_utf8_seq(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	if (n == 0)
		return 0;
	if (u[0] < 0x80)
		return 1;
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf; /* bounds of the second byte */
	if (u[0] >= 0xc2 && u[0] <= 0xdf) {
		len = 2;
	} else if (u[0] >= 0xe0 && u[0] <= 0xef) {
		len = 3;
		if (u[0] == 0xe0)
			lo = 0xa0; /* overlong */
		else if (u[0] == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (u[0] >= 0xf0 && u[0] <= 0xf4) {
		len = 4;
		if (u[0] == 0xf0)
			lo = 0x90; /* overlong */
		else if (u[0] == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		return 0;
	}
	if (n < len || u[1] < lo || u[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((u[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

int rsc_utf8_valid(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		size_t l = rsc_utf8_seq(s + i, n - i);
		if (!l)
			return 0;
		i += l;
	}
	return 1;
}

size_t rsc_root_prefix(const char **out, const char *user_root)
{
	*out = "";
	if (!user_root)
		return 0;
	size_t n = strlen(user_root);
	while (n > 1 && user_root[n - 1] == '/')
		n--;
	if (n == 0 || (n == 1 && user_root[0] == '.'))
		return 0;
	*out = user_root;
	return n;
}

void rsc_json_string(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x80) {
			size_t l = rsc_utf8_seq(s + i, len - i);
			if (l) {
				fwrite(s + i, 1, l, out);
				i += l;
			} else {
				fputs("\\ufffd", out);
				i++;
			}
			continue;
		}
		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(out, "\\u%04x", c);
			else
				fputc(c, out);
		}
		i++;
	}
	fputc('"', out);
}

/* The text of line `line` (1-based) of f, or NULL. */
static const char *find_line(const rsc_file *f, uint32_t line, size_t *len)
{
	const char *p = f->data, *end = f->data + f->len;
	for (uint32_t l = 1; l < line; l++) {
		p = memchr(p, '\n', (size_t)(end - p));
		if (!p)
			return NULL;
		p++;
	}
	if (p > end)
		return NULL;
	const char *e = memchr(p, '\n', (size_t)(end - p));
	*len = (size_t)((e ? e : end) - p);
	if (*len && p[*len - 1] == '\r')
		(*len)--;
	return p;
}

/* The widest part of a source line that is shown, in characters. */
#define SOURCE_WINDOW 120

/* Prints the source line text[0..len) and a caret under character column
 * col (1-based), or nothing when the line is not printable text. */
static void print_source(FILE *out, const char *text, size_t len, uint32_t col)
{
	size_t chars = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)text[i];
		size_t l = rsc_utf8_seq(text + i, len - i);
		if (!l || (c < 0x20 && c != '\t') || c == 0x7f)
			return; /* a terminal would garble it or worse */
		if (l == 2 && c == 0xc2 && (unsigned char)text[i + 1] < 0xa0)
			return; /* C1 controls */
		i += l;
		chars++;
	}
	size_t caret = col ? col - 1 : 0; /* characters before the caret */
	if (caret > chars)
		caret = chars;
	size_t first = 0, last = chars; /* the window, in characters */
	if (chars > SOURCE_WINDOW) {
		first = caret > SOURCE_WINDOW / 2 ? caret - SOURCE_WINDOW / 2 : 0;
		if (first + SOURCE_WINDOW > chars)
			first = chars - SOURCE_WINDOW;
		last = first + SOURCE_WINDOW;
	}
	fputs("  ", out);
	if (first > 0)
		fputs("\xe2\x80\xa6", out);
	size_t ch = 0, i = 0, start = 0, end = len;
	for (; i < len; ch++) {
		if (ch == first)
			start = i;
		if (ch == last) {
			end = i;
			break;
		}
		i += rsc_utf8_seq(text + i, len - i);
	}
	if (first == chars)
		start = len;
	fprintf(out, "%.*s", (int)(end - start), text + start);
	if (last < chars)
		fputs("\xe2\x80\xa6", out);
	fputs("\n  ", out);
	if (first > 0)
		fputc(' ', out); /* under the ellipsis */
	/* Tabs stay tabs so that the caret lines up. */
	ch = first;
	for (i = start; i < end && ch < caret; ch++) {
		fputc(text[i] == '\t' ? '\t' : ' ', out);
		i += rsc_utf8_seq(text + i, len - i);
	}
	fputs("^\n", out);
}

static void print_text(FILE *out, const rsc_diag *x, const rsc_fileset *files,
		       const char *prefix, size_t plen)
{
	const char *sev = x->severity == RSC_ERROR ? "error" : "warning";
	const char *sep = plen && !(plen == 1 && prefix[0] == '/') ? "/" : "";
	if (!*x->file)
		fprintf(out, "%s: %s\n", sev, x->message);
	else if (x->line == 0)
		fprintf(out, "%.*s%s%s: %s: %s\n", (int)plen, prefix, sep, x->file, sev,
			x->message);
	else
		fprintf(out, "%.*s%s%s:%u:%u: %s: %s\n", (int)plen, prefix, sep, x->file,
			x->line, x->col, sev, x->message);
	const rsc_file *f = files && *x->file ? rsc_fileset_find(files, x->file) : NULL;
	size_t len;
	const char *text = f && !x->whole_file ? find_line(f, x->line, &len) : NULL;
	if (text)
		print_source(out, text, len, x->col);
}

/* GitHub workflow commands need %, \r, \n escaped in the message and also
 * ',' and ':' in properties. */
void rsc_gh_escape(FILE *out, const char *s, int property)
{
	for (; *s; s++) {
		switch (*s) {
		case '%': fputs("%25", out); break;
		case '\r': fputs("%0D", out); break;
		case '\n': fputs("%0A", out); break;
		case ':': fputs(property ? "%3A" : ":", out); break;
		case ',': fputs(property ? "%2C" : ",", out); break;
		default: fputc(*s, out);
		}
	}
}

void rsc_diags_print_at(FILE *out, const rsc_diags *d, rsc_format fmt,
			const rsc_fileset *files, const char *repo_prefix,
			const char *user_root)
{
	const char *prefix;
	size_t plen = rsc_root_prefix(&prefix, user_root);
	const char *sep = plen && !(plen == 1 && prefix[0] == '/') ? "/" : "";
	if (fmt == RSC_FORMAT_JSON) {
		fputs("{\"diagnostics\":[", out);
		for (size_t i = 0; i < d->n; i++) {
			const rsc_diag *x = &d->v[i];
			fprintf(out, "%s{\"severity\":\"%s\",\"file\":", i ? "," : "",
				x->severity == RSC_ERROR ? "error" : "warning");
			if (plen && *x->file) {
				char *p = rsc_arena_printf(d->arena, "%.*s%s%s", (int)plen,
							   prefix, sep, x->file);
				rsc_json_string(out, p, strlen(p));
			} else {
				rsc_json_string(out, x->file, strlen(x->file));
			}
			fprintf(out, ",\"line\":%u,\"column\":%u,\"message\":", x->line, x->col);
			rsc_json_string(out, x->message, strlen(x->message));
			fputc('}', out);
		}
		fprintf(out, "],\"errors\":%zu,\"warnings\":%zu}\n", d->errors, d->warnings);
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		const rsc_diag *x = &d->v[i];
		if (fmt == RSC_FORMAT_TEXT) {
			print_text(out, x, files, prefix, plen);
			continue;
		}
		fprintf(out, "::%s", x->severity == RSC_ERROR ? "error" : "warning");
		if (*x->file) {
			fputs(" file=", out);
			if (repo_prefix && *repo_prefix) {
				rsc_gh_escape(out, repo_prefix, 1);
				fputc('/', out);
			}
			rsc_gh_escape(out, x->file, 1);
			if (x->line)
				fprintf(out, ",line=%u,col=%u", x->line, x->col);
		}
		fputs("::", out);
		rsc_gh_escape(out, x->message, 0);
		fputc('\n', out);
	}
}

void rsc_diags_print(FILE *out, const rsc_diags *d, rsc_format fmt,
		     const rsc_fileset *files, const char *path_prefix)
{
	rsc_diags_print_at(out, d, fmt, files, path_prefix, NULL);
}

void rsc_json_string_or_null(FILE *out, const char *s)
{
	if (s)
		rsc_json_string(out, s, strlen(s));
	else
		fputs("null", out);
}
