/* SPDX-License-Identifier: MIT */
#include <stddef.h>
#include "vmm/policy.h"

struct io_deny {
	uint32_t first, last;
	const char *why;
};

/*
 * The ports no config may grant (docs/vmm.md, "What no config may grant"):
 * platform-wide state shared by every CPU and guest, devices that can
 * reach memory by DMA, the VMM's own devices, and what the VMM emulates
 * for the guest. In port order.
 */
static const struct io_deny io_denied[] = {
	{ 0x00, 0x1f, "8237 DMA controller 1 (DMA into any memory)" },
	{ 0x20, 0x21, "interrupt controller (PIC)" },
	{ 0x40, 0x43, "timer (PIT), used by the VMM" },
	{ 0x60, 0x60, "keyboard controller (resets the machine)" },
	{ 0x61, 0x61, "system control port B (PIT gate)" },
	{ 0x64, 0x64, "keyboard controller (resets the machine)" },
	{ 0x70, 0x73, "RTC/CMOS (NMI mask, NVRAM; the guest's RTC is emulated)" },
	{ 0x81, 0x8f, "8237 DMA page registers" },
	{ 0x92, 0x92, "fast A20 / reset (port 0x92)" },
	{ 0xa0, 0xa1, "interrupt controller (PIC)" },
	{ 0xb2, 0xb3, "APM control (raises an SMI)" },
	{ 0xc0, 0xdf, "8237 DMA controller 2 (DMA into any memory)" },
	{ 0x2f8, 0x2ff, "management channel UART (COM2)" },
	{ 0x3f8, 0x3ff, "VMM console UART (COM1) / emulated guest console" },
	{ 0x4d0, 0x4d1, "interrupt edge/level control (ELCR)" },
	{ 0x600, 0x60b, "the guest's emulated ACPI registers" },
	{ 0xcf8, 0xcff, "PCI configuration space and reset control (0xcf9)" },
};

const char *policy_io_forbidden(uint32_t port, uint32_t count)
{
	uint32_t last = port + count - 1;

	if (!count || last < port || last > 0xffff)
		return "port range empty or beyond 0xffff";
	for (size_t i = 0; i < sizeof(io_denied) / sizeof(io_denied[0]); i++)
		if (port <= io_denied[i].last && last >= io_denied[i].first)
			return io_denied[i].why;
	return NULL;
}

struct msr_deny {
	uint32_t first, last;
	const char *why;
};

/*
 * The MSRs no config may grant (docs/vmm.md): state shared beyond the
 * guest's CPU (package power, frequency, machine-check banks, the time
 * base), state the VMM relies on (memory types, debug and trace controls
 * that make the CPU write to memory, virtualization and SMM), and what the
 * VMM emulates or switches per vCPU. In MSR order; the AMD range from
 * 0xc0010000 is refused as a whole below.
 */
static const struct msr_deny msr_denied[] = {
	{ 0x10, 0x10, "IA32_TSC (the time base every guest and the VMM share)" },
	{ 0x1b, 0x1b, "IA32_APIC_BASE (APIC relocation)" },
	{ 0x3a, 0x3a, "IA32_FEATURE_CONTROL" },
	{ 0x3b, 0x3b, "IA32_TSC_ADJUST (the shared time base)" },
	{ 0x48, 0x49, "IA32_SPEC_CTRL/IA32_PRED_CMD (emulated per vCPU)" },
	{ 0x79, 0x79, "IA32_BIOS_UPDT_TRIG (microcode update)" },
	{ 0x8b, 0x8b, "IA32_BIOS_SIGN_ID (microcode revision; emulated)" },
	{ 0x9e, 0x9e, "IA32_SMBASE" },
	{ 0xfe, 0xfe, "IA32_MTRRCAP (memory types are the VMM's)" },
	{ 0x10a, 0x10b, "IA32_ARCH_CAPABILITIES/IA32_FLUSH_CMD (not offered/emulated)" },
	{ 0x179, 0x17b, "IA32_MCG_CAP/STATUS/CTL (machine checks are the VMM's)" },
	{ 0x198, 0x19c, "IA32_PERF_STATUS/CTL, clock modulation, thermal (frequency and throttling)" },
	{ 0x1a0, 0x1a0, "IA32_MISC_ENABLE (platform-wide; emulated read-only)" },
	{ 0x1b0, 0x1b2, "energy bias and package thermal control" },
	{ 0x1d9, 0x1d9, "IA32_DEBUGCTL (branch tracing writes to memory)" },
	{ 0x200, 0x2ff, "MTRRs, IA32_PAT (emulated per vCPU), MCi_CTL2" },
	{ 0x38d, 0x391, "performance monitoring global controls" },
	{ 0x3f1, 0x3f1, "IA32_PEBS_ENABLE (PEBS writes records to memory)" },
	{ 0x400, 0x47f, "machine-check banks MCi_CTL/STATUS/ADDR/MISC" },
	{ 0x480, 0x493, "VMX capability MSRs" },
	{ 0x600, 0x600, "IA32_DS_AREA (where BTS and PEBS write)" },
	{ 0x606, 0x66f, "RAPL power limits and energy status (package-wide)" },
	{ 0x6e0, 0x6e0, "IA32_TSC_DEADLINE (the virtual LAPIC timer's)" },
	{ 0x770, 0x777, "hardware P-state control (HWP)" },
	{ 0x800, 0x8ff, "x2APIC registers" },
	{ 0xc0000080, 0xc0000080, "EFER (SVME/LME)" },
	{ 0xc0000103, 0xc0000103, "IA32_TSC_AUX (switched per vCPU)" },
	{ 0xc0010000, 0xc0011fff, "AMD model-specific range (SYSCFG, HWCR, P-states, SMM, VM_CR, VM_HSAVE_PA)" },
};

const char *policy_msr_forbidden(uint32_t msr)
{
	for (size_t i = 0; i < sizeof(msr_denied) / sizeof(msr_denied[0]); i++)
		if (msr >= msr_denied[i].first && msr <= msr_denied[i].last)
			return msr_denied[i].why;
	/* Only the two architectural MSR ranges the bitmaps can express. */
	if (msr > 0x1fff && (msr < 0xc0000000 || msr > 0xc0001fff))
		return "outside the MSR ranges a guest may be granted";
	return NULL;
}
