/* SPDX-License-Identifier: MIT */
/* The x86 part of the per-CPU block: this CPU's GDT and TSS. */
#ifndef ARCH_X86_ARCH_PERCPU_H
#define ARCH_X86_ARCH_PERCPU_H

#include <stdint.h>

#define GDT_NULL 0
#define GDT_CODE64 1
#define GDT_DATA 2
#define GDT_TSS 3 /* a 16-byte descriptor: two slots */
#define GDT_ENTRIES 5

#define SEL_CODE64 (GDT_CODE64 * 8)
#define SEL_DATA (GDT_DATA * 8)
#define SEL_TSS (GDT_TSS * 8)

struct __attribute__((packed)) tss64 {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
};

struct percpu_arch {
	_Alignas(16) uint64_t gdt[GDT_ENTRIES];
	struct tss64 tss;
	uint64_t host_save_pa; /* SVM: VM_HSAVE_PA page; VMX: VMXON region */
	uint64_t host_state_pa; /* SVM: VMSAVE area for host FS/GS/TR/... */
};

#endif
