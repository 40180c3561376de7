/* SPDX-License-Identifier: MIT */
#include <stddef.h>
#include "vmm/policy.h"

struct io_deny {
	uint32_t first, last;
	const char *why;
};

static const struct io_deny io_denied[] = {
	{ 0x20, 0x21, "interrupt controller (PIC)" },
	{ 0x40, 0x43, "timer (PIT), used by the VMM" },
	{ 0x60, 0x60, "keyboard controller (resets the machine)" },
	{ 0x61, 0x61, "system control port B (PIT gate)" },
	{ 0x64, 0x64, "keyboard controller (resets the machine)" },
	{ 0x70, 0x71, "RTC/CMOS (NMI mask, NVRAM; the guest's RTC is emulated)" },
	{ 0x92, 0x92, "fast A20 / reset (port 0x92)" },
	{ 0xa0, 0xa1, "interrupt controller (PIC)" },
	{ 0x2f8, 0x2ff, "management channel UART (COM2)" },
	{ 0x3f8, 0x3ff, "VMM console UART (COM1) / emulated guest console" },
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

static const struct msr_deny msr_denied[] = {
	{ 0x1b, 0x1b, "IA32_APIC_BASE (APIC relocation)" },
	{ 0x3a, 0x3a, "IA32_FEATURE_CONTROL" },
	{ 0x48, 0x49, "IA32_SPEC_CTRL/IA32_PRED_CMD (emulated per vCPU)" },
	{ 0x79, 0x79, "IA32_BIOS_UPDT_TRIG (microcode update)" },
	{ 0x8b, 0x8b, "IA32_BIOS_SIGN_ID (microcode revision; emulated)" },
	{ 0x9e, 0x9e, "IA32_SMBASE" },
	{ 0x10a, 0x10b, "IA32_ARCH_CAPABILITIES/IA32_FLUSH_CMD (not offered/emulated)" },
	{ 0x1a0, 0x1a0, "IA32_MISC_ENABLE (platform-wide; emulated read-only)" },
	{ 0x480, 0x493, "VMX capability MSRs" },
	{ 0x6e0, 0x6e0, "IA32_TSC_DEADLINE (the virtual LAPIC timer's)" },
	{ 0x800, 0x8ff, "x2APIC registers" },
	{ 0xc0000080, 0xc0000080, "EFER (SVME/LME)" },
	{ 0xc0000103, 0xc0000103, "IA32_TSC_AUX (switched per vCPU)" },
	{ 0xc0010010, 0xc0010010, "SYSCFG" },
	{ 0xc0010055, 0xc0010055, "AMD interrupt-pending message / C1E (emulated)" },
	{ 0xc0010111, 0xc0010113, "SMM base/address/mask" },
	{ 0xc0010114, 0xc0010114, "VM_CR" },
	{ 0xc0010115, 0xc0010115, "IGNNE" },
	{ 0xc0010116, 0xc0010116, "SMM_CTL" },
	{ 0xc0010117, 0xc0010117, "VM_HSAVE_PA" },
	{ 0xc0010118, 0xc0010118, "SVM_KEY" },
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
