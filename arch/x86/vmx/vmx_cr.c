/* SPDX-License-Identifier: MIT */
/*
 * Control-register exits only VMX has (EXIT_CR_ACCESS, dispatched by
 * vmm/exit.c like every other exit):
 *   - writes to CR0/CR4 bits the host owns (vmcs_init.c: the guest/host
 *     masks). The guest gets its value in the read shadow and the CPU
 *     gets it with the bits VMX operation forces; setting CR4.VMXE raises
 *     #GP, as on a CPU without VMX (CPUID hides it);
 *   - CR8 (the TPR), kept per vCPU so the guest never reaches the local
 *     APIC's real TPR (SVM's V_INTR_MASKING does the same).
 * XSETBV, which always exits on VMX, is vmm/exit.c's (exit_xsetbv).
 * Anything else that reaches here stops the guest as an unknown exit.
 */
#include <stddef.h>
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "vmm/exits.h"
#include "vmm/vcpu.h"

#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR_MOV_TO 0
#define CR_MOV_FROM 1

/* Exit qualification GPR numbers: RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8.. */
static uint64_t *vmx_gpr(struct vcpu *v, unsigned n)
{
	struct guest_regs *r = &v->regs;
	uint64_t *const gprs[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, NULL, &r->rbp, &r->rsi,
				     &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11, &r->r12, &r->r13,
				     &r->r14, &r->r15 };

	return gprs[n & 15];
}

static uint64_t vmx_gpr_read(struct vcpu *v, unsigned n)
{
	uint64_t *p = vmx_gpr(v, n);

	return p ? *p : vmx_read(VMCS_GUEST_RSP);
}

static void vmx_gpr_write(struct vcpu *v, unsigned n, uint64_t val)
{
	uint64_t *p = vmx_gpr(v, n);

	if (p)
		*p = val;
	else
		vmx_write(VMCS_GUEST_RSP, val);
}

/* Turning paging on or off with EFER.LME set enters or leaves IA-32e
 * mode: what the CPU does for an unintercepted write, done by hand. */
static int vmx_cr0_paging(uint64_t old, uint64_t val)
{
	uint64_t efer = vmx_read(VMCS_GUEST_EFER), entry = vmx_read(VMCS_ENTRY_CONTROLS);

	if (!((old ^ val) & CR0_PG) || !(efer & EFER_LME))
		return 0;
	if (val & CR0_PG) {
		if (!(vmx_read(VMCS_GUEST_CR4) & CR4_PAE))
			return -1;
		efer |= EFER_LMA, entry |= ENTRY_IA32E_GUEST;
	} else {
		efer &= ~EFER_LMA, entry &= ~(uint64_t)ENTRY_IA32E_GUEST;
	}
	vmx_write(VMCS_GUEST_EFER, efer);
	vmx_write(VMCS_ENTRY_CONTROLS, entry);
	return 0;
}

static int vmx_cr0_write(uint64_t val)
{
	uint64_t old = vmx_read(VMCS_GUEST_CR0);

	if ((val >> 32) || (val & ~vmx_cfg.cr0_may1) || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & CR0_NW) && !(val & CR0_CD)))
		return -1;
	if (vmx_cr0_paging(old, val))
		return -1;
	vmx_write(VMCS_CR0_SHADOW, val);
	vmx_write(VMCS_GUEST_CR0, val | vmx_cfg.cr0_must1);
	return 0;
}

static int vmx_cr4_write(uint64_t val)
{
	if ((val & CR4_VMXE) || (val & ~vmx_cfg.cr4_may1))
		return -1;
	vmx_write(VMCS_CR4_SHADOW, val);
	vmx_write(VMCS_GUEST_CR4, val | vmx_cfg.cr4_must1 | CR4_VMXE);
	return 0;
}

static int vmx_cr_mov_to(struct vcpu *v, unsigned cr, uint64_t val)
{
	switch (cr) {
	case 0: return vmx_cr0_write(val);
	case 4: return vmx_cr4_write(val);
	case 8:
		if (val > 15)
			return -1;
		v->arch.tpr = (uint8_t)val;
		return 0;
	default: return -1;
	}
}

int vmx_cr_access(struct vcpu *v)
{
	uint64_t q = v->exit.info1;
	unsigned cr = q & 15, type = (q >> 4) & 3, gpr = (q >> 8) & 15;

	if (type == CR_MOV_TO) {
		if (vmx_cr_mov_to(v, cr, vmx_gpr_read(v, gpr))) {
			vcpu_inject_gp(v);
			return 0;
		}
		return vcpu_skip_insn(v);
	}
	if (type == CR_MOV_FROM && cr == 8) {
		vmx_gpr_write(v, gpr, v->arch.tpr);
		return vcpu_skip_insn(v);
	}
	return -1; /* CLTS, LMSW, CR3: never intercepted */
}
