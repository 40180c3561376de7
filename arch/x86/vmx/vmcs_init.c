/* SPDX-License-Identifier: MIT */
/*
 * A vCPU's VMCS, filled on the vCPU's own CPU just before its first entry
 * (a VMCS is bound to the CPU that made it current). Every write goes
 * through struct vmcs_writer: the first one that fails stops the machine
 * with the field's name and the VM-instruction error. A failure here is a
 * VMM bug, not the guest's doing.
 */
#include <string.h>
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define MSR_SYSENTER_CS 0x174u

#define AR_CODE32 0xc09bu  /* present, DPL 0, execute/read accessed, D, G */
#define AR_DATA32 0xc093u  /* present, DPL 0, read/write accessed, D/B, G */
#define AR_CODE16 0x9bu    /* present, execute/read accessed, 16-bit: real mode's CS */
#define AR_DATA16 0x93u    /* present, read/write accessed, 16-bit */
#define AR_TSS32_BUSY 0x8bu
#define AR_UNUSABLE 0x10000u
#define GUEST_PAT_RESET 0x0007040600070406ull

/* The backstop: even a guest that never exits comes back to the VMM at
 * least this often (in TSC ticks), so a lost external-interrupt exit
 * (Bochs, with RFLAGS.IF=0) cannot keep the vCPU loop from noticing a
 * stopped guest. */
#define VMX_BACKSTOP_TSC 50000000ull

static void vmcs_init_controls(struct vmcs_writer *w, const struct vcpu *v)
{
	const struct vm *vm = v->vm;

	vmcs_put(w, VMCS_PIN_CONTROLS, vmx_cfg.pin);
	vmcs_put(w, VMCS_PROC_CONTROLS, vmx_cfg.proc);
	vmcs_put(w, VMCS_PROC2_CONTROLS, vmx_cfg.proc2);
	vmcs_put(w, VMCS_EXIT_CONTROLS, vmx_cfg.exit);
	vmcs_put(w, VMCS_ENTRY_CONTROLS, vmx_cfg.entry);
	vmcs_put(w, VMCS_EXCEPTION_BITMAP, VMX_EXC_BITMAP);
	vmcs_put(w, VMCS_PF_ERROR_MASK, 0);
	vmcs_put(w, VMCS_PF_ERROR_MATCH, 0);
	vmcs_put(w, VMCS_CR3_TARGET_COUNT, 0);
	vmcs_put(w, VMCS_EXIT_MSR_STORE_COUNT, 0);
	vmcs_put(w, VMCS_EXIT_MSR_LOAD_COUNT, 0);
	vmcs_put(w, VMCS_ENTRY_MSR_LOAD_COUNT, 0);
	vmcs_put(w, VMCS_ENTRY_INTR_INFO, 0);
	vmcs_put(w, VMCS_IO_BITMAP_A, vm->arch.iopm_pa);
	vmcs_put(w, VMCS_IO_BITMAP_B, vm->arch.iopm_pa + PAGE_SIZE);
	vmcs_put(w, VMCS_MSR_BITMAP, vm->arch.msrpm_pa);
	vmcs_put(w, VMCS_EPT_POINTER, vm->arch.eptp);
	vmcs_put(w, VMCS_VPID, vm->arch.asid);
	vmcs_put(w, VMCS_VMCS_LINK_POINTER, ~0ull);
	if (vmx_cfg.pin & PIN_PREEMPT_TIMER)
		vmcs_put(w, VMCS_PREEMPTION_TIMER, VMX_BACKSTOP_TSC >> vmx_cfg.preempt_shift);
}

/*
 * CR0 and CR4 bits the guest may not own: those VMX operation forces
 * either way (NE...), and CR4.VMXE, which the host keeps set and the guest
 * never sees (CPUID hides VMX, so setting it raises #GP, as on a CPU
 * without VMX). The guest reads its own values from the read shadows;
 * writing a masked bit exits (vmx_cr.c).
 */
static void vmcs_init_crs(struct vmcs_writer *w, uint64_t cr0_guest)
{
	uint64_t cr4_guest = 0;

	vmcs_put(w, VMCS_CR0_MASK, (vmx_cfg.cr0_must1 | ~vmx_cfg.cr0_may1) & 0xffffffffu);
	vmcs_put(w, VMCS_CR4_MASK, (vmx_cfg.cr4_must1 | ~vmx_cfg.cr4_may1 | CR4_VMXE) & 0xffffffffu);
	vmcs_put(w, VMCS_CR0_SHADOW, cr0_guest);
	vmcs_put(w, VMCS_CR4_SHADOW, cr4_guest);
	vmcs_put(w, VMCS_GUEST_CR0, (cr0_guest | vmx_cfg.cr0_must1) & vmx_cfg.cr0_may1);
	vmcs_put(w, VMCS_GUEST_CR4, (cr4_guest | vmx_cfg.cr4_must1 | CR4_VMXE) & vmx_cfg.cr4_may1);
	vmcs_put(w, VMCS_GUEST_CR3, 0);
}

