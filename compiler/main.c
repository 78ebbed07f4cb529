/* main.c - rsc: the Rulestead compiler.  Parses the command name and
 * dispatches; every command lives in cmd_<name>.c. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "rsl.h"

int rsc_cmd_validate(int argc, char **argv);
int rsc_cmd_lint(int argc, char **argv);
int rsc_cmd_compile(int argc, char **argv);
int rsc_cmd_keygen(int argc, char **argv);
int rsc_cmd_verify(int argc, char **argv);
int rsc_cmd_publish(int argc, char **argv);
int rsc_cmd_inspect(int argc, char **argv);
int rsc_cmd_explain(int argc, char **argv);
int rsc_cmd_status(int argc, char **argv);
int rsc_cmd_watch(int argc, char **argv);
int rsc_cmd_agent(int argc, char **argv);
int rsc_cmd_diff(int argc, char **argv);
int rsc_cmd_log(int argc, char **argv);
int rsc_cmd_test(int argc, char **argv);
int rsc_cmd_simulate(int argc, char **argv);
int rsc_cmd_init(int argc, char **argv);
int rsc_cmd_schema(int argc, char **argv);

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} commands[] = {
	{ "validate", rsc_cmd_validate, "check a ruleset; every problem as file:line:col" },
	{ "lint", rsc_cmd_lint, "validate, then warn about likely mistakes" },
	{ "compile", rsc_cmd_compile, "write one signed snapshot per environment" },
	{ "keygen", rsc_cmd_keygen, "make an Ed25519 signing key pair" },
	{ "verify", rsc_cmd_verify, "check a snapshot's signature and structure" },
	{ "publish", rsc_cmd_publish, "send verified snapshots to a registry, bucket or dir" },
	{ "inspect", rsc_cmd_inspect, "print a snapshot's content" },
	{ "explain", rsc_cmd_explain, "evaluate a flag for a context and say why" },
	{ "status", rsc_cmd_status, "show a node's snapshot file as a client sees it" },
	{ "watch", rsc_cmd_watch, "follow a snapshot path and print every refresh" },
	{ "agent", rsc_cmd_agent, "fetch, verify and rename a node's snapshot into place" },
	{ "diff", rsc_cmd_diff, "what a change does to the flags, in words" },
	{ "log", rsc_cmd_log, "the commits that changed the flags, newest first" },
	{ "test", rsc_cmd_test, "check the expectations in tests/*.yaml hold" },
	{ "simulate", rsc_cmd_simulate, "run contexts through two revisions: who moves" },
	{ "init", rsc_cmd_init, "scaffold a flags repository with CI templates" },
	{ "schema", rsc_cmd_schema, "print an editor's JSON Schema for a ruleset file" },
};

static void usage(FILE *out)
{
	fputs("usage: rsc <command> [options]\n"
	      "\n"
	      "Rulestead's compiler: feature-flag rulesets in git -> signed snapshots.\n"
	      "\n"
	      "Commands:\n", out);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fputs("\n"
	      "`rsc <command> --help` describes a command's options.\n"
	      "\n"
	      "Exit status (every command):\n"
	      "  0  success: valid\n"
	      "  1  invalid input: the ruleset or snapshot has problems (printed)\n"
	      "  2  usage error: bad command line\n"
	      "  3  I/O, git, key or system error\n"
	      "  (rsc diff: 1 when something changed, 4 when a side is invalid)\n"
	      "  (rsc agent --once: 1 refused, 4 unchanged)\n", out);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return RSC_EXIT_USAGE;
	}
	const char *name = argv[1];
	if (strcmp(name, "help") == 0 && argc > 2) {
		/* `rsc help compile` is `rsc compile --help`. */
		char *help_argv[] = { argv[2], (char *)"--help", NULL };
		for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
			if (strcmp(argv[2], commands[i].name) == 0)
				return commands[i].run(2, help_argv);
		fprintf(stderr, "rsc: unknown command '%s'; see 'rsc --help'\n", argv[2]);
		return RSC_EXIT_USAGE;
	}
	if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
	    strcmp(name, "help") == 0) {
		usage(stdout);
		return RSC_EXIT_OK;
	}
	if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
		printf("rsc %s\n", RSL_VERSION_STRING);
		return RSC_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (strcmp(name, commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "rsc: unknown command '%s'; the commands are:", name);
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		fprintf(stderr, " %s", commands[i].name);
	fputs("\nSee 'rsc --help'.\n", stderr);
	return RSC_EXIT_USAGE;
}
