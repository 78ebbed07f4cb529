/*
 * check_inspect.c - inspect.c: a snapshot decoded for reading through
 * librsl's strict CBOR reader.  In process, each refusal with its message;
 * and the built rsc on hostile files that declare huge counts, under a
 * 50 MB address-space limit and a one-second clock.
 */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "inspect.h"
#include "testutil.h"

static const struct {
	const char *name;
	const char *hex;
	const char *why;
} refusals[] = {
	{ "empty", "", "not a COSE_Sign1 message (it must start with 0xd2, CBOR tag 18)" },
	{ "no tag", "84", "not a COSE_Sign1 message (it must start with 0xd2, CBOR tag 18)" },
	{ "outer 2^30 array", "d29a40000000",
	  "not one well-formed CBOR item: truncated: an item runs past the end, at byte 1" },
	{ "three parts", "d283 41a0 a0 41a0",
	  "a COSE_Sign1 message must be [protected, unprotected, payload, signature]" },
	{ "unprotected not a map", "d284 41a0 40 41a0 40",
	  "a COSE_Sign1 message must be [protected, unprotected, payload, signature]" },
	{ "protected not a map", "d284 4101 a0 41a0 40", "the protected header is not a CBOR map" },
	{ "payload with 2^30 array", "d284 41a0 a0 46 9a40000000 00 40",
	  "the payload is not one well-formed CBOR item: truncated: an item runs past the "
	  "end, at byte 0 of it" },
	{ "payload keys out of order", "d284 41a0 a0 47 a2 6162 00 6161 00 40",
	  "the payload is not one well-formed CBOR item: map keys not in strictly "
	  "increasing order, at byte 4 of it" },
};

