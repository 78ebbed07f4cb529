/*
 * ydoc.c - YAML reading with positions; see ydoc.h.
 *
 * The bytes are checked first (size, byte-order mark, UTF-8, NUL) so that
 * an encoding problem is reported at its exact line and column, then
 * libyaml's event parser builds the tree.  Nothing is ever expanded: an
 * anchor, alias or tag is refused where it is written, so a "billion laughs"
 * document costs no more than its own size.
 */
#include "ydoc.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "source.h"

/* Problems reported per file before giving up on it. */
#define MAX_ERRORS 100u
/* How much of a key or scalar a message quotes. */
#define SHOW_MAX 60u

typedef struct frame {
	rsc_ynode *node;
	rsc_ynode **items, **keys;
	size_t n, cap;
	rsc_ynode *key; /* mapping: the key waiting for its value */
} frame;

typedef struct state {
	rsc_arena *a;    /* nodes, arrays, messages' working text */
	rsc_strset *text; /* scalars' text */
	rsc_diags *d;
	const char *file;
	size_t nerr;
	size_t nodes;
	int docs;
	int depth;
	frame stack[RSC_YAML_MAX_DEPTH];
	rsc_ynode *root;
} state;

/* The text of the stand-in for an alias, never taken for a repeated key. */
static const char alias_text[] = "";

#define YERR(st, line, col, ...) \
	((st)->nerr++, rsc_error((st)->d, (st)->file, (line), (col), __VA_ARGS__))

/* ------------------------------------------------------------------ */
/* Bytes */

/*
 * Decodes the UTF-8 sequence at s[i]; stores its code point and length.
 * Returns 0, or -1 with a message in msg when the bytes are not UTF-8.
 */
static int utf8_next(const unsigned char *s, size_t len, size_t i, uint32_t *cp,
		     size_t *seqlen, char *msg, size_t msgsize)
{
	unsigned char b = s[i];
	size_t need;
	uint32_t c, min;
	if (b < 0x80) {
		*cp = b;
		*seqlen = 1;
		return 0;
	} else if (b >= 0xc0 && b <= 0xdf) {
		need = 1, c = b & 0x1fu, min = 0x80;
	} else if (b >= 0xe0 && b <= 0xef) {
		need = 2, c = b & 0x0fu, min = 0x800;
	} else if (b >= 0xf0 && b <= 0xf7) {
		need = 3, c = b & 0x07u, min = 0x10000;
	} else {
		snprintf(msg, msgsize, "invalid UTF-8 byte 0x%02x; expected text in UTF-8", b);
		return -1;
	}
	for (size_t k = 1; k <= need; k++) {
		if (i + k >= len) {
			snprintf(msg, msgsize,
				 "truncated UTF-8 sequence starting with byte 0x%02x at the end of the file",
				 b);
			return -1;
		}
		unsigned char cb = s[i + k];
		if ((cb & 0xc0) != 0x80) {
			snprintf(msg, msgsize,
				 "invalid UTF-8 byte 0x%02x after 0x%02x; expected a continuation byte (0x80-0xbf)",
				 cb, s[i + k - 1]);
			return -1;
		}
		c = (c << 6) | (cb & 0x3fu);
	}
	if (c < min) {
		char bytes[32];
		size_t o = 0;
		for (size_t k = 0; k <= need; k++)
			o += (size_t)snprintf(bytes + o, sizeof bytes - o, "%s0x%02x",
					      k ? " " : "", s[i + k]);
		snprintf(msg, msgsize,
			 "invalid UTF-8: overlong encoding %s of U+%04X; expected its shortest form",
			 bytes, (unsigned)c);
		return -1;
	}
	if (c >= 0xd800 && c <= 0xdfff) {
		snprintf(msg, msgsize,
			 "invalid UTF-8: encoded surrogate U+%04X; expected a Unicode character",
			 (unsigned)c);
		return -1;
	}
	if (c > 0x10ffff) {
		snprintf(msg, msgsize,
			 "invalid UTF-8: U+%X is beyond the last Unicode character U+10FFFF",
			 (unsigned)c);
		return -1;
	}
	*cp = c;
	*seqlen = need + 1;
	return 0;
}

/*
 * Moves the position past the character cp that starts at s[i] (length n),
 * counting line breaks as libyaml does (CR LF once; CR, LF, NEL, LS, PS).
 */
static size_t advance(const unsigned char *s, size_t len, size_t i, uint32_t cp,
		      size_t n, uint32_t *line, uint32_t *col)
{
	if (cp == '\r' && i + 1 < len && s[i + 1] == '\n') {
		++*line, *col = 1;
		return i + 2;
	}
	if (cp == '\n' || cp == '\r' || cp == 0x85 || cp == 0x2028 || cp == 0x2029)
		++*line, *col = 1;
	else
		++*col;
	return i + n;
}

