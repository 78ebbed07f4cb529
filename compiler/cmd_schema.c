/* cmd_schema.c - `rsc schema [KIND]`: print a JSON Schema built into rsc,
 * so an editor can use it without this repository. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "embedded.h"
#include "suggest.h"

int rsc_cmd_schema(int argc, char **argv);

static const char schema_help[] =
"usage: rsc schema [KIND]\n"
"\n"
"Prints the JSON Schema (draft-07) of one kind of ruleset file, as built into\n"
"this rsc; without KIND, lists the kinds.  Each schema's \"$id\" is\n"
"https://rulestead.dev/schema/v1/KIND.schema.json and its \"$ref\"s are\n"
"relative, so keep them together in one directory (rsc init writes them to\n"
".rulestead/schema/; make install to PREFIX/share/rulestead/schema/).\n"
"An editor with the YAML language server picks one up from a first line\n"
"such as  # yaml-language-server: $schema=.rulestead/schema/flag.schema.json\n"
"\n"
"  KIND            rulestead (rulestead.yaml), flag (<flag>.yaml), targeting\n"
"                  (environments/<env>/<flag>.yaml), segment, common (shared\n"
"                  definitions), expectations (tests/*.yaml) where built in\n"
"  -h, --help      this help\n"
"\n"
"Exit status: 0 printed, 2 usage error (an unknown KIND), 3 I/O error.\n"
"\n"
"Example:  rsc schema flag > flag.schema.json\n";

#define MAX_KINDS 32

int rsc_cmd_schema(int argc, char **argv)
{
	static const struct option opts[] = { { NULL, 0, NULL, 0 } };
	rsc_cli_parser p = RSC_CLI_PARSER("schema", schema_help, opts, NULL, argc, argv);
	int c;
	while ((c = rsc_cli_next(&p)) > 0)
		;
	if (c < 0)
		return p.exit;
	if (argc - p.next > 1)
		return rsc_usage("schema", "unexpected argument '%s'", argv[p.next + 1]);

	char kinds[MAX_KINDS][64];
	const char *names[MAX_KINDS];
	size_t n = 0;
	for (const rsc_embedded_file *f = rsc_embedded_files; f->path && n < MAX_KINDS; f++) {
		const char *k;
		size_t kl;
		if (rsc_embedded_schema_kind(f, &k, &kl)) {
			snprintf(kinds[n], sizeof kinds[n], "%.*s", (int)kl, k);
			names[n] = kinds[n];
			n++;
		}
	}
	if (p.next == argc) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", names[i]);
		return RSC_EXIT_OK;
	}
	const char *kind = argv[p.next];
	const rsc_embedded_file *f = rsc_embedded_schema(kind);
	if (!f) {
		const char *best = rsc_suggest(kind, names, n);
		fprintf(stderr, "rsc schema: unknown kind '%s'", kind);
		if (best)
			fprintf(stderr, "; did you mean '%s'?", best);
		fputs("\nThe kinds are:", stderr);
		for (size_t i = 0; i < n; i++)
			fprintf(stderr, " %s", names[i]);
		fputs("\n", stderr);
		return RSC_EXIT_USAGE;
	}
	if (fwrite(f->data, 1, f->len, stdout) != f->len || fflush(stdout) != 0) {
		rsc_errorf("schema", "cannot write the schema to standard output");
		return RSC_EXIT_IO;
	}
	return RSC_EXIT_OK;
}
