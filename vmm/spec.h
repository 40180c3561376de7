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

/* What the host CPU has, from its leaf 7 (sub-leaf 0) and 0x80000008. */
struct spec_caps {
	uint64_t spec_ctrl; /* the SPEC_CTRL bits a guest may set; 0: no such MSR */
	bool ibpb;
	bool l1d_flush;
};

/* Pure: the capabilities that leaf7 and ext8 (the host's answers, zeros
 * for a leaf the host does not have) enumerate. */
struct spec_caps spec_caps_from_cpuid(struct cpuid_regs leaf7, struct cpuid_regs ext8);

/* Read the host's capabilities once, at boot. */
void spec_init(void);

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