/* Line and column of byte offset off in already validated UTF-8 text. */
static void position_of(const unsigned char *s, size_t len, size_t off,
			uint32_t *line, uint32_t *col)
{
	char msg[160];
	*line = 1, *col = 1;
	size_t i = 0;
	while (i < off && i < len) {
		uint32_t cp;
		size_t n;
		if (utf8_next(s, len, i, &cp, &n, msg, sizeof msg) < 0)
			break;
		i = advance(s, len, i, cp, n, line, col);
	}
}

/* Checks that the whole text is UTF-8 without NUL; reports the first problem. */
static int check_text(state *st, const unsigned char *s, size_t len)
{
	uint32_t line = 1, col = 1;
	size_t i = 0;
	char msg[160];
	while (i < len) {
		uint32_t cp;
		size_t n;
		if (utf8_next(s, len, i, &cp, &n, msg, sizeof msg) < 0) {
			YERR(st, line, col, "%s", msg);
			return -1;
		}
		if (cp == 0) {
			YERR(st, line, col, "NUL byte (0x00) in the text; expected text in UTF-8");
			return -1;
		}
		i = advance(s, len, i, cp, n, &line, &col);
	}
	return 0;
}

/* A short, one-line rendering of text for a message. */
static const char *show(state *st, const char *text, size_t len)
{
	size_t cap = SHOW_MAX * 4 + 8, o = 0;
	char *p = rsc_arena_alloc(st->a, cap);
	size_t i = 0;
	while (i < len && o < SHOW_MAX) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n' || c == '\t' || c == '\r' || c == '\\') {
			p[o++] = '\\';
			p[o++] = c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : '\\';
			i++;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(p + o, cap - o, "\\x%02x", c);
			i++;
		} else {
			/* copy a whole UTF-8 character so nothing is cut in half */
			size_t n = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
			if (i + n > len)
				n = len - i;
			memcpy(p + o, text + i, n);
			o += n, i += n;
		}
	}
	if (i < len) {
		memcpy(p + o, "...", 3);
		o += 3;
	}
	p[o] = '\0';
	return p;
}

/* ------------------------------------------------------------------ */
/* The tree */

static uint32_t mark_line(yaml_mark_t m)
{
	return (uint32_t)m.line + 1;
}

static uint32_t mark_col(yaml_mark_t m)
{
	return (uint32_t)m.column + 1;
}

static rsc_ynode *new_node(state *st, rsc_ynode_kind kind, yaml_mark_t m)
{
	rsc_ynode *n = rsc_arena_alloc(st->a, sizeof *n);
	n->kind = kind;
	n->file = st->file;
	n->line = mark_line(m);
	n->col = mark_col(m);
	return n;
}

static void frame_push_item(state *st, frame *f, rsc_ynode *key, rsc_ynode *val)
{
	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 8;
		rsc_ynode **items = rsc_arena_alloc(st->a, ncap * sizeof *items);
		if (f->n)
			memcpy(items, f->items, f->n * sizeof *items);
		f->items = items;
		if (f->node->kind == RSC_Y_MAP) {
			rsc_ynode **keys = rsc_arena_alloc(st->a, ncap * sizeof *keys);
			if (f->n)
				memcpy(keys, f->keys, f->n * sizeof *keys);
			f->keys = keys;
		}
		f->cap = ncap;
	}
	if (f->node->kind == RSC_Y_MAP)
		f->keys[f->n] = key;
	f->items[f->n++] = val;
}

typedef struct key_ref {
	const rsc_ynode *key;
	size_t index;
} key_ref;

