// SPDX-License-Identifier: MIT
/*
 * Unit tests of vmm/gmem.c: reading guest memory through the guest's own
 * page tables. The tables are built here, in fake guest memory, for every
 * paging mode the walker knows: none, 32-bit (4K and 4M pages), PAE, and
 * 4-level (4K, 2M and 1G pages). Guest memory is one 8 MiB region at 0 and
 * one 2 MiB region at 1 GiB behind shim_vm.c's vm_gpa_to_hva.
 */
#define CHECK_SUITE "gmem"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "arch/x86/cpu.h"
#include "vmm/gmem.h"
#include "vmm/vm.h"

#define R0_SIZE 0x800000ull
#define R1_GPA 0x40000000ull
#define R1_SIZE 0x200000ull
#define HOLE 0x20000000ull /* guest-physical, inside no region */

#define CR4_PSE (1ull << 4)
#define P 1ull
#define RW 2ull
#define PS (1ull << 7)
#define NX (1ull << 63)

static struct vm *vm_make(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	void *r0 = calloc(1, R0_SIZE), *r1 = calloc(1, R1_SIZE);

	vm->region_count = 2;
	vm->regions[0] = (struct vm_region){ 0, R0_SIZE, (uint64_t)(uintptr_t)r0 };
	vm->regions[1] = (struct vm_region){ R1_GPA, R1_SIZE, (uint64_t)(uintptr_t)r1 };
	return vm;
}

static void vm_free(struct vm *vm)
{
	free((void *)(uintptr_t)vm->regions[0].hpa);
	free((void *)(uintptr_t)vm->regions[1].hpa);
	free(vm);
}

static void w32(struct vm *vm, uint64_t gpa, uint32_t v)
{
	memcpy(vm_gpa_to_hva(vm, gpa, 4), &v, 4);
}

static void w64(struct vm *vm, uint64_t gpa, uint64_t v)
{
	memcpy(vm_gpa_to_hva(vm, gpa, 8), &v, 8);
}

static const struct guest_mode mode_flat = { .cr0 = CR0_PE };

static struct guest_mode mode_32(uint64_t cr3)
{
	return (struct guest_mode){ .cr0 = CR0_PE | CR0_PG, .cr3 = cr3, .cr4 = CR4_PSE };
}

static struct guest_mode mode_pae(uint64_t cr3)
{
	return (struct guest_mode){ .cr0 = CR0_PE | CR0_PG, .cr3 = cr3, .cr4 = CR4_PAE };
}

static struct guest_mode mode_64(uint64_t cr3)
{
	return (struct guest_mode){ .cr0 = CR0_PE | CR0_PG, .cr3 = cr3, .cr4 = CR4_PAE,
				    .efer = EFER_LME | EFER_LMA, .cs_l = true };
}

/* gmem_translate's answer, or a negative errno. */
static int64_t xlate(const struct vm *vm, struct guest_mode m, uint64_t la)
{
	uint64_t gpa = 0xdeadbeef;
	int rc = gmem_translate(vm, &m, la, &gpa);

	return rc ? rc : (int64_t)gpa;
}

static void no_paging_is_identity(void)
{
	struct vm *vm = vm_make();
	uint8_t buf[4];

	CHECK_EQ(xlate(vm, mode_flat, 0x1234), 0x1234);
	CHECK_EQ(xlate(vm, mode_flat, 0xfffff000), 0xfffff000);
	CHECK_EQ(xlate(vm, mode_flat, 0x100001234ull), 0x1234); /* linear addresses are 32-bit */
	/* Translated, but not guest memory: nothing to read. */
	CHECK_EQ(gmem_read_linear(vm, &mode_flat, HOLE, buf, 4), 0);
	memcpy(vm_gpa_to_hva(vm, 0x5000, 4), "abcd", 4);
	CHECK_EQ(gmem_read_linear(vm, &mode_flat, 0x5000, buf, 4), 4);
	CHECK(!memcmp(buf, "abcd", 4));
	vm_free(vm);
}

