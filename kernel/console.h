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

/*
 * Untrusted text (names and strings from a channel frame or a bundle) for
 * the console, the audit log or a reply: copies in, up to its NUL, into
 * out[0..size) with printable ASCII (0x20..0x7e) as it is and every other
 * byte as the four characters \xHH, so no line break, escape sequence or
 * non-ASCII byte gets through. Truncates only between whole escapes and
 * always terminates (size >= 1); out and in must not overlap. Returns the
 * length written. Its output is its own escape, so text may pass through
 * it at every layer without changing again.
 */
size_t str_escape(char *out, size_t size, const char *in);

#endif
