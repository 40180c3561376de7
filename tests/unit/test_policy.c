// SPDX-License-Identifier: MIT
/*
 * Unit tests of vmm/policy.c: what no config may ever pass through to a
 * guest. The expected lists are written here from the hardware's point of
 * view, not copied from the table under test, so a removed entry fails.
 */
#define CHECK_SUITE "policy"
#include "tests/unit/check.h"

#include <stdint.h>
#include "vmm/policy.h"

struct port_range {
	uint32_t first, last;
};

/* Ports that reset, reconfigure or time the machine, or are the VMM's UARTs. */
static const struct port_range forbidden_ports[] = {
	{ 0x20, 0x21 },	  /* master PIC */
	{ 0x40, 0x43 },	  /* PIT */
	{ 0x60, 0x61 },	  /* keyboard controller data, port B */
	{ 0x64, 0x64 },	  /* keyboard controller command (reset line) */
	{ 0x92, 0x92 },	  /* fast A20 / reset */
	{ 0xa0, 0xa1 },	  /* slave PIC */
	{ 0x2f8, 0x2ff }, /* COM2: management channel */
	{ 0x3f8, 0x3ff }, /* COM1: VMM console / emulated guest console */
	{ 0x70, 0x71 },	  /* RTC/CMOS: NMI mask and NVRAM; the guest's RTC is emulated */
	{ 0x600, 0x60b }, /* the guest's emulated ACPI registers */
	{ 0xcf8, 0xcff }, /* PCI config address/data, reset control 0xcf9 */
	{ 0x00, 0x1f },	  /* 8237 DMA controller 1: DMA anywhere below 16 MiB */
	{ 0x81, 0x8f },	  /* DMA page registers */
	{ 0xc0, 0xdf },	  /* 8237 DMA controller 2 */
	{ 0x72, 0x73 },	  /* extended CMOS NVRAM */
	{ 0xb2, 0xb3 },	  /* APM control/status: a write raises an SMI */
	{ 0x4d0, 0x4d1 }, /* ELCR: interrupt trigger modes, machine-wide */
};

static void io_every_forbidden_port_refused(void)
{
	for (size_t i = 0; i < sizeof(forbidden_ports) / sizeof(forbidden_ports[0]); i++)
		for (uint32_t p = forbidden_ports[i].first; p <= forbidden_ports[i].last; p++)
			if (!CHECK(policy_io_forbidden(p, 1)))
				printf("    port 0x%x allowed\n", p);
}

static void io_harmless_ports_allowed(void)
{
	CHECK(!policy_io_forbidden(0x80, 1));	  /* POST diagnostic port (Linux's I/O delay) */
	CHECK(!policy_io_forbidden(0xe0, 0x20));  /* just above DMA controller 2 */
	CHECK(!policy_io_forbidden(0x5f0, 16));	  /* just below the ACPI registers */
	CHECK(!policy_io_forbidden(0x60c, 4));	  /* just above them */
	CHECK(!policy_io_forbidden(0x3f0, 8));	  /* just below COM1 */
	CHECK(!policy_io_forbidden(0xcf0, 8));	  /* just below PCI config */
	CHECK(!policy_io_forbidden(0xd00, 0xf300)); /* up to and including 0xffff */
	CHECK(!policy_io_forbidden(0xffff, 1));
}

static void io_range_overlapping_forbidden_refused(void)
{
	CHECK(policy_io_forbidden(0x3f0, 9));	 /* last port 0x3f8 */
	CHECK(policy_io_forbidden(0x3fc, 8));	 /* starts inside COM1 */
	CHECK(policy_io_forbidden(0xcf0, 9));	 /* reaches 0xcf8 */
	CHECK(policy_io_forbidden(0xcf9, 1));	 /* reset control alone */
	CHECK(policy_io_forbidden(0x0, 0x10000)); /* everything */
	CHECK(policy_io_forbidden(0x100, 0x1000)); /* spans both UARTs */
	CHECK(policy_io_forbidden(0x62, 3));	 /* 0x62..0x64: keyboard command */
}

static void io_empty_wrapping_or_too_high_refused(void)
{
	CHECK(policy_io_forbidden(0x80, 0));
	CHECK(policy_io_forbidden(0xffffffffu, 2));	  /* wraps to 0 */
	CHECK(policy_io_forbidden(0x1000, 0xffffffffu)); /* wraps below port */
	CHECK(policy_io_forbidden(0x10000, 1));
	CHECK(policy_io_forbidden(0xd00, 0xf301)); /* one past 0xffff */
}