/* 32-bit paging: PD at 0x10000, PT at 0x11000. */
static void paging_32bit_4k_and_4m(void)
{
	struct vm *vm = vm_make();
	struct guest_mode m = mode_32(0x10000);

	w32(vm, 0x10000 + 1 * 4, 0x11000 | P | RW);	  /* PD[1] -> PT */
	w32(vm, 0x11000 + 1 * 4, 0x200000 | P);		  /* PT[1] -> 0x200000 */
	w32(vm, 0x10000 + 2 * 4, 0x400000 | P | PS);	  /* PD[2]: 4 MiB page */
	w32(vm, 0x11000 + 3 * 4, 0xfffff000u | P | RW); /* high frame bits kept */
	CHECK_EQ(xlate(vm, m, 0x401234), 0x200234);
	CHECK_EQ(xlate(vm, m, 0x812345), 0x412345);
	CHECK_EQ(xlate(vm, m, 0xbfffff), 0x7fffff);
	CHECK_EQ(xlate(vm, m, 0x403fff), 0xffffffff);
	CHECK_EQ(xlate(vm, m, 0x100401234ull), 0x200234); /* upper bits of la ignored */
	/* Not present: PT entry, PD entry. */
	CHECK_EQ(xlate(vm, m, 0x402000), -EFAULT);
	CHECK_EQ(xlate(vm, m, 0xc00000), -EFAULT);
	CHECK_EQ(xlate(vm, m, 0x0), -EFAULT);
	/* Present bit clear but frame set: still not present. */
	w32(vm, 0x11000 + 4 * 4, 0x300000 | RW);
	CHECK_EQ(xlate(vm, m, 0x404000), -EFAULT);
	vm_free(vm);
}

/* Without CR4.PSE the CPU ignores PS: the PDE points at a page table. */
static void paging_32bit_ps_needs_cr4_pse(void)
{
	struct vm *vm = vm_make();
	struct guest_mode m = mode_32(0x10000);

	w32(vm, 0x10000 + 2 * 4, 0x11000 | P | PS);
	w32(vm, 0x11000 + 0x12 * 4, 0x300000 | P);
	CHECK_EQ(xlate(vm, m, 0x812345), 0x12345); /* PSE on: a 4 MiB page at 0 */
	m.cr4 = 0;
	CHECK_EQ(xlate(vm, m, 0x812345), 0x300345);
	vm_free(vm);
}

static void paging_32bit_tables_outside_memory(void)
{
	struct vm *vm = vm_make();

	w32(vm, 0x10000 + 1 * 4, (uint32_t)HOLE | P); /* PD[1] -> a table in no region */
	CHECK_EQ(xlate(vm, mode_32(0x10000), 0x401000), -EFAULT);
	CHECK_EQ(xlate(vm, mode_32(HOLE), 0x401000), -EFAULT); /* CR3 in no region */
	vm_free(vm);
}

/* PAE: a 32-byte aligned PDPT (not page aligned), PD at 0x21000, PT at 0x22000. */
static void paging_pae(void)
{
	struct vm *vm = vm_make();
	struct guest_mode m = mode_pae(0x20020);

	w64(vm, 0x20020 + 3 * 8, 0x21000 | P);		 /* PDPT[3] */
	w64(vm, 0x21000 + 1 * 8, 0x22000 | P | RW);	 /* PD[1] -> PT */
	w64(vm, 0x22000 + 1 * 8, 0x300000 | P | NX);	 /* NX is not an address bit */
	w64(vm, 0x21000 + 2 * 8, 0x600000 | P | PS);	 /* PD[2]: 2 MiB page */
	CHECK_EQ(xlate(vm, m, 0xc0201234), 0x300234);
	CHECK_EQ(xlate(vm, m, 0xc0412345), 0x612345);
	/* Linear addresses are 32-bit: only four PDPT entries exist. */
	w64(vm, 0x20020 + 7 * 8, 0x21000 | P); /* past the PDPT: never read */
	w64(vm, 0x21000 + 5 * 8, 0x22000 | P);
	CHECK_EQ(xlate(vm, m, 0x1c0201234ull), 0x300234);
	CHECK_EQ(xlate(vm, m, 0x1c0a01234ull), 0x300234);
	w64(vm, 0x20020 + 3 * 8, 0);
	CHECK_EQ(xlate(vm, m, 0x1c0a01234ull), -EFAULT);
	w64(vm, 0x20020 + 3 * 8, 0x21000 | P);
	CHECK_EQ(xlate(vm, m, 0x80201234), -EFAULT); /* PDPT[2] not present */
	CHECK_EQ(xlate(vm, m, 0xc0202000), -EFAULT); /* PT[2] */
	CHECK_EQ(xlate(vm, m, 0xc0600000), -EFAULT); /* PD[3] */
	/* The PDPT is read at CR3 & ~31: the PDPT at 0x20000 is a different table. */
	CHECK_EQ(xlate(vm, mode_pae(0x20000), 0xc0201234), -EFAULT);
	/* There are no 1 GiB pages in PAE: PS in a PDPT entry is not a leaf. */
	w64(vm, 0x20020 + 3 * 8, 0x21000 | P | PS);
	CHECK_EQ(xlate(vm, m, 0xc0201234), 0x300234);
	/* A PD entry pointing outside guest memory. */
	w64(vm, 0x21000 + 1 * 8, HOLE | P);
	CHECK_EQ(xlate(vm, m, 0xc0201234), -EFAULT);
	vm_free(vm);
}

