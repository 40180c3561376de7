/* SPDX-License-Identifier: MIT */
/*
 * Struct offsets used by assembly, generated from C so that no assembly
 * file carries a hand-written number. Compiled with -S; the build turns
 * each "->NAME value" marker into a #define in build/gen/asm-offsets.h.
 */
#include <stddef.h>
#include "kernel/percpu.h"
#include "vmm/vcpu.h"
#include "vmm/spec.h"

#define DEFINE(sym, val) __asm__ volatile("\n->" #sym " %0" ::"i"(val))

/* The world switch finds the vCPU and its GPRs through one pointer. */
_Static_assert(offsetof(struct vcpu, regs) == 0, "struct guest_regs opens struct vcpu");

void asm_offsets(void);
void asm_offsets(void)
{
	DEFINE(CPU_AREA_SIZE, sizeof(struct cpu_area));
	DEFINE(CPU_AREA_STACK_TOP, offsetof(struct cpu_area, stack) + STACK_SIZE);
	DEFINE(CPU_AREA_PERCPU, offsetof(struct cpu_area, pc));
	DEFINE(PERCPU_SELF, offsetof(struct percpu, self));
	DEFINE(PERCPU_CANARY, offsetof(struct percpu, stack_canary));
	DEFINE(GREGS_RAX, offsetof(struct guest_regs, rax));
	DEFINE(GREGS_RBX, offsetof(struct guest_regs, rbx));
	DEFINE(GREGS_RCX, offsetof(struct guest_regs, rcx));
	DEFINE(GREGS_RDX, offsetof(struct guest_regs, rdx));
	DEFINE(GREGS_RSI, offsetof(struct guest_regs, rsi));
	DEFINE(GREGS_RDI, offsetof(struct guest_regs, rdi));
	DEFINE(GREGS_RBP, offsetof(struct guest_regs, rbp));
	DEFINE(GREGS_R8, offsetof(struct guest_regs, r8));
	DEFINE(GREGS_R9, offsetof(struct guest_regs, r9));
	DEFINE(GREGS_R10, offsetof(struct guest_regs, r10));
	DEFINE(GREGS_R11, offsetof(struct guest_regs, r11));
	DEFINE(GREGS_R12, offsetof(struct guest_regs, r12));
	DEFINE(GREGS_R13, offsetof(struct guest_regs, r13));
	DEFINE(GREGS_R14, offsetof(struct guest_regs, r14));
	DEFINE(GREGS_R15, offsetof(struct guest_regs, r15));
	DEFINE(VCPU_VMCB_PA, offsetof(struct vcpu, arch.vmcb_pa));
	DEFINE(VCPU_HOST_STATE_PA, offsetof(struct vcpu, arch.host_state_pa));
	DEFINE(VCPU_SPEC_CTRL, offsetof(struct vcpu, spec_ctrl));
	DEFINE(SPEC_F_EXIT_IBRS, SPEC_F_EXIT_IBRS);
	DEFINE(SPEC_F_EXIT_RSB, SPEC_F_EXIT_RSB);
	DEFINE(SPEC_F_ENTRY, SPEC_F_ENTRY);
	DEFINE(SPEC_F_ENTRY_IBRS, SPEC_F_ENTRY_IBRS);
	DEFINE(SPEC_F_ENTRY_L1D, SPEC_F_ENTRY_L1D);
	DEFINE(SPEC_F_ENTRY_VERW, SPEC_F_ENTRY_VERW);
	DEFINE(MSR_SPEC_CTRL_NR, MSR_SPEC_CTRL);
	DEFINE(MSR_FLUSH_CMD_NR, MSR_FLUSH_CMD);
	DEFINE(SPEC_CTRL_IBRS_BIT, SPEC_CTRL_IBRS);
	DEFINE(FLUSH_CMD_L1D_BIT, FLUSH_CMD_L1D);
}
