// SPDX-License-Identifier: MIT
/*
 * Unit tests of the multiboot2 lab entry's pure parts: the boot
 * information parser (boot/mb2/info.c) on made-up blocks, and the page
 * allocator and memory map (boot/mb2/mem.c) that give the stub's story
 * its memory and the handoff its map. Addresses are never dereferenced
 * here: the "physical memory" is numbers only.
 */
#define CHECK_SUITE "mb2"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "boot/boot.h"
#include "boot/mb2/mb2.h"

/* mem.c drains the console before the map is final (firmware.c). */
void mb2_console_drain(void)
{
}

/* ---- building boot information blocks --------------------------------- */

struct blk {
	_Alignas(8) uint8_t b[4096];
	uint32_t len;
};

static void put32(struct blk *k, uint32_t off, uint32_t v)
{
	memcpy(k->b + off, &v, 4);
}

static void put64(struct blk *k, uint32_t off, uint64_t v)
{
	memcpy(k->b + off, &v, 8);
}

static void blk_start(struct blk *k)
{
	memset(k, 0, sizeof(*k));
	k->len = 8;
}

/* Append a tag of `size` bytes (header included); returns its offset. */
static uint32_t tag(struct blk *k, uint32_t type, uint32_t size)
{
	uint32_t off = k->len;

	put32(k, off, type);
	put32(k, off + 4, size);
	k->len = (off + size + 7) & ~7u;
	return off;
}

static void blk_end(struct blk *k)
{
	tag(k, 0, 8);
	put32(k, 0, k->len);
}

static void module(struct blk *k, uint32_t start, uint32_t end, const char *name)
{
	uint32_t off = tag(k, 3, 16 + (uint32_t)strlen(name) + 1);

	put32(k, off + 8, start);
	put32(k, off + 12, end);
	memcpy(k->b + off + 16, name, strlen(name) + 1);
}

struct range {
	uint64_t base, size;
	uint32_t type;
};

static void mmap(struct blk *k, const struct range *r, unsigned n)
{
	uint32_t off = tag(k, 6, 16 + 24 * n);

	put32(k, off + 8, 24);
	put32(k, off + 12, 0);
	for (unsigned i = 0; i < n; i++) {
		put64(k, off + 16 + 24 * i, r[i].base);
		put64(k, off + 24 + 24 * i, r[i].size);
		put32(k, off + 32 + 24 * i, r[i].type);
	}
}

static void acpi(struct blk *k, uint32_t type, uint32_t len, uint8_t fill)
{
	uint32_t off = tag(k, type, 8 + len);

	memset(k->b + off + 8, fill, len);
}

/* A BIOS-like map: low RAM with a partial last page, the EBDA and ROM
 * area, RAM from 1 MiB to 256 MiB less a page-unaligned ACPI tail. */
static const struct range bios_map[] = {
	{ 0x0, 0x9fc00, 1 },
	{ 0x9fc00, 0x400, 2 },
	{ 0xe8000, 0x18000, 2 },
	{ 0x100000, 0xfef0000 - 0x100000, 1 },
	{ 0xfef0000, 0x10000 + 0x800, 3 },
	{ 0xfffc0000, 0x40000, 2 },
};

static struct mb2_info info;

static void parse_ok(const struct blk *k)
{
	const char *why = "";

	CHECK_EQ(mb2_info_parse(k->b, &info, &why), 0);
}

static void parse_refused(const struct blk *k, const char *want)
{
	const char *why = "";
	struct mb2_info mi;

	CHECK_EQ(mb2_info_parse(k->b, &mi, &why), -EINVAL);
	if (!CHECK(strstr(why, want)))
		printf("    why: %s (want %s)\n", why, want);
}

/* ---- parser ------------------------------------------------------------ */

static void parses_modules_map_and_acpi(void)
{
	struct blk k;

	blk_start(&k);
	tag(&k, 1, 8 + 16); /* a command line tag: ignored */
	module(&k, 0x200000, 0x234567, "vigil/vmm.elf");
	acpi(&k, 15, 36, 0x22);
	mmap(&k, bios_map, 6);
	module(&k, 0x300000, 0x300000, "vigil/empty");
	acpi(&k, 14, 20, 0x11); /* the old copy after the new: the new one wins */
	blk_end(&k);
	parse_ok(&k);
	CHECK_EQ(info.mod_count, 2);
	CHECK(!strcmp(info.mods[0].name, "vigil/vmm.elf"));
	CHECK_EQ(info.mods[0].base, 0x200000);
	CHECK_EQ(info.mods[0].end, 0x234567);
	CHECK_EQ(info.mods[1].end - info.mods[1].base, 0);
	CHECK_EQ(info.mem_count, 6);
	CHECK_EQ(info.mem[4].base, 0xfef0000);
	CHECK_EQ(info.mem[4].type, MB2_MEM_ACPI);
	CHECK_EQ(info.rsdp_len, 36);
	CHECK_EQ(info.rsdp[0], 0x22);
	CHECK_EQ(info.info_end - info.info_base, k.len);
}

