/* SPDX-License-Identifier: MIT */
/*
 * Flattened device tree walk (devicetree specification v0.4, chapter 5):
 * a header, then a structure block of big-endian tokens. Only the tokens
 * and the strings block are read; the memory reservation block is ignored.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "boot/dtb_scan.h"

#define FDT_MAGIC 0xd00dfeedu
#define FDT_HEADER_SIZE 40u
#define FDT_BEGIN_NODE 1u
#define FDT_END_NODE 2u
#define FDT_PROP 3u
#define FDT_NOP 4u
#define FDT_END 9u

#define DEPTH_ROOT 1	/* inside / */
#define DEPTH_TOP 2	/* inside /guests */
#define DEPTH_GUEST 3	/* inside /guests/<name> */

struct walk {
	const uint8_t *blob;
	uint32_t off, end;		/* cursor and end of the structure block */
	uint32_t strings, strings_size;
	unsigned depth;
	int in_guests;			/* the depth-2 node is /guests */
	int has_image;			/* the current guest has its image */
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Length of a NUL-terminated string at p within limit bytes, or -1. */
static long str_len(const uint8_t *p, uint32_t limit)
{
	const uint8_t *nul = memchr(p, 0, limit);

	return nul ? nul - p : -1;
}

static int header_check(struct walk *w, const uint8_t *b, size_t len)
{
	uint32_t total, st_off, st_size, str_off, str_size;

	if (len < FDT_HEADER_SIZE || be32(b) != FDT_MAGIC)
		return -EINVAL;
	total = be32(b + 4);
	st_off = be32(b + 8);
	str_off = be32(b + 12);
	str_size = be32(b + 32);
	st_size = be32(b + 36);
	if (total > len || total < FDT_HEADER_SIZE || be32(b + 20) < 17 || (st_off & 3))
		return -EINVAL;
	if (st_off < FDT_HEADER_SIZE || st_off > total || st_size > total - st_off)
		return -EINVAL;
	if (str_off < FDT_HEADER_SIZE || str_off > total || str_size > total - str_off)
		return -EINVAL;
	*w = (struct walk){ .blob = b, .off = st_off, .end = st_off + st_size,
			    .strings = str_off, .strings_size = str_size };
	return 0;
}

static int node_begin(struct walk *w, struct dtb_image *out, unsigned max, unsigned *count)
{
	const char *name = (const char *)w->blob + w->off;
	long n = str_len(w->blob + w->off, w->end - w->off);

	if (n < 0)
		return -EINVAL;
	w->off += ((uint32_t)n + 4) & ~3u;
	w->depth++;
	if (w->depth == DEPTH_TOP)
		w->in_guests = strcmp(name, "guests") == 0;
	if (w->depth == DEPTH_GUEST && w->in_guests) {
		if (*count == max)
			return -E2BIG;
		out[*count] = (struct dtb_image){ .guest = name, .path = NULL };
		w->has_image = 0;
	}
	return 0;
}

static int node_end(struct walk *w, unsigned *count)
{
	if (w->depth == 0)
		return -EINVAL;
	if (w->depth == DEPTH_GUEST && w->in_guests) {
		if (!w->has_image)
			return -EINVAL;
		(*count)++;
	}
	if (w->depth == DEPTH_TOP)
		w->in_guests = 0;
	w->depth--;
	return 0;
}

static int prop(struct walk *w, struct dtb_image *out, unsigned count)
{
	uint32_t vlen, nameoff;
	const uint8_t *val;
	long n;

	if (w->end - w->off < 8)
		return -EINVAL;
	vlen = be32(w->blob + w->off);
	nameoff = be32(w->blob + w->off + 4);
	w->off += 8;
	if (vlen > w->end - w->off || nameoff >= w->strings_size)
		return -EINVAL;
	val = w->blob + w->off;
	w->off += (vlen + 3) & ~3u;
	if (w->off > w->end)
		return -EINVAL;
	n = str_len(w->blob + w->strings + nameoff, w->strings_size - nameoff);
	if (n < 0)
		return -EINVAL;
	if (w->depth != DEPTH_GUEST || !w->in_guests ||
	    strcmp((const char *)w->blob + w->strings + nameoff, "image") != 0)
		return 0;
	/* Exactly one string: terminated at its last byte, nowhere before. */
	if (w->has_image || vlen < 2 || str_len(val, vlen) != (long)vlen - 1)
		return -EINVAL;
	out[count].path = (const char *)val;
	w->has_image = 1;
	return 0;
}

int dtb_images_collect(const void *blob, size_t len, struct dtb_image *out, unsigned max,
		       unsigned *count)
{
	struct walk w;
	uint32_t token;
	int err;

	*count = 0;
	err = header_check(&w, blob, len);
	while (!err) {
		if (w.end - w.off < 4)
			return -EINVAL;
		token = be32(w.blob + w.off);
		w.off += 4;
		if (token == FDT_BEGIN_NODE)
			err = node_begin(&w, out, max, count);
		else if (token == FDT_END_NODE)
			err = node_end(&w, count);
		else if (token == FDT_PROP)
			err = prop(&w, out, *count);
		else if (token == FDT_END)
			return w.depth == 0 ? 0 : -EINVAL;
		else if (token != FDT_NOP)
			err = -EINVAL;
	}
	return err;
}
