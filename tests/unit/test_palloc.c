// SPDX-License-Identifier: MIT
/*
 * Unit tests of the physical page allocator (kernel/palloc.c) on firmware
 * maps as servers write them: hundreds of usable ranges with holes between
 * them. "Physical" memory is a host buffer here: phys_to_virt maps the
 * test's addresses into it, so every page the allocator hands out and
 * clears is real memory ASan watches.
 */
#define CHECK_SUITE "palloc"
#include "tests/unit/check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/mm.h"
#include <vigil/handoff.h>

#define ARENA_BASE 0x100000ull /* the allocator never hands out memory below 1 MiB */
#define ARENA_PAGES 8192
static uint8_t *arena;
static uint8_t owner[ARENA_PAGES]; /* 1: usable, 2: handed out */

void *phys_to_virt(uint64_t pa)
{
	if (pa < ARENA_BASE || pa >= ARENA_BASE + (uint64_t)ARENA_PAGES * 4096)
		abort(); /* the allocator touched memory outside the map */
	return arena + (pa - ARENA_BASE);
}

/* A map of n usable ranges of 1..4 pages, each after a hole of 1..3 pages
 * (reserved, or ACPI: never handed out); returns the usable pages. */
static unsigned map_build(struct handoff *h, unsigned n)
{
	uint64_t at = ARENA_BASE;
	unsigned usable = 0;

	memset(h, 0, sizeof(*h));
	memset(owner, 0, sizeof(owner));
	for (unsigned i = 0; i < n; i++) {
		unsigned hole = 1 + i % 3, pages = 1 + (i * 7) % 4;

		h->mem[h->mem_count++] = (struct handoff_mem){ .base = at, .size = hole * 4096ull, .type = HANDOFF_MEM_RESERVED };
		at += hole * 4096ull;
		h->mem[h->mem_count++] = (struct handoff_mem){ .base = at, .size = pages * 4096ull, .type = HANDOFF_MEM_USABLE };
		for (unsigned p = 0; p < pages; p++)
			owner[(at - ARENA_BASE) / 4096 + p] = 1;
		at += pages * 4096ull;
		usable += pages;
	}
	return usable;
}

/* 250 usable ranges among 500 entries: every page of them is handed out,
 * once, cleared, and nothing else is. */
static void hundreds_of_ranges(void)
{
	static struct handoff h;
	unsigned usable = map_build(&h, 250), got = 0, wrong = 0;
	uint64_t pa;

	memset(arena, 0xa5, (size_t)ARENA_PAGES * 4096);
	CHECK_EQ(mm_init(&h), 0);
	while ((pa = page_alloc(1, 0))) {
		unsigned page = (unsigned)((pa - ARENA_BASE) / 4096);

		wrong += owner[page] != 1 || arena[page * 4096ull] != 0;
		owner[page] = 2;
		got++;
	}
	CHECK_EQ(got, usable);
	CHECK_EQ(wrong, 0);
	CHECK_EQ(mm_reserved_bytes(), (uint64_t)usable * 4096);
}

/* From the top down: the highest usable pages first, each allocation
 * aligned and inside one usable range, and never below what the low end
 * handed out; both ends meet with every page handed out once. */
static void high_allocations_come_from_the_top(void)
{
	static struct handoff h;
	unsigned usable = map_build(&h, 250), got = 0, wrong = 0, order = 0;
	uint64_t pa, last = UINT64_MAX, top = 0;

	for (unsigned i = 0; i < h.mem_count; i++)
		if (h.mem[i].type == HANDOFF_MEM_USABLE)
			top = h.mem[i].base + h.mem[i].size;
	CHECK_EQ(mm_init(&h), 0);
	pa = page_alloc_high(1, 0);
	CHECK_EQ(pa, top - 4096);
	owner[(pa - ARENA_BASE) / 4096] = 2;
	got++;
	/* two pages aligned to 8 KiB: from the highest range that holds them */
	pa = page_alloc_high(2, 8192);
	CHECK(pa && (pa & 8191) == 0 && owner[(pa - ARENA_BASE) / 4096] == 1 && owner[(pa - ARENA_BASE) / 4096 + 1] == 1);
	owner[(pa - ARENA_BASE) / 4096] = owner[(pa - ARENA_BASE) / 4096 + 1] = 2;
	got += 2;
	for (unsigned i = 0; (pa = i % 2 ? page_alloc(1, 0) : page_alloc_high(1, 0)); i++) {
		unsigned page = (unsigned)((pa - ARENA_BASE) / 4096);

		wrong += owner[page] != 1 || arena[page * 4096ull] != 0;
		if (!(i % 2)) {
			order += pa > last; /* each high one below the last */
			last = pa;
		}
		owner[page] = 2;
		got++;
	}
	CHECK_EQ(got, usable);
	CHECK_EQ(wrong, 0);
	CHECK_EQ(order, 0);
	CHECK_EQ(page_alloc_high(1, 0), 0);
}

/* Freed pages come back, joined to their neighbours, once: a second free
 * of the same pages, or of pages still free, changes nothing. */
static void freed_pages_come_back_once(void)
{
	static struct handoff h = { .mem_count = 1 };
	uint64_t a, b, c, all;

	h.mem[0] = (struct handoff_mem){ .base = ARENA_BASE, .size = 64 * 4096ull, .type = HANDOFF_MEM_USABLE };
	CHECK_EQ(mm_init(&h), 0);
	a = page_alloc(8, 0);
	b = page_alloc(8, 0);
	c = page_alloc(8, 0);
	CHECK(a && b == a + 8 * 4096 && c == b + 8 * 4096);
	CHECK_EQ(mm_reserved_bytes(), 24 * 4096ull);
	memset(arena, 0x5a, 24 * 4096);
	page_free(b, 8); /* a hole between two allocations */
	page_free(b, 8); /* again: nothing */
	page_free(b + 4096, 2); /* inside the hole: nothing */
	CHECK_EQ(mm_reserved_bytes(), 16 * 4096ull);
	page_free(a, 8); /* joins the hole from below */
	page_free(c, 8); /* joins both and the free top */
	CHECK_EQ(mm_reserved_bytes(), 0);
	all = page_alloc(64, 0); /* one range again, handed out cleared */
	CHECK_EQ(all, ARENA_BASE);
	CHECK_EQ(arena[8 * 4096], 0);
	CHECK_EQ(page_alloc(1, 0), 0);
}

int main(void)
{
	arena = aligned_alloc(4096, (size_t)ARENA_PAGES * 4096);
	if (!arena)
		return 1;
	CHECK_RUN(hundreds_of_ranges);
	CHECK_RUN(high_allocations_come_from_the_top);
	CHECK_RUN(freed_pages_come_back_once);
	return check_done();
}