static void cpu_sidt(struct desc_ptr *p)
{
	__asm__ volatile("sidt %0" : "=m"(*p));
}

/* The host state every exit loads: this CPU's tables and per-CPU block
 * (FS and GS bases: the stack-protector canary lives there), the VMM's
 * page tables, EFER and PAT. HOST_RSP is written by vmx_enter. */
static void vmcs_init_host(struct vmcs_writer *w)
{
	struct percpu *pc = this_cpu();
	struct desc_ptr idtr;

	cpu_sidt(&idtr);
	vmcs_put(w, VMCS_HOST_CR0, cpu_read_cr0());
	vmcs_put(w, VMCS_HOST_CR3, cpu_read_cr3());
	vmcs_put(w, VMCS_HOST_CR4, cpu_read_cr4());
	vmcs_put(w, VMCS_HOST_CS_SEL, SEL_CODE64);
	vmcs_put(w, VMCS_HOST_SS_SEL, SEL_DATA);
	vmcs_put(w, VMCS_HOST_DS_SEL, SEL_DATA);
	vmcs_put(w, VMCS_HOST_ES_SEL, SEL_DATA);
	vmcs_put(w, VMCS_HOST_FS_SEL, 0);
	vmcs_put(w, VMCS_HOST_GS_SEL, 0);
	vmcs_put(w, VMCS_HOST_TR_SEL, SEL_TSS);
	vmcs_put(w, VMCS_HOST_FS_BASE, (uint64_t)(uintptr_t)pc);
	vmcs_put(w, VMCS_HOST_GS_BASE, (uint64_t)(uintptr_t)pc);
	vmcs_put(w, VMCS_HOST_TR_BASE, (uint64_t)(uintptr_t)&pc->arch.tss);
	vmcs_put(w, VMCS_HOST_GDTR_BASE, (uint64_t)(uintptr_t)pc->arch.gdt);
	vmcs_put(w, VMCS_HOST_IDTR_BASE, idtr.base);
	vmcs_put(w, VMCS_HOST_SYSENTER_CS, 0);
	vmcs_put(w, VMCS_HOST_SYSENTER_ESP, 0);
	vmcs_put(w, VMCS_HOST_SYSENTER_EIP, 0);
	vmcs_put(w, VMCS_HOST_EFER, cpu_rdmsr(MSR_EFER));
	vmcs_put(w, VMCS_HOST_PAT, cpu_rdmsr(MSR_PAT));
	vmcs_put(w, VMCS_HOST_RIP, (uint64_t)(uintptr_t)vmx_exit_entry);
}

static void vmcs_init_seg(struct vmcs_writer *w, uint32_t sel_field, uint16_t sel, uint32_t ar)
{
	/* Selector, limit, AR and base fields of one segment sit at the same
	 * index in their groups: ES 0, CS 1, SS 2, DS 3, FS 4, GS 5, LDTR 6, TR 7. */
	uint32_t i = (sel_field - VMCS_GUEST_ES_SEL) / 2;
	uint32_t limit = ar == AR_TSS32_BUSY ? 0x67 : ar == AR_UNUSABLE ? 0 : 0xffffffffu;

	vmcs_put(w, sel_field, sel);
	vmcs_put(w, VMCS_GUEST_ES_LIMIT + 2 * i, limit);
	vmcs_put(w, VMCS_GUEST_ES_AR + 2 * i, ar);
	vmcs_put(w, VMCS_GUEST_ES_BASE + 2 * i, 0);
}

/* After INIT and a SIPI (SDM 10.4.7.3, 8.4.4): real mode, CS = page << 8
 * with base page << 12, IP 0, the other segments at 0, 64 KiB limits
 * (unrestricted guest runs it as it is). */
static void vmcs_init_real(struct vmcs_writer *w, const struct vcpu *v)
{
	static const uint32_t data[] = { VMCS_GUEST_DS_SEL, VMCS_GUEST_ES_SEL, VMCS_GUEST_SS_SEL,
					 VMCS_GUEST_FS_SEL, VMCS_GUEST_GS_SEL };

	vmcs_put(w, VMCS_GUEST_CS_SEL, (uint32_t)v->arch.sipi_page << 8);
	vmcs_put(w, VMCS_GUEST_CS_LIMIT, 0xffff);
	vmcs_put(w, VMCS_GUEST_CS_AR, AR_CODE16);
	vmcs_put(w, VMCS_GUEST_CS_BASE, (uint64_t)v->arch.sipi_page << 12);
	for (unsigned i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
		uint32_t k = (data[i] - VMCS_GUEST_ES_SEL) / 2;

		vmcs_put(w, data[i], 0);
		vmcs_put(w, VMCS_GUEST_ES_LIMIT + 2 * k, 0xffff);
		vmcs_put(w, VMCS_GUEST_ES_AR + 2 * k, AR_DATA16);
		vmcs_put(w, VMCS_GUEST_ES_BASE + 2 * k, 0);
	}
	vmcs_put(w, VMCS_GUEST_TR_SEL, 0);
	vmcs_put(w, VMCS_GUEST_TR_LIMIT, 0xffff);
	vmcs_put(w, VMCS_GUEST_TR_AR, AR_TSS32_BUSY);
	vmcs_put(w, VMCS_GUEST_TR_BASE, 0);
}

