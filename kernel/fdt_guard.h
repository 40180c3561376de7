/* SPDX-License-Identifier: MIT */
/*
 * A walk of a device tree's structure block that only checks lengths, run
 * before libfdt reads an untrusted blob. Debian's libfdt 1.6.1 (the one
 * the VMM links) loops for ever in fdt_check_full() on a property whose
 * length makes fdt_next_tag()'s int offset wrap backwards (e.g. 0xfffffff4),
 * so every length is checked here against what is left of the block, and
 * the cursor only moves forward. Header-only: the config validator and the
 * bundle decoder both use it, on the host and in the VMM.
 */
#ifndef KERNEL_FDT_GUARD_H
#define KERNEL_FDT_GUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t fdt_guard_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Size of the token at off (tag included, padded), or 0 if it does not fit
 * in [off, end) or is not one of the five tags. */
static inline uint32_t fdt_guard_token(const uint8_t *b, uint32_t off, uint32_t end)
{
	uint32_t left = end - off - 4, n;
	const uint8_t *nul;

	switch (fdt_guard_be32(b + off)) {
	case 1: /* FDT_BEGIN_NODE: a name, NUL-terminated, padded to 4 */
		nul = memchr(b + off + 4, 0, left);
		n = nul ? (((uint32_t)(nul - (b + off + 4)) + 4) & ~3u) : UINT32_MAX;
		return n <= left ? 4 + n : 0;
	case 3: /* FDT_PROP: length, name offset, value padded to 4 */
		if (left < 8 || fdt_guard_be32(b + off + 4) > left - 8)
			return 0;
		n = (fdt_guard_be32(b + off + 4) + 3) & ~3u;
		return n <= left - 8 ? 12 + n : 0;
	case 2: case 4: case 9: /* FDT_END_NODE, FDT_NOP, FDT_END */
		return 4;
	default:
		return 0;
	}
}

/* Every token of the structure block of blob (a header libfdt accepted,
 * its totalsize within size) has lengths inside the block. */
static inline bool fdt_guard_lengths_ok(const void *blob, size_t size)
{
	const uint8_t *b = blob;
	uint32_t off = fdt_guard_be32(b + 8), len = fdt_guard_be32(b + 36);
	uint32_t end = off + len, n;

	if (off > size || len > size - off || (off & 3))
		return false;
	while (end - off >= 4) {
		n = fdt_guard_token(b, off, end);
		if (!n)
			return false;
		if (fdt_guard_be32(b + off) == 9)
			return true;
		off += n;
	}
	return false;
}

#endif
