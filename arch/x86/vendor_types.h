/* SPDX-License-Identifier: MIT */
/* The vendor backends' per-vCPU and per-VM state, embedded in core structs. */
#ifndef ARCH_X86_VENDOR_TYPES_H
#define ARCH_X86_VENDOR_TYPES_H

#include <stdint.h>

struct vcpu_arch {
	void *vmcb;	    /* SVM: the VMCB (physmap address) */
	uint64_t vmcb_pa;
	uint64_t guest_cr3; /* shadowed for the instruction fetcher */
};

struct vm_arch {
	uint64_t iopm_pa;  /* SVM: 12 KiB I/O permission map */
	uint64_t msrpm_pa; /* SVM: 8 KiB MSR permission map */
	uint32_t asid;
};

#endif
