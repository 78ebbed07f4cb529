/* check_ydoc.c - YAML reading with positions: the tree and every refusal. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "source.h"
#include "ydoc.h"

static rsc_arena arena;
static rsc_diags diags;
static int parse_rc;

static void setup(void)
{
	rsc_arena a = RSC_ARENA_INIT;
	arena = a;
	rsc_diags_init(&diags, &arena);
}

static void teardown(void)
{
	rsc_diags_free(&diags);
	rsc_arena_free(&arena);
}

/* Parses len bytes of text (strlen when len is (size_t)-1). */
static rsc_ynode *parse_n(const char *text, size_t len)
{
	rsc_ynode *root = (rsc_ynode *)1;
	if (len == (size_t)-1)
		len = strlen(text);
	parse_rc = rsc_ydoc_parse(&root, &arena, "t.yaml", text, len, &diags);
	if (parse_rc == RSC_OK) {
		ck_assert_ptr_nonnull(root);
		ck_assert_uint_eq(diags.n, 0);
	} else {
		ck_assert_int_eq(parse_rc, RSC_EINVALID);
		ck_assert_ptr_null(root);
		ck_assert_uint_ge(diags.n, 1);
	}
	return root;
}

static rsc_ynode *parse(const char *text)
{
	return parse_n(text, (size_t)-1);
}

static rsc_ynode *parse_ok(const char *text)
{
	rsc_ynode *root = parse(text);
	ck_assert_msg(parse_rc == RSC_OK, "unexpected error %u:%u: %s",
		      diags.n ? diags.v[0].line : 0, diags.n ? diags.v[0].col : 0,
		      diags.n ? diags.v[0].message : "");
	return root;
}

/* Asserts that diagnostic i is an error at line:col with exactly msg. */
static void expect_diag(size_t i, uint32_t line, uint32_t col, const char *msg)
{
	ck_assert_int_eq(parse_rc, RSC_EINVALID);
	ck_assert_msg(i < diags.n, "only %zu diagnostics, wanted #%zu: %s", diags.n, i, msg);
	const rsc_diag *g = &diags.v[i];
	ck_assert_int_eq(g->severity, RSC_ERROR);
	ck_assert_str_eq(g->file, "t.yaml");
	ck_assert_str_eq(g->message, msg);
	ck_assert_msg(g->line == line && g->col == col, "'%s' at %u:%u, expected %u:%u",
		      g->message, g->line, g->col, line, col);
}

/* The only error of text. */
static void expect_only(const char *text, uint32_t line, uint32_t col, const char *msg)
{
	parse(text);
	expect_diag(0, line, col, msg);
	ck_assert_uint_eq(diags.n, 1);
}

static void expect_node(const rsc_ynode *n, rsc_ynode_kind kind, uint32_t line, uint32_t col)
{
	ck_assert_ptr_nonnull(n);
	ck_assert_int_eq(n->kind, kind);
	ck_assert_str_eq(n->file, "t.yaml");
	ck_assert_msg(n->line == line && n->col == col, "node at %u:%u, expected %u:%u",
		      n->line, n->col, line, col);
}

static void expect_scalar(const rsc_ynode *n, const char *text, int plain, uint32_t line,
			  uint32_t col)
{
	expect_node(n, RSC_Y_SCALAR, line, col);
	ck_assert_str_eq(n->text, text);
	ck_assert_uint_eq(n->len, strlen(text));
	ck_assert_int_eq(n->plain, plain);
}

/* ------------------------------------------------------------------ */