static void old_acpi_copy_used_alone(void)
{
	struct blk k;

	blk_start(&k);
	mmap(&k, bios_map, 6);
	acpi(&k, 14, 20, 0x11);
	blk_end(&k);
	parse_ok(&k);
	CHECK_EQ(info.rsdp_len, 20);
	CHECK_EQ(info.rsdp[19], 0x11);
}

static void malformed_blocks_refused(void)
{
	struct blk k;
	uint32_t off;

	blk_start(&k);
	mmap(&k, bios_map, 6);
	put32(&k, 0, k.len); /* no end tag */
	parse_refused(&k, "end tag");

	blk_start(&k);
	mmap(&k, bios_map, 6);
	blk_end(&k);
	put32(&k, 12, 4096); /* the map tag claims more than the block */
	parse_refused(&k, "past the boot information");

	blk_start(&k);
	blk_end(&k);
	parse_refused(&k, "no memory map");

	blk_start(&k);
	blk_end(&k);
	put32(&k, 0, 8); /* total too small */
	parse_refused(&k, "bad size");

	blk_start(&k);
	mmap(&k, bios_map, 6);
	module(&k, 0x300000, 0x2fffff, "vigil/x");
	blk_end(&k);
	parse_refused(&k, "ends before it starts");

	blk_start(&k);
	mmap(&k, bios_map, 6);
	off = tag(&k, 3, 20);
	memcpy(k.b + off + 16, "abcd", 4); /* no NUL inside the tag */
	blk_end(&k);
	parse_refused(&k, "terminated command line");

	blk_start(&k);
	off = tag(&k, 6, 16 + 20);
	put32(&k, off + 8, 20); /* entry size not a multiple of 8 */
	blk_end(&k);
	parse_refused(&k, "entry size");

	blk_start(&k);
	mmap(&k, bios_map, 6);
	for (int i = 0; i <= MB2_MAX_MODULES; i++)
		module(&k, 0x300000, 0x301000, "m");
	blk_end(&k);
	parse_refused(&k, "too many modules");
}

/* ---- allocator and memory map ------------------------------------------ */

#define IMAGE_BASE 0x100000ull
#define IMAGE_END 0x400000ull

static void mem_setup(void)
{
	struct blk k;
	static struct blk keep; /* info_base must stay a stable number */

	blk_start(&k);
	mmap(&k, bios_map, 6);
	module(&k, 0x800000, 0x880123, "vigil/vmm.elf");
	module(&k, 0xfe00000, 0xfe01000, "vigil/top");
	blk_end(&k);
	keep = k;
	parse_ok(&keep);
	mb2_mem_init(&info, IMAGE_BASE, IMAGE_END);
}

static uint64_t alloc(size_t bytes, uint64_t align, uint64_t below)
{
	void *p = NULL;

	if (boot_pages_alloc(bytes, align, below, &p))
		return 0;
	return (uint64_t)(uintptr_t)p;
}

static int overlaps(uint64_t a, uint64_t an, uint64_t b, uint64_t bn)
{
	return a < b + bn && b < a + an;
}

