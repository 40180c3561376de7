// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "kernel/console.h"
#include "tests/unit/shim_printk.h"

char printk_log[PRINTK_LOG_SIZE];
size_t printk_log_len;
unsigned printk_calls;

void printk_log_reset(void)
{
	printk_log[0] = '\0';
	printk_log_len = 0;
	printk_calls = 0;
}

void printk(const char *fmt, ...)
{
	size_t room = sizeof(printk_log) - printk_log_len;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintk(printk_log + printk_log_len, room, fmt, ap);
	va_end(ap);
	/* A test that overflows the log would check truncated text: stop it. */
	if (n < 0 || (size_t)n >= room) {
		fprintf(stderr, "printk log full\n");
		abort();
	}
	printk_log_len += (size_t)n;
	printk_calls++;
}
