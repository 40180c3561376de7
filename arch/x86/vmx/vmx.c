/* SPDX-License-Identifier: MIT */
/*
 * The Intel VMX backend of the vendor interface (arch/x86/vendor.h): probe,
 * VMXON on each guest CPU, and per-VM state. Default deny, as on SVM: the
 * I/O and MSR bitmaps start all ones (every port and MSR exits) and only
 * the config's grants clear bits.
 */
#include <errno.h>
#include <string.h>
#include "arch/x86/vendor.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vmx/vmx.h"
#include "arch/x86/vmx/vmx_insn.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "kernel/panic.h"
#include "kernel/percpu.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define CPUID1_ECX_VMX (1u << 5)
#define CPUID1_ECX_XSAVE (1u << 26)
#define CR4_OSXSAVE (1ull << 18)

#define IO_BITMAP_PAGES 2  /* A: ports 0..0x7fff, B: 0x8000..0xffff */
#define MSR_BITMAP_PAGES 1 /* read low, read high, write low, write high */
#define MSR_BITMAP_WRITE 2048

struct vmx_config vmx_cfg __attribute__((section(".data.ro_after_init")));

int vmx_hw_write(uint32_t field, uint64_t value, uint32_t *insn_error)
{
	uint64_t err = 0;

	if (!vmx_vmwrite(field, value))
		return 0;
	if (!vmx_vmread(VMCS_VM_INSN_ERROR, &err))
		*insn_error = (uint32_t)err;
	return -EIO;
}

uint64_t vmx_read(uint32_t field)
{
	uint64_t v;

	if (vmx_vmread(field, &v))
		panic("VMREAD of %s failed on cpu %u", vmcs_field_name(field), this_cpu()->index);
	return v;
}

void vmx_write(uint32_t field, uint64_t value)
{
	struct vmcs_writer w = { .hw_write = vmx_hw_write };

	vmcs_put(&w, field, value);
	if (w.err)
		panic("VMWRITE of %s = 0x%lx failed (%d, VM-instruction error %u: %s)",
		      vmcs_field_name(field), value, w.err, w.insn_error,
		      vmx_insn_error_text(w.insn_error));
}

/* The capability MSRs; the optional ones only when the CPU has them,
 * since reading an absent MSR faults. */
static void vmx_read_msrs(struct vmx_msrs *m)
{
	bool t;

	m->basic = cpu_rdmsr(MSR_VMX_BASIC);
	t = m->basic & VMX_BASIC_TRUE_CTLS;
	m->pin = cpu_rdmsr(t ? MSR_VMX_TRUE_PIN : MSR_VMX_PIN);
	m->proc = cpu_rdmsr(t ? MSR_VMX_TRUE_PROC : MSR_VMX_PROC);
	m->exit = cpu_rdmsr(t ? MSR_VMX_TRUE_EXIT : MSR_VMX_EXIT);
	m->entry = cpu_rdmsr(t ? MSR_VMX_TRUE_ENTRY : MSR_VMX_ENTRY);
	m->misc = cpu_rdmsr(MSR_VMX_MISC);
	m->cr0_fixed0 = cpu_rdmsr(MSR_VMX_CR0_FIXED0);
	m->cr0_fixed1 = cpu_rdmsr(MSR_VMX_CR0_FIXED1);
	m->cr4_fixed0 = cpu_rdmsr(MSR_VMX_CR4_FIXED0);
	m->cr4_fixed1 = cpu_rdmsr(MSR_VMX_CR4_FIXED1);
	m->proc2 = (m->proc >> 32 & PROC_SECONDARY) ? cpu_rdmsr(MSR_VMX_PROC2) : 0;
	m->ept_vpid = (m->proc2 >> 32 & (PROC2_EPT | PROC2_VPID)) ? cpu_rdmsr(MSR_VMX_EPT_VPID_CAP) : 0;
}

static int vmx_probe(const char **why)
{
	struct vmx_msrs m = { 0 };
	uint64_t fc;

	if (!(cpu_cpuid(1, 0).ecx & CPUID1_ECX_VMX)) {
		*why = "CPU has no Intel VMX";
		return -ENODEV;
	}
	if (vmx_feature_control(cpu_rdmsr(MSR_FEATURE_CONTROL), &fc)) {
		*why = "VMX disabled by firmware (IA32_FEATURE_CONTROL locked without VMX)";
		return -ENODEV;
	}
	vmx_read_msrs(&m);
	return vmx_config_build(&m, &vmx_cfg, why);
}

/* VMX operation needs the CR0/CR4 fixed bits; XSETBV emulation needs
 * CR4.OSXSAVE on the host when the CPU has XSAVE. */
static int vmx_fix_crs(void)
{
	uint64_t cr4 = cpu_read_cr4() | vmx_cfg.cr4_must1 | CR4_VMXE;

	if (cpu_cpuid(1, 0).ecx & CPUID1_ECX_XSAVE)
		cr4 |= CR4_OSXSAVE;
	if ((cr4 & ~vmx_cfg.cr4_may1) || (cpu_read_cr0() & ~vmx_cfg.cr0_may1))
		return -EINVAL;
	cpu_write_cr0(cpu_read_cr0() | vmx_cfg.cr0_must1);
	cpu_write_cr4(cr4);
	return 0;
}

