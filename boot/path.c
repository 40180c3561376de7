/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>

#include <vigil/handoff.h>

#include "boot/path.h"

static int char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/* A component of n bytes at c: non-empty, allowed characters, not a dot
 * name (FAT and UEFI would resolve "." and ".." for us). */
static int component_ok(const char *c, size_t n)
{
	size_t i;

	if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
		return 0;
	for (i = 0; i < n; i++)
		if (!char_ok(c[i]))
			return 0;
	return 1;
}

int path_check(const char *p)
{
	size_t start = 0, i;

	for (i = 0;; i++) {
		if (i >= HANDOFF_NAME_LEN)
			return -EINVAL;
		if (p[i] != '/' && p[i] != '\0')
			continue;
		if (!component_ok(p + start, i - start))
			return -EINVAL;
		if (p[i] == '\0')
			return 0;
		start = i + 1;
	}
}
