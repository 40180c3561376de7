/* SPDX-License-Identifier: MIT */
/* The verdict line, "verdict: PASS|FAIL|SKIP|ERROR <reason>": one per guest. */
#include "guest.h"

static const char *const verdict_names[] = {
	[VERDICT_PASS] = "PASS",
	[VERDICT_FAIL] = "FAIL",
	[VERDICT_SKIP] = "SKIP",
	[VERDICT_ERROR] = "ERROR",
};

static int verdict_given;

void verdict(enum verdict_status status, const char *fmt, ...)
{
	va_list ap;

	/* Harnesses match "verdict:" at the start of a line. */
	con_line_start();
	if (verdict_given++) {
		printf("verdict: ERROR second verdict attempted by the guest\n");
		return;
	}
	if ((unsigned)status >= sizeof(verdict_names) / sizeof(verdict_names[0]))
		status = VERDICT_ERROR;
	printf("verdict: %s ", verdict_names[status]);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	con_putc('\n');
}
