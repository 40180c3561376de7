/* SPDX-License-Identifier: MIT */
/*
 * The CPU state a guest owns without a world switch (x87/SSE, XCR0,
 * DR0-DR3, DR6, DR7, the SYSCALL MSRs): checked against its architectural
 * reset value at start, then changed, so that a restart (the channel tier
 * restarts npt-probe) shows whether anything of the previous boot, or of
 * the firmware before the first one, reached the new boot.
 */
#include "guest.h"
#include "state.h"

#define CR4_OSFXSR (1ul << 9)
#define CR4_OSXSAVE (1ul << 18)
#define MARK 0x5a5a5a5a5a5a5a5aull
#define MSR_MARK 0xffff800000001000ull

static const uint32_t syscall_msrs[] = { 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000102 };

static uint64_t cr4_read(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=r"(v)); return v; }
static void cr4_write(uint64_t v) { __asm__ volatile("mov %0, %%cr4" ::"r"(v) : "memory"); }
static int has_xsave(void) { return !!(cpuid(1).ecx & (1u << 26)); }

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static void xmm_store(uint64_t out[32])
{
	__asm__ volatile("movdqu %%xmm0, 0(%0)\n\tmovdqu %%xmm1, 16(%0)\n\tmovdqu %%xmm2, 32(%0)\n\t"
			 "movdqu %%xmm3, 48(%0)\n\tmovdqu %%xmm4, 64(%0)\n\tmovdqu %%xmm5, 80(%0)\n\t"
			 "movdqu %%xmm6, 96(%0)\n\tmovdqu %%xmm7, 112(%0)\n\tmovdqu %%xmm8, 128(%0)\n\t"
			 "movdqu %%xmm9, 144(%0)\n\tmovdqu %%xmm10, 160(%0)\n\tmovdqu %%xmm11, 176(%0)\n\t"
			 "movdqu %%xmm12, 192(%0)\n\tmovdqu %%xmm13, 208(%0)\n\tmovdqu %%xmm14, 224(%0)\n\t"
			 "movdqu %%xmm15, 240(%0)" ::"r"(out)
			 : "memory");
}

static void xmm_fill(const uint64_t in[32])
{
	__asm__ volatile("movdqu 0(%0), %%xmm0\n\tmovdqu 16(%0), %%xmm1\n\tmovdqu 32(%0), %%xmm2\n\t"
			 "movdqu 48(%0), %%xmm3\n\tmovdqu 64(%0), %%xmm4\n\tmovdqu 80(%0), %%xmm5\n\t"
			 "movdqu 96(%0), %%xmm6\n\tmovdqu 112(%0), %%xmm7\n\tmovdqu 128(%0), %%xmm8\n\t"
			 "movdqu 144(%0), %%xmm9\n\tmovdqu 160(%0), %%xmm10\n\tmovdqu 176(%0), %%xmm11\n\t"
			 "movdqu 192(%0), %%xmm12\n\tmovdqu 208(%0), %%xmm13\n\tmovdqu 224(%0), %%xmm14\n\t"
			 "movdqu 240(%0), %%xmm15" ::"r"(in)
			 : "memory");
}

#define DR_READ(n) ({ uint64_t v_; __asm__ volatile("mov %%dr" #n ", %0" : "=r"(v_)); v_; })
#define DR_WRITE(n, v) __asm__ volatile("mov %0, %%dr" #n ::"r"((uint64_t)(v)))

/* Appends "what" to the list of dirty items. */
static void dirty(char *list, size_t size, const char *what)
{
	size_t n = 0;

	while (list[n])
		n++;
	snprintf(list + n, size - n, "%s%s", n ? ", " : "", what);
}

void state_check_and_dirty(const char *who)
{
	char bad[160] = "";
	uint64_t xmm[32], dr[4] = { DR_READ(0), DR_READ(1), DR_READ(2), DR_READ(3) };
	uint32_t mxcsr;
	uint16_t fcw, fsw;

	cr4_write(cr4_read() | CR4_OSFXSR | (has_xsave() ? CR4_OSXSAVE : 0));
	if (has_xsave() && xgetbv0() != 1)
		dirty(bad, sizeof(bad), "XCR0");
	__asm__ volatile("stmxcsr %0\n\tfnstcw %1\n\tfnstsw %2" : "=m"(mxcsr), "=m"(fcw), "=m"(fsw));
	if (mxcsr != 0x1f80 || fcw != 0x37f || fsw != 0)
		dirty(bad, sizeof(bad), "x87/MXCSR");
	xmm_store(xmm);
	for (int i = 0; i < 32; i++)
		if (xmm[i]) {
			dirty(bad, sizeof(bad), "XMM");
			break;
		}
	if (dr[0] | dr[1] | dr[2] | dr[3])
		dirty(bad, sizeof(bad), "DR0-DR3");
	if (DR_READ(6) != 0xffff0ff0ull || DR_READ(7) != 0x400)
		dirty(bad, sizeof(bad), "DR6/DR7");
	for (unsigned i = 0; i < sizeof(syscall_msrs) / sizeof(syscall_msrs[0]); i++)
		if (rdmsr(syscall_msrs[i])) {
			dirty(bad, sizeof(bad), "SYSCALL MSRs");
			break;
		}
	printf("%s: cpu state at start: %s%s\n", who, bad[0] ? "DIRTY " : "clean", bad);

	/* Leave something of this boot behind for the next. */
	if (has_xsave())
		__asm__ volatile("xsetbv" ::"c"(0), "a"(3), "d"(0));
	mxcsr = 0x7f80, fcw = 0x27f;
	__asm__ volatile("ldmxcsr %0\n\tfldcw %1\n\tfld1" ::"m"(mxcsr), "m"(fcw));
	for (int i = 0; i < 32; i++)
		xmm[i] = MARK + (uint64_t)i;
	xmm_fill(xmm);
	DR_WRITE(0, MARK);
	DR_WRITE(1, MARK);
	DR_WRITE(2, MARK);
	DR_WRITE(3, MARK);
	DR_WRITE(6, 0xffff0ff1ull);
	DR_WRITE(7, 0x500);
	for (unsigned i = 0; i < sizeof(syscall_msrs) / sizeof(syscall_msrs[0]); i++)
		wrmsr(syscall_msrs[i], MSR_MARK);
}