static int vmx_cpu_init(void)
{
	struct percpu_arch *a = &this_cpu()->arch;
	uint64_t fc;
	int err;

	err = vmx_feature_control(cpu_rdmsr(MSR_FEATURE_CONTROL), &fc);
	if (err)
		return err;
	if (fc)
		cpu_wrmsr(MSR_FEATURE_CONTROL, fc); /* set and lock: nobody turns it off later */
	a->host_save_pa = page_alloc(1, 0);
	if (!a->host_save_pa)
		return -ENOMEM;
	*(uint32_t *)phys_to_virt(a->host_save_pa) = vmx_cfg.revision;
	err = vmx_fix_crs();
	if (!err)
		err = vmx_on(a->host_save_pa);
	/* No translations of an earlier VMX user (kexec, firmware) may survive. */
	if (!err)
		err = vmx_invept(INVEPT_ALL, 0) ?: vmx_invvpid(INVVPID_ALL, 0);
	return err;
}

/*
 * Every port and MSR intercepted. The SDM asks that the bitmaps change only
 * while no CPU runs the guest with them; a policy update that tightens a
 * running guest's bitmaps relies on the CPU reading them from memory, as
 * the processors and Bochs do, and on intercepting more being safe at any
 * moment in between.
 */
static void vmx_reset_bitmaps(struct vm *vm)
{
	memset(phys_to_virt(vm->arch.iopm_pa), 0xff, IO_BITMAP_PAGES * PAGE_SIZE);
	memset(phys_to_virt(vm->arch.msrpm_pa), 0xff, MSR_BITMAP_PAGES * PAGE_SIZE);
}

static int vmx_vm_init(struct vm *vm)
{
	static uint32_t next_vpid = 1; /* VPID 0 is the host's */

	vm->arch.iopm_pa = page_alloc(IO_BITMAP_PAGES, 0);
	vm->arch.msrpm_pa = page_alloc(MSR_BITMAP_PAGES, 0);
	if (!vm->arch.iopm_pa || !vm->arch.msrpm_pa)
		return -ENOMEM;
	vmx_reset_bitmaps(vm);
	vm->arch.asid = next_vpid++;
	vm->arch.eptp = vm->npt.root_pa | EPTP_WALK4 | EPTP_WB;
	return 0;
}

static void vmx_allow_io(struct vm *vm, uint16_t port)
{
	uint8_t *bitmaps = phys_to_virt(vm->arch.iopm_pa); /* A and B are contiguous */

	bitmaps[port / 8] &= (uint8_t)~(1u << (port % 8));
}

/* One bit per MSR in each of four 1 KiB quarters: reads of 0..0x1fff,
 * reads of 0xc0000000..0xc0001fff, then writes of the same two ranges. */
static void vmx_allow_msr(struct vm *vm, uint32_t msr)
{
	uint8_t *bitmap = phys_to_virt(vm->arch.msrpm_pa);
	uint32_t bit;

	if (msr <= 0x1fff)
		bit = msr;
	else if (msr >= 0xc0000000u && msr <= 0xc0001fffu)
		bit = 1024 * 8 + (msr - 0xc0000000u);
	else
		return; /* other MSRs always exit */
	bitmap[bit / 8] &= (uint8_t)~(1u << (bit % 8));
	bitmap[MSR_BITMAP_WRITE + bit / 8] &= (uint8_t)~(1u << (bit % 8));
}

/* The VMCS itself is filled at the first entry, on the vCPU's own CPU
 * (vmcs_init.c); a vCPU set up again (a guest restarted) starts over. */
static int vmx_vcpu_init(struct vcpu *v, uint32_t entry, uint32_t ebx)
{
	uint64_t vmcs = v->arch.vmcs_pa ? v->arch.vmcs_pa : page_alloc(1, 0);

	if (!vmcs)
		return -ENOMEM;
	memset(&v->arch, 0, sizeof(v->arch));
	v->arch.vmcs_pa = vmcs;
	*(uint32_t *)phys_to_virt(vmcs) = vmx_cfg.revision;
	v->arch.entry = entry;
	v->regs.rbx = ebx;
	return 0;
}

/* After INIT and a SIPI: the VMCS is filled in real mode at the page's
 * start at the next entry (vmcs_init.c). */
static int vmx_vcpu_init_sipi(struct vcpu *v, uint8_t page)
{
	int err = vmx_vcpu_init(v, 0, 0);

	if (err)
		return err;
	v->arch.real_mode = true;
	v->arch.sipi_page = page;
	return 0;
}

const struct vcpu_vendor_ops vmx_ops = {
	.name = "vmx",
	.probe = vmx_probe,
	.cpu_init = vmx_cpu_init,
	.npt_format = &pt_format_ept,
	.vm_init = vmx_vm_init,
	.allow_io = vmx_allow_io,
	.allow_msr = vmx_allow_msr,
	.reset_bitmaps = vmx_reset_bitmaps,
	.vcpu_init = vmx_vcpu_init,
	.vcpu_init_sipi = vmx_vcpu_init_sipi,
	.loop = vmx_loop,
	.rip = vmx_rip,
	.mode = vmx_mode,
	.efer = vmx_efer,
	.set_efer = vmx_set_efer,
	.pat = vmx_pat,
	.set_pat = vmx_set_pat,
	.inject = vmx_inject,
	.icebp = vmx_icebp,
	.cr_access = vmx_cr_access,
	.irq_ready = vmx_irq_ready,
	.irq_inject = vmx_irq_inject,
	.irq_window = vmx_irq_window,
	.nmi_ready = vmx_nmi_ready,
	.nmi_inject = vmx_nmi_inject,
	.nmi_window = vmx_nmi_window,
	.rflags = vmx_rflags,
};
