/* SPDX-License-Identifier: MIT */
/* The VMCB (AMD APM vol. 2, appendix B): control area, then the state save
 * area at 0x400. Offsets are pinned by static asserts. */
#ifndef ARCH_X86_SVM_VMCB_H
#define ARCH_X86_SVM_VMCB_H

#include <stddef.h>
#include <stdint.h>

/* Segment attributes: the descriptor's bits 8-15 and 20-23, packed. */
#define VMCB_ATTR_L (1u << 9)
#define VMCB_ATTR_DB (1u << 10)

struct vmcb_seg {
	uint16_t sel;
	uint16_t attr;
	uint32_t limit;
	uint64_t base;
};

/* TLB_CONTROL: flush every ASID's translations at this VMRUN (APM vol. 2, 15.16). */
#define SVM_TLB_FLUSH_ALL 1

struct vmcb_control {
	uint32_t intercept_cr;	/* 0x000 */
	uint32_t intercept_dr;	/* 0x004 */
	uint32_t intercept_exc; /* 0x008 */
	uint32_t intercept1;	/* 0x00c */
	uint32_t intercept2;	/* 0x010 */
	uint8_t reserved0[0x03c - 0x014];
	uint16_t pause_threshold; /* 0x03c */
	uint16_t pause_count;	  /* 0x03e */
	uint64_t iopm_pa;	  /* 0x040 */
	uint64_t msrpm_pa;	  /* 0x048 */
	uint64_t tsc_offset;	  /* 0x050 */
	uint32_t asid;		  /* 0x058 */
	uint8_t tlb_control;	  /* 0x05c: SVM_TLB_* */
	uint8_t reserved1[3];
	uint64_t vintr;		/* 0x060 */
	uint64_t int_shadow;	/* 0x068 */
	uint64_t exit_code;	/* 0x070 */
	uint64_t exit_info1;	/* 0x078 */
	uint64_t exit_info2;	/* 0x080 */
	uint64_t exit_int_info; /* 0x088 */
	uint64_t np_enable;	/* 0x090 */
	uint8_t reserved2[0x0a8 - 0x098];
	uint64_t event_inj; /* 0x0a8 */
	uint64_t n_cr3;	    /* 0x0b0 */
	uint64_t lbr_virt;  /* 0x0b8 */
	uint32_t clean;	    /* 0x0c0 */
	uint32_t reserved3;
	uint64_t next_rip; /* 0x0c8 */
	uint8_t reserved4[0x400 - 0x0d0];
};

struct vmcb_save {
	struct vmcb_seg es, cs, ss, ds, fs, gs, gdtr, ldtr, idtr, tr; /* 0x400 */
	uint8_t reserved0[0x4cb - 0x4a0];
	uint8_t cpl; /* 0x4cb */
	uint32_t reserved1;
	uint64_t efer; /* 0x4d0 */
	uint8_t reserved2[0x548 - 0x4d8];
	uint64_t cr4;	 /* 0x548 */
	uint64_t cr3;	 /* 0x550 */
	uint64_t cr0;	 /* 0x558 */
	uint64_t dr7;	 /* 0x560 */
	uint64_t dr6;	 /* 0x568 */
	uint64_t rflags; /* 0x570 */
	uint64_t rip;	 /* 0x578 */
	uint8_t reserved3[0x5d8 - 0x580];
	uint64_t rsp; /* 0x5d8 */
	uint8_t reserved4[0x5f8 - 0x5e0];
	uint64_t rax;		 /* 0x5f8 */
	uint64_t star;		 /* 0x600 */
	uint64_t lstar;		 /* 0x608 */
	uint64_t cstar;		 /* 0x610 */
	uint64_t sfmask;	 /* 0x618 */
	uint64_t kernel_gs_base; /* 0x620 */
	uint64_t sysenter_cs;	 /* 0x628 */
	uint64_t sysenter_esp;	 /* 0x630 */
	uint64_t sysenter_eip;	 /* 0x638 */
	uint64_t cr2;		 /* 0x640 */
	uint8_t reserved5[0x668 - 0x648];
	uint64_t g_pat; /* 0x668 */
};

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
};

_Static_assert(offsetof(struct vmcb, ctl.exit_code) == 0x070, "VMCB exit code");
_Static_assert(offsetof(struct vmcb, ctl.event_inj) == 0x0a8, "VMCB event injection");
_Static_assert(offsetof(struct vmcb, ctl.next_rip) == 0x0c8, "VMCB nRIP");
_Static_assert(offsetof(struct vmcb, save.cpl) == 0x4cb, "VMCB CPL");
_Static_assert(offsetof(struct vmcb, save.efer) == 0x4d0, "VMCB EFER");
_Static_assert(offsetof(struct vmcb, save.cr4) == 0x548, "VMCB CR4");
_Static_assert(offsetof(struct vmcb, save.rip) == 0x578, "VMCB RIP");
_Static_assert(offsetof(struct vmcb, save.rsp) == 0x5d8, "VMCB RSP");
_Static_assert(offsetof(struct vmcb, save.rax) == 0x5f8, "VMCB RAX");
_Static_assert(offsetof(struct vmcb, save.cr2) == 0x640, "VMCB CR2");
_Static_assert(offsetof(struct vmcb, save.g_pat) == 0x668, "VMCB G_PAT");
_Static_assert(sizeof(struct vmcb) <= 4096, "VMCB fits a page");