static size_t unhex(uint8_t *out, const char *hex)
{
	size_t n = 0;
	for (const char *p = hex; *p;) {
		if (*p == ' ') {
			p++;
			continue;
		}
		unsigned v;
		ck_assert_int_eq(sscanf(p, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		p += 2;
	}
	return n;
}

START_TEST(decode_refuses_with_a_reason)
{
	uint8_t buf[256];
	size_t n = unhex(buf, refusals[_i].hex);
	rsc_inspected s;
	char why[512];
	ck_assert_int_eq(rsc_inspect_decode(&s, buf, n, why, sizeof why), -1);
	ck_assert_str_eq(why, refusals[_i].why);
}
END_TEST

START_TEST(decode_finds_the_parts)
{
	/* protected {1: -8, 4: h'0102'}, payload {"env": "x"}, signature h'ff' */
	uint8_t buf[64];
	size_t n = unhex(buf, "d284 47a2 0127 04420102 a0 47a1 63656e76 6178 41ff");
	rsc_inspected s;
	char why[512] = "";
	ck_assert_int_eq(rsc_inspect_decode(&s, buf, n, why, sizeof why), 0);
	ck_assert_int_eq(s.alg, -8);
	const uint8_t *kid;
	size_t kidlen;
	rsl__cbor k = s.kid;
	ck_assert_int_eq(rsl__cbor_bytes(&k, &kid, &kidlen), 0);
	ck_assert_uint_eq(kidlen, 2);
	ck_assert_int_eq(kid[1], 2);
	char *text = NULL;
	size_t textlen = 0;
	FILE *f = open_memstream(&text, &textlen);
	rsc_inspect_json(f, &s, "x.rsnap", n);
	fclose(f);
	ck_assert_str_eq(text, "{\"file\":\"x.rsnap\",\"size\":21,\"signature_checked\":false,"
			 "\"protected\":{\"alg\":-8,\"kid\":\"0102\"},\"signature\":\"ff\","
			 "\"body\":{\"env\":\"x\"}}\n");
	free(text);
}
END_TEST

/* A sanitizer reserves terabytes of address space for its shadow memory:
 * under one, the memory limits cannot be applied (the time limit still is). */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* The done-when of issue 8: rsc inspect on a ~100-byte file declaring an
 * array of 2^30 items exits 1 within a second, in under 50 MB.  libcbor
 * allocated from the declared count (8 GB in 11 s). */
static void run_bounded(const char *path, const char *expect)
{
	char *dir = tu_tmpdir("inspect-bounded");
	char errpath[1200];
	snprintf(errpath, sizeof errpath, "%s/err", dir);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct rlimit as = { 50u << 20, 50u << 20 };
		struct rlimit cpu = { 2, 2 };
		if (!SANITIZED)
			setrlimit(RLIMIT_AS, &as);
		setrlimit(RLIMIT_CPU, &cpu);
		alarm(3); /* the hang guard: SIGALRM kills it */
		if (!freopen("/dev/null", "w", stdout) || !freopen(errpath, "w", stderr))
			_exit(126);
		execl(RSC_BIN, RSC_BIN, "inspect", path, (char *)NULL);
		_exit(127);
	}
	int status;
	struct rusage ru;
	ck_assert_int_eq(wait4(pid, &status, 0, &ru), pid);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_msg(WIFEXITED(status), "rsc inspect %s was killed by signal %d", path,
		      WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	ck_assert_msg(secs < 1.0, "rsc inspect %s took %.2f s", path, secs);
	ck_assert_msg(SANITIZED || ru.ru_maxrss < 50 * 1024, "rsc inspect %s used %ld KB",
		      path, ru.ru_maxrss);
	char *err = tu_read(errpath, NULL);
	ck_assert_ptr_nonnull(err);
	ck_assert_str_eq(err, expect);
	free(err);
	free(dir);
}

START_TEST(hostile_counts_are_bounded)
{
	char *dir = tu_tmpdir("inspect-hostile");
	char a[1100], b[1100], expect[1400];
	uint8_t buf[128];
	FILE *f;
	/* the body: {"flags": [2^30 items...]} in a 97-byte file */
	size_t n = unhex(buf, "d284 41a0 a0 5858 a1 65666c616773 9a40000000");
	memset(buf + n, 0, 97 - n - 1);
	buf[6] = (uint8_t)(97 - 7 - 1); /* the payload's length */
	buf[96] = 0x40;
	snprintf(a, sizeof a, "%s/payload.rsnap", dir);
	ck_assert_ptr_nonnull(f = fopen(a, "wb"));
	ck_assert_uint_eq(fwrite(buf, 1, 97, f), 97);
	fclose(f);
	snprintf(expect, sizeof expect, "rsc inspect: %s: the payload is not one well-formed "
		 "CBOR item: truncated: an item runs past the end, at byte 7 of it\n", a);
	run_bounded(a, expect);

	/* the envelope itself: an array of 2^30 */
	n = unhex(buf, "d2 9a40000000");
	memset(buf + n, 0, 100 - n);
	snprintf(b, sizeof b, "%s/outer.rsnap", dir);
	ck_assert_ptr_nonnull(f = fopen(b, "wb"));
	ck_assert_uint_eq(fwrite(buf, 1, 100, f), 100);
	fclose(f);
	snprintf(expect, sizeof expect, "rsc inspect: %s: not one well-formed CBOR item: "
		 "truncated: an item runs past the end, at byte 1\n", b);
	run_bounded(b, expect);
	free(dir);
}
END_TEST

/* With --pub, librsl opens the file first: verified, or refused and
 * nothing printed. */
START_TEST(pub_verifies_first)
{
	char *out = NULL, *err = NULL;
	ck_assert_int_eq(tu_run(RSC_BIN " inspect --pub tests/fixtures/compile/test.pub "
				"tests/golden/prod.rsnap", &out, &err), 0);
	ck_assert_str_eq(err, "");
	const char *head = "tests/golden/prod.rsnap: 4985 bytes; signature verified, "
			   "content checked by librsl\n";
	ck_assert_int_eq(strncmp(out, head, strlen(head)), 0);
	free(out);
	free(err);
	ck_assert_int_eq(tu_run(RSC_BIN " inspect --format json --pub "
				"tests/fixtures/compile/test.pub tests/golden/dev.rsnap",
				&out, &err), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"signature_checked\":true,"));
	free(out);
	free(err);

	char *dir = tu_tmpdir("inspect-pub");
	char cmd[2048];
	snprintf(cmd, sizeof cmd, RSC_BIN " keygen --out '%s/other' >/dev/null && "
		 RSC_BIN " inspect --pub '%s/other.pub' tests/golden/prod.rsnap", dir, dir);
	ck_assert_int_eq(tu_run(cmd, &out, &err), 1);
	ck_assert_str_eq(out, "");
	ck_assert_str_eq(err, "rsc inspect: tests/golden/prod.rsnap: refused by librsl "
			 "(RSL_EKEY): no trusted key has key id 65b60673d6ed884b\n");
	free(out);
	free(err);
	free(dir);
}
END_TEST

Suite *inspect_suite(void);
Suite *inspect_suite(void)
{
	Suite *s = suite_create("inspect");
	TCase *tc = tcase_create("decode");
	tcase_add_loop_test(tc, decode_refuses_with_a_reason, 0,
			    (int)(sizeof refusals / sizeof refusals[0]));
	tcase_add_test(tc, decode_finds_the_parts);
	suite_add_tcase(s, tc);
	tc = tcase_create("bounded");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, hostile_counts_are_bounded);
	tcase_add_test(tc, pub_verifies_first);
	suite_add_tcase(s, tc);
	return s;
}