START_TEST(test_tree)
{
	const char *y =
		"name: demo\n"                              /* 1 */
		"enabled: true\n"                           /* 2 */
		"targeting:\n"                              /* 3 */
		"  rules:\n"                                /* 4 */
		"    - when: {attr: country, in: [FR, \"DE\"]}\n" /* 5 */
		"      variant: on\n"                       /* 6 */
		"  default:\n"                              /* 7 */
		"    off\n"                                 /* 8 */
		"list:\n"                                   /* 9 */
		"- a\n"                                     /* 10 */
		"- 'b'\n";                                  /* 11 */
	rsc_ynode *root = parse_ok(y);
	expect_node(root, RSC_Y_MAP, 1, 1);
	ck_assert_uint_eq(root->n, 4);
	expect_scalar(root->keys[0], "name", 1, 1, 1);
	expect_scalar(root->items[0], "demo", 1, 1, 7);
	expect_scalar(root->keys[1], "enabled", 1, 2, 1);
	expect_scalar(rsc_ymap_get(root, "enabled"), "true", 1, 2, 10);

	/* a value on the line after its key */
	rsc_ynode *t = rsc_ymap_get(root, "targeting");
	expect_node(t, RSC_Y_MAP, 4, 3);
	ck_assert_uint_eq(t->n, 2);
	expect_scalar(rsc_ymap_get(t, "default"), "off", 1, 8, 5);

	rsc_ynode *rules = rsc_ymap_get(t, "rules");
	expect_node(rules, RSC_Y_SEQ, 5, 5);
	ck_assert_uint_eq(rules->n, 1);
	rsc_ynode *rule = rules->items[0];
	expect_node(rule, RSC_Y_MAP, 5, 7);
	expect_scalar(rule->keys[1], "variant", 1, 6, 7);
	expect_scalar(rsc_ymap_get(rule, "variant"), "on", 1, 6, 16);
	rsc_ynode *when = rsc_ymap_get(rule, "when");
	expect_node(when, RSC_Y_MAP, 5, 13);
	expect_scalar(rsc_ymap_get(when, "attr"), "country", 1, 5, 20);
	rsc_ynode *in = rsc_ymap_get(when, "in");
	expect_node(in, RSC_Y_SEQ, 5, 33);
	ck_assert_uint_eq(in->n, 2);
	/* flow sequence items */
	expect_scalar(in->items[0], "FR", 1, 5, 34);
	expect_scalar(in->items[1], "DE", 0, 5, 38);

	/* a block sequence at the key's indentation; its items */
	rsc_ynode *list = rsc_ymap_get(root, "list");
	expect_node(list, RSC_Y_SEQ, 10, 1);
	ck_assert_uint_eq(list->n, 2);
	ck_assert_ptr_null(list->keys);
	expect_scalar(list->items[0], "a", 1, 10, 3);
	expect_scalar(list->items[1], "b", 0, 11, 3);

	ck_assert_ptr_null(rsc_ymap_get(root, "missing"));
	ck_assert_ptr_null(rsc_ymap_get(list, "a"));
	ck_assert_ptr_null(rsc_ymap_get(NULL, "a"));
	ck_assert_str_eq(rsc_ynode_kind_name(root), "a mapping");
	ck_assert_str_eq(rsc_ynode_kind_name(list), "a list");
	ck_assert_str_eq(rsc_ynode_kind_name(list->items[0]), "a scalar");
}
END_TEST

START_TEST(test_scalar_styles)
{
	rsc_ynode *root = parse_ok("p: x\n"
				   "s: 'x'\n"
				   "d: \"x\\ty\"\n"
				   "l: |\n  x\n  y\n"
				   "f: >\n  x\n  y\n"
				   "e:\n"
				   "n: 12\n"
				   "c: 'it''s'\n");
	expect_scalar(rsc_ymap_get(root, "p"), "x", 1, 1, 4);
	expect_scalar(rsc_ymap_get(root, "s"), "x", 0, 2, 4);
	expect_scalar(rsc_ymap_get(root, "d"), "x\ty", 0, 3, 4);
	expect_scalar(rsc_ymap_get(root, "l"), "x\ny\n", 0, 4, 4);
	expect_scalar(rsc_ymap_get(root, "f"), "x y\n", 0, 7, 4);
	rsc_ynode *e = rsc_ymap_get(root, "e");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->kind, RSC_Y_SCALAR);
	ck_assert_str_eq(e->text, "");
	ck_assert_int_eq(e->plain, 1);
	expect_scalar(rsc_ymap_get(root, "n"), "12", 1, 11, 4);
	expect_scalar(rsc_ymap_get(root, "c"), "it's", 0, 12, 4);
	/* a quoted "<<" is an ordinary key */
	root = parse_ok("'<<': 1\n");
	expect_scalar(rsc_ymap_get(root, "<<"), "1", 1, 1, 7);
}
END_TEST

