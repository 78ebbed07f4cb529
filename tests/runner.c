/*
 * runner.c - runs every suite (one per tests/check_<module>.c; the list is
 * generated from the file names into suites.h).  Fork mode by default, so a
 * crashing test fails alone; set CK_FORK=no under valgrind or gdb, and
 * CK_RUN_SUITE / CK_RUN_CASE to run part of it.
 */
#include <check.h>
#include <stdlib.h>

#define SUITE(m) Suite *m##_suite(void);
#include "suites.h"
#undef SUITE

int main(void)
{
	SRunner *sr = srunner_create(NULL);
#define SUITE(m) srunner_add_suite(sr, m##_suite());
#include "suites.h"
#undef SUITE
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
