/* SPDX-License-Identifier: MIT */
/*
 * attack-vmx-insn: every VMX instruction from inside a guest. Each must
 * raise #UD in the guest (CPUID hides VMX; on VMX the instructions exit and
 * the VMM reflects #UD, on SVM the CPU raises it itself), and the guest
 * must keep running. Operands point at a page of the guest's own memory,
 * filled with a plausible VMCS revision, so an instruction that did run
 * would have something to act on. VMCALL with numbers outside the ABI must
 * return -HC_ENOSYS. One verdict: PASS when every instruction gave #UD.
 */
#include "guest.h"

static _Alignas(4096) uint8_t region[4096];
static int failures;

static long expected_len;

static long skip_ud(const struct guest_fault *f)
{
	return f->vector == 6 ? expected_len : -1;
}

static void try(const char *name, long len, void (*run)(void *))
{
	struct guest_fault before = guest_fault_last(), after;

	expected_len = len;
	run(region);
	after = guest_fault_last();
	if (after.count == before.count + 1 && after.vector == 6) {
		printf("attack-vmx-insn: %s raised #UD\n", name);
		return;
	}
	failures++;
	printf("attack-vmx-insn: FAIL %s did not raise #UD (faults %lu -> %lu)\n", name, before.count,
	       after.count);
}

/* The instructions spelled as bytes (no assembler support needed), each
 * run with RAX = the region and RBX = 0; try() gets its exact length. */
#define RUNNER(fn, text)                                                          \
	static void fn(void *p)                                                   \
	{                                                                         \
		unsigned long b = 0;                                              \
		__asm__ volatile(text : "+b"(b) : "a"(p) : "memory", "cc");       \
	}

RUNNER(run_vmxon, ".byte 0xf3, 0x0f, 0xc7, 0x30")	   /* vmxon (%rax) */
RUNNER(run_vmclear, ".byte 0x66, 0x0f, 0xc7, 0x30")	   /* vmclear (%rax) */
RUNNER(run_vmptrld, ".byte 0x0f, 0xc7, 0x30")		   /* vmptrld (%rax) */
RUNNER(run_vmptrst, ".byte 0x0f, 0xc7, 0x38")		   /* vmptrst (%rax) */
RUNNER(run_vmlaunch, ".byte 0x0f, 0x01, 0xc2")		   /* vmlaunch */
RUNNER(run_vmresume, ".byte 0x0f, 0x01, 0xc3")		   /* vmresume */
RUNNER(run_vmxoff, ".byte 0x0f, 0x01, 0xc4")		   /* vmxoff */
RUNNER(run_vmread, ".byte 0x0f, 0x78, 0xc3")		   /* vmread %rax, %rbx */
RUNNER(run_vmwrite, ".byte 0x0f, 0x79, 0xc3")		   /* vmwrite %rbx, %rax */
RUNNER(run_invept, ".byte 0x66, 0x0f, 0x38, 0x80, 0x18")   /* invept (%rax), %rbx */
RUNNER(run_invvpid, ".byte 0x66, 0x0f, 0x38, 0x81, 0x18")  /* invvpid (%rax), %rbx */

static void run_vmfunc(void *p)
{
	(void)p;
	__asm__ volatile(".byte 0x0f, 0x01, 0xd4" ::"a"(0ul), "c"(0ul) : "memory", "cc"); /* vmfunc, EPTP switch 0 */
}

static void check_vmcall_numbers(void)
{
	static const unsigned long bad[] = { HC_COUNT, 0x80000000ul, ~0ul, (1ul << 40) | HC_EXIT };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long r = hc_call(bad[i], ~0ul, ~0ul, ~0ul);

		if (r != -HC_ENOSYS) {
			failures++;
			printf("attack-vmx-insn: FAIL hypercall %#lx returned %ld\n", bad[i], r);
		}
	}
	printf("attack-vmx-insn: hypercalls outside the ABI return -HC_ENOSYS\n");
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	*(uint32_t *)region = 0x2; /* a VMCS revision, should anything read it */
	printf("attack-vmx-insn: attacking: VMX instructions from the guest\n");
	guest_set_fault_handler(skip_ud);
	try("vmxon", 4, run_vmxon);
	try("vmclear", 4, run_vmclear);
	try("vmptrld", 3, run_vmptrld);
	try("vmptrst", 3, run_vmptrst);
	try("vmlaunch", 3, run_vmlaunch);
	try("vmresume", 3, run_vmresume);
	try("vmxoff", 3, run_vmxoff);
	try("vmread", 3, run_vmread);
	try("vmwrite", 3, run_vmwrite);
	try("invept", 5, run_invept);
	try("invvpid", 5, run_invvpid);
	try("vmfunc", 3, run_vmfunc);
	guest_set_fault_handler(NULL);
	if (guest_under_vigil())
		check_vmcall_numbers();
	if (failures)
		verdict(VERDICT_FAIL, "attack-vmx-insn: %d VMX instructions or hypercalls not refused", failures);
	else
		verdict(VERDICT_PASS, "attack-vmx-insn");
	hc_exit(failures ? 1 : 0);
}