START_TEST(test_positions_count_characters)
{
	/* columns count characters, not bytes; CR LF is one line break */
	rsc_ynode *root = parse_ok("é: \"ü\"\r\nb: [x, ñ, y]\n");
	expect_scalar(rsc_ymap_get(root, "é"), "ü", 0, 1, 4);
	rsc_ynode *b = rsc_ymap_get(root, "b");
	expect_scalar(b->items[2], "y", 1, 2, 11);
	/* a UTF-8 byte-order mark is skipped */
	root = parse_ok("\xef\xbb\xbf" "a: b\n");
	expect_scalar(root->keys[0], "a", 1, 1, 1);
}
END_TEST

START_TEST(test_utf8)
{
	expect_only("a: b\nc: d\xff\n", 2, 5, "invalid UTF-8 byte 0xff; expected text in UTF-8");
	teardown(), setup();
	expect_only("k: é\xc3\x28\n", 1, 5,
		    "invalid UTF-8 byte 0x28 after 0xc3; expected a continuation byte (0x80-0xbf)");
	teardown(), setup();
	expect_only("a: 1\r\nb: \x80", 2, 4, "invalid UTF-8 byte 0x80; expected text in UTF-8");
	teardown(), setup();
	expect_only("a: \xc0\xaf\n", 1, 4,
		    "invalid UTF-8: overlong encoding 0xc0 0xaf of U+002F; expected its shortest form");
	teardown(), setup();
	expect_only("a: \xe0\x80\xaf\n", 1, 4,
		    "invalid UTF-8: overlong encoding 0xe0 0x80 0xaf of U+002F; expected its shortest form");
	teardown(), setup();
	expect_only("a: \xed\xa0\x80\n", 1, 4,
		    "invalid UTF-8: encoded surrogate U+D800; expected a Unicode character");
	teardown(), setup();
	expect_only("a: \xf4\x90\x80\x80\n", 1, 4,
		    "invalid UTF-8: U+110000 is beyond the last Unicode character U+10FFFF");
	teardown(), setup();
	expect_only("a: x\xe2\x82", 1, 5,
		    "truncated UTF-8 sequence starting with byte 0xe2 at the end of the file");
	teardown(), setup();
	parse_n("a: b\0c\n", 7);
	expect_diag(0, 1, 5, "NUL byte (0x00) in the text; expected text in UTF-8");
	ck_assert_uint_eq(diags.n, 1);
	teardown(), setup();
	/* the largest character and a 4-byte one are fine */
	rsc_ynode *root = parse_ok("a: \xf4\x8f\xbf\xbf\nb: \xf0\x9f\x98\x80\n");
	ck_assert_str_eq(rsc_ymap_get(root, "b")->text, "\xf0\x9f\x98\x80");
}
END_TEST

START_TEST(test_bom)
{
	parse_n("\xff\xfe" "a\0:\0 \0b\0", 10);
	expect_diag(0, 1, 1, "found a UTF-16LE byte-order mark; expected text in UTF-8");
	teardown(), setup();
	parse_n("\xfe\xff\0a\0:", 6);
	expect_diag(0, 1, 1, "found a UTF-16BE byte-order mark; expected text in UTF-8");
	teardown(), setup();
	parse_n("\xff\xfe\0\0" "a\0\0\0", 8);
	expect_diag(0, 1, 1, "found a UTF-32LE byte-order mark; expected text in UTF-8");
	teardown(), setup();
	parse_n("\0\0\xfe\xff\0\0\0a", 8);
	expect_diag(0, 1, 1, "found a UTF-32BE byte-order mark; expected text in UTF-8");
	ck_assert_uint_eq(diags.n, 1);
}
END_TEST

START_TEST(test_control_character)
{
	expect_only("é: x\x07y\n", 1, 5,
		    "invalid character U+0007: control characters are not allowed");
}
END_TEST

START_TEST(test_file_size)
{
	size_t len = 2u * 1024u * 1024u;
	char *big = malloc(len);
	ck_assert_ptr_nonnull(big);
	memcpy(big, "a: ", 3);
	memset(big + 3, 'x', len - 4);
	big[len - 1] = '\n';
	parse_n(big, len);
	free(big);
	expect_diag(0, 1, 1, "file is 2097152 bytes; the limit is 1048576");
	ck_assert_uint_eq(diags.n, 1);
}
END_TEST

