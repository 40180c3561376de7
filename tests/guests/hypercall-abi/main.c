/* SPDX-License-Identifier: MIT */
/*
 * hypercall-abi: the hypercall contract of include/vigil/hypercall.h, from
 * the guest's side. Under Vigil it checks that
 *   - HC_VERSION returns HC_ABI_VERSION;
 *   - unknown numbers, including ones that only differ from a valid number
 *     above bit 31, return -HC_ENOSYS;
 *   - a hypercall preserves every general register but RAX;
 *   - from CPL 3, HC_VERSION and HC_EXIT return -HC_EPERM and HC_EXIT does
 *     not stop the guest (if it did, no verdict follows: a failure).
 * Not under Vigil it prints SKIP.
 */
#include "guest.h"
#include "regs.h"

long regs_probe(unsigned long nr, int vmmcall, uint64_t out[REGS_CHECKED]);

static const char *const reg_names[REGS_CHECKED] = {
	"rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "r8",
	"r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

static int abi_failed;

static void abi_check(int ok, const char *what, long got)
{
	printf("hypercall-abi: %s %s (rax %ld)\n", ok ? "ok  " : "FAIL", what, got);
	if (!ok)
		abi_failed = 1;
}

static void check_numbers(void)
{
	static const unsigned long unknown[] = {
		HC_COUNT, 0x7fffffff, 0xffffffff, (1ul << 32) | HC_VERSION,
		(1ul << 32) | HC_EXIT, ~0ul,
	};
	long v = hc_version();

	abi_check(v == HC_ABI_VERSION, "HC_VERSION returns HC_ABI_VERSION", v);
	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		long r = hc_call(unknown[i], 0, 0, 0);

		printf("hypercall-abi: number %#lx\n", unknown[i]);
		abi_check(r == -HC_ENOSYS, "unknown number returns -HC_ENOSYS", r);
	}
}

static void check_registers(void)
{
	uint64_t out[REGS_CHECKED];
	int vmmcall = guest_hypercall_insn()[2] == 'm'; /* "vmmcall" vs "vmcall" */
	long r = regs_probe(HC_VERSION, vmmcall, out);
	int kept = 1;

	for (int i = 0; i < REGS_CHECKED; i++) {
		if (out[i] == (uint64_t)REGS_PATTERN(i))
			continue;
		printf("hypercall-abi: %s was %#lx, came back %#lx\n", reg_names[i],
		       (uint64_t)REGS_PATTERN(i), out[i]);
		kept = 0;
	}
	abi_check(r == HC_ABI_VERSION && kept, "HC_VERSION preserves every register but RAX", r);
}

static long user_version(void)
{
	return hc_version();
}

static long user_exit(void)
{
	return hc_call(HC_EXIT, 5, 0, 0);
}

static void check_user_mode(void)
{
	long r = guest_user_run(user_version);

	abi_check(r == -HC_EPERM, "HC_VERSION from CPL 3 returns -HC_EPERM", r);
	printf("hypercall-abi: HC_EXIT from CPL 3; a stop here is a failure\n");
	r = guest_user_run(user_exit);
	abi_check(r == -HC_EPERM, "HC_EXIT from CPL 3 returns -HC_EPERM, guest still running", r);
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	if (!guest_under_vigil()) {
		verdict(VERDICT_SKIP, "hypercall-abi: not under Vigil");
		hc_exit(0);
	}
	printf("hypercall-abi: hypercalls by %s\n", guest_hypercall_insn());
	check_numbers();
	check_registers();
	check_user_mode();
	if (abi_failed)
		verdict(VERDICT_FAIL, "hypercall-abi: the VMM broke the hypercall ABI");
	else
		verdict(VERDICT_PASS, "hypercall-abi");
	hc_exit(abi_failed);
}
