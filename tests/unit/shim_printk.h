/* SPDX-License-Identifier: MIT */
/*
 * Test stand-in for the console's printk: every call is formatted with the
 * VMM's own vsnprintk and appended to a log the test reads back.
 */
#ifndef TESTS_UNIT_SHIM_PRINTK_H
#define TESTS_UNIT_SHIM_PRINTK_H

#include <stddef.h>

#define PRINTK_LOG_SIZE 8192

/* Everything printed since the last printk_log_reset(), NUL-terminated. */
extern char printk_log[PRINTK_LOG_SIZE];
extern size_t printk_log_len;
/* Number of printk calls since the last reset. */
extern unsigned printk_calls;

void printk_log_reset(void);

#endif