START_TEST(test_empty)
{
	expect_only("", 1, 1, "empty file: expected a YAML mapping");
	teardown(), setup();
	expect_only("# only a comment\n\n   \n", 1, 1, "empty file: expected a YAML mapping");
	teardown(), setup();
	parse("---\n");
	ck_assert_str_eq(diags.v[0].message, "empty document: expected a YAML mapping");
	ck_assert_uint_eq(diags.n, 1);
}
END_TEST

START_TEST(test_two_documents)
{
	expect_only("a: 1\n---\nb: 2\n", 2, 1,
		    "a second YAML document starts here; put one document in each file");
	teardown(), setup();
	expect_only("--- a\n...\n--- b\n", 3, 1,
		    "a second YAML document starts here; put one document in each file");
	teardown(), setup();
	/* an explicit start and end of a single document are fine */
	parse_ok("---\na: 1\n...\n");
}
END_TEST

START_TEST(test_anchors_aliases_merge)
{
	expect_only("a: &x 1\nb: 2\n", 1, 4,
		    "anchors are not allowed: write the value out where it is used");
	teardown(), setup();
	expect_only("a: 1\nb: *x\n", 2, 4,
		    "aliases are not allowed: write the value out where it is used");
	teardown(), setup();
	parse("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n");
	expect_diag(0, 1, 7, "anchors are not allowed: write the value out where it is used");
	expect_diag(1, 3, 3, "merge keys ('<<') are not allowed: write the keys out");
	expect_diag(2, 3, 7, "aliases are not allowed: write the value out where it is used");
	ck_assert_uint_eq(diags.n, 3);
	teardown(), setup();
	/* aliases used as keys are not also taken for repeated keys */
	parse("*a : 1\n*b : 2\n");
	expect_diag(0, 1, 1, "aliases are not allowed: write the value out where it is used");
	expect_diag(1, 2, 1, "aliases are not allowed: write the value out where it is used");
	ck_assert_uint_eq(diags.n, 2);
}
END_TEST

START_TEST(test_tags)
{
	expect_only("a: !!str 1\n", 1, 4,
		    "tags are not allowed ('!!str'); quote the value to make it a string");
	teardown(), setup();
	expect_only("a:\n  - !foo x\n", 2, 5,
		    "tags are not allowed ('!foo'); quote the value to make it a string");
	teardown(), setup();
	expect_only("a: !!map {b: 1}\n", 1, 4, "tags are not allowed ('!!map')");
	teardown(), setup();
	expect_only("!!seq [1]\n", 1, 1, "tags are not allowed ('!!seq')");
}
END_TEST

START_TEST(test_duplicate_keys)
{
	parse("x: 1\n"
	      "enabled: true\n"
	      "y:\n"
	      "  a: 1\n"
	      "  b: 2\n"
	      "  a: 3\n"
	      "enabled: false\n"
	      "'enabled': 3\n"
	      "z: {q: 1, q: 2}\n");
	expect_diag(0, 6, 3, "duplicate key 'a' (first at 4:3)");
	expect_diag(1, 9, 11, "duplicate key 'q' (first at 9:5)");
	expect_diag(2, 7, 1, "duplicate key 'enabled' (first at 2:1)");
	expect_diag(3, 8, 1, "duplicate key 'enabled' (first at 2:1)");
	ck_assert_uint_eq(diags.n, 4);
	teardown(), setup();
	/* the same key in different mappings is fine */
	parse_ok("a: {k: 1}\nb: {k: 2}\nk: 3\n");
}
END_TEST

START_TEST(test_duplicate_keys_many)
{
	/* a mapping with many keys is checked without n^2 work */
	size_t nkeys = 30000, cap = nkeys * 16 + 64, o = 0;
	char *y = malloc(cap);
	for (size_t i = 0; i < nkeys; i++)
		o += (size_t)snprintf(y + o, cap - o, "k%zu: 1\n", i);
	o += (size_t)snprintf(y + o, cap - o, "k17: 2\n");
	clock_t t0 = clock();
	parse_n(y, o);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	free(y);
	expect_diag(0, (uint32_t)nkeys + 1, 1, "duplicate key 'k17' (first at 18:1)");
	ck_assert_uint_eq(diags.n, 1);
	ck_assert_msg(secs < 2.0, "took %.2fs", secs);
}
END_TEST

