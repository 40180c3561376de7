// SPDX-License-Identifier: MIT
/*
 * Unit tests of the EPT entry format (pt_format_ept) through the one
 * page-table builder, arch/x86/pt.c, that also builds the host tables and
 * AMD's nested tables. Table pages are heap pages ("physical" address ==
 * host address); raw entries are read back with this file's own walker,
 * which knows the EPT bit layout independently of pt.c.
 */
#define CHECK_SUITE "ept"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "arch/x86/pt.h"

/* SDM vol. 3, table 29-6 (PML4E), 29-4 (2 MiB PDE), 29-3 (1 GiB PDPTE)... */
#define R (1ull << 0)
#define W (1ull << 1)
#define X (1ull << 2)
#define MT_WB (6ull << 3)
#define MT_UC (0ull << 3)
#define MT_MASK (7ull << 3)
#define IPAT (1ull << 6)
#define LARGE (1ull << 7)
#define ADDR 0x000ffffffffff000ull

#include "tests/unit/pt_pool.h"

static struct pt ept_make(struct pool *pool)
{
	*pool = (struct pool){ .limit = POOL_MAX };
	return (struct pt){ .fmt = &pt_format_ept, .large_sizes = PT_PAGE_2M | PT_PAGE_1G,
			    .phys_to_virt = identity, .alloc_table = pool_alloc, .ctx = pool };
}

/* The raw entry for gpa at level; every table entry on the way must grant
 * exactly R/W/X with no memory type, no ignore-PAT and no large bit. */
static uint64_t raw_entry(const struct pt *pt, uint64_t gpa, unsigned level, int *tables_ok)
{
	uint64_t *table = identity(pt->root_pa);

	*tables_ok = 1;
	for (unsigned l = 3; l > level; l--) {
		uint64_t e = table[(gpa >> (12 + 9 * l)) & 511];

		if ((e & ~ADDR) != (R | W | X))
			*tables_ok = 0;
		if (!(e & (R | W | X)))
			return 0;
		table = identity(e & ADDR);
	}
	return table[(gpa >> (12 + 9 * level)) & 511];
}

/* Each PT_* combination, as a 4 KiB, 2 MiB and 1 GiB leaf: exact bits. */
static void leaf_bits_encode_flags_exactly(void)
{
	static const struct {
		unsigned flags;
		uint64_t bits;
	} want[] = {
		{ PT_R, R | MT_WB },
		{ PT_R | PT_W, R | W | MT_WB },
		{ PT_R | PT_X, R | X | MT_WB },
		{ PT_R | PT_W | PT_X, R | W | X | MT_WB },
		{ PT_R | PT_UC, R | MT_UC },
		{ PT_R | PT_W | PT_UC, R | W | MT_UC },
	};
	struct pool pool;
	struct pt pt = ept_make(&pool);

	CHECK_EQ(pt_init(&pt), 0);
	for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint64_t g4k = 0x1000 * (i + 1), g2m = PT_PAGE_2M * (i + 1), g1g = PT_PAGE_1G * (i + 1);
		uint64_t pa = 0x80000000ull * (i + 1);
		uint64_t got;
		unsigned flags;
		int t4, t2, t1;

		CHECK_EQ(pt_map(&pt, g4k, pa + 0x5000, 0x1000, want[i].flags), 0);
		CHECK_EQ(pt_map(&pt, g2m, pa, PT_PAGE_2M, want[i].flags), 0);
		CHECK_EQ(pt_map(&pt, g1g, pa, PT_PAGE_1G, want[i].flags), 0);
		CHECK_EQ(raw_entry(&pt, g4k, 0, &t4), (pa + 0x5000) | want[i].bits);
		CHECK_EQ(raw_entry(&pt, g2m, 1, &t2), pa | want[i].bits | LARGE);
		CHECK_EQ(raw_entry(&pt, g1g, 2, &t1), pa | want[i].bits | LARGE);
		CHECK(t4 && t2 && t1);
		CHECK_EQ(pt_lookup(&pt, g4k, &got, &flags), 0);
		CHECK_EQ(got, pa + 0x5000);
		CHECK_EQ(flags, want[i].flags);
		CHECK_EQ(pt_lookup(&pt, g2m + 0x1234, &got, &flags), 0);
		CHECK_EQ(got, pa + 0x1234);
		CHECK_EQ(flags, want[i].flags);
	}
	pool_free(&pool);
}

