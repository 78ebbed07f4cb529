/*
 * runner.c - runs every suite (one per tests/check_<module>.c; the list is
 * generated from the file names into suites.h).  Fork mode by default, so a
 * crashing test fails alone; set CK_FORK=no under valgrind or gdb, and
 * CK_RUN_SUITE / CK_RUN_CASE to run part of it.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define SUITE(m) Suite *m##_suite(void);
#include "suites.h"
#undef SUITE

int main(void)
{
	/* Tests run git in repositories under tests/tmp.  Should one of them
	 * be missing (removed by a concurrent run, or not made yet), git must
	 * fail there rather than walk up and commit to Rulestead's own
	 * repository: it never looks above tests/tmp. */
	char cwd[PATH_MAX - 16], ceiling[PATH_MAX];
	if (getcwd(cwd, sizeof cwd) != NULL) {
		snprintf(ceiling, sizeof ceiling, "%s/tests/tmp", cwd);
		setenv("GIT_CEILING_DIRECTORIES", ceiling, 1);
	}
	SRunner *sr = srunner_create(NULL);
#define SUITE(m) srunner_add_suite(sr, m##_suite());
#include "suites.h"
#undef SUITE
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