START_TEST(test_duplicate_key_before_syntax_error)
{
	parse("a: 1\nb: 2\na: 3\nc: [1, 2\n");
	ck_assert_uint_eq(diags.n, 2);
	ck_assert_uint_eq(diags.v[0].line, 5);
	ck_assert_ptr_nonnull(strstr(diags.v[0].message, "YAML syntax error: "));
	expect_diag(1, 3, 1, "duplicate key 'a' (first at 1:1)");
}
END_TEST

START_TEST(test_duplicate_key_shown_safely)
{
	parse("\"a\\nb\": 1\n\"a\\nb\": 2\n");
	expect_diag(0, 2, 1, "duplicate key 'a\\nb' (first at 1:1)");
}
END_TEST

START_TEST(test_non_scalar_keys)
{
	expect_only("? [a, b]\n: 1\n", 1, 3, "mapping keys must be plain text, found a list");
	teardown(), setup();
	expect_only("x: 1\n{a: b}: 1\n", 2, 1, "mapping keys must be plain text, found a mapping");
}
END_TEST

static char *nested_flow(int depth)
{
	char *y = malloc((size_t)depth * 2 + 8);
	size_t o = 0;
	for (int i = 0; i < depth; i++)
		y[o++] = '[';
	y[o++] = '1';
	for (int i = 0; i < depth; i++)
		y[o++] = ']';
	y[o++] = '\n';
	y[o] = '\0';
	return y;
}

START_TEST(test_depth)
{
	char *y = nested_flow(40);
	expect_only(y, 1, 33, "nesting is deeper than 32 levels");
	free(y);
	teardown(), setup();
	y = nested_flow(32);
	rsc_ynode *n = parse_ok(y);
	free(y);
	for (int i = 0; i < 32; i++) {
		ck_assert_int_eq(n->kind, RSC_Y_SEQ);
		n = n->items[0];
	}
	expect_scalar(n, "1", 1, 1, 33);
	teardown(), setup();
	/* block mappings, 40 deep */
	char buf[4096];
	size_t o = 0;
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%*sk:\n", i * 2, "");
	expect_only(buf, 33, 65, "nesting is deeper than 32 levels");
}
END_TEST

START_TEST(test_node_limit)
{
	size_t items = RSC_YAML_MAX_NODES + 1, o = 0;
	char *y = malloc(items * 2 + 8);
	y[o++] = '[';
	for (size_t i = 0; i < items; i++)
		y[o++] = '1', y[o++] = ',';
	y[o - 1] = ']';
	parse_n(y, o);
	free(y);
	/* the list is node 1, so the 100000th item is node 100001 */
	expect_diag(0, 1, 200000, "more than 100000 YAML nodes");
	ck_assert_uint_eq(diags.n, 1);
	teardown(), setup();
	o = 0;
	y = malloc(RSC_YAML_MAX_NODES * 2 + 8);
	y[o++] = '[';
	for (size_t i = 0; i < RSC_YAML_MAX_NODES - 1; i++)
		y[o++] = '1', y[o++] = ',';
	y[o - 1] = ']';
	rsc_ynode *root = parse_n(y, o);
	free(y);
	ck_assert_int_eq(parse_rc, RSC_OK);
	ck_assert_uint_eq(root->n, RSC_YAML_MAX_NODES - 1);
}
END_TEST

START_TEST(test_scalar_limit)
{
	size_t n = 70000;
	char *y = malloc(n + 8);
	memcpy(y, "a: ", 3);
	memset(y + 3, 'x', n);
	y[n + 3] = '\n';
	parse_n(y, n + 4);
	expect_diag(0, 1, 4, "scalar is 70000 bytes; the limit is 65536");
	ck_assert_uint_eq(diags.n, 1);
	teardown(), setup();
	/* exactly at the limit is fine */
	memset(y + 3, 'x', RSC_YAML_MAX_SCALAR);
	y[RSC_YAML_MAX_SCALAR + 3] = '\n';
	rsc_ynode *root = parse_n(y, RSC_YAML_MAX_SCALAR + 4);
	free(y);
	ck_assert_int_eq(parse_rc, RSC_OK);
	ck_assert_uint_eq(rsc_ymap_get(root, "a")->len, RSC_YAML_MAX_SCALAR);
}
END_TEST