static const uint32_t forbidden_msrs[] = {
	0x1b,				    /* APIC base */
	0x3a,				    /* feature control */
	0x48, 0x49,			    /* SPEC_CTRL, PRED_CMD: emulated per vCPU */
	0x1a0,				    /* MISC_ENABLE: platform-wide, emulated */
	0x6e0,				    /* TSC_DEADLINE: the virtual LAPIC's */
	0xc0010055,			    /* AMD interrupt-pending message: emulated */
	0x79,				    /* microcode update trigger */
	0x9e,				    /* SMBASE */
	0x10a, 0x10b,			    /* ARCH_CAPABILITIES, FLUSH_CMD */
	0x480, 0x48b, 0x493,		    /* VMX capabilities */
	0x800, 0x830, 0x8ff,		    /* x2APIC */
	0xc0000080,			    /* EFER */
	0xc0010010,			    /* SYSCFG */
	0xc0010111, 0xc0010112, 0xc0010113, /* SMM base, addr, mask */
	0xc0010114,			    /* VM_CR */
	0xc0010115, 0xc0010116,		    /* IGNNE, SMM_CTL */
	0xc0010117,			    /* VM_HSAVE_PA */
	0xc0010118,			    /* SVM_KEY */
	0x10, 0x3b,			    /* TSC, TSC_ADJUST: the shared time base */
	0xfe, 0x200, 0x20f, 0x250, 0x26f, 0x2ff, /* MTRRs: memory types */
	0x277,				    /* PAT: emulated per vCPU */
	0x179, 0x17a, 0x17b,		    /* MCG_CAP/STATUS/CTL */
	0x400, 0x401, 0x402, 0x403, 0x47f,  /* MC bank 0, bank 31's last */
	0x280, 0x29f,			    /* MCi_CTL2 */
	0x198, 0x199, 0x19a,		    /* PERF_STATUS, PERF_CTL, clock modulation */
	0x1d9,				    /* DEBUGCTL: BTS writes to memory */
	0x38f, 0x38e, 0x390,		    /* PERF_GLOBAL_CTRL/STATUS/OVF_CTRL */
	0x3f1,				    /* PEBS_ENABLE */
	0x600,				    /* DS_AREA */
	0x606, 0x610, 0x611, 0x614, 0x639, 0x641, 0x618, 0x619, /* RAPL */
	0x770, 0x774,			    /* HWP */
	0xc0010015,			    /* AMD HWCR */
	0xc0010062,			    /* AMD P-state control */
	0xc001029a,			    /* AMD RAPL package limit */
};

static void msr_every_forbidden_msr_refused(void)
{
	for (size_t i = 0; i < sizeof(forbidden_msrs) / sizeof(forbidden_msrs[0]); i++)
		if (!CHECK(policy_msr_forbidden(forbidden_msrs[i])))
			printf("    msr 0x%x allowed\n", forbidden_msrs[i]);
}

static void msr_harmless_allowed(void)
{
	CHECK(!policy_msr_forbidden(0x174));	  /* SYSENTER_CS: guest state on both backends */
	CHECK(!policy_msr_forbidden(0x3a0));	  /* between the PMU controls and PEBS */
	CHECK(!policy_msr_forbidden(0x7ff));	  /* just below x2APIC */
	CHECK(!policy_msr_forbidden(0x900));	  /* just above x2APIC */
	CHECK(!policy_msr_forbidden(0x1fff));	  /* top of the low range */
	CHECK(!policy_msr_forbidden(0xc0000000)); /* bottom of the high range */
	CHECK(!policy_msr_forbidden(0xc0000100)); /* FS base */
	CHECK(!policy_msr_forbidden(0xc0001fff)); /* top of the high range */
}

static void msr_outside_architectural_ranges_refused(void)
{
	CHECK(policy_msr_forbidden(0x2000));
	CHECK(policy_msr_forbidden(0x40000000)); /* hypervisor range */
	CHECK(policy_msr_forbidden(0xbfffffff));
	CHECK(policy_msr_forbidden(0xc0002000));
	CHECK(policy_msr_forbidden(0xc0010000)); /* AMD range: not grantable */
	CHECK(policy_msr_forbidden(0xc0011000));
	CHECK(policy_msr_forbidden(0xffffffff));
}

int main(void)
{
	CHECK_RUN(io_every_forbidden_port_refused);
	CHECK_RUN(io_harmless_ports_allowed);
	CHECK_RUN(io_range_overlapping_forbidden_refused);
	CHECK_RUN(io_empty_wrapping_or_too_high_refused);
	CHECK_RUN(msr_every_forbidden_msr_refused);
	CHECK_RUN(msr_harmless_allowed);
	CHECK_RUN(msr_outside_architectural_ranges_refused);
	return check_done();
}