/* Never the ignore-PAT bit (the guest's PAT stays in force) and never a
 * write-only or execute-only leaf, whatever flags the caller passes. */
static void no_ipat_and_always_readable(void)
{
	for (unsigned flags = 0; flags < 16; flags++) {
		for (unsigned level = 0; level < 3; level++) {
			uint64_t e = pt_format_ept.leaf(0x40000000, flags, level);

			CHECK(!(e & IPAT));
			CHECK(e & R);
			CHECK(!!(e & LARGE) == (level > 0));
			CHECK(pt_format_ept.present(e));
		}
	}
}

/* Present means any of R/W/X: an execute-only entry left by hardware
 * or a future caller is still an entry, so pt_map must not overwrite it. */
static void present_is_any_permission(void)
{
	CHECK(!pt_format_ept.present(0));
	CHECK(!pt_format_ept.present(ADDR | MT_WB | LARGE));
	CHECK(pt_format_ept.present(R));
	CHECK(pt_format_ept.present(W));
	CHECK(pt_format_ept.present(X));
	CHECK(!pt_format_ept.large(R | LARGE, 0));
	CHECK(pt_format_ept.large(R | LARGE, 1));
	CHECK(!pt_format_ept.large(R, 2));
}

/* The guest layout vm.c builds: a 4 MiB region at 0 with 2 MiB pages,
 * nothing at 1 GiB (npt-probe's address). */
static void guest_region_and_hole(void)
{
	struct pool pool;
	struct pt pt = ept_make(&pool);
	uint64_t got;
	unsigned flags;
	int tok;

	pt.large_sizes = PT_PAGE_2M;
	CHECK_EQ(pt_init(&pt), 0);
	CHECK_EQ(pt_map(&pt, 0, 0x10000000, 0x400000, PT_R | PT_W | PT_X), 0);
	CHECK_EQ(raw_entry(&pt, 0, 1, &tok), 0x10000000 | R | W | X | MT_WB | LARGE);
	CHECK_EQ(raw_entry(&pt, 0x200000, 1, &tok), 0x10200000 | R | W | X | MT_WB | LARGE);
	CHECK(tok);
	CHECK_EQ(raw_entry(&pt, 0x400000, 1, &tok), 0);
	CHECK_EQ(pt_lookup(&pt, 0x40000000, &got, &flags), -ENOENT);
	CHECK_EQ(pt_lookup(&pt, 0x3ff000, &got, &flags), 0);
	CHECK_EQ(got, 0x103ff000);
	/* An overlapping second mapping is refused, large page or not. */
	CHECK_EQ(pt_map(&pt, 0x200000, 0x20000000, 0x1000, PT_R), -EEXIST);
	pool_free(&pool);
}

/* pt_protect and pt_unmap rewrite EPT leaves in the EPT format. */
static void protect_and_unmap(void)
{
	struct pool pool;
	struct pt pt = ept_make(&pool);
	int tok;

	CHECK_EQ(pt_init(&pt), 0);
	CHECK_EQ(pt_map(&pt, 0x5000, 0x9000, 0x2000, PT_R | PT_W | PT_X), 0);
	CHECK_EQ(pt_protect(&pt, 0x5000, 0x1000, PT_R | PT_X), 0);
	CHECK_EQ(raw_entry(&pt, 0x5000, 0, &tok), 0x9000 | R | X | MT_WB);
	CHECK_EQ(raw_entry(&pt, 0x6000, 0, &tok), 0xa000 | R | W | X | MT_WB);
	CHECK_EQ(pt_unmap(&pt, 0x6000, 0x1000), 0);
	CHECK_EQ(raw_entry(&pt, 0x6000, 0, &tok), 0);
	CHECK(tok);
	pool_free(&pool);
}

int main(void)
{
	CHECK_RUN(leaf_bits_encode_flags_exactly);
	CHECK_RUN(no_ipat_and_always_readable);
	CHECK_RUN(present_is_any_permission);
	CHECK_RUN(guest_region_and_hole);
	CHECK_RUN(protect_and_unmap);
	return check_done();
}
