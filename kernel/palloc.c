/* SPDX-License-Identifier: MIT */
/*
 * The physical page allocator: a sorted list of free ranges taken from the
 * handoff's usable RAM above 1 MiB. Memory is handed out at boot (static
 * partitioning); a guest restart reuses its own pages. The one exception:
 * a guest update's staged files (vmm/vm_update.c) come back with
 * page_free() when they are discarded or replaced.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "kernel/mm.h"
#include "kernel/handoff.h"
#include "kernel/spinlock.h"

/* Every usable range the handoff can carry, and the splits the boot's
 * allocations make (each adds at most one): a server's firmware map has
 * hundreds of ranges, and a fixed 64 refused such a machine outright. */
#define PALLOC_BOOT_SPLITS 64
#define PALLOC_MAX_RANGES (HANDOFF_MAX_MEM + PALLOC_BOOT_SPLITS)
#define LOW_MEMORY_END 0x100000ull

struct free_range {
	uint64_t base, end;
};

static struct free_range free_ranges[PALLOC_MAX_RANGES];
static unsigned free_count;
static uint64_t reserved_bytes;
/* Application processors allocate too (their VMXON or host-save pages),
 * all at once: the list is shared. */
static struct spinlock palloc_lock;

static int palloc_insert(unsigned at, uint64_t base, uint64_t end)
{
	if (base >= end)
		return 0;
	if (free_count == PALLOC_MAX_RANGES)
		return -ENOSPC;
	memmove(&free_ranges[at + 1], &free_ranges[at], (free_count - at) * sizeof(free_ranges[0]));
	free_ranges[at] = (struct free_range){ base, end };
	free_count++;
	return 0;
}

int mm_init(const struct handoff *h)
{
	free_count = 0;
	reserved_bytes = 0;
	for (uint32_t i = 0; i < h->mem_count; i++) {
		const struct handoff_mem *m = &h->mem[i];
		uint64_t base = m->base < LOW_MEMORY_END ? LOW_MEMORY_END : m->base;
		int err;

		if (m->type != HANDOFF_MEM_USABLE || base >= m->base + m->size)
			continue;
		err = palloc_insert(free_count, base, m->base + m->size);
		if (err)
			return err;
	}
	return free_count ? 0 : -ENOMEM;
}

/* Carve [pa, pa+len) out of range i, keeping what lies on either side. */
static void palloc_carve(unsigned i, uint64_t pa, uint64_t len)
{
	struct free_range r = free_ranges[i];

	memmove(&free_ranges[i], &free_ranges[i + 1], (free_count - i - 1) * sizeof(r));
	free_count--;
	/* Re-inserting at most two pieces where one was cannot overflow. */
	(void)palloc_insert(i, pa + len, r.end);
	(void)palloc_insert(i, r.base, pa);
}

static uint64_t page_alloc_locked(size_t pages, uint64_t align)
{
	uint64_t len = (uint64_t)pages * 4096;

	for (unsigned i = 0; i < free_count; i++) {
		uint64_t pa = (free_ranges[i].base + align - 1) & ~(align - 1);

		if (pa < free_ranges[i].base || pa + len > free_ranges[i].end || pa + len < pa)
			continue;
		if (pa != free_ranges[i].base && free_count == PALLOC_MAX_RANGES)
			continue; /* splitting needs a free slot */
		palloc_carve(i, pa, len);
		reserved_bytes += len;
		return pa;
	}
	return 0;
}

/* The highest fit: guests' memory goes to the top of RAM (above 4 GiB on
 * a large machine), the VMM's own small allocations stay low. */
static uint64_t page_alloc_high_locked(size_t pages, uint64_t align)
{
	uint64_t len = (uint64_t)pages * 4096;

	for (unsigned i = free_count; i-- > 0;) {
		uint64_t pa = (free_ranges[i].end - len) & ~(align - 1);

		if (len > free_ranges[i].end - free_ranges[i].base || pa < free_ranges[i].base)
			continue;
		if (pa != free_ranges[i].base && pa + len != free_ranges[i].end && free_count == PALLOC_MAX_RANGES)
			continue; /* splitting needs a free slot */
		palloc_carve(i, pa, len);
		reserved_bytes += len;
		return pa;
	}
	return 0;
}

static uint64_t page_alloc_from(size_t pages, uint64_t align, bool high)
{
	uint64_t pa;

	if (align < 4096)
		align = 4096;
	if (!pages || (align & (align - 1)) || pages > (UINT64_MAX >> 12))
		return 0;
	spin_lock(&palloc_lock);
	pa = high ? page_alloc_high_locked(pages, align) : page_alloc_locked(pages, align);
	spin_unlock(&palloc_lock);
	if (pa)
		memset(phys_to_virt(pa), 0, (uint64_t)pages * 4096);
	return pa;
}

uint64_t page_alloc(size_t pages, uint64_t align)
{
	return page_alloc_from(pages, align, false);
}

uint64_t page_alloc_high(size_t pages, uint64_t align)
{
	return page_alloc_from(pages, align, true);
}

void page_free(uint64_t pa, size_t pages)
{
	uint64_t end = pa + (uint64_t)pages * 4096;
	unsigned i = 0;

	if (!pa || !pages)
		return;
	spin_lock(&palloc_lock);
	while (i < free_count && free_ranges[i].end <= pa)
		i++;
	if (i < free_count && free_ranges[i].base < end) {
		spin_unlock(&palloc_lock);
		return; /* already free in part: never hand it out twice */
	}
	if (i && free_ranges[i - 1].end == pa) {
		free_ranges[i - 1].end = end; /* joins the range below */
		if (i < free_count && free_ranges[i].base == end) {
			free_ranges[i - 1].end = free_ranges[i].end;
			memmove(&free_ranges[i], &free_ranges[i + 1], (free_count - i - 1) * sizeof(free_ranges[0]));
			free_count--;
		}
	} else if (i < free_count && free_ranges[i].base == end) {
		free_ranges[i].base = pa;
	} else if (palloc_insert(i, pa, end)) {
		spin_unlock(&palloc_lock);
		return; /* no slot: the pages stay reserved, never lost to a double use */
	}
	reserved_bytes -= end - pa;
	spin_unlock(&palloc_lock);
}

uint64_t mm_reserved_bytes(void)
{
	return reserved_bytes;
}
