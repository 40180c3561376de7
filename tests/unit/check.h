/* SPDX-License-Identifier: MIT */
/*
 * A minimal host unit-test harness. A test file defines cases as
 * `static void name(void)`, runs each with CHECK_RUN(name) from main(), and
 * ends with `return check_done();`. Each case prints one line,
 * "PASS <suite>.<case>" or "FAIL <suite>.<case>", which tests/unit/run.sh
 * counts; failed checks print their location just above it.
 *
 * Define CHECK_SUITE (a string) before including this header.
 */
#ifndef VIGIL_TEST_CHECK_H
#define VIGIL_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#ifndef CHECK_SUITE
#error "define CHECK_SUITE before including check.h"
#endif

static unsigned check_case_failures; /* failed checks in the running case */
static unsigned check_cases_failed;

/* Record a failed check; returns the condition so callers can bail out. */
static inline int check_report(int ok, const char *file, int line, const char *what)
{
	if (!ok) {
		check_case_failures++;
		printf("  check failed: %s:%d: %s\n", file, line, what);
	}
	return ok;
}

#define CHECK(cond) check_report(!!(cond), __FILE__, __LINE__, #cond)

#define CHECK_EQ(a, b)                                                                      \
	do {                                                                                \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);             \
		if (!check_report(check_a_ == check_b_, __FILE__, __LINE__, #a " == " #b)) \
			printf("    %lld != %lld\n", check_a_, check_b_);                    \
	} while (0)

/* Print a result line for a named case that is not a function (tables). */
static inline void check_result(const char *name, int ok)
{
	printf("%s %s.%s\n", ok ? "PASS" : "FAIL", CHECK_SUITE, name);
	check_cases_failed += !ok;
	fflush(stdout);
}

static inline void check_run(const char *name, void (*fn)(void))
{
	check_case_failures = 0;
	fn();
	check_result(name, check_case_failures == 0);
}

#define CHECK_RUN(fn) check_run(#fn, fn)

static inline int check_done(void)
{
	return check_cases_failed ? 1 : 0;
}

#endif
