/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stddef.h>
#include "arch/x86/pt.h"

#define PTE_P (1ull << 0)
#define PTE_W (1ull << 1)
#define PTE_U (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_PS (1ull << 7)
#define PTE_NX (1ull << 63)
#define PTE_ADDR 0x000ffffffffff000ull

static uint64_t x86_leaf(uint64_t pa, unsigned flags, unsigned level, uint64_t extra)
{
	uint64_t e = pa | PTE_P | extra;

	if (flags & PT_W)
		e |= PTE_W;
	if (!(flags & PT_X))
		e |= PTE_NX;
	if (flags & PT_UC)
		e |= PTE_PCD | PTE_PWT;
	if (level > 0)
		e |= PTE_PS;
	return e;
}

static uint64_t host_leaf(uint64_t pa, unsigned flags, unsigned level)
{
	return x86_leaf(pa, flags, level, 0);
}

/* Nested page tables treat every guest access as a user access: U=1. */
static uint64_t npt_leaf(uint64_t pa, unsigned flags, unsigned level)
{
	return x86_leaf(pa, flags, level, PTE_U);
}

static uint64_t host_table(uint64_t pa, unsigned level)
{
	(void)level;
	return pa | PTE_P | PTE_W;
}

static uint64_t npt_table(uint64_t pa, unsigned level)
{
	(void)level;
	return pa | PTE_P | PTE_W | PTE_U;
}

static unsigned x86_flags(uint64_t e)
{
	unsigned f = PT_R;

	if (e & PTE_W)
		f |= PT_W;
	if (!(e & PTE_NX))
		f |= PT_X;
	if (e & PTE_PCD)
		f |= PT_UC;
	return f;
}

static bool x86_present(uint64_t e)
{
	return e & PTE_P;
}

static bool x86_large(uint64_t e, unsigned level)
{
	return level > 0 && (e & PTE_PS);
}

const struct pt_format pt_format_host = {
	"host", host_leaf, host_table, x86_flags, x86_present, x86_large, PTE_ADDR,
};

const struct pt_format pt_format_npt = {
	"npt", npt_leaf, npt_table, x86_flags, x86_present, x86_large, PTE_ADDR,
};

/*
 * Intel EPT (SDM vol. 3, 29.3.2): bits 0..2 are read, write, execute; a
 * leaf carries its memory type in bits 3..5 (WB = 6, UC = 0) with
 * "ignore PAT" (bit 6) clear, so the guest's PAT still applies on top of
 * WB; bit 7 marks a 2 MiB or 1 GiB leaf. An entry with none of R/W/X is
 * not present. Tables grant R/W/X: the leaves decide.
 */
#define EPT_R (1ull << 0)
#define EPT_W (1ull << 1)
#define EPT_X (1ull << 2)
#define EPT_MT_SHIFT 3
#define EPT_MT_MASK (7ull << EPT_MT_SHIFT)
#define EPT_MT_UC 0ull
#define EPT_MT_WB 6ull
#define EPT_LARGE (1ull << 7)

static uint64_t ept_leaf(uint64_t pa, unsigned flags, unsigned level)
{
	uint64_t e = pa | EPT_R;

	if (flags & PT_W)
		e |= EPT_W;
	if (flags & PT_X)
		e |= EPT_X;
	e |= ((flags & PT_UC) ? EPT_MT_UC : EPT_MT_WB) << EPT_MT_SHIFT;
	if (level > 0)
		e |= EPT_LARGE;
	return e;
}

static uint64_t ept_table(uint64_t pa, unsigned level)
{
	(void)level;
	return pa | EPT_R | EPT_W | EPT_X;
}

static unsigned ept_flags(uint64_t e)
{
	unsigned f = PT_R;

	if (e & EPT_W)
		f |= PT_W;
	if (e & EPT_X)
		f |= PT_X;
	if ((e & EPT_MT_MASK) == EPT_MT_UC << EPT_MT_SHIFT)
		f |= PT_UC;
	return f;
}

static bool ept_present(uint64_t e)
{
	return e & (EPT_R | EPT_W | EPT_X);
}

static bool ept_large(uint64_t e, unsigned level)
{
	return level > 0 && (e & EPT_LARGE);
}

const struct pt_format pt_format_ept = {
	"ept", ept_leaf, ept_table, ept_flags, ept_present, ept_large, PTE_ADDR,
};

/* Intel VT-d second-level tables (legacy mode): read and write bits, a
 * page-size bit on 2 MiB and 1 GiB leaves, no execute and no memory type
 * (a device's window is only ever guest RAM). */
#define VTD_SL_R (1ull << 0)
#define VTD_SL_W (1ull << 1)
#define VTD_SL_PS (1ull << 7)