/* 4-level: PML4 at 0x30000, PDPT 0x31000, PD 0x32000, PT 0x33000. */
static void paging_4level_4k_2m_1g(void)
{
	struct vm *vm = vm_make();
	struct guest_mode m = mode_64(0x30000);
	const uint64_t hi = 0xffff800000000000ull; /* PML4[256] */

	w64(vm, 0x30000 + 256 * 8, 0x31000 | P | RW);
	w64(vm, 0x31000 + 0 * 8, 0x32000 | P | RW);
	w64(vm, 0x32000 + 1 * 8, 0x33000 | P | RW);
	w64(vm, 0x33000 + 1 * 8, 0x500000 | P | NX);
	w64(vm, 0x32000 + 2 * 8, 0x600000 | P | PS | NX); /* 2 MiB */
	w64(vm, 0x31000 + 1 * 8, R1_GPA | P | PS);	   /* 1 GiB */
	w64(vm, 0x30000 + 0 * 8, 0x31000 | P);		   /* low half shares the PDPT */
	CHECK_EQ(xlate(vm, m, hi + 0x201234), 0x500234);
	CHECK_EQ(xlate(vm, m, hi + 0x412345), 0x612345);
	CHECK_EQ(xlate(vm, m, hi + 0x40012345), R1_GPA + 0x12345);
	CHECK_EQ(xlate(vm, m, hi + 0x7fffffff), R1_GPA + 0x3fffffff);
	CHECK_EQ(xlate(vm, m, 0x201234), 0x500234);
	/* Not present at each level. */
	CHECK_EQ(xlate(vm, m, 0xffffff8000000000ull), -EFAULT); /* PML4[511] */
	CHECK_EQ(xlate(vm, m, hi + 0x80000000), -EFAULT);	 /* PDPT[2] */
	CHECK_EQ(xlate(vm, m, hi + 0x600000), -EFAULT);		 /* PD[3] */
	CHECK_EQ(xlate(vm, m, hi + 0x202000), -EFAULT);		 /* PT[2] */
	/* Tables outside guest memory. */
	w64(vm, 0x32000 + 4 * 8, HOLE | P);
	CHECK_EQ(xlate(vm, m, hi + 0x800000), -EFAULT);
	CHECK_EQ(xlate(vm, mode_64(HOLE), 0x201234), -EFAULT);
	w64(vm, 0x30000 + 1 * 8, 0xfffffffff000ull | P); /* far beyond any region */
	CHECK_EQ(xlate(vm, m, 0x8000000000ull), -EFAULT);
	vm_free(vm);
}

/* Two linear pages backed by distant physical pages; the third not mapped. */
static struct vm *vm_with_split_pages(struct guest_mode *m)
{
	struct vm *vm = vm_make();

