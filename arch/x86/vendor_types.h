/* SPDX-License-Identifier: MIT */
/* The vendor backends' per-vCPU and per-VM state, embedded in core structs. */
#ifndef ARCH_X86_VENDOR_TYPES_H
#define ARCH_X86_VENDOR_TYPES_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu_arch {
	void *vmcb;	    /* SVM: the VMCB (physmap address) */
	uint64_t vmcb_pa;
	uint64_t host_state_pa; /* SVM: this CPU's VMSAVE area for the host */
	/* SVM: the guest runs its NMI handler (an NMI injected, its IRET not
	 * yet past: nmi_iret_rip, where it exited on that IRET, or 0). */
	bool nmi_blocked;
	uint64_t nmi_iret_rip;
	/* VMX: the VMCS is filled on the vCPU's own CPU at its first entry. */
	uint64_t vmcs_pa;
	uint32_t entry;		/* guest RIP for that first entry */
	bool real_mode;		/* that entry is a SIPI's: real mode at CS = sipi_page << 8 */
	uint8_t sipi_page;
	bool launched;		/* VMLAUNCH done: VMRESUME from now on */
	bool injected;		/* an event is queued for the next entry */
	uint8_t tpr;		/* the guest's CR8: CR8 accesses exit */
	bool irq_window;	/* interrupt-window exiting is on */
	bool nmi_window;	/* NMI-window exiting is on */
	uint32_t reinject_info; /* an event whose delivery an exit interrupted */
	uint32_t reinject_error;
	uint32_t reinject_len;
};

struct vm_arch {
	uint64_t iopm_pa;  /* SVM: 12 KiB I/O permission map; VMX: I/O bitmaps A, B */
	uint64_t msrpm_pa; /* SVM: 8 KiB MSR permission map; VMX: 4 KiB MSR bitmap */
	uint32_t asid;	   /* SVM: ASID; VMX: VPID */
	uint64_t eptp;	   /* VMX: EPT pointer (root, walk length, memory type) */
};

#endif
