/* SPDX-License-Identifier: MIT */
/*
 * attack-vmx-cr: control-register bits the host owns on VMX.
 *   - CR4.VMXE: reads as 0, and setting it raises #GP (VMX is hidden from
 *     the guest; on VMX the host keeps the real bit set behind a mask);
 *   - CR0.NE: the guest may set and clear it and reads back what it wrote
 *     (VMX forces the real bit on; the guest sees its own value);
 *   - CR8: the guest's own TPR, read back as written; bits above 3 #GP;
 *   - XSETBV (always an exit on VMX): a valid XCR0 is taken and reads back;
 *     every value the architecture refuses (XCR1, no x87, AVX without SSE,
 *     half an MPX or AMX pair, part of AVX-512, AVX-512 without AVX), and
 *     any XSETBV at CPL 3, raises #GP and leaves XCR0 alone, and the VMM
 *     never faults on the guest's behalf.
 * The same answers are expected on SVM, where the CPU gives them itself.
 * One verdict: PASS when every answer is the architectural one.
 */
#include "guest.h"

#define CR0_NE (1ul << 5)
#define CR4_VMXE (1ul << 13)
#define CR4_OSXSAVE (1ul << 18)
#define MOV_CR_LEN 3   /* 0f 22 /r with RAX */
#define MOV_CR8_LEN 4  /* 44 0f 22 /r: REX.R selects CR8 */
#define XSETBV_LEN 3

static int failures;
static long skip_len;

static long skip_gp(const struct guest_fault *f)
{
	return f->vector == 13 ? skip_len : -1;
}

static void check(int ok, const char *what)
{
	printf("attack-vmx-cr: %s %s\n", ok ? "ok  " : "FAIL", what);
	failures += !ok;
}

static uint64_t cr0_read(void) { uint64_t v; __asm__ volatile("mov %%cr0, %0" : "=a"(v)); return v; }
static uint64_t cr4_read(void) { uint64_t v; __asm__ volatile("mov %%cr4, %0" : "=a"(v)); return v; }
static uint64_t cr8_read(void) { uint64_t v; __asm__ volatile("mov %%cr8, %0" : "=a"(v)); return v; }
static void cr0_write(uint64_t v) { __asm__ volatile("mov %0, %%cr0" ::"a"(v) : "memory"); }
static void cr4_write(uint64_t v) { __asm__ volatile("mov %0, %%cr4" ::"a"(v) : "memory"); }
static void cr8_write(uint64_t v) { __asm__ volatile("mov %0, %%cr8" ::"a"(v) : "memory"); }

static uint64_t xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return ((uint64_t)hi << 32) | lo;
}