/* The PVH start state (docs/formats.md): 32-bit flat protected mode,
 * paging off, interrupts disabled, EBX = start info (set in vcpu_init);
 * or, after a SIPI, real mode (vmcs_init_real). */
static void vmcs_init_guest(struct vmcs_writer *w, const struct vcpu *v)
{
	if (v->arch.real_mode) {
		vmcs_init_real(w, v);
	} else {
		vmcs_init_seg(w, VMCS_GUEST_CS_SEL, 0x08, AR_CODE32);
		vmcs_init_seg(w, VMCS_GUEST_DS_SEL, 0x10, AR_DATA32);
		vmcs_init_seg(w, VMCS_GUEST_ES_SEL, 0x10, AR_DATA32);
		vmcs_init_seg(w, VMCS_GUEST_SS_SEL, 0x10, AR_DATA32);
		vmcs_init_seg(w, VMCS_GUEST_FS_SEL, 0x10, AR_DATA32);
		vmcs_init_seg(w, VMCS_GUEST_GS_SEL, 0x10, AR_DATA32);
		vmcs_init_seg(w, VMCS_GUEST_TR_SEL, 0x18, AR_TSS32_BUSY);
	}
	vmcs_init_seg(w, VMCS_GUEST_LDTR_SEL, 0, AR_UNUSABLE);
	vmcs_put(w, VMCS_GUEST_GDTR_BASE, 0);
	vmcs_put(w, VMCS_GUEST_GDTR_LIMIT, v->arch.real_mode ? 0xffff : 0);
	vmcs_put(w, VMCS_GUEST_IDTR_BASE, 0);
	vmcs_put(w, VMCS_GUEST_IDTR_LIMIT, v->arch.real_mode ? 0xffff : 0);
	vmcs_init_crs(w, v->arch.real_mode ? CR0_ET : CR0_PE | CR0_ET);
	vmcs_put(w, VMCS_GUEST_DR7, 0x400);
	vmcs_put(w, VMCS_GUEST_DEBUGCTL, 0);
	vmcs_put(w, VMCS_GUEST_RSP, 0);
	vmcs_put(w, VMCS_GUEST_RIP, v->arch.entry);
	vmcs_put(w, VMCS_GUEST_RFLAGS, 2);
	vmcs_put(w, VMCS_GUEST_EFER, 0);
	vmcs_put(w, VMCS_GUEST_PAT, GUEST_PAT_RESET);
	vmcs_put(w, VMCS_GUEST_SYSENTER_CS, 0);
	vmcs_put(w, VMCS_GUEST_SYSENTER_ESP, 0);
	vmcs_put(w, VMCS_GUEST_SYSENTER_EIP, 0);
	vmcs_put(w, VMCS_GUEST_INTERRUPTIBILITY, 0);
	vmcs_put(w, VMCS_GUEST_ACTIVITY, 0);
	vmcs_put(w, VMCS_GUEST_PENDING_DBG, 0);
}

void vmcs_init(struct vcpu *v)
{
	struct vmcs_writer w = { .hw_write = vmx_hw_write };
	unsigned cpu = this_cpu()->index;

	if (vmx_vmclear(v->arch.vmcs_pa) || vmx_vmptrld(v->arch.vmcs_pa))
		panic("cannot make the VMCS of guest %s current on cpu %u", v->vm->name, cpu);
	vmcs_init_controls(&w, v);
	vmcs_init_host(&w);
	vmcs_init_guest(&w, v);
	if (w.err)
		panic("VMCS set-up on cpu %u: writing %s failed (%d, VM-instruction error %u: %s)", cpu,
		      vmcs_field_name(w.field), w.err, w.insn_error, vmx_insn_error_text(w.insn_error));
}

/* Drop this CPU's translations of the vCPU's guest: the combined ones
 * (tagged with its EPT pointer) and the linear ones (tagged with its VPID),
 * when vcpu_tlb_flush_due says so (vmm/vcpu.h). */
void vmx_flush_guest(struct vcpu *v)
{
	if (vmx_invept(INVEPT_SINGLE, v->vm->arch.eptp) ||
	    vmx_invvpid(INVVPID_SINGLE, (uint16_t)v->vm->arch.asid))
		panic("INVEPT/INVVPID failed for guest %s on cpu %u", v->vm->name, v->cpu);
}