static int key_ref_cmp(const void *pa, const void *pb)
{
	const key_ref *a = pa, *b = pb;
	size_t n = a->key->len < b->key->len ? a->key->len : b->key->len;
	int c = memcmp(a->key->text, b->key->text, n);
	if (c)
		return c;
	if (a->key->len != b->key->len)
		return a->key->len < b->key->len ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

typedef struct dup {
	size_t index;          /* of the repeated key */
	const rsc_ynode *first; /* its first occurrence */
} dup;

static int dup_cmp(const void *pa, const void *pb)
{
	const dup *a = pa, *b = pb;
	return a->index < b->index ? -1 : a->index > b->index;
}

/*
 * Reports every key of the mapping that repeats an earlier one, in the order
 * written.  Sorting keeps a mapping with many keys from costing n^2.
 */
static void check_duplicates(state *st, rsc_ynode *const *keys, size_t n)
{
	if (n < 2)
		return;
	key_ref *refs = rsc_arena_alloc(st->a, n * sizeof *refs);
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (keys[i] && keys[i]->kind == RSC_Y_SCALAR && keys[i]->text != alias_text)
			refs[m].key = keys[i], refs[m].index = i, m++;
	qsort(refs, m, sizeof *refs, key_ref_cmp);
	dup *dups = rsc_arena_alloc(st->a, (m ? m : 1) * sizeof *dups);
	size_t nd = 0;
	for (size_t i = 1, first = 0; i < m; i++) {
		const rsc_ynode *a = refs[first].key, *b = refs[i].key;
		if (a->len == b->len && memcmp(a->text, b->text, a->len) == 0)
			dups[nd].index = refs[i].index, dups[nd].first = a, nd++;
		else
			first = i;
	}
	qsort(dups, nd, sizeof *dups, dup_cmp);
	for (size_t i = 0; i < nd; i++) {
		const rsc_ynode *k = keys[dups[i].index];
		YERR(st, k->line, k->col, "duplicate key '%s' (first at %u:%u)",
		     show(st, k->text, k->len), (unsigned)dups[i].first->line,
		     (unsigned)dups[i].first->col);
	}
}

/* Puts a finished node into its parent (or makes it the root). */
static void attach(state *st, rsc_ynode *node)
{
	if (st->depth == 0) {
		st->root = node;
		return;
	}
	frame *f = &st->stack[st->depth - 1];
	if (f->node->kind == RSC_Y_SEQ) {
		frame_push_item(st, f, NULL, node);
		return;
	}
	if (f->key) {
		frame_push_item(st, f, f->key, node);
		f->key = NULL;
		return;
	}
	if (node->kind != RSC_Y_SCALAR)
		YERR(st, node->line, node->col, "mapping keys must be plain text, found %s",
		     rsc_ynode_kind_name(node));
	else if (node->plain && node->len == 2 && memcmp(node->text, "<<", 2) == 0)
		YERR(st, node->line, node->col,
		     "merge keys ('<<') are not allowed: write the keys out");
	f->key = node;
}

/* The tag as it was written, as far as it can be told from libyaml's. */
static const char *tag_shown(state *st, const unsigned char *tag)
{
	const char *t = (const char *)tag;
	static const char core[] = "tag:yaml.org,2002:";
	if (strncmp(t, core, sizeof core - 1) == 0)
		return rsc_arena_printf(st->a, "!!%s", show(st, t + sizeof core - 1,
							   strlen(t + sizeof core - 1)));
	if (t[0] == '!')
		return show(st, t, strlen(t));
	return rsc_arena_printf(st->a, "!<%s>", show(st, t, strlen(t)));
}

/* Refuses what every node may carry: an anchor or a tag.  Counts the node. */
static int node_common(state *st, yaml_mark_t m, const unsigned char *anchor,
		       const unsigned char *tag, int scalar)
{
	if (++st->nodes > RSC_YAML_MAX_NODES) {
		YERR(st, mark_line(m), mark_col(m), "more than %u YAML nodes",
		     (unsigned)RSC_YAML_MAX_NODES);
		return -1;
	}
	if (anchor)
		YERR(st, mark_line(m), mark_col(m),
		     "anchors are not allowed: write the value out where it is used");
	if (tag && scalar)
		YERR(st, mark_line(m), mark_col(m),
		     "tags are not allowed ('%s'); quote the value to make it a string",
		     tag_shown(st, tag));
	else if (tag)
		YERR(st, mark_line(m), mark_col(m), "tags are not allowed ('%s')",
		     tag_shown(st, tag));
	return 0;
}

/* Handles one event; returns 1 to go on, 0 at the end, -1 on a fatal error. */
static int on_event(state *st, const yaml_event_t *ev)
{
	yaml_mark_t m = ev->start_mark;
	rsc_ynode *n;
	switch (ev->type) {
	case YAML_STREAM_START_EVENT:
		return 1;
	case YAML_STREAM_END_EVENT:
		return 0;
	case YAML_DOCUMENT_START_EVENT:
		if (++st->docs > 1) {
			YERR(st, mark_line(m), mark_col(m),
			     "a second YAML document starts here; put one document in each file");
			return -1;
		}
		return 1;
	case YAML_DOCUMENT_END_EVENT:
		return 1;
	case YAML_ALIAS_EVENT:
		if (++st->nodes > RSC_YAML_MAX_NODES) {
			YERR(st, mark_line(m), mark_col(m), "more than %u YAML nodes",
			     (unsigned)RSC_YAML_MAX_NODES);
			return -1;
		}
		YERR(st, mark_line(m), mark_col(m),
		     "aliases are not allowed: write the value out where it is used");
		/* an empty stand-in keeps the shape of the tree */
		n = new_node(st, RSC_Y_SCALAR, m);
		n->text = alias_text;
		attach(st, n);
		return 1;
	case YAML_SCALAR_EVENT: {
		const yaml_char_t *tag = ev->data.scalar.tag;
		if (node_common(st, m, ev->data.scalar.anchor, tag, 1) < 0)
			return -1;
		n = new_node(st, RSC_Y_SCALAR, m);
		n->len = ev->data.scalar.length;
		n->text = rsc_strset_add(st->text, (const char *)ev->data.scalar.value, n->len);
		n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
		if (n->len > RSC_YAML_MAX_SCALAR)
			YERR(st, n->line, n->col, "scalar is %zu bytes; the limit is %u",
			     n->len, (unsigned)RSC_YAML_MAX_SCALAR);
		else if (memchr(n->text, '\0', n->len))
			YERR(st, n->line, n->col,
			     "NUL character in a string (from an escape such as \\0); expected text without NUL");
		attach(st, n);
		return 1;
	}
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT: {
		int seq = ev->type == YAML_SEQUENCE_START_EVENT;
		const yaml_char_t *anchor = seq ? ev->data.sequence_start.anchor
						: ev->data.mapping_start.anchor;
		const yaml_char_t *tag = seq ? ev->data.sequence_start.tag
					     : ev->data.mapping_start.tag;
		if (st->depth >= RSC_YAML_MAX_DEPTH) {
			YERR(st, mark_line(m), mark_col(m),
			     "nesting is deeper than %d levels", RSC_YAML_MAX_DEPTH);
			return -1;
		}
		if (node_common(st, m, anchor, tag, 0) < 0)
			return -1;
		frame *f = &st->stack[st->depth++];
		memset(f, 0, sizeof *f);
		f->node = new_node(st, seq ? RSC_Y_SEQ : RSC_Y_MAP, m);
		return 1;
	}
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT: {
		if (st->depth == 0)
			return 1; /* cannot happen: libyaml pairs them */
		frame *f = &st->stack[--st->depth];
		n = f->node;
		n->n = f->n;
		n->items = f->items;
		n->keys = f->keys;
		if (n->kind == RSC_Y_MAP)
			check_duplicates(st, n->keys, n->n);
		attach(st, n);
		return 1;
	}
	case YAML_NO_EVENT:
	default:
		return 1;
	}
}

/* What a newcomer should do about libyaml's most common complaints, as
 * "; ..." to append, or "".  libyaml says what it found; these say why it
 * usually happens. */
static const char *syntax_hint(const yaml_parser_t *p, const unsigned char *s, size_t len)
{
	size_t at = p->problem_mark.index;
	if (at < len && s[at] == '\t')
		return "; tabs are not allowed for indentation: use spaces";
	if (p->problem && strcmp(p->problem, "mapping values are not allowed in this context") == 0)
		return "; check this line's indentation, or quote a value that contains ': '";
	return "";
}

static void report_parser_error(state *st, const yaml_parser_t *p,
				const unsigned char *s, size_t len)
{
	uint32_t line, col;
	switch (p->error) {
	case YAML_MEMORY_ERROR:
		YERR(st, 0, 0, "out of memory while reading YAML");
		return;
	case YAML_READER_ERROR:
		position_of(s, len, p->problem_offset, &line, &col);
		if (p->problem_value >= 0)
			YERR(st, line, col, "invalid character U+%04X: %s", (unsigned)p->problem_value,
			     p->problem ? p->problem : "cannot be read");
		else
			YERR(st, line, col, "%s", p->problem ? p->problem : "cannot be read");
		return;
	default:
		break;
	}
	const char *problem = p->problem ? p->problem : "cannot be parsed";
	line = mark_line(p->problem_mark);
	col = mark_col(p->problem_mark);
	const char *hint = syntax_hint(p, s, len);
	if (p->context)
		YERR(st, line, col, "YAML syntax error: %s (%s at %u:%u)%s", problem, p->context,
		     (unsigned)mark_line(p->context_mark), (unsigned)mark_col(p->context_mark),
		     hint);
	else
		YERR(st, line, col, "YAML syntax error: %s%s", problem, hint);
}

static int bom_check(state *st, const unsigned char *s, size_t len)
{
	const char *which = NULL;
	if (len >= 4 && s[0] == 0 && s[1] == 0 && s[2] == 0xfe && s[3] == 0xff)
		which = "UTF-32BE";
	else if (len >= 4 && s[0] == 0xff && s[1] == 0xfe && s[2] == 0 && s[3] == 0)
		which = "UTF-32LE";
	else if (len >= 2 && s[0] == 0xfe && s[1] == 0xff)
		which = "UTF-16BE";
	else if (len >= 2 && s[0] == 0xff && s[1] == 0xfe)
		which = "UTF-16LE";
	if (!which)
		return 0;
	YERR(st, 1, 1, "found a %s byte-order mark; expected text in UTF-8", which);
	return -1;
}

int rsc_ydoc_parse(rsc_ynode **out, rsc_arena *a, const char *file,
		   const char *data, size_t len, rsc_diags *d)
{
	return rsc_ydoc_parse_split(out, a, a, file, data, len, d);
}

int rsc_ydoc_parse_split(rsc_ynode **out, rsc_arena *nodes, rsc_arena *text,
			 const char *file, const char *data, size_t len, rsc_diags *d)
{
	rsc_strset set = RSC_STRSET_INIT(text);
	int rc = rsc_ydoc_parse_interned(out, nodes, &set, file, data, len, d);
	rsc_strset_free(&set);
	return rc;
}

int rsc_ydoc_parse_interned(rsc_ynode **out, rsc_arena *nodes, rsc_strset *text,
			    const char *file, const char *data, size_t len,
			    rsc_diags *d)
{
	state st;
	memset(&st, 0, sizeof st);
	st.a = nodes;
	st.text = text;
	st.d = d;
	st.file = file;
	*out = NULL;

	if (len > RSC_MAX_FILE_SIZE) {
		YERR(&st, 0, 0, "file is %zu bytes; the limit is %u", len,
		     (unsigned)RSC_MAX_FILE_SIZE);
		return RSC_EINVALID;
	}
	const unsigned char *s = (const unsigned char *)data;
	if (bom_check(&st, s, len) < 0)
		return RSC_EINVALID;
	if (len >= 3 && s[0] == 0xef && s[1] == 0xbb && s[2] == 0xbf)
		s += 3, len -= 3;
	if (check_text(&st, s, len) < 0)
		return RSC_EINVALID;

	yaml_parser_t p;
	if (!yaml_parser_initialize(&p)) {
		YERR(&st, 0, 0, "out of memory while reading YAML");
		return RSC_EINVALID;
	}
	yaml_parser_set_input_string(&p, s, len);
	yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
	int go = 1;
	while (go > 0) {
		yaml_event_t ev;
		if (!yaml_parser_parse(&p, &ev)) {
			report_parser_error(&st, &p, s, len);
			go = -1;
			break;
		}
		go = on_event(&st, &ev);
		yaml_event_delete(&ev);
		if (go > 0 && st.nerr >= MAX_ERRORS) {
			YERR(&st, mark_line(p.mark), mark_col(p.mark),
			     "too many problems in this file; stopping here");
			go = -1;
		}
	}
	yaml_parser_delete(&p);

	if (go < 0) {
		/* the mappings still open may already repeat keys */
		for (int i = st.depth - 1; i >= 0; i--)
			if (st.stack[i].node->kind == RSC_Y_MAP)
				check_duplicates(&st, st.stack[i].keys, st.stack[i].n);
		return RSC_EINVALID;
	}
	if (st.docs == 0) {
		YERR(&st, 1, 1, "empty file: expected a YAML mapping");
		return RSC_EINVALID;
	}
	if (st.root && st.root->kind == RSC_Y_SCALAR && st.root->plain && st.root->len == 0 &&
	    st.nerr == 0) {
		YERR(&st, st.root->line, st.root->col, "empty document: expected a YAML mapping");
		return RSC_EINVALID;
	}
	if (st.nerr)
		return RSC_EINVALID;
	*out = st.root;
	return RSC_OK;
}

rsc_ynode *rsc_ymap_get(const rsc_ynode *map, const char *key)
{
	if (!map || map->kind != RSC_Y_MAP || !key)
		return NULL;
	size_t klen = strlen(key);
	for (size_t i = 0; i < map->n; i++) {
		const rsc_ynode *k = map->keys[i];
		if (k->kind == RSC_Y_SCALAR && k->len == klen && memcmp(k->text, key, klen) == 0)
			return map->items[i];
	}
	return NULL;
}

const char *rsc_ynode_kind_name(const rsc_ynode *n)
{
	if (!n)
		return "nothing";
	switch (n->kind) {
	case RSC_Y_SCALAR:
		return "a scalar";
	case RSC_Y_SEQ:
		return "a list";
	case RSC_Y_MAP:
		return "a mapping";
	}
	return "a node";
}