static void allocations_avoid_what_is_in_use(void)
{
	uint64_t top, vmm, low, a[40];

	mem_setup();
	top = alloc(0x1000, 0x1000, 0);
	/* First fit from the top: the module at 0xfe00000 sits below 0xfef0000. */
	CHECK_EQ(top, 0xfeef000);
	vmm = alloc(0x400000, 0x200000, 0x100000000ull);
	CHECK(vmm && !(vmm & 0x1fffff));
	CHECK(!overlaps(vmm, 0x400000, 0xfe00000, 0x1000));
	CHECK(vmm + 0x400000 <= 0xfef0000);
	low = alloc(0x1000, 0x1000, 0x9f000);
	CHECK_EQ(low, 0x9e000); /* below 1 MiB and under the bound */
	for (unsigned i = 0; i < 40; i++) {
		a[i] = alloc(0x180000, 0x1000, 0);
		if (!CHECK(a[i]))
			break;
		CHECK(!overlaps(a[i], 0x180000, IMAGE_BASE, IMAGE_END - IMAGE_BASE));
		CHECK(!overlaps(a[i], 0x180000, 0x800000, 0x81000));
		CHECK(!overlaps(a[i], 0x180000, info.info_base & ~0xfffull, 0x2000));
		CHECK(!overlaps(a[i], 0x180000, vmm, 0x400000));
		CHECK(!(a[i] & 0xfff) && a[i] >= 0x1000);
	}
	CHECK_EQ(alloc(0x1000, 0x1000, 0x1000), 0); /* page 0 is never handed out */
	CHECK_EQ(alloc(0x20000000, 0x1000, 0), 0);  /* more than there is */
	CHECK_EQ(alloc(0x1000, 0x1800, 0), 0);	     /* alignment not a power of two */
}

static void freed_pages_come_back(void)
{
	uint64_t a, b;

	mem_setup();
	a = alloc(0x3000, 0x1000, 0);
	boot_pages_free((void *)(uintptr_t)a, 0x3000);
	b = alloc(0x3000, 0x1000, 0);
	CHECK_EQ(a, b);
}

static const struct handoff_mem *find(const struct handoff *h, uint64_t pa)
{
	for (uint32_t i = 0; i < h->mem_count; i++)
		if (pa >= h->mem[i].base && pa < h->mem[i].base + h->mem[i].size)
			return &h->mem[i];
	return NULL;
}

static void memory_map_for_the_handoff(void)
{
	static struct handoff h;
	uint64_t top = 0, a, b;
	const struct handoff_mem *m;

	mem_setup();
	a = alloc(0x5000, 0x1000, 0);
	b = alloc(0x1000, 0x1000, 0x9f000);
	memset(&h, 0, sizeof(h));
	CHECK_EQ(boot_memmap_probe(&h, &top), 0);
	CHECK_EQ(top, 0xfeef000ull + 0x1000 + 0x11000); /* end of the ACPI range, grown to a page */
	for (uint32_t i = 0; i < h.mem_count; i++) {
		CHECK(!(h.mem[i].base & 0xfff) && !(h.mem[i].size & 0xfff));
		if (i)
			CHECK(h.mem[i].base >= h.mem[i - 1].base + h.mem[i - 1].size);
	}
	CHECK((m = find(&h, 0)) && m->type == HANDOFF_MEM_RESERVED && m->size == 0x1000);
	CHECK((m = find(&h, 0x1000)) && m->type == HANDOFF_MEM_USABLE);
	CHECK((m = find(&h, b)) && m->type == HANDOFF_MEM_BOOT);
	CHECK((m = find(&h, 0x9f000)) && m->type == HANDOFF_MEM_RESERVED); /* the partial page */
	CHECK((m = find(&h, a)) && m->type == HANDOFF_MEM_BOOT && m->base == a && m->size == 0x5000);
	CHECK((m = find(&h, a - 1)) && m->type == HANDOFF_MEM_USABLE);
	CHECK((m = find(&h, 0xfef0000)) && m->type == HANDOFF_MEM_ACPI_RECLAIM && m->size == 0x11000);
	CHECK((m = find(&h, IMAGE_BASE)) && m->type == HANDOFF_MEM_USABLE); /* dead once the VMM runs */
	CHECK((m = find(&h, 0xfffc0000)) && m->type == HANDOFF_MEM_RESERVED);
	CHECK(!find(&h, 0xa0000 + 0x1000));
	CHECK(!(h.flags & HANDOFF_F_MULTIBOOT));
	CHECK_EQ(boot_exit(&h), 0);
	CHECK(h.flags & HANDOFF_F_MULTIBOOT);
	CHECK((m = find(&h, a)) && m->type == HANDOFF_MEM_BOOT);
}

int main(void)
{
	CHECK_RUN(parses_modules_map_and_acpi);
	CHECK_RUN(old_acpi_copy_used_alone);
	CHECK_RUN(malformed_blocks_refused);
	CHECK_RUN(allocations_avoid_what_is_in_use);
	CHECK_RUN(freed_pages_come_back);
	CHECK_RUN(memory_map_for_the_handoff);
	return check_done();
}
