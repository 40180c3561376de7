// SPDX-License-Identifier: MIT
/*
 * Unit tests of the VT-d second-level entry format (pt_format_vtd) through
 * the one page-table builder, arch/x86/pt.c: a device's window onto guest
 * memory. Raw entries are read back with this file's own walker, which
 * knows the layout (VT-d specification, second-level paging entries)
 * independently of pt.c: read and write bits, the page-size bit on large
 * leaves only, and nothing else (no execute, no memory type).
 */
#define CHECK_SUITE "vtd_pt"
#include "tests/unit/check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "arch/x86/pt.h"

#define R (1ull << 0)
#define W (1ull << 1)
#define PS (1ull << 7)
#define ADDR 0x000ffffffffff000ull
#define POOL_MAX 64

struct pool {
	unsigned used;
	uint64_t pages[POOL_MAX];
};

static uint64_t pool_alloc(void *ctx)
{
	struct pool *p = ctx;
	void *page;

	if (p->used == POOL_MAX)
		return 0;
	page = aligned_alloc(4096, 4096);
	if (!page)
		abort();
	memset(page, 0, 4096);
	p->pages[p->used++] = (uint64_t)(uintptr_t)page;
	return (uint64_t)(uintptr_t)page;
}

static void pool_free(struct pool *p)
{
	for (unsigned i = 0; i < p->used; i++)
		free((void *)(uintptr_t)p->pages[i]);
	p->used = 0;
}

static void *identity(uint64_t pa)
{
	return (void *)(uintptr_t)pa;
}

static struct pt vtd_make(struct pool *pool)
{
	*pool = (struct pool){ 0 };
	return (struct pt){ .fmt = &pt_format_vtd, .large_sizes = PT_PAGE_2M | PT_PAGE_1G,
			    .phys_to_virt = identity, .alloc_table = pool_alloc, .ctx = pool };
}

/* The leaf for iova and its level (3 = root); every table entry on the way
 * must be exactly R|W. Returns 0 when not mapped. */
static uint64_t leaf_of(const struct pt *pt, uint64_t iova, unsigned *level, int *tables_ok)
{
	uint64_t *table = identity(pt->root_pa);

	*tables_ok = 1;
	for (unsigned l = 3;; l--) {
		uint64_t e = table[(iova >> (12 + 9 * l)) & 511];

		if (!(e & (R | W)))
			return 0;
		if (l == 0 || (e & PS)) {
			*level = l;
			return e;
		}
		if ((e & ~ADDR) != (R | W))
			*tables_ok = 0;
		table = identity(e & ADDR);
	}
}

static void window_of_guest_memory(void)
{
	struct pool pool;
	struct pt pt = vtd_make(&pool);
	unsigned level;
	int ok;
	uint64_t e;

	CHECK(pt_init(&pt) == 0);
	/* 4 MiB of guest RAM at iova 0, host 0x3f000000: two 2 MiB leaves */
	CHECK(pt_map(&pt, 0, 0x3f000000, 0x400000, PT_R | PT_W) == 0);
	e = leaf_of(&pt, 0x201000, &level, &ok);
	CHECK(ok && level == 1 && (e & ADDR) == 0x3f200000 && (e & ~ADDR) == (R | W | PS));
	/* a 4 KiB read-only page: no PS, no W */
	CHECK(pt_map(&pt, 0x40000000 + 0x5000, 0x7000, 0x1000, PT_R) == 0);
	e = leaf_of(&pt, 0x40005000, &level, &ok);
	CHECK(ok && level == 0 && (e & ADDR) == 0x7000 && (e & ~ADDR) == R);
	/* a 1 GiB leaf */
	CHECK(pt_map(&pt, 0x80000000, 0x100000000ull, 0x40000000, PT_R | PT_W) == 0);
	e = leaf_of(&pt, 0x80000000 + 0x12345000, &level, &ok);
	CHECK(ok && level == 2 && (e & ADDR) == 0x100000000ull && (e & ~ADDR) == (R | W | PS));
	/* nothing else is mapped: the VMM's memory is in no window */
	CHECK(leaf_of(&pt, 0x400000, &level, &ok) == 0);
	CHECK(leaf_of(&pt, 0x3f000000, &level, &ok) == 0);
	pool_free(&pool);
}

static void flags_read_back(void)
{
	uint64_t pa;
	unsigned flags;
	struct pool pool;
	struct pt pt = vtd_make(&pool);

	CHECK(pt_init(&pt) == 0);
	CHECK(pt_map(&pt, 0x200000, 0x600000, 0x200000, PT_R | PT_W | PT_X | PT_UC) == 0);
	CHECK(pt_lookup(&pt, 0x200000 + 0x10, &pa, &flags) == 0);
	CHECK(pa == 0x600010 && flags == (PT_R | PT_W)); /* no execute, no memory type in a window */
	CHECK(!pt_format_vtd.present(0));
	CHECK(!pt_format_vtd.present(ADDR | PS));
	CHECK(pt_format_vtd.present(R) && pt_format_vtd.present(W));
	CHECK(!pt_format_vtd.large(PS | R, 0) && pt_format_vtd.large(PS | R, 1));
	pool_free(&pool);
}

int main(void)
{
	CHECK_RUN(window_of_guest_memory);
	CHECK_RUN(flags_read_back);
	return check_done();
}
