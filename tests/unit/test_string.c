// SPDX-License-Identifier: MIT
/*
 * kernel/lib/string.c, the freestanding string functions, against the C
 * library's. The object is built with the freestanding flags and its symbols
 * renamed k_* (tests/unit/unit.mk), so both sets live in one program.
 */
#define CHECK_SUITE "string"
#include "tests/unit/check.h"

#include <stddef.h>
#include <stdint.h>

void *k_memcpy(void *restrict dst, const void *restrict src, size_t n);
void *k_memmove(void *dst, const void *src, size_t n);
void *k_memset(void *dst, int c, size_t n);
int k_memcmp(const void *a, const void *b, size_t n);
void *k_memchr(const void *s, int c, size_t n);
size_t k_strlen(const char *s);
size_t k_strnlen(const char *s, size_t max);
int k_strcmp(const char *a, const char *b);
int k_strncmp(const char *a, const char *b, size_t n);
char *k_strchr(const char *s, int c);
char *k_strrchr(const char *s, int c);

static int sign(int x)
{
	return (x > 0) - (x < 0);
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + 3);
}

static void copies_and_fills(void)
{
	uint8_t a[300], b[300], c[300];

	for (size_t n = 0; n < 260; n += 13) {
		fill(a, sizeof(a));
		memset(b, 0xee, sizeof(b));
		CHECK(k_memcpy(b + 1, a, n) == b + 1);
		CHECK(memcmp(b + 1, a, n) == 0 && b[0] == 0xee && b[n + 1] == 0xee);
		memset(c, 0xee, sizeof(c));
		CHECK(k_memset(c + 2, 0x1a5, n) == c + 2);
		for (size_t i = 0; i < n; i++)
			CHECK(c[2 + i] == 0xa5);
		CHECK(c[1] == 0xee && c[n + 2] == 0xee);
	}
}

/* Overlap in both directions and at every distance matches libc's memmove. */
static void moves_overlapping(void)
{
	uint8_t ours[128], ref[128];

	for (size_t src = 0; src < 40; src += 3)
		for (size_t dst = 0; dst < 40; dst += 5) {
			fill(ours, sizeof(ours));
			fill(ref, sizeof(ref));
			CHECK(k_memmove(ours + dst, ours + src, 80) == ours + dst);
			memmove(ref + dst, ref + src, 80);
			CHECK(memcmp(ours, ref, sizeof(ref)) == 0);
		}
}

static void compares(void)
{
	static const uint8_t x[] = { 1, 2, 0x80 }, y[] = { 1, 2, 0x7f };

	CHECK_EQ(sign(k_memcmp(x, y, 3)), 1);
	CHECK_EQ(sign(k_memcmp(y, x, 3)), -1);
	CHECK_EQ(k_memcmp(x, y, 2), 0);
	CHECK_EQ(k_memcmp(x, y, 0), 0);
	CHECK_EQ(sign(k_strcmp("abc", "abd")), -1);
	CHECK_EQ(sign(k_strcmp("abc", "ab")), 1);
	CHECK_EQ(sign(k_strcmp("\x80", "\x7f")), 1); /* compared as unsigned char */
	CHECK_EQ(k_strcmp("same", "same"), 0);
	CHECK_EQ(k_strncmp("abcX", "abcY", 3), 0);
	CHECK_EQ(sign(k_strncmp("abcX", "abcY", 4)), -1);
	CHECK_EQ(k_strncmp("ab", "ab\0x", 4), 0);
	CHECK_EQ(k_strncmp("a", "b", 0), 0);
}

static void searches(void)
{
	static const char s[] = "a/b/c";

	CHECK_EQ(k_strlen(""), 0);
	CHECK_EQ(k_strlen(s), 5);
	CHECK_EQ(k_strnlen(s, 3), 3);
	CHECK_EQ(k_strnlen(s, 99), 5);
	CHECK(k_memchr(s, '/', 5) == s + 1);
	CHECK(k_memchr(s, '/', 1) == NULL);
	CHECK(k_memchr(s, 0x100 + 'c', 5) == s + 4); /* c converts to unsigned char */
	CHECK(k_strchr(s, '/') == s + 1);
	CHECK(k_strchr(s, 0) == s + 5);
	CHECK(k_strchr(s, 'z') == NULL);
	CHECK(k_strrchr(s, '/') == s + 3);
	CHECK(k_strrchr(s, 0) == s + 5);
	CHECK(k_strrchr(s, 'z') == NULL);
}

int main(void)
{
	CHECK_RUN(copies_and_fills);
	CHECK_RUN(moves_overlapping);
	CHECK_RUN(compares);
	CHECK_RUN(searches);
	return check_done();
}
