/* SPDX-License-Identifier: MIT */
#include "arch/x86/mce.h"
#include "arch/x86/cpu.h"
#include "kernel/console.h"
#include "kernel/percpu.h"
#include "kernel/time.h"

#define CPUID1_EDX_MCE (1u << 7)
#define CPUID1_EDX_MCA (1u << 14)
#define CR4_MCE (1ull << 6)
#define MSR_MCG_CAP 0x179u
#define MSR_MCG_STATUS 0x17au
#define MSR_MCG_CTL 0x17bu
#define MSR_MC0_CTL 0x400u /* bank i: CTL, STATUS, ADDR, MISC at 0x400 + 4i */
#define MCG_CAP_COUNT 0xffull
#define MCG_CAP_CTL_P (1ull << 8)
#define MCG_STATUS_RIPV (1ull << 0)
#define MCI_STATUS_VAL (1ull << 63)
#define MCI_STATUS_UC (1ull << 61)
#define MCI_STATUS_MISCV (1ull << 59)
#define MCI_STATUS_ADDRV (1ull << 58)
#define MCE_MAX_BANKS 32 /* the architectural MSR range 0x400..0x47f */

uint64_t mce_corrected, mce_polled_uncorrected;
struct mce_bank mce_last_fatal;
/* The banks to poll: read once on the boot CPU (every CPU has as many). */
static unsigned mce_poll_banks __attribute__((section(".data.ro_after_init")));

/* An MSR read that a CPU without it answers with #GP (some emulators
 * enumerate MCA without the MSRs): 0 then. */
static uint64_t mce_rdmsr(uint32_t msr)
{
	uint64_t v;

	return cpu_rdmsr_safe(msr, &v) ? 0 : v;
}

/* A write that such a CPU refuses: nothing to enable or clear there. */
static void mce_wrmsr(uint32_t msr, uint64_t v)
{
	if (cpu_wrmsr_safe(msr, v))
		return;
}

static unsigned mce_banks(void)
{
	unsigned n;

	if (!(cpu_cpuid(1, 0).edx & CPUID1_EDX_MCA))
		return 0;
	n = (unsigned)(mce_rdmsr(MSR_MCG_CAP) & MCG_CAP_COUNT);
	return n < MCE_MAX_BANKS ? n : MCE_MAX_BANKS;
}

void mce_cpu_init(void)
{
	unsigned banks = mce_banks();

	if (!(cpu_cpuid(1, 0).edx & CPUID1_EDX_MCE))
		return;
	if (this_cpu()->index == 0)
		mce_poll_banks = banks;
	if (banks && (mce_rdmsr(MSR_MCG_CAP) & MCG_CAP_CTL_P))
		mce_wrmsr(MSR_MCG_CTL, ~0ull);
	for (unsigned i = 0; i < banks; i++)
		mce_wrmsr(MSR_MC0_CTL + 4 * i, ~0ull);
	cpu_write_cr4(cpu_read_cr4() | CR4_MCE);
}

bool mce_collect(const char *where)
{
	unsigned banks = mce_banks(), cpu = this_cpu()->index;
	uint64_t mcg = banks ? mce_rdmsr(MSR_MCG_STATUS) : 0;
	bool fatal = !(mcg & MCG_STATUS_RIPV), found = false;

	for (unsigned i = 0; i < banks; i++) {
		uint32_t msr = MSR_MC0_CTL + 4 * i;
		uint64_t status = mce_rdmsr(msr + 1), addr, misc;

		if (!(status & MCI_STATUS_VAL))
			continue;
		addr = status & MCI_STATUS_ADDRV ? mce_rdmsr(msr + 2) : 0;
		misc = status & MCI_STATUS_MISCV ? mce_rdmsr(msr + 3) : 0;
		printk("vigil: machine check %s on cpu %u: bank %u status 0x%lx addr 0x%lx misc 0x%lx (%s)\n",
		       where, cpu, i, status, addr, misc, status & MCI_STATUS_UC ? "uncorrected" : "corrected");
		if (status & MCI_STATUS_UC) {
			fatal = true;
			mce_last_fatal = (struct mce_bank){ mcg, status, addr, misc, i, true };
		} else {
			__atomic_add_fetch(&mce_corrected, 1, __ATOMIC_RELAXED);
		}
		mce_wrmsr(msr + 1, 0);
		found = true;
	}
	if (banks) {
		printk("vigil: machine check %s on cpu %u: MCG_STATUS 0x%lx%s\n", where, cpu, mcg,
		       found ? "" : ", no bank holds an error");
		mce_wrmsr(MSR_MCG_STATUS, 0);
	}
	return fatal;
}

void mce_poll_kicked(void)
{
	struct percpu *pc = this_cpu();
	uint64_t now = cpu_rdtsc();

	if (now - pc->mce_polled < time_tsc_per_ms() * 500)
		return;
	pc->mce_polled = now;
	mce_poll();
}

void mce_poll(void)
{
	unsigned cpu = this_cpu()->index;

	for (unsigned i = 0; i < mce_poll_banks; i++) {
		uint32_t msr = MSR_MC0_CTL + 4 * i;
		uint64_t status = mce_rdmsr(msr + 1), addr, misc;
		bool uc = status & MCI_STATUS_UC;

		if (!(status & MCI_STATUS_VAL))
			continue;
		addr = status & MCI_STATUS_ADDRV ? mce_rdmsr(msr + 2) : 0;
		misc = status & MCI_STATUS_MISCV ? mce_rdmsr(msr + 3) : 0;
		printk("vigil: machine check found by polling on cpu %u: bank %u status 0x%lx addr 0x%lx misc 0x%lx "
		       "(%s)\n", cpu, i, status, addr, misc, uc ? "uncorrected, no action needed" : "corrected");
		__atomic_add_fetch(uc ? &mce_polled_uncorrected : &mce_corrected, 1, __ATOMIC_RELAXED);
		mce_wrmsr(msr + 1, 0);
	}
}
