/* cmd_init.c - `rsc init DIR`: a new flags repository from the scaffold
 * built into rsc (ci/templates/ and the schemas; embedded.h), written all
 * or nothing and never over an existing file. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "cli.h"
#include "embedded.h"

int rsc_cmd_init(int argc, char **argv);

/* Where the scaffold's yaml-language-server lines look for the schemas. */
#define SCHEMA_DEST ".rulestead/schema/"

static const char init_help[] =
"usage: rsc init DIR [--force]\n"
"\n"
"Writes a new flags repository into DIR (created if missing):\n"
"  rulestead.yaml             dev, staging and prod; prod protected\n"
"  new-checkout.yaml          an example flag, with its targeting in\n"
"  environments/<env>/        each environment (a 10% split in prod)\n"
"  segments/staff.yaml        an audience the rules share\n"
"  tests/new-checkout.yaml    expectations that rsc test checks\n"
"  tests/contexts.jsonl       sample contexts that rsc simulate runs\n"
"  CODEOWNERS                 environments/prod/, CODEOWNERS itself and the\n"
"                             CI files need the prod approvers\n"
"  .gitignore                 keeps *.key (private keys) out of git\n"
"  keys/README.md             where rsc keygen --out keys/ci puts the keys\n"
"  .github/workflows/rulestead.yml, .gitlab-ci.yml, ci/rulestead.sh\n"
"                             CI: review pull requests (validate, lint, test,\n"
"                             diff and simulate as one comment), compile and\n"
"                             sign on merge, renew freshness daily\n"
"  .rulestead/schema/         the JSON Schemas; every YAML file's first line\n"
"                             points an editor at its own\n"
"The scaffold passes rsc validate, rsc lint and rsc test as written.\n"
"\n"
"  --force         write into a DIR that is not empty (by default only an\n"
"                  empty DIR, or one holding only .git, is used); a file\n"
"                  the scaffold would replace is still refused\n"
"  -h, --help      this help\n"
"\n"
"Nothing is written unless everything is: on any error DIR is left as it was.\n"
"\n"
"Exit status: 0 written, 2 usage error (DIR not empty without --force, or a\n"
"file in the way), 3 I/O error (nothing written).\n"
"\n"
"Example:  rsc init flags && cd flags && git init -b main\n";

#define MAX_FILES 64
#define MAX_DIRS 64

typedef struct plan {
	char path[MAX_FILES][4096];          /* DIR/relative path */
	const rsc_embedded_file *file[MAX_FILES];
	size_t n;
	char made[MAX_DIRS][4096];           /* directories this run created */
	size_t nmade;
} plan;

/* The scaffold's files: ci/templates/X goes to DIR/X, schema/X to
 * DIR/.rulestead/schema/X.  0, or -1 after a message. */
static int plan_files(plan *pl, const char *dir)
{
	size_t tl = strlen(RSC_EMBEDDED_TEMPLATE_DIR), sl = strlen(RSC_EMBEDDED_SCHEMA_DIR);
	for (const rsc_embedded_file *f = rsc_embedded_files; f->path; f++) {
		const char *rel = NULL, *pre = "";
		if (strncmp(f->path, RSC_EMBEDDED_TEMPLATE_DIR, tl) == 0)
			rel = f->path + tl;
		else if (strncmp(f->path, RSC_EMBEDDED_SCHEMA_DIR, sl) == 0) {
			rel = f->path + sl;
			pre = SCHEMA_DEST;
		}
		if (!rel)
			continue;
		if (pl->n == MAX_FILES) {
			rsc_errorf("init", "the scaffold has more than %d files", MAX_FILES);
			return -1;
		}
		size_t len = (size_t)snprintf(pl->path[pl->n], sizeof pl->path[0], "%s/%s%s",
					      dir, pre, rel);
		if (len >= sizeof pl->path[0]) {
			rsc_errorf("init", "DIR '%s' is too long", dir);
			return -1;
		}
		pl->file[pl->n++] = f;
	}
	return 0;
}

/* The first entry of dir other than ".", ".." and ".git" into name (empty
 * when there is none).  0, or -1 with errno. */
static int first_entry(char *name, size_t size, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	*name = '\0';
	struct dirent *e;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, ".git") != 0) {
			snprintf(name, size, "%s", e->d_name);
			break;
		}
	closedir(d);
	return 0;
}

/* Creates the missing directories between DIR (path[0..from)) and the
 * file path, recording each in pl->made so that a failure can remove them.
 * One that exists but is not a directory (a file, a symbolic link) is
 * refused.  0, or -1 with err. */