START_TEST(test_nul_escape)
{
	expect_only("a: \"x\\0y\"\n", 1, 4,
		    "NUL character in a string (from an escape such as \\0); expected text without NUL");
}
END_TEST

START_TEST(test_syntax_errors)
{
	expect_only("a: b: c\n", 1, 5,
		    "YAML syntax error: mapping values are not allowed in this context; "
		    "check this line's indentation, or quote a value that contains ': '");
	teardown(), setup();
	expect_only("a: 1\n b: 2\nc\n", 2, 3,
		    "YAML syntax error: mapping values are not allowed in this context; "
		    "check this line's indentation, or quote a value that contains ': '");
	teardown(), setup();
	expect_only("a: 1\nb: 2\n- c\n", 3, 1,
		    "YAML syntax error: did not find expected key "
		    "(while parsing a block mapping at 1:1)");
	teardown(), setup();
	expect_only("a: \"open\n", 2, 1,
		    "YAML syntax error: found unexpected end of stream "
		    "(while scanning a quoted scalar at 1:4)");
	teardown(), setup();
	expect_only("a:\n\t- b\n", 2, 1,
		    "YAML syntax error: found character that cannot start any token "
		    "(while scanning for the next token at 2:1); "
		    "tabs are not allowed for indentation: use spaces");
	/* A tab inside a quoted value is text, not indentation. */
	teardown(), setup();
	parse("a:\n  b: \"x\ty\"\n");
	ck_assert_int_eq(parse_rc, RSC_OK);
}
END_TEST

START_TEST(test_billion_laughs)
{
	const char *y =
		"a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
		"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
		"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
		"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
		"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
		"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
		"i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	clock_t t0 = clock();
	parse(y);
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	expect_diag(0, 1, 4, "anchors are not allowed: write the value out where it is used");
	expect_diag(1, 2, 4, "anchors are not allowed: write the value out where it is used");
	expect_diag(2, 2, 8, "aliases are not allowed: write the value out where it is used");
	/* every anchor and alias is named, none is expanded */
	ck_assert_uint_eq(diags.n, 9 + 8 * 9);
	ck_assert_msg(secs < 0.5, "took %.2fs", secs);
}
END_TEST

START_TEST(test_self_reference)
{
	clock_t t0 = clock();
	parse("a: &a [*a]\n");
	expect_diag(0, 1, 4, "anchors are not allowed: write the value out where it is used");
	expect_diag(1, 1, 8, "aliases are not allowed: write the value out where it is used");
	ck_assert_uint_eq(diags.n, 2);
	teardown(), setup();
	parse("a: &a {b: &b {c: *a}, d: *b}\n");
	ck_assert_uint_eq(diags.n, 4);
	expect_diag(3, 1, 26, "aliases are not allowed: write the value out where it is used");
	double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
	ck_assert_msg(secs < 0.5, "took %.2fs", secs);
}
END_TEST

START_TEST(test_error_cap)
{
	/* a file full of problems is reported up to a point, then given up on */
	char buf[8192];
	size_t o = 0;
	o += (size_t)snprintf(buf, sizeof buf, "a: [");
	for (int i = 0; i < 300; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "*x,");
	snprintf(buf + o - 1, sizeof buf - o + 1, "]\n");
	parse(buf);
	ck_assert_uint_eq(diags.n, 101);
	ck_assert_str_eq(diags.v[100].message, "too many problems in this file; stopping here");
}
END_TEST

/* ---- how a reader's diagnostics are printed (diag.c) ---- */

/* What rsc_diags_print writes for the diagnostics of parsing text as t.yaml
 * (malloc'd). */
