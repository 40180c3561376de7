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
#define DEPTH_TOP 2	/* inside /guests (/files) */
#define DEPTH_GUEST 3	/* inside /guests/<name> (/files/<name>) */

/* What a walk collects: string properties of the nodes below one top
 * node, each node having exactly one of the `one_of` properties (bits),
 * and none of the `withdrawn` ones (NULL-terminated; NULL for none). */
struct scan {
	const char *top;
	const char *const *props;
	unsigned nprops;
	unsigned one_of;
	const char *const *withdrawn;
};

struct walk {
	const uint8_t *blob;
	uint32_t off, end;		/* cursor and end of the structure block */
	uint32_t strings, strings_size;
	unsigned depth;
	const struct scan *scan;
	int in_top;			/* the depth-2 node is the scan's top */
	const char *guest;		/* the current node's name */
	unsigned seen;			/* the properties it had so far (bits) */
};

/* The config: a guest names its package. The form that named a guest's
 * files here is withdrawn (docs/formats.md): a guest node that still
 * carries one of those names is refused, not read around. */
static const char *const config_props[] = { "package" };
static const char *const config_withdrawn[] = { "image", "initrd", "acpi", "cmdline", NULL };
static const struct scan config_scan = { "guests", config_props, 1, 1u << 0, config_withdrawn };
/* A package's manifest: each file node names its path. */
static const char *const manifest_props[] = { "path" };
static const struct scan manifest_scan = { "files", manifest_props, 1, 1u << 0, NULL };

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

/* The name and its padding must end inside the structure block: a block
 * whose size is not a multiple of 4 must not let the cursor pass its end
 * (the next `end - off` would wrap). */
static int node_begin(struct walk *w)
{
	const char *name = (const char *)w->blob + w->off;
	long n = str_len(w->blob + w->off, w->end - w->off);
	uint32_t padded;

	if (n < 0)
		return -EINVAL;
	padded = ((uint32_t)n + 4) & ~3u;
	if (padded > w->end - w->off)
		return -EINVAL;
	w->off += padded;
	w->depth++;
	if (w->depth == DEPTH_TOP)
		w->in_top = strcmp(name, w->scan->top) == 0;
	if (w->depth == DEPTH_GUEST && w->in_top) {
		w->guest = name;
		w->seen = 0;
	}
	return 0;
}

static int node_end(struct walk *w)
{
	if (w->depth == 0)
		return -EINVAL;
	/* Exactly one of the scan's one_of properties: none, or two
	 * packages, leaves the node unreadable. */
	if (w->depth == DEPTH_GUEST && w->in_top) {
		unsigned one = w->seen & w->scan->one_of;

		if (!one || (one & (one - 1)))
			return -EINVAL;
	}
	if (w->depth == DEPTH_TOP)
		w->in_top = 0;
	w->depth--;
	return 0;
}

static int file_prop_index(const struct scan *sc, const char *name)
{
	for (unsigned i = 0; i < sc->nprops; i++)
		if (!strcmp(name, sc->props[i]))
			return (int)i;
	return -1;
}

static int withdrawn_prop(const struct scan *sc, const char *name)
{
	for (unsigned i = 0; sc->withdrawn && sc->withdrawn[i]; i++)
		if (!strcmp(name, sc->withdrawn[i]))
			return 1;
	return 0;
}

static int prop(struct walk *w, struct dtb_file *out, unsigned max, unsigned *count)
{
	uint32_t vlen, nameoff;
	const uint8_t *val;
	long n;
	int which;

	if (w->end - w->off < 8)
		return -EINVAL;
	vlen = be32(w->blob + w->off);
	nameoff = be32(w->blob + w->off + 4);
	w->off += 8;
	if (vlen > w->end - w->off || nameoff >= w->strings_size)
		return -EINVAL;
	val = w->blob + w->off;
	if (((vlen + 3ull) & ~3ull) > w->end - w->off)
		return -EINVAL;
	w->off += (vlen + 3) & ~3u;
	n = str_len(w->blob + w->strings + nameoff, w->strings_size - nameoff);
	if (n < 0)
		return -EINVAL;
	if (w->depth != DEPTH_GUEST || !w->in_top)
		return 0;
	if (withdrawn_prop(w->scan, (const char *)w->blob + w->strings + nameoff))
		return -EPERM;
	which = file_prop_index(w->scan, (const char *)w->blob + w->strings + nameoff);
	if (which < 0)
		return 0;
	/* Exactly one string: terminated at its last byte, nowhere before. */
	if ((w->seen & (1u << which)) || vlen < 2 || str_len(val, vlen) != (long)vlen - 1)
		return -EINVAL;
	if (*count == max)
		return -E2BIG;
	out[(*count)++] = (struct dtb_file){ w->guest, w->scan->props[which], (const char *)val };
	w->seen |= 1u << which;
	return 0;
}

static int walk_all(const struct scan *sc, const void *blob, size_t len, struct dtb_file *out, unsigned max,
		    unsigned *count)
{
	struct walk w;
	uint32_t token;
	int err;

	*count = 0;
	err = header_check(&w, blob, len);
	w.scan = sc;
	while (!err) {
		if (w.end - w.off < 4)
			return -EINVAL;
		token = be32(w.blob + w.off);
		w.off += 4;
		if (token == FDT_BEGIN_NODE)
			err = node_begin(&w);
		else if (token == FDT_END_NODE)
			err = node_end(&w);
		else if (token == FDT_PROP)
			err = prop(&w, out, max, count);
		else if (token == FDT_END)
			return w.depth == 0 ? 0 : -EINVAL;
		else if (token != FDT_NOP)
			err = -EINVAL;
	}
	return err;
}

int dtb_files_collect(const void *blob, size_t len, struct dtb_file *out, unsigned max, unsigned *count)
{
	return walk_all(&config_scan, blob, len, out, max, count);
}

int dtb_manifest_files(const void *blob, size_t len, struct dtb_file *out, unsigned max, unsigned *count)
{
	return walk_all(&manifest_scan, blob, len, out, max, count);
}