static int make_parents(plan *pl, const char *path, size_t from, char *err,
			size_t errlen)
{
	char p[4096];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = strchr(p + from + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		struct stat st;
		if (lstat(p, &st) == 0) {
			if (!S_ISDIR(st.st_mode)) {
				snprintf(err, errlen, "%s exists and is not a directory", p);
				return -1;
			}
		} else if (mkdir(p, 0755) == 0) {
			if (pl->nmade == MAX_DIRS) {
				snprintf(err, errlen, "too many directories to create");
				return -1;
			}
			snprintf(pl->made[pl->nmade++], sizeof pl->made[0], "%s", p);
		} else {
			snprintf(err, errlen, "cannot create the directory %s: %s", p,
				 strerror(errno));
			return -1;
		}
		*s = '/';
	}
	return 0;
}

int rsc_cmd_init(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 0x200 },
		{ NULL, 0, NULL, 0 }
	};
	rsc_cli_parser p = RSC_CLI_PARSER("init", init_help, opts, NULL, argc, argv);
	int force = 0, c;
	while ((c = rsc_cli_next(&p)) > 0)
		force = 1;
	if (c < 0)
		return p.exit;
	if (rsc_cli_positionals(&p, 1, "where? give DIR") != RSC_EXIT_OK)
		return RSC_EXIT_USAGE;
	const char *dir = argv[p.next];
	if (!*dir)
		return rsc_usage("init", "DIR is empty");

	static plan pl;
	memset(&pl, 0, sizeof pl);
	if (plan_files(&pl, dir) != 0)
		return RSC_EXIT_IO;

	struct stat st;
	int existed = stat(dir, &st) == 0;
	if (existed) {
		char name[256];
		if (!S_ISDIR(st.st_mode))
			return rsc_usage("init", "%s exists and is not a directory", dir);
		if (first_entry(name, sizeof name, dir) != 0) {
			rsc_errorf("init", "cannot read %s: %s", dir, strerror(errno));
			return RSC_EXIT_IO;
		}
		if (*name && !force)
			return rsc_usage("init", "%s is not empty (it holds '%s'); use --force "
					 "to add the scaffold to it", dir, name);
	}
	/* Every file in the way, before anything is written. */
	size_t in_way = 0;
	for (size_t i = 0; i < pl.n; i++)
		if (lstat(pl.path[i], &st) == 0) {
			rsc_errorf("init", "%s exists; rsc init never replaces a file "
				   "(move it away first)", pl.path[i]);
			in_way++;
		}
	if (in_way)
		return RSC_EXIT_USAGE;

	char err[8192] = "";
	int rc = RSC_EXIT_OK;
	rsc_atomic_set set = RSC_ATOMIC_SET_INIT;
	if (rsc_mkdirs(dir, err, sizeof err) != 0) {
		rsc_errorf("init", "%s", err);
		return RSC_EXIT_IO;
	}
	for (size_t i = 0; i < pl.n && rc == RSC_EXIT_OK; i++) {
		const rsc_embedded_file *f = pl.file[i];
		if (make_parents(&pl, pl.path[i], strlen(dir), err, sizeof err) != 0 ||
		    rsc_atomic_stage(&set, pl.path[i], f->data, f->len,
				     f->executable ? 0755 : 0644, err, sizeof err) != 0)
			rc = RSC_EXIT_IO;
	}
	if (rc == RSC_EXIT_OK && rsc_atomic_commit(&set, err, sizeof err) != 0)
		rc = RSC_EXIT_IO;
	size_t committed = set.committed;
	rsc_atomic_set_free(&set); /* the temporary files, before their directories */
	if (rc != RSC_EXIT_OK) {
		rsc_errorf("init", "%s; nothing written", err);
		for (size_t i = 0; i < committed; i++)
			unlink(pl.path[i]);
		for (size_t i = pl.nmade; i > 0; i--)
			rmdir(pl.made[i - 1]);
		if (!existed)
			rmdir(dir);
		return rc;
	}

	printf("%s: a new Rulestead repository, %zu file%s:\n", dir, pl.n,
	       rsc_cli_plural(pl.n));
	for (size_t i = 0; i < pl.n; i++)
		printf("  %s\n", pl.path[i] + strlen(dir) + 1);
	printf("Next: cd %s && git init -b main && rsc keygen --out keys/ci\n"
	       "  commit everything (keys/ci.key stays out: .gitignore), store the\n"
	       "  content of keys/ci.key as the CI secret RSC_SIGNING_KEY, and give\n"
	       "  keys/ci.pub to the nodes.  Rulestead's docs/gitops.md has the rest.\n", dir);
	return RSC_EXIT_OK;
}