static char *printed(const char *text, size_t len, rsc_format fmt, const char *root)
{
	parse_n(text, len);
	rsc_file f = { "t.yaml", text, len };
	rsc_fileset fs;
	memset(&fs, 0, sizeof fs);
	fs.v = &f;
	fs.n = 1;
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);
	ck_assert_ptr_nonnull(out);
	rsc_diags_print_at(out, &diags, fmt, &fs, "repo/flags", root);
	fclose(out);
	return buf;
}

START_TEST(test_print_source_line)
{
	/* The caret counts characters and keeps tabs, so that it lines up. */
	const char *text = "a: {\"\xc3\xa9\tb\": 1, \"\xc3\xa9\tb\": 2}\n";
	char *out = printed(text, strlen(text), RSC_FORMAT_TEXT, "flags/");
	ck_assert_str_eq(out, "flags/t.yaml:1:15: error: duplicate key '\xc3\xa9\\tb' (first at 1:5)\n"
			      "  a: {\"\xc3\xa9\tb\": 1, \"\xc3\xa9\tb\": 2}\n"
			      "        \t       ^\n");
	free(out);
}
END_TEST

START_TEST(test_print_hides_unprintable_lines)
{
	/* Invalid UTF-8 and control characters would garble the terminal: the
	 * line is left out, the message stays. */
	char *out = printed("a: b\nc: d\xff\n", 11, RSC_FORMAT_TEXT, "flags");
	ck_assert_str_eq(out, "flags/t.yaml:2:5: error: invalid UTF-8 byte 0xff; expected "
			      "text in UTF-8\n");
	free(out);
	teardown(), setup();
	out = printed("a: \x1b[31mred\n", 12, RSC_FORMAT_TEXT, NULL);
	ck_assert_str_eq(out, "t.yaml:1:4: error: invalid character U+001B: control "
			      "characters are not allowed\n");
	free(out);
}
END_TEST

