/* SPDX-License-Identifier: MIT */
/*
 * Guest-owned CPU state that no world switch swaps: each guest keeps its
 * CPU to itself, so its x87/SSE/AVX registers, XCR0 and DR0-DR3 stay in
 * the CPU across exits (the VMM is built without FP or SIMD code and never
 * touches them). Before a guest's first instruction, at boot and at every
 * restart, they are put in their architectural reset state, so nothing of
 * the firmware's or of the guest's previous boot survives.
 */
#include "arch/x86/cpu.h"
#include "arch/x86/xcr0.h"

#define CPUID1_ECX_XSAVE (1u << 26)
#define CPUID1_EDX_FXSR (1u << 24)
#define FCW_RESET 0x037fu	/* x87 control word after FNINIT */
#define MXCSR_RESET 0x1f80u
#define MXCSR_OFFSET 24 /* in the legacy (FXSAVE) region; FCW is at 0 */

/* A legacy region and an XSAVE header: XSTATE_BV = 0 puts every component
 * XRSTOR is asked for in its initial state; MXCSR comes from the legacy
 * region. FXRSTOR (a CPU without XSAVE) loads everything from the legacy
 * region: FCW and MXCSR at their reset values, all else 0 (FSW clear, every
 * register empty, XMM zero). Read-only: written once at build time. */
static const _Alignas(64) uint8_t fpu_init_area[512 + 64] = {
	[0] = FCW_RESET & 0xff,
	[1] = FCW_RESET >> 8,
	[MXCSR_OFFSET] = MXCSR_RESET & 0xff,
	[MXCSR_OFFSET + 1] = MXCSR_RESET >> 8,
};

static void fpu_xrstor_all(uint64_t mask)
{
	__asm__ volatile("xrstor %0" ::"m"(fpu_init_area), "a"((uint32_t)mask), "d"((uint32_t)(mask >> 32))
			 : "memory");
}

static void fpu_fxrstor(void)
{
	__asm__ volatile("fninit\n\tfxrstor %0" ::"m"(fpu_init_area) : "memory");
}

void cpu_guest_state_reset(void)
{
	struct cpuid_regs r = cpu_cpuid(1, 0);

	if (r.ecx & CPUID1_ECX_XSAVE) {
		struct cpuid_regs d = cpu_cpuid(0xd, 0);
		uint64_t all = ((uint64_t)d.edx << 32) | d.eax;

		cpu_write_cr4(cpu_read_cr4() | CR4_OSXSAVE | CR4_OSFXSR);
		cpu_xsetbv(0, all); /* every component, so XRSTOR resets each */
		fpu_xrstor_all(all);
		cpu_xsetbv(0, XCR0_X87); /* XCR0's reset value */
	} else if (r.edx & CPUID1_EDX_FXSR) {
		cpu_write_cr4(cpu_read_cr4() | CR4_OSFXSR);
		fpu_fxrstor();
	}
	__asm__ volatile("mov %0, %%dr0\n\tmov %0, %%dr1\n\tmov %0, %%dr2\n\tmov %0, %%dr3" ::"r"(0ull));
	cpu_write_dr6(0xffff0ff0ull);
}
