/* SPDX-License-Identifier: MIT */
/*
 * Sorted insertion with merging. Firmware maps are short (a few hundred
 * entries at most), so a linear scan and a memmove are plenty.
 */
#include <errno.h>
#include <string.h>

#include "boot/memmap.h"

static uint64_t end_of(const struct handoff_mem *m)
{
	return m->base + m->size;
}

/* Index of the first entry whose base is above base. */
static uint32_t slot_find(const struct handoff *h, uint64_t base)
{
	uint32_t i = 0;

	while (i < h->mem_count && h->mem[i].base <= base)
		i++;
	return i;
}

static void entry_remove(struct handoff *h, uint32_t i)
{
	memmove(&h->mem[i], &h->mem[i + 1], (h->mem_count - i - 1) * sizeof(h->mem[0]));
	h->mem_count--;
}

int memmap_add(struct handoff *h, uint64_t base, uint64_t size, uint32_t type)
{
	uint32_t i = slot_find(h, base);
	struct handoff_mem *prev = i ? &h->mem[i - 1] : NULL;
	struct handoff_mem *next = i < h->mem_count ? &h->mem[i] : NULL;

	if (size == 0 || base > UINT64_MAX - size)
		return -EINVAL;
	if ((prev && end_of(prev) > base) || (next && base + size > next->base))
		return -EINVAL;
	if (prev && prev->type == type && end_of(prev) == base) {
		prev->size += size;
		if (next && next->type == type && end_of(prev) == next->base) {
			prev->size += next->size;
			entry_remove(h, i);
		}
		return 0;
	}
	if (next && next->type == type && base + size == next->base) {
		next->base = base;
		next->size += size;
		return 0;
	}
	if (h->mem_count == HANDOFF_MAX_MEM)
		return -ENOSPC;
	memmove(&h->mem[i + 1], &h->mem[i], (h->mem_count - i) * sizeof(h->mem[0]));
	h->mem[i] = (struct handoff_mem){ .base = base, .size = size, .type = type };
	h->mem_count++;
	return 0;
}
