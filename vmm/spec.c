/* SPDX-License-Identifier: MIT */
/*
 * Speculation-control MSRs for guests (vmm/spec.h). Every value is checked
 * against what the host CPU enumerates before it reaches the real MSR, and
 * the WRMSR goes through the fixup table (arch/x86/cpu.h): a value the CPU
 * still refuses is the guest's #GP, never a fault of the VMM. A vCPU's CPU runs only that vCPU and
 * the VMM's exit handling for it, so the real SPEC_CTRL holds the guest's
 * value throughout: the VMM sets no speculation controls of its own.
 */
#include "vmm/spec.h"
#include "vmm/vcpu.h"

static struct spec_caps spec_host __attribute__((section(".data.ro_after_init")));

struct spec_caps spec_caps_from_cpuid(struct cpuid_regs leaf7, struct cpuid_regs ext8)
{
	struct spec_caps c = { 0, false, false };

	if ((leaf7.edx & CPUID7_EDX_IBRS_IBPB) || (ext8.ebx & CPUID88_EBX_IBRS))
		c.spec_ctrl |= SPEC_CTRL_IBRS;
	if ((leaf7.edx & CPUID7_EDX_STIBP) || (ext8.ebx & CPUID88_EBX_STIBP))
		c.spec_ctrl |= SPEC_CTRL_STIBP;
	if ((leaf7.edx & CPUID7_EDX_SSBD) || (ext8.ebx & CPUID88_EBX_SSBD))
		c.spec_ctrl |= SPEC_CTRL_SSBD;
	c.ibpb = (leaf7.edx & CPUID7_EDX_IBRS_IBPB) || (ext8.ebx & CPUID88_EBX_IBPB);
	c.l1d_flush = leaf7.edx & CPUID7_EDX_L1D_FLUSH;
	return c;
}

void spec_init(void)
{
	struct cpuid_regs none = { 0, 0, 0, 0 };
	struct cpuid_regs leaf7 = cpu_cpuid(0, 0).eax >= 7 ? cpu_cpuid(7, 0) : none;
	struct cpuid_regs ext8 = cpu_cpuid(0x80000000u, 0).eax >= 0x80000008u ? cpu_cpuid(0x80000008u, 0) : none;

	spec_host = spec_caps_from_cpuid(leaf7, ext8);
}

int spec_msr_read(const struct vcpu *v, uint32_t msr, uint64_t *val)
{
	if (msr != MSR_SPEC_CTRL || !spec_host.spec_ctrl)
		return -1; /* PRED_CMD and FLUSH_CMD are write-only */
	*val = v->spec_ctrl;
	return 0;
}

/* A command MSR: 0 does nothing (as on hardware), the defined bit runs the
 * command on this CPU, anything else is refused. */
static int spec_command(bool have, uint32_t msr, uint64_t bit, uint64_t val)
{
	if (!have || (val & ~bit))
		return -1;
	return val ? cpu_wrmsr_safe(msr, val) : 0;
}

int spec_msr_write(struct vcpu *v, uint32_t msr, uint64_t val)
{
	switch (msr) {
	case MSR_SPEC_CTRL:
		if (!spec_host.spec_ctrl || (val & ~spec_host.spec_ctrl))
			return -1;
		if (cpu_wrmsr_safe(MSR_SPEC_CTRL, val))
			return -1; /* refused by the CPU after all: the guest's #GP */
		v->spec_ctrl = val;
		return 0;
	case MSR_PRED_CMD:
		return spec_command(spec_host.ibpb, msr, PRED_CMD_IBPB, val);
	case MSR_FLUSH_CMD:
		return spec_command(spec_host.l1d_flush, msr, FLUSH_CMD_L1D, val);
	default:
		return -1;
	}
}

void spec_vcpu_reset(struct vcpu *v)
{
	v->spec_ctrl = 0;
	if (spec_host.spec_ctrl)
		cpu_wrmsr(MSR_SPEC_CTRL, 0);
}
