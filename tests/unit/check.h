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

/* Record a failed check; returns the condition so callers can bail out:
 * `if (!CHECK(p != NULL)) return;`. */
static inline int check_report(int ok, const char *file, int line, const char *what)
{
	if (!ok) {
		check_case_failures++;
		printf("  check failed: %s:%d: %s\n", file, line, what);
	}
	return ok;
}

#define CHECK(cond) check_report(!!(cond), __FILE__, __LINE__, #cond)

static inline int check_eq_report(long long a, long long b, const char *file, int line,
				  const char *what)
{
	if (check_report(a == b, file, line, what))
		return 1;
	printf("    %lld != %lld\n", a, b);
	return 0;
}

/* Integer equality, both values printed on failure; an expression (1 if equal). */
#define CHECK_EQ_INT(a, b) \
	check_eq_report((long long)(a), (long long)(b), __FILE__, __LINE__, #a " == " #b)
#define CHECK_EQ(a, b) ((void)CHECK_EQ_INT(a, b))

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
