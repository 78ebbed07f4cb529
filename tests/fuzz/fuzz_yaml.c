/*
 * fuzz_yaml.c - the YAML reader (compiler/ydoc.h) on arbitrary bytes: every
 * input must give either a tree or at least one diagnostic, never a crash,
 * a hang or a sanitizer report.  The diagnostics are printed (to /dev/null)
 * with the source line and caret, as `rsc validate` would print them.
 *
 * libFuzzer: make fuzz.  Without it: tests/fuzz/standalone.c replays a corpus.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "source.h"
#include "ydoc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Where diagnostics are printed: /dev/null, or stderr when FUZZ_VERBOSE is
 * set (to see what a reproducer does: FUZZ_VERBOSE=1 replay_<t> FILE). */
static FILE *devnull(void)
{
	static FILE *f;
	if (!f && getenv("FUZZ_VERBOSE"))
		f = stderr;
	if (!f && !(f = fopen("/dev/null", "w")))
		abort();
	return f;
}

/* Walks the tree, checking what ydoc.h promises of every node. */
static size_t walk(const rsc_ynode *n, unsigned depth)
{
	if (depth > RSC_YAML_MAX_DEPTH + 1)
		abort();
	if (n->line == 0 || n->col == 0)
		abort();
	size_t count = 1;
	switch (n->kind) {
	case RSC_Y_SCALAR:
		if (!n->text || n->text[n->len] != '\0' || memchr(n->text, '\0', n->len))
			abort();
		break;
	case RSC_Y_MAP:
		/* (quadratic: only small mappings) */
		for (size_t i = 0; i < n->n && n->n <= 256; i++) {
			const rsc_ynode *k = n->keys[i];
			if (k->kind != RSC_Y_SCALAR)
				abort();
			for (size_t j = 0; j < i; j++)
				if (n->keys[j]->len == k->len &&
				    memcmp(n->keys[j]->text, k->text, k->len) == 0)
					abort(); /* keys are unique */
			if (rsc_ymap_get(n, k->text) != n->items[i])
				abort();
		}
		/* fall through */
	case RSC_Y_SEQ:
		if (n->kind == RSC_Y_MAP)
			for (size_t i = 0; i < n->n; i++)
				if (n->keys[i]->kind != RSC_Y_SCALAR)
					abort();
		for (size_t i = 0; i < n->n; i++)
			count += walk(n->items[i], depth + 1);
		break;
	}
	(void)rsc_ynode_kind_name(n);
	return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy, so that reading past the end is caught. */
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	if (size)
		memcpy(buf, data, size);

	rsc_arena a = RSC_ARENA_INIT;
	rsc_diags d;
	rsc_diags_init(&d, &a);
	rsc_ynode *root = NULL;
	int rc = rsc_ydoc_parse(&root, &a, "fuzz.yaml", buf, size, &d);
	if (rc == RSC_OK) {
		if (!root || walk(root, 0) > RSC_YAML_MAX_NODES + 1)
			abort();
	} else if (rc != RSC_EINVALID || d.errors == 0) {
		abort(); /* a refusal always says why */
	}

	/* Print the diagnostics with the source line, from a NUL-terminated
	 * copy as rsc_source_read makes. */
	char *text = rsc_arena_strndup(&a, buf, size);
	rsc_file f = { "fuzz.yaml", text, size };
	rsc_fileset fs;
	memset(&fs, 0, sizeof fs);
	fs.v = &f;
	fs.n = 1;
	rsc_diags_sort(&d);
	rsc_diags_print(devnull(), &d, RSC_FORMAT_TEXT, &fs, NULL);
	rsc_diags_print(devnull(), &d, RSC_FORMAT_JSON, &fs, NULL);
	rsc_diags_print(devnull(), &d, RSC_FORMAT_GITHUB, &fs, "rules/");

	rsc_diags_free(&d);
	rsc_arena_free(&a);
	free(buf);
	return 0;
}
