/* SPDX-License-Identifier: MIT */
/*
 * The VMM console (COM1). printk() writes whole lines atomically with
 * respect to other CPUs. Formats: %s %c %d %u %x %lx %lu %ld %p %%, with
 * optional zero padding and width (%08x), and %.*s.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

void console_init(void);
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void console_write(const char *s, size_t len);
int vsnprintk(char *buf, size_t size, const char *fmt, va_list ap);
int snprintk(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