	*m = mode_64(0x30000);
	w64(vm, 0x30000, 0x31000 | P);
	w64(vm, 0x31000, 0x32000 | P);
	w64(vm, 0x32000 + 2 * 8, 0x33000 | P);	  /* la 0x400000.. */
	w64(vm, 0x33000 + 0 * 8, 0x200000 | P); /* la 0x400000 -> 0x200000 */
	w64(vm, 0x33000 + 1 * 8, 0x280000 | P); /* la 0x401000 -> 0x280000 */
	w64(vm, 0x33000 + 3 * 8, HOLE | P);	  /* la 0x403000 -> no memory */
	w64(vm, 0x33000 + 4 * 8, 0x290000 | P); /* la 0x404000 */
	memcpy(vm_gpa_to_hva(vm, 0x200ff8, 8), "ABCDEFGH", 8);
	memcpy(vm_gpa_to_hva(vm, 0x280000, 8), "IJKLMNOP", 8);
	memcpy(vm_gpa_to_hva(vm, 0x280ff8, 8), "qrstuvwx", 8);
	return vm;
}

static void read_linear_across_page_boundary(void)
{
	struct guest_mode m;
	struct vm *vm = vm_with_split_pages(&m);
	char buf[17] = { 0 };

	CHECK_EQ(gmem_read_linear(vm, &m, 0x400ff8, buf, 16), 16);
	CHECK(!strcmp(buf, "ABCDEFGHIJKLMNOP"));
	CHECK_EQ(gmem_read_linear(vm, &m, 0x400ffc, buf, 8), 8);
	CHECK(!memcmp(buf, "EFGHIJKL", 8));
	CHECK_EQ(gmem_read_linear(vm, &m, 0x400000, buf, 0), 0);
	vm_free(vm);
}

static void read_linear_stops_at_unmapped_page(void)
{
	struct guest_mode m;
	struct vm *vm = vm_with_split_pages(&m);
	char buf[32], *big = malloc(0x3000);

	memset(buf, '-', sizeof(buf));
	CHECK_EQ(gmem_read_linear(vm, &m, 0x401ff8, buf, 32), 8); /* la 0x402000: not present */
	CHECK(!memcmp(buf, "qrstuvwx", 8));
	CHECK_EQ(buf[8], '-'); /* nothing written past what was read */
	CHECK_EQ(gmem_read_linear(vm, &m, 0x402000, buf, 4), 0);
	/* Mapped, but onto guest-physical addresses outside guest memory. */
	CHECK_EQ(gmem_read_linear(vm, &m, 0x403000, buf, 4), 0);
	/* A long read from a mapped page stops at the first hole. */
	CHECK_EQ(gmem_read_linear(vm, &m, 0x400ff8, big, 0x3000), 8 + 0x1000);
	CHECK(!memcmp(big, "ABCDEFGHIJKLMNOP", 16));
	free(big);
	vm_free(vm);
}

/* gmem_fetch through a memo, and whether the memo then still holds la. */
static size_t fetch(const struct vm *vm, struct gmem_memo *f, struct guest_mode m, uint64_t la, char *buf,
		    size_t len)
{
	return gmem_fetch(vm, f, &m, la, buf, len);
}

static bool memo_holds(const struct gmem_memo *f, struct guest_mode m, uint64_t la)
{
	const uint8_t *bytes;

	return gmem_memo_at(f, m.cr0, m.cr3, m.cr4, la, 1, &bytes);
}

static void memo_empty_never_hits(void)
{
	struct gmem_memo f;

	gmem_memo_clear(&f);
	CHECK(!memo_holds(&f, mode_flat, 0));
	CHECK(!memo_holds(&f, mode_64(0), 0));
	CHECK(!memo_holds(&f, (struct guest_mode){ 0 }, 0));
}

/* The memo holds the page it was filled for while CR0/CR3/CR4 and the leaf
 * entry are unchanged; a fetch always walks, so it follows a remap at any
 * level (vmm/gmem.h says why a hit is trusted only for plain encodings). */