START_TEST(test_print_long_line_window)
{
	/* 300 characters on the line; the error is at column 200. */
	char text[512];
	size_t o = (size_t)snprintf(text, sizeof text, "a: [");
	for (int i = 0; i < 195; i++)
		text[o++] = 'x';
	o += (size_t)snprintf(text + o, sizeof text - o, ", {: }");
	while (o < 300)
		text[o++] = 'y';
	text[o++] = '\n';
	text[o] = '\0';
	char *out = printed(text, o, RSC_FORMAT_TEXT, NULL);
	char *nl = strchr(out, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_msg(strncmp(out, "t.yaml:1:", 9) == 0, "%s", out);
	unsigned col = (unsigned)atoi(out + 9);
	ck_assert_uint_gt(col, 61);
	/* "  ..." then 120 characters then "...": 2 + 1 + 120 + 1 columns. */
	char *src = nl + 1, *end = strchr(src, '\n');
	ck_assert_ptr_nonnull(end);
	ck_assert_uint_eq((size_t)(end - src), 2 + 3 + 120 + 3);
	ck_assert_int_eq(strncmp(src, "  \xe2\x80\xa6", 5), 0);
	ck_assert_int_eq(strncmp(end - 3, "\xe2\x80\xa6", 3), 0);
	/* The caret is under the column's character: after the two-space
	 * indent and the ellipsis' one column. */
	char *caret = end + 1;
	size_t at = strcspn(caret, "^");
	size_t first = col - 1 - 60; /* the window's first character */
	ck_assert_uint_eq(at, 2 + 1 + (col - 1 - first));
	ck_assert_int_eq(src[5 + (at - 3)], text[col - 1]);
	ck_assert_str_eq(caret + at, "^\n");
	free(out);
	teardown(), setup();

	/* Near the start: no leading ellipsis. */
	o = (size_t)snprintf(text, sizeof text, "a: [, ");
	while (o < 300)
		text[o++] = 'z';
	text[o++] = '\n';
	text[o] = '\0';
	out = printed(text, o, RSC_FORMAT_TEXT, NULL);
	src = strchr(out, '\n') + 1;
	end = strchr(src, '\n');
	ck_assert_uint_eq((size_t)(end - src), 2 + 120 + 3);
	ck_assert_int_eq(strncmp(src, "  a: [, zz", 10), 0);
	free(out);
}
END_TEST

START_TEST(test_print_json_is_valid_utf8)
{
	rsc_error(&diags, "bad\xff" "name.yaml", 1, 2, "found '\xc3\x28' and \xe2\x82 \x7f \xc3\xa9");
	rsc_error(&diags, "ok.yaml", 3, 4, "fine");
	rsc_error(&diags, NULL, 0, 0, "no file");
	char *buf = NULL;
	size_t size = 0;
	FILE *out = open_memstream(&buf, &size);
	rsc_diags_print_at(out, &diags, RSC_FORMAT_JSON, NULL, "repo", "flags/");
	fclose(out);
	ck_assert_str_eq(buf,
		"{\"diagnostics\":["
		"{\"severity\":\"error\",\"file\":\"flags/bad\\ufffdname.yaml\",\"line\":1,"
		"\"column\":2,\"message\":\"found '\\ufffd(' and \\ufffd\\ufffd \\u007f \xc3\xa9\"},"
		"{\"severity\":\"error\",\"file\":\"flags/ok.yaml\",\"line\":3,\"column\":4,"
		"\"message\":\"fine\"},"
		"{\"severity\":\"error\",\"file\":\"\",\"line\":0,\"column\":0,"
		"\"message\":\"no file\"}],\"errors\":3,\"warnings\":0}\n");
	free(buf);
	/* GitHub keeps the repository-relative path; the old entry point
	 * prints ruleset-relative text paths. */
	buf = NULL;
	out = open_memstream(&buf, &size);
	rsc_diags_print_at(out, &diags, RSC_FORMAT_GITHUB, NULL, "repo", "flags/");
	rsc_diags_print(out, &diags, RSC_FORMAT_TEXT, NULL, "repo");
	rsc_diags_print_at(out, &diags, RSC_FORMAT_TEXT, NULL, NULL, "/");
	fclose(out);
	ck_assert_ptr_nonnull(strstr(buf, "::error file=repo/ok.yaml,line=3,col=4::fine\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\nok.yaml:3:4: error: fine\n"));
	ck_assert_ptr_nonnull(strstr(buf, "\n/ok.yaml:3:4: error: fine\n"));
	free(buf);
	ck_assert(rsc_utf8_valid("\xf4\x8f\xbf\xbf", 4));
	ck_assert(!rsc_utf8_valid("\xed\xa0\x80", 3));
	ck_assert(!rsc_utf8_valid("\xc0\xaf", 2));
	ck_assert(!rsc_utf8_valid("\xe2\x82", 2));
}
END_TEST

Suite *ydoc_suite(void);
Suite *ydoc_suite(void)
{
	Suite *s = suite_create("ydoc");
	TCase *tc = tcase_create("ydoc");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_tree);
	tcase_add_test(tc, test_scalar_styles);
	tcase_add_test(tc, test_positions_count_characters);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_bom);
	tcase_add_test(tc, test_control_character);
	tcase_add_test(tc, test_file_size);
	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_two_documents);
	tcase_add_test(tc, test_anchors_aliases_merge);
	tcase_add_test(tc, test_tags);
	tcase_add_test(tc, test_duplicate_keys);
	tcase_add_test(tc, test_duplicate_keys_many);
	tcase_add_test(tc, test_duplicate_key_before_syntax_error);
	tcase_add_test(tc, test_duplicate_key_shown_safely);
	tcase_add_test(tc, test_non_scalar_keys);
	tcase_add_test(tc, test_depth);
	tcase_add_test(tc, test_node_limit);
	tcase_add_test(tc, test_scalar_limit);
	tcase_add_test(tc, test_nul_escape);
	tcase_add_test(tc, test_syntax_errors);
	tcase_add_test(tc, test_billion_laughs);
	tcase_add_test(tc, test_self_reference);
	tcase_add_test(tc, test_error_cap);
	suite_add_tcase(s, tc);
	TCase *tp = tcase_create("print");
	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_add_test(tp, test_print_source_line);
	tcase_add_test(tp, test_print_hides_unprintable_lines);
	tcase_add_test(tp, test_print_long_line_window);
	tcase_add_test(tp, test_print_json_is_valid_utf8);
	suite_add_tcase(s, tp);
	return s;
}