static uint64_t vtd_leaf(uint64_t pa, unsigned flags, unsigned level)
{
	return pa | VTD_SL_R | ((flags & PT_W) ? VTD_SL_W : 0) | (level > 0 ? VTD_SL_PS : 0);
}

static uint64_t vtd_table(uint64_t pa, unsigned level)
{
	(void)level;
	return pa | VTD_SL_R | VTD_SL_W;
}

static unsigned vtd_flags(uint64_t e)
{
	return PT_R | ((e & VTD_SL_W) ? PT_W : 0);
}

static bool vtd_present(uint64_t e)
{
	return e & (VTD_SL_R | VTD_SL_W);
}

static bool vtd_large(uint64_t e, unsigned level)
{
	return level > 0 && (e & VTD_SL_PS);
}

const struct pt_format pt_format_vtd = {
	"vt-d", vtd_leaf, vtd_table, vtd_flags, vtd_present, vtd_large, PTE_ADDR,
};

/* AMD-Vi I/O page tables (host page tables of the IOMMU, version 1
 * format): present bit, read and write permissions in bits 61 and 62, and
 * a next-level field in bits 11..9 that names the level of the table an
 * entry points to; 0 there makes the entry a page (2 MiB or 1 GiB above the
 * last level). Like VT-d's, a window onto guest RAM only. */
#define AMDVI_IO_PR (1ull << 0)
#define AMDVI_IO_NEXT_SHIFT 9
#define AMDVI_IO_NEXT_MASK (7ull << AMDVI_IO_NEXT_SHIFT)
#define AMDVI_IO_IR (1ull << 61)
#define AMDVI_IO_IW (1ull << 62)

static uint64_t amdvi_leaf(uint64_t pa, unsigned flags, unsigned level)
{
	(void)level; /* next level 0: a page of the size the level implies */
	return pa | AMDVI_IO_PR | AMDVI_IO_IR | ((flags & PT_W) ? AMDVI_IO_IW : 0);
}

/* An entry of a table at level l (0: the last) points to one at level
 * l - 1, which AMD-Vi numbers l. */
static uint64_t amdvi_table(uint64_t pa, unsigned level)
{
	return pa | AMDVI_IO_PR | AMDVI_IO_IR | AMDVI_IO_IW | (uint64_t)level << AMDVI_IO_NEXT_SHIFT;
}

static unsigned amdvi_flags(uint64_t e)
{
	return ((e & AMDVI_IO_IR) ? PT_R : 0) | ((e & AMDVI_IO_IW) ? PT_W : 0);
}

static bool amdvi_present(uint64_t e)
{
	return e & AMDVI_IO_PR;
}

static bool amdvi_large(uint64_t e, unsigned level)
{
	return level > 0 && !(e & AMDVI_IO_NEXT_MASK);
}

const struct pt_format pt_format_amdvi = {
	"amd-vi", amdvi_leaf, amdvi_table, amdvi_flags, amdvi_present, amdvi_large, PTE_ADDR,
};

static unsigned pt_index(uint64_t va, unsigned level)
{
	return (unsigned)((va >> (12 + 9 * level)) & 511);
}

static uint64_t pt_level_size(unsigned level)
{
	return 1ull << (12 + 9 * level);
}

static uint64_t *pt_table(const struct pt *pt, uint64_t pa)
{
	return pt->phys_to_virt(pa);
}

int pt_init(struct pt *pt)
{
	pt->root_pa = pt->alloc_table(pt->ctx);
	return pt->root_pa ? 0 : -ENOMEM;
}

/* Find (creating tables when create is set) the entry for va at level.
 * NULL when va is covered by a large page (*err = -EEXIST) or a table is
 * missing and cannot be made (*err = -ENOMEM). */
static uint64_t *pt_entry(struct pt *pt, uint64_t va, unsigned level, bool create, int *err)
{
	uint64_t *table = pt_table(pt, pt->root_pa);

	for (unsigned l = PT_LEVELS - 1; l > level; l--) {
		uint64_t *e = &table[pt_index(va, l)];

		if (!pt->fmt->present(*e)) {
			uint64_t pa;

			*err = -ENOMEM;
			if (!create || !(pa = pt->alloc_table(pt->ctx)))
				return NULL;
			*e = pt->fmt->table(pa, l);
		} else if (pt->fmt->large(*e, l)) {
			*err = -EEXIST; /* covered by a large page */
			return NULL;
		}
		table = pt_table(pt, *e & pt->fmt->addr_mask);
	}
	return &table[pt_index(va, level)];
}

