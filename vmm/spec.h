/* SPDX-License-Identifier: MIT */
/*
 * Speculation controls for guests: the MSRs a guest's own mitigations use,
 * emulated per vCPU (never granted in the MSR bitmap), and the CPUID bits
 * that enumerate them. docs/vmm.md, "Speculation controls", states the
 * policy.
 *
 * A guest gets IA32_SPEC_CTRL (IBRS, STIBP, SSBD), IA32_PRED_CMD (IBPB) and
 * IA32_FLUSH_CMD (L1D flush) when the host CPU has them. Its SPEC_CTRL value
 * lives in struct vcpu and in the real MSR of the vCPU's own CPU, which runs
 * nothing else. IA32_ARCH_CAPABILITIES is not offered: CPUID hides it and
 * the MSR raises #GP.
 */
#ifndef VMM_SPEC_H
#define VMM_SPEC_H

#include <stdbool.h>
#include <stdint.h>
#include "arch/x86/cpu.h"

#define MSR_SPEC_CTRL 0x48u
#define MSR_PRED_CMD 0x49u
#define MSR_ARCH_CAPABILITIES 0x10au
#define MSR_FLUSH_CMD 0x10bu

#define SPEC_CTRL_IBRS (1ull << 0)
#define SPEC_CTRL_STIBP (1ull << 1)
#define SPEC_CTRL_SSBD (1ull << 2)
#define PRED_CMD_IBPB (1ull << 0)
#define FLUSH_CMD_L1D (1ull << 0)

/* CPUID.(7,0):EDX, Intel's enumeration. */
#define CPUID7_EDX_IBRS_IBPB (1u << 26) /* SPEC_CTRL.IBRS and PRED_CMD */
#define CPUID7_EDX_STIBP (1u << 27)
#define CPUID7_EDX_L1D_FLUSH (1u << 28)
#define CPUID7_EDX_ARCH_CAP (1u << 29)
#define CPUID7_EDX_CORE_CAP (1u << 30) /* IA32_CORE_CAPABILITIES (0xcf) */
#define CPUID7_EDX_SSBD (1u << 31)
/* CPUID.0x80000008:EBX, AMD's enumeration. */
#define CPUID88_EBX_IBPB (1u << 12)
#define CPUID88_EBX_IBRS (1u << 14)
#define CPUID88_EBX_STIBP (1u << 15)
#define CPUID88_EBX_SSBD (1u << 24)
#define CPUID88_EBX_VIRT_SSBD (1u << 25) /* VIRT_SPEC_CTRL (0xc001011f) */
#define CPUID88_EBX_PSFD (1u << 28)	 /* SPEC_CTRL bit 7 */

/* CPUID.(7,0):EDX bit 10: VERW overwrites the CPU's buffers (MD_CLEAR). */
#define CPUID7_EDX_MD_CLEAR (1u << 10)
/* CPUID.0x80000021:EAX bit 8: Automatic IBRS (EFER.AIBRSE, bit 21). */
#define CPUID821_EAX_AUTO_IBRS (1u << 8)
#define EFER_AIBRSE (1ull << 21)

/* IA32_ARCH_CAPABILITIES: what the CPU is not affected by. */
#define ARCH_CAP_RDCL_NO (1ull << 0)		/* no L1TF/Meltdown */
#define ARCH_CAP_IBRS_ALL (1ull << 1)		/* enhanced IBRS */
#define ARCH_CAP_SKIP_L1DFL_VMENTRY (1ull << 3) /* no L1D flush needed at VM entry */
#define ARCH_CAP_MDS_NO (1ull << 5)
#define ARCH_CAP_PSCHANGE_MC_NO (1ull << 6)	/* no iTLB-multihit machine check */
#define ARCH_CAP_TAA_NO (1ull << 8)
#define ARCH_CAP_SBDR_SSDP_NO (1ull << 13)
#define ARCH_CAP_FBSDP_NO (1ull << 14)
#define ARCH_CAP_PSDP_NO (1ull << 15)
#define ARCH_CAP_PBRSB_NO (1ull << 24)

/* What the host CPU has, from its leaf 7 (sub-leaf 0) and 0x80000008. */
struct spec_caps {
	uint64_t spec_ctrl; /* the SPEC_CTRL bits a guest may set; 0: no such MSR */
	bool ibpb;
	bool l1d_flush;
};

/* Pure: the capabilities that leaf7 and ext8 (the host's answers, zeros
 * for a leaf the host does not have) enumerate. */
struct spec_caps spec_caps_from_cpuid(struct cpuid_regs leaf7, struct cpuid_regs ext8);

/*
 * The VMM's own speculation policy (docs/vmm.md, "Speculation policy"):
 * what it does at every exit and entry, and when a CPU changes security
 * domain, decided once at boot from what the CPU enumerates. A CPU that
 * enumerates nothing is taken as affected by everything it could be.
 */