static void xsetbv(uint32_t index, uint64_t v)
{
	__asm__ volatile("xsetbv" ::"c"(index), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

/* Did the last operation raise exactly one #GP? */
static int gp_since(uint64_t count)
{
	struct guest_fault f = guest_fault_last();

	return f.count == count + 1 && f.vector == 13;
}

static void check_vmxe(void)
{
	uint64_t cr4 = cr4_read(), n = guest_fault_last().count;

	check(!(cr4 & CR4_VMXE), "CR4.VMXE reads as 0");
	skip_len = MOV_CR_LEN;
	cr4_write(cr4 | CR4_VMXE);
	check(gp_since(n), "setting CR4.VMXE raises #GP");
	check(cr4_read() == cr4, "CR4 unchanged after the refused write");
}

static void check_ne(void)
{
	uint64_t cr0 = cr0_read(), n = guest_fault_last().count;

	cr0_write(cr0 | CR0_NE);
	check(cr0_read() & CR0_NE, "CR0.NE set reads back set");
	cr0_write(cr0 & ~CR0_NE);
	check(!(cr0_read() & CR0_NE), "CR0.NE cleared reads back clear");
	cr0_write(cr0);
	check(cr0_read() == cr0 && guest_fault_last().count == n, "CR0 restored, no fault");
}

static void check_cr8(void)
{
	uint64_t n;

	cr8_write(5);
	check(cr8_read() == 5, "CR8 = 5 reads back 5");
	n = guest_fault_last().count;
	skip_len = MOV_CR8_LEN;
	cr8_write(16);
	check(gp_since(n), "CR8 = 16 (reserved bits) raises #GP");
	cr8_write(0);
	check(cr8_read() == 0, "CR8 back to 0");
}

/* XSETBV with a value the architecture refuses must raise exactly one #GP
 * and leave XCR0 alone (VMX: the VMM checks before its own XSETBV). */
static void xsetbv_refused(uint32_t index, uint64_t v, const char *what)
{
	uint64_t before = xgetbv0(), n = guest_fault_last().count;

	skip_len = XSETBV_LEN;
	xsetbv(index, v);
	check(gp_since(n) && xgetbv0() == before, what);
}

static long user_xsetbv(void)
{
	xsetbv(0, 1);
	return 0;
}

static void check_xsetbv_rules(uint64_t supported)
{
	uint64_t avx = 7, n;

	xsetbv_refused(0, 0, "XSETBV XCR0 = 0 (no x87) raises #GP");
	xsetbv_refused(0, 1ull << 62, "XSETBV with an unsupported bit raises #GP");
	xsetbv_refused(1, 1, "XSETBV to XCR1 raises #GP");
	xsetbv_refused(0, 1 | 4, "XSETBV AVX without SSE raises #GP");
	xsetbv_refused(0, 1 | (1ull << 3), "XSETBV MPX BNDREGS without BNDCSR raises #GP");
	xsetbv_refused(0, 1 | (1ull << 17), "XSETBV AMX TILECFG without TILEDATA raises #GP");
	if ((supported & 0xe7) == 0xe7) {
		xsetbv_refused(0, avx | (1ull << 5), "XSETBV one AVX-512 bit alone raises #GP");
		xsetbv_refused(0, 3 | 0xe0, "XSETBV AVX-512 without AVX raises #GP");
		xsetbv(0, avx | 0xe0);
		check(xgetbv0() == (avx | 0xe0), "XSETBV x87|SSE|AVX|AVX-512 reads back");
	}
	if ((supported & avx) == avx) {
		xsetbv(0, avx);
		check(xgetbv0() == avx, "XSETBV x87|SSE|AVX reads back");
	}
	n = guest_fault_last().count;
	skip_len = XSETBV_LEN;
	guest_user_run(user_xsetbv);
	check(gp_since(n), "XSETBV at CPL 3 raises #GP");
}

static void check_xsetbv(void)
{
	uint64_t old;
	struct cpuid_regs d;

	if (!(cpuid(1).ecx & (1u << 26))) {
		printf("attack-vmx-cr: no XSAVE on this CPU: XSETBV not tried\n");
		return;
	}
	cr4_write(cr4_read() | CR4_OSXSAVE);
	d = cpuid_count(0xd, 0);
	old = xgetbv0();
	xsetbv(0, 1);
	check(xgetbv0() == 1, "XSETBV XCR0 = x87 only reads back");
	check_xsetbv_rules(((uint64_t)d.edx << 32) | d.eax);
	xsetbv(0, old);
	check(xgetbv0() == old, "XCR0 restored");
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	printf("attack-vmx-cr: attacking: CR4.VMXE, CR0.NE, CR8, XSETBV\n");
	guest_set_fault_handler(skip_gp);
	check_vmxe();
	check_ne();
	check_cr8();
	check_xsetbv();
	guest_set_fault_handler(NULL);
	if (failures)
		verdict(VERDICT_FAIL, "attack-vmx-cr: %d answers wrong", failures);
	else
		verdict(VERDICT_PASS, "attack-vmx-cr");
	hc_exit(failures ? 1 : 0);
}
