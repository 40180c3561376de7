/* SPDX-License-Identifier: MIT */
/*
 * The string functions of the freestanding builds (VMM and UEFI stub),
 * implemented in kernel/lib/string.c. They are what GCC itself may emit
 * (memcpy, memmove, memset, memcmp), what mbedtls needs, and what Debian's
 * libfdt.a calls (memchr, strnlen, strrchr).
 */
#ifndef VIGIL_LIBC_STRING_H
#define VIGIL_LIBC_STRING_H

#include <stddef.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
void *memchr(const void *s, int c, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);

#endif
