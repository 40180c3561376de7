/* SPDX-License-Identifier: MIT */
/*
 * Four-level x86-64 page tables for the jump into the VMM. Nothing here is
 * executable-protected (NX) on purpose: EFER.NXE is the firmware's choice at
 * this point, and an NX bit with NXE clear is a reserved-bit fault. The VMM
 * replaces these tables with its own W^X ones before anything else runs.
 */
#include <errno.h>
#include <string.h>

#include "boot/paging.h"

#define ENTRIES 512
#define CANONICAL_LOW_END 0x0000800000000000ull
#define CANONICAL_HIGH_BASE 0xffff800000000000ull

static uint64_t *table_alloc(struct paging_pool *pool)
{
	uint64_t *t;

	if (pool->next >= pool->end)
		return NULL;
	t = pool->next;
	pool->next += ENTRIES;
	memset(t, 0, PAGE_SIZE);
	return t;
}

static unsigned index_of(uint64_t va, unsigned level)
{
	return (va >> (12 + 9 * level)) & (ENTRIES - 1);
}

/* The table below entry t[i], created when absent. A large page there
 * means two mappings claim the same address: refuse rather than split. */
static int table_descend(struct paging_pool *pool, uint64_t *t, unsigned i, uint64_t **next)
{
	uint64_t *n;

	if (t[i] & PTE_P) {
		if (t[i] & PTE_PS)
			return -EINVAL;
		*next = (uint64_t *)(uintptr_t)(t[i] & PTE_ADDR);
		return 0;
	}
	n = table_alloc(pool);
	if (!n)
		return -ENOMEM;
	t[i] = (uint64_t)(uintptr_t)n | PTE_P | PTE_W;
	*next = n;
	return 0;
}

static int map_2m(struct paging_pool *pool, uint64_t *pml4, uint64_t va)
{
	uint64_t *pdpt, *pd;
	int err;

	err = table_descend(pool, pml4, index_of(va, 3), &pdpt);
	if (!err)
		err = table_descend(pool, pdpt, index_of(va, 2), &pd);
	if (err)
		return err;
	pd[index_of(va, 1)] = va | PTE_P | PTE_W | PTE_PS;
	return 0;
}

/* Map one 4 KiB page. A page two segments share gets the union of their
 * rights; a page already mapped elsewhere is a conflict. */
static int map_4k(struct paging_pool *pool, uint64_t *pml4, uint64_t va, uint64_t pa,
		  uint64_t rights)
{
	uint64_t *pdpt, *pd, *pt, *pte;
	int err;

	err = table_descend(pool, pml4, index_of(va, 3), &pdpt);
	if (!err)
		err = table_descend(pool, pdpt, index_of(va, 2), &pd);
	if (!err)
		err = table_descend(pool, pd, index_of(va, 1), &pt);
	if (err)
		return err;
	pte = &pt[index_of(va, 0)];
	if ((*pte & PTE_P) && (*pte & PTE_ADDR) != pa)
		return -EINVAL;
	*pte |= pa | PTE_P | rights;
	return 0;
}

static int canonical(uint64_t va)
{
	return va < CANONICAL_LOW_END || va >= CANONICAL_HIGH_BASE;
}

static int segment_map(struct paging_pool *pool, uint64_t *pml4, const struct elf_image *img,
		       const struct elf_segment *s, uint64_t phys_base)
{
	uint64_t va = s->vaddr & ~(PAGE_SIZE - 1);
	uint64_t end = s->vaddr + s->memsz;
	uint64_t rights = (s->flags & ELF_PF_W) ? PTE_W : 0;
	int err;

	if (!canonical(va) || !canonical(end - 1) ||
	    (va < CANONICAL_LOW_END) != (end - 1 < CANONICAL_LOW_END))
		return -EINVAL;
	for (; va < end; va += PAGE_SIZE) {
		err = map_4k(pool, pml4, va, phys_base + (va - img->virt_base), rights);
		if (err)
			return err;
	}
	return 0;
}

static uint64_t gib_round(uint64_t top)
{
	return (top + PAGE_1G - 1) & ~(PAGE_1G - 1);
}

size_t paging_pool_pages(uint64_t identity_top, const struct elf_image *img)
{
	uint64_t gib = gib_round(identity_top) / PAGE_1G;
	uint64_t ident = gib + (gib + ENTRIES - 1) / ENTRIES;
	/* One PT per 2 MiB of span; PD and PDPT counts allow for the span
	 * straddling a 1 GiB and a 512 GiB boundary. */
	uint64_t vmm = img->span / PAGE_2M + 1 + img->span / PAGE_1G + 2 + 2;

	return (size_t)(1 + ident + vmm);
}

int paging_build(struct paging_pool *pool, uint64_t identity_top, const struct elf_image *img,
		 uint64_t vmm_phys_base, uint64_t *cr3)
{
	uint64_t *pml4 = table_alloc(pool);
	uint64_t top = gib_round(identity_top), va;
	unsigned i;
	int err;

	if (!pml4)
		return -ENOMEM;
	if (top > CANONICAL_LOW_END || (vmm_phys_base & (PAGE_2M - 1)))
		return -EINVAL;
	for (va = 0; va < top; va += PAGE_2M) {
		err = map_2m(pool, pml4, va);
		if (err)
			return err;
	}
	for (i = 0; i < img->nseg; i++) {
		err = segment_map(pool, pml4, img, &img->seg[i], vmm_phys_base);
		if (err)
			return err;
	}
	*cr3 = (uint64_t)(uintptr_t)pml4;
	return 0;
}
