/* testutil.c - see testutil.h. */
#include "testutil.h"

#include <check.h>
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void mkdirs(const char *path)
{
	char buf[4096];
	snprintf(buf, sizeof buf, "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	mkdir(buf, 0755);
}

char *tu_keep_paths[256];

char *tu_tmpdir(const char *name)
{
	char cwd[2048];
	ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
	/* Kept reachable from a static list, so LeakSanitizer does not report
	 * the paths tests do not free (freeing them is fine too). */
	static unsigned nkeep;
	size_t n = strlen(cwd) + strlen(name) + 32;
	char *p = malloc(n);
	snprintf(p, n, "%s/tests/tmp/%s", cwd, name);
	tu_keep_paths[nkeep++ % 256] = p;
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
	ck_assert_int_eq(system(cmd), 0);
	mkdirs(p);
	return p;
}

void tu_write(const char *dir, const char *rel, const char *text)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	mkdirs(path);
	*slash = '/';
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

char *tu_read(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (cap - n - 1 == 0)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

int tu_run(const char *cmd, char **out, char **err)
{
	char ofile[] = "/tmp/rsc-test-outXXXXXX";
	char efile[] = "/tmp/rsc-test-errXXXXXX";
	int ofd = mkstemp(ofile), efd = mkstemp(efile);
	ck_assert(ofd >= 0 && efd >= 0);
	close(ofd);
	close(efd);
	size_t n = strlen(cmd) + 200;
	char *full = malloc(n);
	snprintf(full, n, "( %s ) </dev/null >%s 2>%s", cmd, ofile, efile);
	int st = system(full);
	free(full);
	if (out)
		*out = tu_read(ofile, NULL);
	if (err)
		*err = tu_read(efile, NULL);
	unlink(ofile);
	unlink(efile);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

int tu_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	char *err = NULL;
	int rc = tu_run(cmd, NULL, &err);
	if (rc != 0)
		fprintf(stderr, "command failed (%d): %s\n%s", rc, cmd, err ? err : "");
	free(err);
	return rc;
}

void tu_git_init(const char *dir)
{
	ck_assert_int_eq(tu_sh("cd '%s' && git init -q -b main . && "
			       "git config user.name 'Test Author' && "
			       "git config user.email author@example.com && "
			       "git config commit.gpgsign false", dir), 0);
}

void tu_git_commit(const char *dir, const char *msg, long when)
{
	ck_assert_int_eq(tu_sh("cd '%s' && git add -A && "
			       "GIT_AUTHOR_DATE='@%ld +0000' GIT_COMMITTER_DATE='@%ld +0000' "
			       "git commit -q --allow-empty -m '%s'", dir, when, when, msg), 0);
}

int tu_locale(const char *name, char *why, size_t cap)
{
	/* Made first, asked for after: glibc remembers a locale it failed to
	 * find and does not look again when it appears. */
	char cwd[2048], dir[2200], lang[64], made[2400];
	if (!getcwd(cwd, sizeof cwd)) {
		snprintf(why, cap, "no %s locale (and no working directory)", name);
		return -1;
	}
	snprintf(dir, sizeof dir, "%s/tests/tmp/locale", cwd);
	mkdirs(dir);
	const char *dot = strchr(name, '.');
	snprintf(lang, sizeof lang, "%.*s", dot ? (int)(dot - name) : (int)strlen(name), name);
	snprintf(made, sizeof made, "%s/%s", dir, name);
	/* Not tu_run: this runs while the suites are built, outside any test,
	 * where check's assertions cannot report. */
	char cmd[8192], err[256] = "";
	snprintf(cmd, sizeof cmd, "test -d '%s' || localedef -i '%s' -f '%s' '%s' 2>&1 "
		 "</dev/null", made, lang, dot ? dot + 1 : "UTF-8", made);
	int rc = -1;
	FILE *p = popen(cmd, "r");
	if (p) {
		if (!fgets(err, sizeof err, p))
			err[0] = '\0';
		char rest[256];
		while (fgets(rest, sizeof rest, p))
			;
		int st = pclose(p);
		rc = st != -1 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	}
	err[strcspn(err, "\n")] = '\0';
	/* localedef may exit 1 for warnings and still write the locale: what
	 * counts is whether setlocale takes it. */
	struct stat st;
	if (stat(made, &st) == 0)
		setenv("LOCPATH", dir, 1);
	if (setlocale(LC_ALL, name)) { /* ours, or the system's */
		setlocale(LC_ALL, "C");
		return 0;
	}
	snprintf(why, cap, "no %s locale, and localedef could not make one (exit %d%s%s)",
		 name, rc, err[0] ? ": " : "", err);
	return -1;
}

int tu_rsc(char **out, char **err, const char *dir, const char *args, ...)
{
	char top[2048], words[6144], cmd[2048 + 2048 + 6144 + 64];
	ck_assert_ptr_nonnull(getcwd(top, sizeof top));
	va_list ap;
	va_start(ap, args);
	vsnprintf(words, sizeof words, args, ap);
	va_end(ap);
	ck_assert(strlen(dir) < 2048);
	snprintf(cmd, sizeof cmd, "cd '%s' && '%s/%s' %s", dir, top, RSC_BIN, words);
	return tu_run(cmd, out, err);
}

char *tu_line(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	char *out = NULL;
	ck_assert_msg(tu_run(cmd, &out, NULL) == 0, "command failed: %s", cmd);
	ck_assert_ptr_nonnull(out);
	out[strcspn(out, "\n")] = '\0';
	return out;
}

const char tu_rulestead[] = "environments: [dev, prod]\nprotected: [prod]\n";
const char tu_flag[] =
	"key: new-checkout\n"
	"description: The new checkout.\n"
	"owner: team-checkout\n";
const char tu_targeting[] =
	"enabled: true\n"
	"rules:\n"
	"  - name: staff\n"
	"    when:\n"
	"      attribute: email\n"
	"      ends_with: \"@example.com\"\n"
	"    serve: on\n"
	"default: off\n";

char *tu_checkout_repo(const char *name)
{
	char *dir = tu_tmpdir(name);
	tu_git_init(dir);
	tu_write(dir, "flags/rulestead.yaml", tu_rulestead);
	tu_write(dir, "flags/new-checkout.yaml", tu_flag);
	tu_write(dir, "flags/environments/prod/new-checkout.yaml", tu_targeting);
	return dir;
}

long tu_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}
