/* diag.c - collecting and printing diagnostics; see diag.h. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "source.h"

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

void rsc_json_string(FILE *out, const char *s, size_t len)
{
	fputc('"', out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\r': fputs("\\r", out); break;
		case '\t': fputs("\\t", out); break;
		default:
			if (c < 0x20)
				fprintf(out, "\\u%04x", c);
			else
				fputc(c, out);
		}
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

static void print_text(FILE *out, const rsc_diag *x, const rsc_fileset *files)
{
	const char *sev = x->severity == RSC_ERROR ? "error" : "warning";
	if (!*x->file)
		fprintf(out, "%s: %s\n", sev, x->message);
	else if (x->line == 0)
		fprintf(out, "%s: %s: %s\n", x->file, sev, x->message);
	else
		fprintf(out, "%s:%u:%u: %s: %s\n", x->file, x->line, x->col, sev,
			x->message);
	const rsc_file *f = files && *x->file ? rsc_fileset_find(files, x->file) : NULL;
	size_t len;
	const char *text = f && x->line ? find_line(f, x->line, &len) : NULL;
	if (!text)
		return;
	fprintf(out, "  %.*s\n  ", (int)len, text);
	/* The column counts characters: keep tabs as tabs so the caret lines
	 * up, skip UTF-8 continuation bytes. */
	uint32_t col = 1;
	for (size_t i = 0; i < len && col < x->col; i++) {
		unsigned char c = (unsigned char)text[i];
		if ((c & 0xc0) == 0x80)
			continue;
		fputc(c == '\t' ? '\t' : ' ', out);
		col++;
	}
	fputs("^\n", out);
}

/* GitHub workflow commands need %, \r, \n escaped in the message and also
 * ',' and ':' in properties. */
static void gh_escape(FILE *out, const char *s, int property)
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

void rsc_diags_print(FILE *out, const rsc_diags *d, rsc_format fmt,
		     const rsc_fileset *files, const char *path_prefix)
{
	if (fmt == RSC_FORMAT_JSON) {
		fputs("{\"diagnostics\":[", out);
		for (size_t i = 0; i < d->n; i++) {
			const rsc_diag *x = &d->v[i];
			fprintf(out, "%s{\"severity\":\"%s\",\"file\":", i ? "," : "",
				x->severity == RSC_ERROR ? "error" : "warning");
			rsc_json_string(out, x->file, strlen(x->file));
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
			print_text(out, x, files);
			continue;
		}
		fprintf(out, "::%s", x->severity == RSC_ERROR ? "error" : "warning");
		if (*x->file) {
			fputs(" file=", out);
			if (path_prefix && *path_prefix) {
				gh_escape(out, path_prefix, 1);
				fputc('/', out);
			}
			gh_escape(out, x->file, 1);
			if (x->line)
				fprintf(out, ",line=%u,col=%u", x->line, x->col);
		}
		fputs("::", out);
		gh_escape(out, x->message, 0);
		fputc('\n', out);
	}
}
