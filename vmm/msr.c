/* SPDX-License-Identifier: MIT */
/*
 * Intercepted MSRs. Policy: an MSR the config does not grant raises #GP on
 * read and write, except the few every guest needs emulated (EFER, PAT,
 * TSC reads, the speculation controls of vmm/spec.h, the paravirtual
 * clock). Granted MSRs never
 * exit (the bitmap passes them through).
 */
#include "vmm/exits.h"
#include "vmm/vm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vendor.h"
#include "vmm/spec.h"
#include "vigil/guest_platform.h"

#define MSR_TSC 0x10u
/* AMD family 0Fh/10h's interrupt-pending message register: Linux reads it
 * on those models to see whether C1E is on (erratum 400). It reads 0: no
 * C1E, whose HLT here is the VMM's anyway. Writes #GP. */
#define MSR_AMD_INT_PENDING_MSG 0xc0010055u
/* IA32_MISC_ENABLE, which an Intel guest's first instructions read (Linux's
 * verify_cpu, with no IDT yet: a #GP there is a triple fault). A fixed
 * value: fast strings on, BTS and PEBS unavailable, XD not disabled, CPUID
 * not limited. Writing it back unchanged is accepted, any change #GP: the
 * real MSR is platform-wide and never reached. */
#define MSR_MISC_ENABLE 0x1a0u
/* IA32_BIOS_SIGN_ID: the microcode revision, which an Intel guest asks for
 * by writing 0 and reading it back. It reads 0 (none: the guest is told
 * nothing of the host's microcode); writing 0 is the request, anything
 * else #GP. */
#define MSR_UCODE_REV 0x8bu
/* IA32_TSC_AUX, what RDTSCP and RDPID return (Linux: the CPU number).
 * Switched per vCPU, never granted: the VMM keeps the guest's value and
 * writes it to its CPU's MSR, which the VMM itself never uses. A host
 * without the MSR refuses the write: #GP, as there. */
#define MSR_TSC_AUX 0xc0000103u
/* The paravirtual clock's MSRs (include/vigil/guest_platform.h): a write
 * names a record in the guest's own memory, which the VMM fills at once
 * and never again (nothing in it changes while the host runs); a read
 * answers the value written. An address that is not 4-byte aligned or
 * whose record is not whole in one region of the guest's memory #GPs. */
#define PV_TIME_ENABLE 1ull
#define MISC_ENABLE_GUEST 0x1801ull
#define EFER_GUEST_BITS (EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE)

static bool msr_pat_valid(uint64_t pat)
{
	for (int i = 0; i < 8; i++) {
		uint8_t t = (uint8_t)(pat >> (8 * i));

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

static int msr_emulate_read(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	switch (msr) {
	case MSR_EFER:
		*val = vcpu_vendor_efer(v);
		return 0;
	case MSR_PAT:
		*val = vcpu_vendor_pat(v);
		return 0;
	case MSR_TSC:
		*val = cpu_rdtsc();
		return 0;
	case MSR_AMD_INT_PENDING_MSG:
		*val = 0;
		return 0;
	case MSR_MISC_ENABLE:
		*val = MISC_ENABLE_GUEST;
		return 0;
	case MSR_UCODE_REV:
		*val = 0;
		return 0;
	case MSR_TSC_AUX:
		*val = v->tsc_aux;
		return 0;
	case GP_MSR_KVM_SYSTEM_TIME:
		*val = v->pv_time;
		return 0;
	case GP_MSR_KVM_WALL_CLOCK:
		*val = v->pv_wall;
		return 0;
	case MSR_SPEC_CTRL:
	case MSR_PRED_CMD:
	case MSR_FLUSH_CMD:
		return spec_msr_read(v, msr, val);
	default:
		return virq_msr_read(v, msr, val); /* APIC base, TSC deadline */
	}
}

/* The record at gpa in VMM memory, or NULL: not 4-byte aligned, or not
 * whole in one region of the guest's memory. */
static volatile uint8_t *msr_pv_record(const struct vcpu *v, uint64_t gpa, uint64_t size)
{
	return gpa & 3 ? NULL : vm_gpa_to_hva(v->vm, gpa, size);
}

static int msr_pv_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	volatile uint8_t *rec;

	if (msr == GP_MSR_KVM_WALL_CLOCK) {
		if (!(rec = msr_pv_record(v, val, GP_PVCLOCK_WALL_SIZE)))
			return -1;
		vplat_pv_wall(rec, &vplat_clock);
		v->pv_wall = val;
		return 0;
	}
	if (val & PV_TIME_ENABLE) {
		if (!(rec = msr_pv_record(v, val & ~PV_TIME_ENABLE, GP_PVCLOCK_TIME_SIZE)))
			return -1;
		vplat_pv_time(rec, &vplat_clock);
	}
	v->pv_time = val; /* disabled: nothing is ever written again anyway */
	return 0;
}

static int msr_emulate_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_EFER: {
		struct guest_mode m;
		uint64_t old = vcpu_vendor_efer(v);

		if (val & ~EFER_GUEST_BITS)
			return -1;
		/* Changing LME while paging is on raises #GP (AMD APM 2, 3.1.7;
		 * Intel SDM 3, 9.8.5): the CPU would be in long mode without it. */
		vcpu_vendor_mode(v, &m);
		if ((m.cr0 & CR0_PG) && ((val ^ old) & EFER_LME))
			return -1;
		/* LMA is the CPU's to set: keep the current value. */
		vcpu_vendor_set_efer(v, (val & ~EFER_LMA) | (old & EFER_LMA));
		gmem_memo_clear(&v->fetch); /* the memo does not compare EFER (vmm/gmem.h) */
		return 0;
	}
	case MSR_MISC_ENABLE:
		return val == MISC_ENABLE_GUEST ? 0 : -1;
	case MSR_UCODE_REV:
		return val ? -1 : 0;
	case MSR_TSC_AUX:
		if (val >> 32 || cpu_wrmsr_safe(MSR_TSC_AUX, val))
			return -1;
		v->tsc_aux = val;
		return 0;
	case MSR_PAT:
		if (!msr_pat_valid(val))
			return -1;
		vcpu_vendor_set_pat(v, val);
		return 0;
	case MSR_SPEC_CTRL:
	case MSR_PRED_CMD:
	case MSR_FLUSH_CMD:
		return spec_msr_write(v, msr, val);
	case GP_MSR_KVM_SYSTEM_TIME:
	case GP_MSR_KVM_WALL_CLOCK:
		return msr_pv_write(v, msr, val);
	default:
		return virq_msr_write(v, msr, val);
	}
}

int exit_msr_read(struct vcpu *v)
{
	uint64_t val;

	if (msr_emulate_read(v, (uint32_t)v->regs.rcx, &val)) {
		vcpu_inject_gp(v);
		return 0;
	}
	if (vcpu_skip_insn(v))
		return 0;
	v->regs.rax = (uint32_t)val;
	v->regs.rdx = val >> 32;
	return 0;
}

int exit_msr_write(struct vcpu *v)
{
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;

	if (msr_emulate_write(v, (uint32_t)v->regs.rcx, val)) {
		vcpu_inject_gp(v);
		return 0;
	}
	return vcpu_skip_insn(v);
}
