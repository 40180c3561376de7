/* SPDX-License-Identifier: MIT */
/* Capability decisions for the VMX backend (caps.h). */
#include <errno.h>
#include "arch/x86/vmx/caps.h"

#define CR0_PE (1ull << 0)
#define CR0_PG (1ull << 31)

/* Everything below is required; the second column is used when present. */
#define PIN_REQUIRED (PIN_EXT_INT_EXIT | PIN_NMI_EXIT | PIN_VIRTUAL_NMI)
#define PIN_OPTIONAL PIN_PREEMPT_TIMER
#define PROC_REQUIRED                                                                     \
	(PROC_HLT_EXIT | PROC_MWAIT_EXIT | PROC_RDPMC_EXIT | PROC_CR8_LOAD_EXIT |          \
	 PROC_CR8_STORE_EXIT | PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_MONITOR_EXIT |    \
	 PROC_SECONDARY)
#define PROC2_REQUIRED (PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED | PROC2_WBINVD_EXIT)
#define PROC2_OPTIONAL (PROC2_RDTSCP | PROC2_INVPCID)
/* The debug controls keep the guest's DR7 and DEBUGCTL across exits
 * (an exit sets DR7 to 0x400 and DEBUGCTL to 0). */
#define EXIT_REQUIRED                                                                  \
	(EXIT_SAVE_DEBUG | EXIT_HOST_64 | EXIT_SAVE_PAT | EXIT_LOAD_PAT | EXIT_SAVE_EFER | EXIT_LOAD_EFER)
#define ENTRY_REQUIRED (ENTRY_LOAD_DEBUG | ENTRY_LOAD_PAT | ENTRY_LOAD_EFER)
#define EPT_REQUIRED                                                                        \
	(EPT_CAP_WALK4 | EPT_CAP_WB | EPT_CAP_2M | EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE | \
	 EPT_CAP_INVEPT_ALL)
#define VPID_REQUIRED (VPID_CAP_INVVPID | VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL)

int vmx_ctl_adjust(uint64_t cap, uint32_t required, uint32_t optional, uint32_t *out,
		   uint32_t *missing)
{
	uint32_t must1 = (uint32_t)cap, may1 = (uint32_t)(cap >> 32);

	*missing = required & ~may1;
	if (*missing)
		return -ENODEV;
	*out = must1 | required | (optional & may1);
	return 0;
}

int vmx_feature_control(uint64_t fc, uint64_t *write)
{
	*write = 0;
	if (fc & FC_LOCK)
		return (fc & FC_VMX_OUTSIDE_SMX) ? 0 : -EPERM;
	*write = fc | FC_LOCK | FC_VMX_OUTSIDE_SMX;
	return 0;
}

static int vmx_refuse(const char **why, const char *text)
{
	*why = text;
	return -ENODEV;
}

/* The secondary controls and EPT/VPID capabilities: what a Penryn
 * (no EPT) or a Lynnfield (no unrestricted guest) lacks. */
static int vmx_config_ept(const struct vmx_msrs *m, struct vmx_config *c, const char **why)
{
	uint32_t missing;

	if (!(m->proc >> 32 & PROC_SECONDARY))
		return vmx_refuse(why, "VMX without secondary controls: no EPT");
	if (vmx_ctl_adjust(m->proc2, PROC2_REQUIRED, PROC2_OPTIONAL, &c->proc2, &missing)) {
		if (missing & PROC2_EPT)
			return vmx_refuse(why, "VMX without EPT (extended page tables)");
		if (missing & PROC2_UNRESTRICTED)
			return vmx_refuse(why, "VMX without unrestricted guest (guests start with paging off)");
		return vmx_refuse(why, "VMX without VPID");
	}
	if ((m->ept_vpid & EPT_REQUIRED) != EPT_REQUIRED)
		return vmx_refuse(why, "EPT without 4-level walks, WB memory, 2 MiB pages or INVEPT (single and all contexts)");
	if ((m->ept_vpid & VPID_REQUIRED) != VPID_REQUIRED)
		return vmx_refuse(why, "VPID without INVVPID (single and all contexts)");
	return 0;
}

static int vmx_config_controls(const struct vmx_msrs *m, struct vmx_config *c, const char **why)
{
	uint32_t missing;

	if (vmx_ctl_adjust(m->pin, PIN_REQUIRED, PIN_OPTIONAL, &c->pin, &missing))
		return vmx_refuse(why, "VMX without external-interrupt or NMI exiting or virtual NMIs");
	if (vmx_ctl_adjust(m->proc, PROC_REQUIRED, 0, &c->proc, &missing))
		return vmx_refuse(why, "VMX without HLT/MWAIT/MONITOR/RDPMC/CR8 exiting or I/O and MSR bitmaps");
	/* Turned on only while an interrupt or an NMI waits for the guest
	 * (vmx_irq_window, vmx_nmi_window). */
	if (!(m->proc >> 32 & PROC_INTR_WINDOW_EXIT) || (c->proc & PROC_INTR_WINDOW_EXIT))
		return vmx_refuse(why, "VMX without a controllable interrupt-window exit");
	if (!(m->proc >> 32 & PROC_NMI_WINDOW_EXIT) || (c->proc & PROC_NMI_WINDOW_EXIT))
		return vmx_refuse(why, "VMX without a controllable NMI-window exit");
	if (c->proc & (PROC_CR3_LOAD_EXIT | PROC_CR3_STORE_EXIT))
		return vmx_refuse(why, "VMX forces CR3 exiting (no true controls)");
	if (vmx_ctl_adjust(m->exit, EXIT_REQUIRED, 0, &c->exit, &missing))
		return vmx_refuse(why, "VMX cannot switch EFER and PAT on exit or return to 64-bit mode");
	if (vmx_ctl_adjust(m->entry, ENTRY_REQUIRED, 0, &c->entry, &missing))
		return vmx_refuse(why, "VMX cannot load EFER and PAT on entry");
	if (c->exit & EXIT_ACK_INTR || c->entry & ENTRY_IA32E_GUEST)
		return vmx_refuse(why, "VMX forces interrupt acknowledge on exit or 64-bit guest entry");
	return 0;
}

int vmx_config_build(const struct vmx_msrs *m, struct vmx_config *c, const char **why)
{
	int err;

	*c = (struct vmx_config){ 0 };
	if ((m->basic >> 50 & 0xf) != VMX_BASIC_MEMTYPE_WB)
		return vmx_refuse(why, "VMX structures cannot be write-back");
	if (m->basic & (1ull << 48))
		return vmx_refuse(why, "VMX structures limited to 32-bit addresses");
	c->revision = (uint32_t)m->basic & 0x7fffffffu;
	/* EPT first: it is what older CPUs lack, and the refusal should say so. */
	err = vmx_config_ept(m, c, why);
	if (!err)
		err = vmx_config_controls(m, c, why);
	if (err)
		return err;
	c->preempt_shift = (unsigned)(m->misc & 0x1f);
	c->cr0_must1 = m->cr0_fixed0 & ~(CR0_PE | CR0_PG);
	c->cr0_may1 = m->cr0_fixed1;
	c->cr4_must1 = m->cr4_fixed0;
	c->cr4_may1 = m->cr4_fixed1;
	return 0;
}
