/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include "vmm/gmem.h"
#include "vmm/vm.h"
#include "arch/x86/cpu.h"

#define PTE_P 1ull
#define PTE_PS (1ull << 7)
#define PTE_ADDR 0x000ffffffffff000ull
#define CR4_PSE (1ull << 4)

/* One paging entry; the memo, when given, records where it was and what it
 * held (the last one recorded is the leaf). */
static int gmem_entry(const struct vm *vm, struct gmem_memo *rec, uint64_t table_gpa, unsigned index,
		      unsigned width, uint64_t *e)
{
	const void *p = vm_gpa_to_hva(vm, table_gpa + (uint64_t)index * width, width);

	if (!p)
		return -EFAULT;
	*e = 0;
	memcpy(e, p, width);
	if (rec) {
		rec->leaf = (const uint64_t *)((uintptr_t)p & ~(uintptr_t)7);
		rec->leaf_val = *rec->leaf;
	}
	return (*e & PTE_P) ? 0 : -EFAULT;
}

static int gmem_walk32(const struct vm *vm, struct gmem_memo *rec, uint64_t cr3, uint64_t cr4, uint64_t la,
		       uint64_t *gpa)
{
	uint64_t pde, pte;

	if (gmem_entry(vm, rec, cr3 & 0xfffff000u, (unsigned)(la >> 22) & 1023, 4, &pde))
		return -EFAULT;
	if ((pde & PTE_PS) && (cr4 & CR4_PSE)) { /* without CR4.PSE the CPU ignores PS */
		*gpa = (pde & 0xffc00000u) | (la & 0x3fffff);
		return 0;
	}
	if (gmem_entry(vm, rec, pde & 0xfffff000u, (unsigned)(la >> 12) & 1023, 4, &pte))
		return -EFAULT;
	*gpa = (pte & 0xfffff000u) | (la & 0xfff);
	return 0;
}

/* PAE (3 levels from a 32-byte aligned PDPT) and 4-level paging. */
static int gmem_walk64(const struct vm *vm, struct gmem_memo *rec, uint64_t cr3, uint64_t la, unsigned levels,
		       uint64_t *gpa)
{
	uint64_t table = levels == 4 ? (cr3 & PTE_ADDR) : (cr3 & 0xffffffe0u);

	for (unsigned l = levels; l-- > 0;) {
		unsigned shift = 12 + 9 * l;
		unsigned index = (unsigned)(la >> shift) & (l == 2 && levels == 3 ? 3 : 511);
		uint64_t e;

		if (gmem_entry(vm, rec, table, index, 8, &e))
			return -EFAULT;
		if (l == 0 || (l < 3 && (e & PTE_PS) && !(levels == 3 && l == 2))) {
			uint64_t mask = (1ull << shift) - 1;

			*gpa = (e & PTE_ADDR & ~mask) | (la & mask);
			return 0;
		}
		table = e & PTE_ADDR;
	}
	return -EFAULT;
}

static int gmem_walk(const struct vm *vm, struct gmem_memo *rec, const struct guest_mode *m, uint64_t la,
		     uint64_t *gpa)
{
	if (!(m->cr0 & CR0_PG)) {
		*gpa = la & 0xffffffffu;
		return 0;
	}
	if (!(m->cr4 & CR4_PAE))
		return gmem_walk32(vm, rec, m->cr3, m->cr4, la & 0xffffffffu, gpa);
	return gmem_walk64(vm, rec, m->cr3, la, (m->efer & EFER_LMA) ? 4 : 3, gpa);
}

int gmem_translate(const struct vm *vm, const struct guest_mode *m, uint64_t la, uint64_t *gpa)
{
	return gmem_walk(vm, NULL, m, la, gpa);
}

size_t gmem_read_linear(const struct vm *vm, const struct guest_mode *m, uint64_t la, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		uint64_t gpa, chunk = 4096 - ((la + done) & 0xfff);
		const void *src;

		if (chunk > len - done)
			chunk = len - done;
		if (gmem_translate(vm, m, la + done, &gpa) || !(src = vm_gpa_to_hva(vm, gpa, chunk)))
			break;
		memcpy((uint8_t *)buf + done, src, chunk);
		done += chunk;
	}
	return done;
}

void gmem_memo_clear(struct gmem_memo *f)
{
	memset(f, 0, sizeof(*f));
	f->leaf = &f->leaf_val;
	f->cr0 = ~0ull; /* no guest runs with every CR0 bit set: nothing hits */
}

/* Walk to la's page, recording the walk in the memo; the memo holds the
 * page only if the whole page is guest memory. */
static const uint8_t *gmem_memo_fill(const struct vm *vm, struct gmem_memo *f, const struct guest_mode *m,
				     uint64_t la)
{
	uint64_t gpa;
	const uint8_t *page;

	gmem_memo_clear(f);
	if (gmem_walk(vm, f, m, la, &gpa) || !(page = vm_gpa_to_hva(vm, gpa & ~0xfffull, 4096))) {
		gmem_memo_clear(f);
		return NULL;
	}
	f->page = la & ~0xfffull;
	f->hva = page;
	f->cr3 = m->cr3;
	f->cr4 = m->cr4;
	f->cr0 = m->cr0; /* last: it makes the memo live */
	return page + (la & 0xfff);
}

size_t gmem_fetch(const struct vm *vm, struct gmem_memo *f, const struct guest_mode *m, uint64_t la, void *buf,
		  size_t len)
{
	const uint8_t *p = gmem_memo_fill(vm, f, m, la);
	size_t first = 4096 - (la & 0xfff);

	if (!p)
		return 0;
	if (first >= len) {
		memcpy(buf, p, len);
		return len;
	}
	memcpy(buf, p, first); /* the rest is on the next page: not memoised */
	return first + gmem_read_linear(vm, m, la + first, (uint8_t *)buf + first, len - first);
}