/* Intercept vector 1 (offset 0x00c) */
#define SVM_I1_INTR (1u << 0)
#define SVM_I1_NMI (1u << 1)
#define SVM_I1_SMI (1u << 2)
#define SVM_I1_INIT (1u << 3)
#define SVM_I1_VINTR (1u << 4)
#define SVM_I1_RDPMC (1u << 15)
#define SVM_I1_CPUID (1u << 18)
#define SVM_I1_RSM (1u << 19)
#define SVM_I1_INVD (1u << 22)
#define SVM_I1_HLT (1u << 24)
#define SVM_I1_INVLPGA (1u << 26)
#define SVM_I1_IOIO (1u << 27)
#define SVM_I1_MSR (1u << 28)
#define SVM_I1_IRET (1u << 20)
#define SVM_I1_TASK_SWITCH (1u << 29)
#define SVM_I1_SHUTDOWN (1u << 31)
/* Intercept vector 2 (offset 0x010) */
#define SVM_I2_VMRUN (1u << 0)
#define SVM_I2_VMMCALL (1u << 1)
#define SVM_I2_VMLOAD (1u << 2)
#define SVM_I2_VMSAVE (1u << 3)
#define SVM_I2_STGI (1u << 4)
#define SVM_I2_CLGI (1u << 5)
#define SVM_I2_SKINIT (1u << 6)
#define SVM_I2_ICEBP (1u << 8)
#define SVM_I2_WBINVD (1u << 9)
#define SVM_I2_MONITOR (1u << 10)
#define SVM_I2_MWAIT (1u << 11)
#define SVM_I2_MWAIT_COND (1u << 12)

/* Exit codes */
#define SVM_EXIT_EXCP_BASE 0x040
#define SVM_EXIT_INTR 0x060
#define SVM_EXIT_NMI 0x061
#define SVM_EXIT_SMI 0x062
#define SVM_EXIT_INIT 0x063
#define SVM_EXIT_VINTR 0x064
#define SVM_EXIT_RDPMC 0x06f
#define SVM_EXIT_CPUID 0x072
#define SVM_EXIT_RSM 0x073
#define SVM_EXIT_INVD 0x076
#define SVM_EXIT_HLT 0x078
#define SVM_EXIT_INVLPGA 0x07a
#define SVM_EXIT_IOIO 0x07b
#define SVM_EXIT_MSR 0x07c
#define SVM_EXIT_TASK_SWITCH 0x07d
#define SVM_EXIT_SHUTDOWN 0x07f
#define SVM_EXIT_VMRUN 0x080
#define SVM_EXIT_VMMCALL 0x081
#define SVM_EXIT_VMLOAD 0x082
#define SVM_EXIT_VMSAVE 0x083
#define SVM_EXIT_STGI 0x084
#define SVM_EXIT_CLGI 0x085
#define SVM_EXIT_SKINIT 0x086
#define SVM_EXIT_ICEBP 0x088
#define SVM_EXIT_WBINVD 0x089
#define SVM_EXIT_MONITOR 0x08a
#define SVM_EXIT_MWAIT 0x08b
#define SVM_EXIT_MWAIT_COND 0x08c
#define SVM_EXIT_IRET 0x074
#define SVM_EXIT_NPF 0x400
#define SVM_EXIT_INVALID 0xffffffffu /* QEMU writes it as 32 bits: compare the low half */

#define SVM_EVTINJ_VALID (1ull << 31)
#define SVM_EVTINJ_TYPE_INTR (0ull << 8)
#define SVM_EVTINJ_TYPE_NMI (2ull << 8)
#define SVM_NMI_VECTOR 2
/* VMCB V_INTR fields (control offset 0x60): a virtual interrupt request
 * that the guest takes when its RFLAGS.IF allows, ignoring V_TPR: the
 * interrupt-window mechanism. */
#define SVM_V_IRQ (1ull << 8)
#define SVM_V_INTR_PRIO(p) ((uint64_t)(p) << 16)
#define SVM_V_IGN_TPR (1ull << 20)
#define SVM_RFLAGS_IF (1ull << 9)
#define SVM_EVTINJ_TYPE_EXC (3ull << 8)
#define SVM_EVTINJ_EV (1ull << 11)
#define SVM_EVTINJ_TYPE_MASK (7ull << 8)
#define SVM_EVTINJ_TYPE_SOFT (4ull << 8) /* INTn */

/*
 * EXITINTINFO (an event whose delivery the exit interrupted) has the
 * format of EVENTINJ. The event_inj to enter with: the handler's own event
 * if it queued one (for the benign #DB and #AC the architecture then
 * delivers the new exception, not the first), else the interrupted event
 * again, except those an instruction raised (INTn, INT3, INTO): RIP still
 * points at that instruction, and running it again raises them again.
 */
static inline uint64_t svm_event_reinject(uint64_t exit_int_info, uint64_t event_inj)
{
	uint64_t type = exit_int_info & SVM_EVTINJ_TYPE_MASK;
	uint8_t vector = (uint8_t)exit_int_info;

	if ((event_inj & SVM_EVTINJ_VALID) || !(exit_int_info & SVM_EVTINJ_VALID))
		return event_inj;
	if (type == SVM_EVTINJ_TYPE_SOFT || (type == SVM_EVTINJ_TYPE_EXC && (vector == 3 || vector == 4)))
		return event_inj;
	return exit_int_info;
}

#endif