enum spec_ibrs {
	SPEC_IBRS_NONE,	    /* no IBRS at all: the VMM's indirect branches are unprotected */
	SPEC_IBRS_LEGACY,   /* IBRS written at every exit, the guest's value before entry */
	SPEC_IBRS_ENHANCED, /* Intel eIBRS: IBRS set once and kept set, guests included */
	SPEC_IBRS_AUTO,	    /* AMD Automatic IBRS: EFER.AIBRSE on every CPU */
};

struct spec_host {
	bool intel;		/* GenuineIntel: L1TF, MDS and iTLB multihit are Intel's */
	struct cpuid_regs leaf7; /* (7,0) */
	struct cpuid_regs ext8;	/* 0x80000008 */
	struct cpuid_regs ext21; /* 0x80000021 */
	uint64_t arch_caps;	/* IA32_ARCH_CAPABILITIES, 0 where not enumerated */
};

struct spec_policy {
	enum spec_ibrs ibrs;
	bool ibpb;	  /* IBPB when a CPU starts a guest (boot, restart): a new domain */
	bool rsb_fill;	  /* the return stack buffer overwritten after every exit */
	bool l1d_flush;	  /* L1D flushed before every entry (L1TF) */
	bool verw;	  /* CPU buffers cleared with VERW before every entry (MDS, MMIO) */
	bool ept_small;	  /* no 2 MiB nested pages: iTLB multihit (CVE-2018-12207) */
	bool l1tf_unmitigated;	/* affected by L1TF, and no FLUSH_CMD to flush with */
};

/* Pure: the policy for a CPU that enumerates h. */
struct spec_policy spec_policy_decide(const struct spec_host *h);

/* The boot log's line for a policy, into buf (NUL-terminated). */
void spec_policy_describe(const struct spec_policy *p, char *buf, unsigned len);

/* The flags the world switch reads (arch/x86/spec_asm.h): one byte, so
 * that a CPU needing nothing pays one test at exit and one at entry. */
#define SPEC_F_EXIT_IBRS (1u << 0)   /* exit: SPEC_CTRL = IBRS */
#define SPEC_F_EXIT_RSB (1u << 1)    /* exit: fill the RSB */
#define SPEC_F_ENTRY_IBRS (1u << 2)  /* entry: SPEC_CTRL = the guest's */
#define SPEC_F_ENTRY_L1D (1u << 3)   /* entry: FLUSH_CMD */
#define SPEC_F_ENTRY_VERW (1u << 4)  /* entry: VERW */
#define SPEC_F_EXIT (SPEC_F_EXIT_IBRS | SPEC_F_EXIT_RSB)
#define SPEC_F_ENTRY (SPEC_F_ENTRY_IBRS | SPEC_F_ENTRY_L1D | SPEC_F_ENTRY_VERW)
uint8_t spec_policy_flags(const struct spec_policy *p);
extern uint8_t spec_switch_flags; /* the running policy's, read by the world switch */

/*
 * Pure: the config's guests that share a physical core (APIC IDs equal
 * above smt_shift) with the VMM's CPU 0 or with another guest, where a
 * guest concerned lacks smt-shared-ok (both must have it; with the VMM,
 * the guest's suffices). Each conflict is reported as one line; returns
 * their number. CPUs past cpu_count are left to the guest set-up.
 */
struct config;
unsigned spec_smt_conflicts(const struct config *cfg, const uint32_t *apic_ids, unsigned cpu_count,
			    unsigned smt_shift, void (*report)(void *ctx, const char *line), void *ctx);

/* Read the host's capabilities and decide the policy, once, at boot. */
void spec_init(void);

/* The policy as the boot log states it, for the inventory. */
const char *spec_policy_line(void);

/* Every CPU, at start: the policy's per-CPU state (AIBRSE, eIBRS). */
void spec_cpu_init(void);

/* Guests' nested page tables may use 2 MiB pages (not on iTLB-multihit CPUs). */
bool spec_nested_large_pages(void);

struct vcpu;

/*
 * A guest's RDMSR/WRMSR of SPEC_CTRL, PRED_CMD or FLUSH_CMD, on the vCPU's
 * own CPU: 0, or -1 for #GP (an MSR the host lacks, a bit it does not
 * support, a read of a write-only command). Nothing changes on -1.
 */
int spec_msr_read(const struct vcpu *v, uint32_t msr, uint64_t *val) __attribute__((warn_unused_result));
int spec_msr_write(struct vcpu *v, uint32_t msr, uint64_t val) __attribute__((warn_unused_result));

/* On the vCPU's own CPU, before its guest (re)starts: SPEC_CTRL 0 in the
 * vCPU and in the real MSR. */
void spec_vcpu_reset(struct vcpu *v);

#endif
