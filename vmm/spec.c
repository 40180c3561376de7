/* SPDX-License-Identifier: MIT */
/*
 * Speculation controls (vmm/spec.h): the guests' MSRs and the VMM's own
 * policy at run time. Every guest value is checked against what the host
 * CPU enumerates before it reaches the real MSR, and the WRMSR goes
 * through the fixup table (arch/x86/cpu.h): a value the CPU still refuses
 * is the guest's #GP, never a fault of the VMM.
 *
 * The real SPEC_CTRL holds, while the VMM runs: the guest's value (no
 * IBRS, or AutoIBRS, which lives in EFER), the guest's value with IBRS
 * (eIBRS: set once, never cleared, guests included), or IBRS alone
 * (legacy IBRS: the world switch writes it at every exit and the guest's
 * value before every entry, arch/x86/spec_asm.h).
 */
#include "vmm/spec.h"
#include "vmm/vcpu.h"
#include "arch/x86/arch_percpu.h"
#include "kernel/console.h"

static struct spec_caps spec_host __attribute__((section(".data.ro_after_init")));
static struct spec_policy spec_policy __attribute__((section(".data.ro_after_init")));
uint8_t spec_switch_flags __attribute__((section(".data.ro_after_init")));
static char spec_line[240] __attribute__((section(".data.ro_after_init")));
/* VERW's operand: any writable data segment will do. */
const uint16_t spec_verw_sel = SEL_DATA;

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
	struct cpuid_regs l0 = cpu_cpuid(0, 0);
	uint32_t ext_max = cpu_cpuid(0x80000000u, 0).eax;
	struct spec_host h = {
		.leaf7 = cpu_cpuid_upto(7, l0.eax),
		.ext8 = cpu_cpuid_upto(0x80000008u, ext_max),
		.ext21 = cpu_cpuid_upto(0x80000021u, ext_max),
		.arch_caps = 0,
	};

	/* "GenuineIntel" in EBX, EDX, ECX */
	h.intel = l0.ebx == 0x756e6547 && l0.edx == 0x49656e69 && l0.ecx == 0x6c65746e;
	if ((h.leaf7.edx & CPUID7_EDX_ARCH_CAP) && cpu_rdmsr_safe(MSR_ARCH_CAPABILITIES, &h.arch_caps))
		h.arch_caps = 0;
	spec_host = spec_caps_from_cpuid(h.leaf7, h.ext8);
	spec_policy = spec_policy_decide(&h);
	spec_switch_flags = spec_policy_flags(&spec_policy);
	spec_policy_describe(&spec_policy, spec_line, sizeof(spec_line));
	printk("vigil: speculation: %s (ARCH_CAPABILITIES 0x%lx)\n", spec_line, h.arch_caps);
}

const char *spec_policy_line(void)
{
	return spec_line;
}

/* What SPEC_CTRL holds while the guest with value val runs. */
static uint64_t spec_guest_real(uint64_t val)
{
	return spec_policy.ibrs == SPEC_IBRS_ENHANCED ? val | SPEC_CTRL_IBRS : val;
}

/* What SPEC_CTRL holds while the VMM runs on a guest's CPU. */
static uint64_t spec_vmm_real(uint64_t guest)
{
	return spec_policy.ibrs == SPEC_IBRS_LEGACY ? SPEC_CTRL_IBRS : spec_guest_real(guest);
}

void spec_cpu_init(void)
{
	if (spec_policy.ibrs == SPEC_IBRS_AUTO)
		cpu_wrmsr(MSR_EFER, cpu_rdmsr(MSR_EFER) | EFER_AIBRSE);
	else if (spec_policy.ibrs != SPEC_IBRS_NONE)
		cpu_wrmsr(MSR_SPEC_CTRL, SPEC_CTRL_IBRS);
}

bool spec_nested_large_pages(void)
{
	return !spec_policy.ept_small;
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
		if (cpu_wrmsr_safe(MSR_SPEC_CTRL, spec_guest_real(val)))
			return -1; /* refused by the CPU after all: the guest's #GP */
		v->spec_ctrl = val;
		cpu_wrmsr(MSR_SPEC_CTRL, spec_vmm_real(val)); /* legacy IBRS: until the entry */
		return 0;
	case MSR_PRED_CMD:
		return spec_command(spec_host.ibpb, msr, PRED_CMD_IBPB, val);
	case MSR_FLUSH_CMD:
		return spec_command(spec_host.l1d_flush, msr, FLUSH_CMD_L1D, val);
	default:
		return -1;
	}
}

/* A guest (re)starts on this CPU: a new security domain, so nothing the
 * CPU's branch predictors learnt before may steer it (IBPB). */
void spec_vcpu_reset(struct vcpu *v)
{
	v->spec_ctrl = 0;
	if (spec_host.spec_ctrl)
		cpu_wrmsr(MSR_SPEC_CTRL, spec_vmm_real(0));
	if (spec_policy.ibpb)
		cpu_wrmsr(MSR_PRED_CMD, PRED_CMD_IBPB);
}
