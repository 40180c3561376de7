/* SPDX-License-Identifier: MIT */
/*
 * Exits only VMX has, answered inside the backend:
 *   - writes to CR0/CR4 bits the host owns (vmcs_init.c: the guest/host
 *     masks). The guest gets its value in the read shadow and the CPU
 *     gets it with the bits VMX operation forces; setting CR4.VMXE raises
 *     #GP, as on a CPU without VMX (CPUID hides it);
 *   - CR8 (the TPR), kept per vCPU so the guest never reaches the local
 *     APIC's real TPR (SVM's V_INTR_MASKING does the same);
 *   - XSETBV, which always exits on VMX: validated, then loaded. XCR0
 *     stays the guest's while it owns the CPU; the VMM never uses XSAVE.
 * Anything else that reaches here stops the guest as an unknown exit.
 */
#include <stddef.h>
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "vmm/vcpu.h"

#define EXC_GP 13
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR_MOV_TO 0
#define CR_MOV_FROM 1
#define XCR0_X87 1ull
#define XCR0_SSE 2ull
#define XCR0_AVX 4ull
#define XCR0_AVX512 0xe0ull

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

static void vmx_gp(struct vcpu *v)
{
	vmx_inject(v, EXC_GP, true, 0);
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

static bool vmx_cr_access(struct vcpu *v)
{
	uint64_t q = v->exit.info1;
	unsigned cr = q & 15, type = (q >> 4) & 3, gpr = (q >> 8) & 15;

	if (type == CR_MOV_TO) {
		if (vmx_cr_mov_to(v, cr, vmx_gpr_read(v, gpr)))
			vmx_gp(v);
		else
			vmx_skip(v);
		return true;
	}
	if (type == CR_MOV_FROM && cr == 8) {
		vmx_gpr_write(v, gpr, v->arch.tpr);
		vmx_skip(v);
		return true;
	}
	v->exit.reason = EXIT_UNKNOWN; /* CLTS, LMSW, CR3: never intercepted */
	return false;
}

static bool vmx_xcr0_valid(uint64_t val)
{
	struct cpuid_regs r = cpu_cpuid(0xd, 0);
	uint64_t supported = ((uint64_t)r.edx << 32) | r.eax;

	if (!(val & XCR0_X87) || (val & ~supported))
		return false;
	if ((val & XCR0_AVX) && !(val & XCR0_SSE))
		return false;
	return !(val & XCR0_AVX512) || ((val & XCR0_AVX512) == XCR0_AVX512 && (val & XCR0_AVX));
}

static bool vmx_xsetbv(struct vcpu *v)
{
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
	bool cpl0 = !((vmx_read(VMCS_GUEST_SS_AR) >> 5) & 3);

	if ((uint32_t)v->regs.rcx != 0 || !cpl0 || !vmx_xcr0_valid(val)) {
		vmx_gp(v);
		return true;
	}
	cpu_xsetbv(0, val);
	vmx_skip(v);
	return true;
}

bool vmx_exit_internal(struct vcpu *v, uint32_t reason)
{
	switch (reason) {
	case VMX_EXIT_CR_ACCESS: return vmx_cr_access(v);
	case VMX_EXIT_XSETBV: return vmx_xsetbv(v);
	default: return false;
	}
}
