/* SPDX-License-Identifier: MIT */
/*
 * The multiboot2 boot information (multiboot2 specification, section 3.6):
 * a size, then 8-byte aligned tags up to an end tag. Only four tags are
 * read: modules, the memory map and the two ACPI RSDP copies. Every length
 * is checked against the block before anything is read through it. Pure
 * logic: host unit tests feed it made-up blocks.
 */
#include <errno.h>
#include <string.h>
#include "boot/mb2/mb2.h"

#define TAG_END 0
#define TAG_MODULE 3
#define TAG_MMAP 6
#define TAG_ACPI_OLD 14
#define TAG_ACPI_NEW 15
#define INFO_MAX (1u << 20) /* far above anything GRUB makes */
#define RSDP_V1_LEN 20

struct tag {
	uint32_t type, size;
};

static uint32_t rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static int info_fail(const char **why, const char *text)
{
	*why = text;
	return -EINVAL;
}

static int tag_module(const uint8_t *p, uint32_t size, struct mb2_info *out, const char **why)
{
	struct mb2_module *m;

	if (size < 17 || p[size - 1] != 0)
		return info_fail(why, "module tag without a terminated command line");
	if (out->mod_count == MB2_MAX_MODULES)
		return info_fail(why, "too many modules");
	m = &out->mods[out->mod_count++];
	m->base = rd32(p + 8);
	m->end = rd32(p + 12);
	m->name = (const char *)p + 16;
	if (m->end < m->base)
		return info_fail(why, "module ends before it starts");
	return 0;
}

static int tag_mmap(const uint8_t *p, uint32_t size, struct mb2_info *out, const char **why)
{
	uint32_t esize = size >= 16 ? rd32(p + 8) : 0;

	if (esize < 24 || esize % 8)
		return info_fail(why, "memory map with a bad entry size");
	for (uint32_t off = 16; off + esize <= size; off += esize) {
		struct mb2_range *r;

		if (out->mem_count == MB2_MAX_MMAP)
			return info_fail(why, "memory map with too many entries");
		r = &out->mem[out->mem_count++];
		r->base = rd64(p + off);
		r->size = rd64(p + off + 8);
		r->type = rd32(p + off + 16);
		if (r->base + r->size < r->base)
			return info_fail(why, "memory map entry wraps");
	}
	return 0;
}

static void tag_acpi(const uint8_t *p, uint32_t size, uint32_t type, struct mb2_info *out)
{
	size_t len = size - 8;

	if (type == TAG_ACPI_OLD && out->rsdp_len)
		return; /* the ACPI 2.0 copy wins, whatever the order */
	if (len > MB2_RSDP_MAX)
		len = MB2_RSDP_MAX;
	if (len < RSDP_V1_LEN)
		return;
	memcpy(out->rsdp, p + 8, len);
	out->rsdp_len = len;
}

static int tag_one(const uint8_t *p, const struct tag *t, struct mb2_info *out, const char **why)
{
	switch (t->type) {
	case TAG_MODULE: return tag_module(p, t->size, out, why);
	case TAG_MMAP: return tag_mmap(p, t->size, out, why);
	case TAG_ACPI_OLD:
	case TAG_ACPI_NEW: tag_acpi(p, t->size, t->type, out); return 0;
	default: return 0;
	}
}

int mb2_info_parse(const void *info, struct mb2_info *out, const char **why)
{
	const uint8_t *base = info;
	uint32_t total = rd32(base), off = 8;

	memset(out, 0, sizeof(*out));
	if (total < 16 || total > INFO_MAX)
		return info_fail(why, "boot information of a bad size");
	out->info_base = (uint64_t)(uintptr_t)info;
	out->info_end = out->info_base + total;
	for (;;) {
		struct tag t;
		int err;

		if (off + 8 > total)
			return info_fail(why, "boot information without an end tag");
		t.type = rd32(base + off);
		t.size = rd32(base + off + 4);
		if (t.size < 8 || t.size > total - off)
			return info_fail(why, "tag runs past the boot information");
		if (t.type == TAG_END)
			break;
		err = tag_one(base + off, &t, out, why);
		if (err)
			return err;
		off += (t.size + 7) & ~7u;
	}
	if (!out->mem_count)
		return info_fail(why, "no memory map");
	return 0;
}
