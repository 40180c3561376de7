// SPDX-License-Identifier: MIT
/*
 * Unit tests of the IOMMU entry formats through the one page-table
 * builder, arch/x86/pt.c: a device's window onto guest memory. Raw entries
 * are read back with this file's own walkers, which know the layouts
 * independently of pt.c:
 *  - VT-d second-level entries (pt_format_vtd): read and write bits, the
 *    page-size bit on large leaves only, and nothing else (no execute, no
 *    memory type);
 *  - AMD-Vi I/O page-table entries (pt_format_amdvi): present, read and
 *    write permissions in bits 61 and 62, and the next-level field in bits
 *    11..9 naming the level of the table an entry points to (0 on a page).
 */
#define CHECK_SUITE "iommu_pt"
#include "tests/unit/check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "arch/x86/pt.h"

#define R (1ull << 0)
#define W (1ull << 1)
#define PS (1ull << 7)
#define ADDR 0x000ffffffffff000ull
#include "tests/unit/pt_pool.h"

static struct pt window_make(struct pool *pool, const struct pt_format *fmt, uint64_t large)
{
	*pool = (struct pool){ .limit = POOL_MAX };
	return (struct pt){ .fmt = fmt, .large_sizes = large, .phys_to_virt = identity, .alloc_table = pool_alloc,
			    .ctx = pool };
}

static struct pt vtd_make(struct pool *pool)
{
	return window_make(pool, &pt_format_vtd, PT_PAGE_2M | PT_PAGE_1G);
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

#define AMD_PR (1ull << 0)
#define AMD_NEXT(e) (((e) >> 9) & 7)
#define AMD_IR (1ull << 61)
#define AMD_IW (1ull << 62)

/* The AMD-Vi leaf for iova: each table entry on the way must be present
 * with both permissions and name the level below it (4-level tables, the
 * root at AMD level 4); the leaf is the entry whose next level is 0.
 * *level: AMD's level of the table holding it (1: a 4 KiB page). */
static uint64_t amd_leaf_of(const struct pt *pt, uint64_t iova, unsigned *level, int *tables_ok)
{
	uint64_t *table = identity(pt->root_pa);

	*tables_ok = 1;
	for (unsigned l = 4; l >= 1; l--) {
		uint64_t e = table[(iova >> (12 + 9 * (l - 1))) & 511];

		if (!(e & AMD_PR))
			return 0;
		if (AMD_NEXT(e) == 0) {
			*level = l;
			return e;
		}
		if (AMD_NEXT(e) != l - 1 || (e & ~ADDR) != (AMD_PR | AMD_IR | AMD_IW | (uint64_t)(l - 1) << 9))
			*tables_ok = 0;
		table = identity(e & ADDR);
	}
	return 0;
}

static void amdvi_window(void)
{
	struct pool pool;
	struct pt pt = window_make(&pool, &pt_format_amdvi, 0);
	unsigned level, flags;
	uint64_t e, pa;
	int ok;

	CHECK(pt_init(&pt) == 0);
	CHECK(pt_map(&pt, 0, 0x3f000000, 0x400000, PT_R | PT_W | PT_X | PT_UC) == 0);
	e = amd_leaf_of(&pt, 0x201000, &level, &ok);
	CHECK(ok && level == 1 && (e & ADDR) == 0x3f201000 && (e & ~ADDR) == (AMD_PR | AMD_IR | AMD_IW));
	CHECK(pt_map(&pt, 0x8000000000ull, 0x7000, 0x1000, PT_R) == 0); /* another level-4 slot */
	e = amd_leaf_of(&pt, 0x8000000000ull, &level, &ok);
	CHECK(ok && level == 1 && (e & ADDR) == 0x7000 && (e & ~ADDR) == (AMD_PR | AMD_IR));
	CHECK(pt_lookup(&pt, 0x3ff10, &pa, &flags) == 0 && pa == 0x3f03ff10 && flags == (PT_R | PT_W));
	CHECK(amd_leaf_of(&pt, 0x400000, &level, &ok) == 0);
	CHECK(amd_leaf_of(&pt, 0x3f000000, &level, &ok) == 0);
	/* a 2 MiB page where allowed: next level 0 one level up */
	pt.large_sizes = PT_PAGE_2M;
	CHECK(pt_map(&pt, 0x40000000, 0x80000000, 0x200000, PT_R | PT_W) == 0);
	e = amd_leaf_of(&pt, 0x40000000 + 0x1234, &level, &ok);
	CHECK(ok && level == 2 && (e & ADDR) == 0x80000000);
	CHECK(pt_format_amdvi.large(AMD_PR, 1) && !pt_format_amdvi.large(AMD_PR | 1ull << 9, 1));
	CHECK(!pt_format_amdvi.large(AMD_PR, 0) && !pt_format_amdvi.present(AMD_IR | AMD_IW));
	pool_free(&pool);
}

int main(void)
{
	CHECK_RUN(window_of_guest_memory);
	CHECK_RUN(flags_read_back);
	CHECK_RUN(amdvi_window);
	return check_done();
}