static void memo_4level_watches_mode_and_leaf(void)
{
	struct guest_mode m;
	struct vm *vm = vm_with_split_pages(&m);
	struct gmem_memo f;
	char buf[8];
	const uint64_t pte = 0x33000 + 1 * 8;

	gmem_memo_clear(&f);
	CHECK_EQ(fetch(vm, &f, m, 0x401000, buf, 8), 8);
	CHECK(!memcmp(buf, "IJKLMNOP", 8));
	CHECK(memo_holds(&f, m, 0x401000));
	CHECK(memo_holds(&f, m, 0x401ff0)); /* the same page */
	/* The bytes' address, and the room left in the page: 4 bytes at 0xffc
	 * fit, at 0xffd they would cross into the next page; below the page
	 * the unsigned offset wraps and misses too. */
	{
		const uint8_t *b = NULL;

		CHECK(gmem_memo_at(&f, m.cr0, m.cr3, m.cr4, 0x401123, 4, &b) && b == f.hva + 0x123);
		CHECK(gmem_memo_at(&f, m.cr0, m.cr3, m.cr4, 0x401ffc, 4, &b) && b == f.hva + 0xffc);
		CHECK(!gmem_memo_at(&f, m.cr0, m.cr3, m.cr4, 0x401ffd, 4, &b));
		CHECK(gmem_memo_at(&f, m.cr0, m.cr3, m.cr4, 0x401fff, 1, &b) && b == f.hva + 0xfff);
		CHECK(!gmem_memo_at(&f, m.cr0, m.cr3, m.cr4, 0x400fff, 1, &b));
	}
	CHECK(!memo_holds(&f, m, 0x400000)); /* another page */
	CHECK(f.hva == vm_gpa_to_hva(vm, 0x280000, 4096));
	/* The leaf entry: any change, even the accessed bit, is a miss. */
	w64(vm, pte, 0x280000 | P | (1ull << 5));
	CHECK(!memo_holds(&f, m, 0x401000));
	w64(vm, pte, 0x280000 | P);
	CHECK(memo_holds(&f, m, 0x401000));
	{
		struct guest_mode other = m;

		other.cr3 = 0x40000;
		CHECK(!memo_holds(&f, other, 0x401000));
		other = m;
		other.cr4 |= CR4_PSE;
		CHECK(!memo_holds(&f, other, 0x401000));
		other = m;
		other.cr0 &= ~CR0_PG;
		CHECK(!memo_holds(&f, other, 0x401000));
	}
	/* A remap of the page: a miss, and the next fetch reads the new page. */
	w64(vm, pte, 0x200000 | P);
	CHECK(!memo_holds(&f, m, 0x401000));
	CHECK_EQ(fetch(vm, &f, m, 0x401ff8, buf, 8), 8);
	CHECK(!memcmp(buf, "ABCDEFGH", 8));
	CHECK(memo_holds(&f, m, 0x401000));
	/* A new page table one level up (its old copy left as it was): the
	 * fetch walks, so it reads the page the new table maps. */
	w64(vm, 0x34000 + 1 * 8, 0x280000 | P);
	w64(vm, 0x32000 + 2 * 8, 0x34000 | P);
	CHECK_EQ(fetch(vm, &f, m, 0x401000, buf, 8), 8);
	CHECK(!memcmp(buf, "IJKLMNOP", 8));
	CHECK(f.hva == vm_gpa_to_hva(vm, 0x280000, 4096));
	vm_free(vm);
}

static void memo_32bit_and_flat(void)
{
	struct vm *vm = vm_make();
	struct guest_mode m = mode_32(0x10000);
	struct gmem_memo f;
	char buf[4];

	w32(vm, 0x10000 + 1 * 4, 0x11000 | P);		 /* la 0x400000.. */
	w32(vm, 0x11000 + 1 * 4, 0x200000 | P);		 /* la 0x401000 -> 0x200000 */
	memcpy(vm_gpa_to_hva(vm, 0x200010, 4), "wxyz", 4);
	gmem_memo_clear(&f);
	CHECK_EQ(fetch(vm, &f, m, 0x401010, buf, 4), 4);
	CHECK(!memcmp(buf, "wxyz", 4));
	CHECK(memo_holds(&f, m, 0x401010));
	/* 4-byte entries are watched with the neighbour that shares their 8 bytes */
	w32(vm, 0x11000 + 0 * 4, 0x300000 | P);
	CHECK(!memo_holds(&f, m, 0x401010));
	CHECK_EQ(fetch(vm, &f, m, 0x401010, buf, 4), 4);
	CHECK(memo_holds(&f, m, 0x401010));
	/* Paging off: the page is its own frame, no entry to watch. */
	CHECK_EQ(fetch(vm, &f, mode_flat, 0x200010, buf, 4), 4);
	CHECK(!memcmp(buf, "wxyz", 4));
	CHECK(memo_holds(&f, mode_flat, 0x200010));
	CHECK(!memo_holds(&f, m, 0x200010));
	vm_free(vm);
}

