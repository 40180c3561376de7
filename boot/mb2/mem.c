/* SPDX-License-Identifier: MIT */
/*
 * Pages for the stub's story, and the memory map it hands over, from the
 * multiboot2 memory map. Allocation is first fit from the top of memory
 * below 4 GiB (all this entry maps), skipping page 0, this entry's image,
 * the boot information and GRUB's modules. The final map reports what was
 * allocated and kept as HANDOFF_MEM_BOOT; everything else GRUB called
 * available, including this entry and the modules (copied by then), is
 * usable RAM, as the UEFI stub reports its own code.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "boot/boot.h"
#include "boot/memmap.h"
#include "boot/mb2/mb2.h"

#define PAGE 0x1000ull
#define LIMIT_4G 0x100000000ull
#define MAX_ALLOCS 64
#define MAX_BUSY (MB2_MAX_MODULES + 3)

struct span {
	uint64_t base, end;
};

static struct span busy[MAX_BUSY];
static unsigned busy_count;
static struct span allocs[MAX_ALLOCS];
static unsigned alloc_count;
static const struct mb2_info *mem_info;

static uint64_t up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint64_t down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

static void busy_add(uint64_t base, uint64_t end)
{
	if (busy_count < MAX_BUSY && end > base)
		busy[busy_count++] = (struct span){ down(base, PAGE), up(end, PAGE) };
}

void mb2_mem_init(const struct mb2_info *mi, uint64_t image_base, uint64_t image_end)
{
	mem_info = mi;
	busy_count = alloc_count = 0;
	busy_add(0, PAGE);
	busy_add(image_base, image_end);
	busy_add(mi->info_base, mi->info_end);
	for (unsigned i = 0; i < mi->mod_count; i++)
		busy_add(mi->mods[i].base, mi->mods[i].end);
}

/* A span of [base, end) that is taken, or NULL. */
static const struct span *taken(uint64_t base, uint64_t end)
{
	for (unsigned i = 0; i < busy_count; i++)
		if (base < busy[i].end && busy[i].base < end)
			return &busy[i];
	for (unsigned i = 0; i < alloc_count; i++)
		if (base < allocs[i].end && allocs[i].base < end)
			return &allocs[i];
	return NULL;
}

/* The highest aligned free spot of size bytes in available range r below limit, or 0. */
static uint64_t fit(const struct mb2_range *r, uint64_t size, uint64_t align, uint64_t limit)
{
	uint64_t lo = up(r->base, PAGE), top = down(r->base + r->size, PAGE);

	if (top > limit)
		top = limit;
	while (top >= lo + size) {
		uint64_t cand = down(top - size, align);
		const struct span *s;

		if (cand < lo)
			return 0;
		s = taken(cand, cand + size);
		if (!s)
			return cand;
		top = s->base;
	}
	return 0;
}

int boot_pages_alloc(size_t bytes, uint64_t align, uint64_t below, void **out)
{
	uint64_t size = up(bytes ? bytes : 1, PAGE), best = 0;
	uint64_t limit = below && below < LIMIT_4G ? below : LIMIT_4G;

	if (alloc_count == MAX_ALLOCS || align < PAGE || (align & (align - 1)))
		return -ENOMEM;
	for (unsigned i = 0; i < mem_info->mem_count; i++) {
		const struct mb2_range *r = &mem_info->mem[i];
		uint64_t a = r->type == MB2_MEM_AVAILABLE ? fit(r, size, align, limit) : 0;

		if (a > best)
			best = a;
	}
	if (!best)
		return -ENOMEM;
	allocs[alloc_count++] = (struct span){ best, best + size };
	*out = (void *)(uintptr_t)best;
	return 0;
}

void boot_pages_free(void *p, size_t bytes)
{
	(void)bytes;
	for (unsigned i = 0; i < alloc_count; i++)
		if (allocs[i].base == (uint64_t)(uintptr_t)p) {
			allocs[i] = allocs[--alloc_count];
			return;
		}
}

static uint32_t mem_type(uint32_t mb2)
{
	switch (mb2) {
	case MB2_MEM_AVAILABLE: return HANDOFF_MEM_USABLE;
	case MB2_MEM_ACPI: return HANDOFF_MEM_ACPI_RECLAIM;
	case MB2_MEM_NVS: return HANDOFF_MEM_ACPI_NVS;
	default: return HANDOFF_MEM_RESERVED;
	}
}

/* Usable RAM [base, end) with the allocations inside it cut out as boot
 * memory, and page 0 kept back (a physical address 0 means "none"). */
static int map_usable(struct handoff *h, uint64_t base, uint64_t end)
{
	int err = 0;

	if (base == 0) {
		err = memmap_add(h, 0, PAGE, HANDOFF_MEM_RESERVED);
		base = PAGE;
	}
	while (!err && base < end) {
		const struct span *next = NULL;

		for (unsigned i = 0; i < alloc_count; i++)
			if (allocs[i].end > base && allocs[i].base < end &&
			    (!next || allocs[i].base < next->base))
				next = &allocs[i];
		if (!next)
			return memmap_add(h, base, end - base, HANDOFF_MEM_USABLE);
		if (next->base > base)
			err = memmap_add(h, base, next->base - base, HANDOFF_MEM_USABLE);
		if (!err)
			err = memmap_add(h, next->base, next->end - next->base, HANDOFF_MEM_BOOT);
		base = next->end;
	}
	return err;
}

/* The multiboot2 map sorted by base; usable ranges shrink to whole pages,
 * the others grow to whole pages, and a range never starts below the end
 * of the one before it. */
static int mem_build(struct handoff *h, uint64_t *ram_top)
{
	struct mb2_range r[MB2_MAX_MMAP];
	unsigned n = mem_info->mem_count;
	uint64_t cursor = 0;
	int err = 0;

	memcpy(r, mem_info->mem, n * sizeof(r[0]));
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && r[j].base < r[j - 1].base; j--) {
			struct mb2_range t = r[j];

			r[j] = r[j - 1];
			r[j - 1] = t;
		}
	h->mem_count = 0;
	*ram_top = 0;
	for (unsigned i = 0; !err && i < n; i++) {
		bool usable = r[i].type == MB2_MEM_AVAILABLE;
		uint64_t base = usable ? up(r[i].base, PAGE) : down(r[i].base, PAGE);
		uint64_t end = usable ? down(r[i].base + r[i].size, PAGE) : up(r[i].base + r[i].size, PAGE);

		base = base < cursor ? cursor : base;
		if (end <= base)
			continue;
		err = usable ? map_usable(h, base, end) : memmap_add(h, base, end - base, mem_type(r[i].type));
		cursor = end;
		if ((usable || r[i].type == MB2_MEM_ACPI) && end > *ram_top)
			*ram_top = end;
	}
	return err;
}

int boot_memmap_probe(struct handoff *h, uint64_t *ram_top)
{
	return mem_build(h, ram_top);
}

/* No firmware to leave: the final map, and the mark of the lab entry. */
int boot_exit(struct handoff *h)
{
	uint64_t top;

	mb2_console_drain(); /* the VMM resets the UART: let the last line out */
	h->flags |= HANDOFF_F_MULTIBOOT;
	return mem_build(h, &top);
}