static unsigned pt_pick_level(const struct pt *pt, uint64_t va, uint64_t pa, uint64_t left)
{
	for (unsigned level = 2; level > 0; level--) {
		uint64_t sz = pt_level_size(level);

		if ((pt->large_sizes & sz) && !(va & (sz - 1)) && !(pa & (sz - 1)) && left >= sz)
			return level;
	}
	return 0;
}

/* 48-bit canonical: bits 63..47 all equal. */
static bool pt_canonical_range(uint64_t va, uint64_t size)
{
	uint64_t last = va + size - 1;

	return (va >> 47 == 0 || va >> 47 == 0x1ffff) && (last >> 47 == va >> 47);
}

int pt_map(struct pt *pt, uint64_t va, uint64_t pa, uint64_t size, unsigned flags)
{
	if ((va | pa | size) & (PT_PAGE_4K - 1) || va + size < va || !pt_canonical_range(va, size))
		return -EINVAL;
	while (size) {
		unsigned level = pt_pick_level(pt, va, pa, size);
		int err;
		uint64_t *e = pt_entry(pt, va, level, true, &err);

		if (!e)
			return err;
		if (pt->fmt->present(*e))
			return -EEXIST;
		*e = pt->fmt->leaf(pa, flags, level);
		va += pt_level_size(level);
		pa += pt_level_size(level);
		size -= pt_level_size(level);
	}
	return 0;
}

int pt_protect(struct pt *pt, uint64_t va, uint64_t size, unsigned flags)
{
	if ((va | size) & (PT_PAGE_4K - 1))
		return -EINVAL;
	for (; size; va += PT_PAGE_4K, size -= PT_PAGE_4K) {
		int err;
		uint64_t *e = pt_entry(pt, va, 0, false, &err);

		if (!e || !pt->fmt->present(*e))
			return -EINVAL;
		*e = pt->fmt->leaf(*e & pt->fmt->addr_mask, flags, 0);
	}
	return 0;
}

int pt_unmap(struct pt *pt, uint64_t va, uint64_t size)
{
	if ((va | size) & (PT_PAGE_4K - 1))
		return -EINVAL;
	for (; size; va += PT_PAGE_4K, size -= PT_PAGE_4K) {
		int err;
		uint64_t *e = pt_entry(pt, va, 0, false, &err);

		if (!e)
			return -EINVAL;
		*e = 0;
	}
	return 0;
}

int pt_lookup(const struct pt *pt, uint64_t va, uint64_t *pa, unsigned *flags)
{
	const uint64_t *table = pt_table(pt, pt->root_pa);

	for (unsigned l = PT_LEVELS; l-- > 0;) {
		uint64_t e = table[pt_index(va, l)];

		if (!pt->fmt->present(e))
			return -ENOENT;
		if (l == 0 || pt->fmt->large(e, l)) {
			uint64_t sz = pt_level_size(l);

			*pa = (e & pt->fmt->addr_mask & ~(sz - 1)) | (va & (sz - 1));
			*flags = pt->fmt->flags(e);
			return 0;
		}
		table = pt_table(pt, e & pt->fmt->addr_mask);
	}
	return -ENOENT;
}

struct pt_walk_ctx {
	const struct pt *pt;
	void (*fn)(uint64_t, uint64_t, uint64_t, unsigned, void *);
	void (*table_fn)(uint64_t, void *);
	void *ctx;
};

static uint64_t pt_canonical(uint64_t va)
{
	return (va & (1ull << 47)) ? va | 0xffff000000000000ull : va;
}

static void pt_walk_level(const struct pt_walk_ctx *w, uint64_t table_pa, unsigned level, uint64_t base)
{
	const uint64_t *table = pt_table(w->pt, table_pa);

	if (w->table_fn)
		w->table_fn(table_pa, w->ctx);
	for (unsigned i = 0; i < 512; i++) {
		uint64_t e = table[i];
		uint64_t va = base + (uint64_t)i * pt_level_size(level);

		if (!w->pt->fmt->present(e))
			continue;
		if (level == 0 || w->pt->fmt->large(e, level))
			w->fn(pt_canonical(va), e & w->pt->fmt->addr_mask, pt_level_size(level),
			      w->pt->fmt->flags(e), w->ctx);
		else
			pt_walk_level(w, e & w->pt->fmt->addr_mask, level - 1, va);
	}
}

void pt_walk(const struct pt *pt,
	     void (*fn)(uint64_t va, uint64_t pa, uint64_t size, unsigned flags, void *ctx),
	     void (*table_fn)(uint64_t pa, void *ctx), void *ctx)
{
	struct pt_walk_ctx w = { pt, fn, table_fn, ctx };

	pt_walk_level(&w, pt->root_pa, PT_LEVELS - 1, 0);
}