static void memo_fetch_fails_cleanly(void)
{
	struct guest_mode m;
	struct vm *vm = vm_with_split_pages(&m);
	struct gmem_memo f;
	char buf[16];

	gmem_memo_clear(&f);
	CHECK_EQ(fetch(vm, &f, m, 0x402000, buf, 4), 0); /* not present */
	CHECK(!memo_holds(&f, m, 0x402000));
	CHECK_EQ(fetch(vm, &f, m, 0x403000, buf, 4), 0); /* outside guest memory */
	CHECK(!memo_holds(&f, m, 0x403000));
	/* Across a page end: the first page memoised, the second read by a walk. */
	CHECK_EQ(fetch(vm, &f, m, 0x400ff8, buf, 16), 16);
	CHECK(!memcmp(buf, "ABCDEFGHIJKLMNOP", 16));
	CHECK(memo_holds(&f, m, 0x400000));
	CHECK_EQ(fetch(vm, &f, m, 0x401ff8, buf, 16), 8); /* the next page is not mapped */
	vm_free(vm);
}

/* The real bounds check (vmm/vm_mem.c) at the exact ends of a region:
 * the last byte and a buffer ending at the region's end are inside; one
 * byte more, a length that wraps, or a start past the end are not. */
static void gpa_to_hva_at_region_ends(void)
{
	struct vm *vm = vm_make();
	uint8_t *r0 = (uint8_t *)(uintptr_t)vm->regions[0].hpa;

	CHECK(vm_gpa_to_hva(vm, R0_SIZE - 1, 1) == r0 + R0_SIZE - 1);
	CHECK(vm_gpa_to_hva(vm, R0_SIZE - 8, 8) == r0 + R0_SIZE - 8);
	CHECK(vm_gpa_to_hva(vm, 0, R0_SIZE) == r0);
	CHECK(vm_gpa_to_hva(vm, R0_SIZE - 8, 9) == NULL);
	CHECK(vm_gpa_to_hva(vm, R0_SIZE, 1) == NULL);
	CHECK(vm_gpa_to_hva(vm, R0_SIZE - 1, 2) == NULL);
	CHECK(vm_gpa_to_hva(vm, 0, R0_SIZE + 1) == NULL);
	CHECK(vm_gpa_to_hva(vm, 8, UINT64_MAX) == NULL);	    /* gpa + len wraps */
	CHECK(vm_gpa_to_hva(vm, UINT64_MAX, 1) == NULL);
	CHECK(vm_gpa_to_hva(vm, R1_GPA + R1_SIZE - 4, 4) != NULL); /* the second region's end */
	CHECK(vm_gpa_to_hva(vm, R1_GPA + R1_SIZE - 4, 5) == NULL);
	CHECK(vm_gpa_to_hva(vm, R1_GPA - 1, 2) == NULL);	    /* across the second region's start */
	vm_free(vm);
}

int main(void)
{
	CHECK_RUN(gpa_to_hva_at_region_ends);
	CHECK_RUN(no_paging_is_identity);
	CHECK_RUN(paging_32bit_4k_and_4m);
	CHECK_RUN(paging_32bit_ps_needs_cr4_pse);
	CHECK_RUN(paging_32bit_tables_outside_memory);
	CHECK_RUN(paging_pae);
	CHECK_RUN(paging_4level_4k_2m_1g);
	CHECK_RUN(read_linear_across_page_boundary);
	CHECK_RUN(read_linear_stops_at_unmapped_page);
	CHECK_RUN(memo_empty_never_hits);
	CHECK_RUN(memo_4level_watches_mode_and_leaf);
	CHECK_RUN(memo_32bit_and_flat);
	CHECK_RUN(memo_fetch_fails_cleanly);
	return check_done();
}
