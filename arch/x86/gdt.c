/* SPDX-License-Identifier: MIT */
/* Per-CPU GDT and TSS: one 64-bit code segment, one data segment, a TSS whose
 * IST stacks give every exception a known-good stack. */
#include <string.h>
#include "arch/x86/gdt.h"
#include "arch/x86/cpu.h"
#include "kernel/percpu.h"

#define SEG_CODE64 0x00209a0000000000ull /* P, DPL0, code, L */
#define SEG_DATA 0x0000920000000000ull	 /* P, DPL0, data, writable */

static void gdt_set_tss(uint64_t *gdt, const struct tss64 *tss)
{
	uint64_t base = (uint64_t)(uintptr_t)tss;
	uint64_t limit = sizeof(*tss) - 1;

	gdt[GDT_TSS] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ull << 40) |
		       (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	gdt[GDT_TSS + 1] = base >> 32;
}

void gdt_init_cpu(struct cpu_area *area)
{
	struct percpu_arch *a = &area->pc.arch;
	struct desc_ptr gdtr = { sizeof(a->gdt) - 1, (uint64_t)(uintptr_t)a->gdt };

	memset(&a->tss, 0, sizeof(a->tss));
	for (int i = 0; i < IST_COUNT; i++)
		a->tss.ist[i] = (uint64_t)(uintptr_t)(area->ist[i].stack + IST_SIZE);
	a->tss.rsp[0] = (uint64_t)(uintptr_t)(area->stack + STACK_SIZE);
	a->tss.iomap_base = sizeof(a->tss); /* no I/O bitmap */
	a->gdt[GDT_NULL] = 0;
	a->gdt[GDT_CODE64] = SEG_CODE64;
	a->gdt[GDT_DATA] = SEG_DATA;
	gdt_set_tss(a->gdt, &a->tss);
	cpu_lgdt(&gdtr);
	gdt_reload_segments(SEL_CODE64, SEL_DATA);
	cpu_ltr(SEL_TSS);
}
