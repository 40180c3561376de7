/* SPDX-License-Identifier: MIT */
/*
 * Console output for the stub: a printf subset over boot_puts(). Formats:
 * %s %c %d %u %x with optional l/ll/z length, and %%.
 */
#ifndef BOOT_PRINT_H
#define BOOT_PRINT_H

#include <stddef.h>
#include <stdint.h>

__attribute__((format(printf, 1, 2))) void stub_printf(const char *fmt, ...);

/* n bytes at p as lowercase hex into out (2n + 1 bytes, NUL-terminated). */
void stub_hex(const uint8_t *p, size_t n, char *out);

#endif
