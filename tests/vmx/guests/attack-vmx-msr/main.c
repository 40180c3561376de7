/* SPDX-License-Identifier: MIT */
/*
 * attack-vmx-msr: the MSRs that control VMX. IA32_FEATURE_CONTROL (0x3a)
 * and the VMX capability MSRs (0x480..0x491) must raise #GP on read and on
 * write: they are intercepted and can never be granted (vmm/policy.c). A
 * write that went through could re-enable or lock VMX behind the VMM's back;
 * a read would tell the guest what the host's VMX can do. One verdict.
 */
#include "guest.h"

#define MSR_FEATURE_CONTROL 0x3a
#define MSR_VMX_FIRST 0x480
#define MSR_VMX_LAST 0x491

static int failures;

static long skip_gp(const struct guest_fault *f)
{
	return f->vector == 13 ? RDMSR_LEN : -1; /* WRMSR_LEN is the same */
}

static int faulted(uint64_t before)
{
	struct guest_fault f = guest_fault_last();

	return f.count == before + 1 && f.vector == 13;
}

static void try_msr(uint32_t msr, uint64_t write_value)
{
	uint64_t n = guest_fault_last().count;
	uint64_t v = rdmsr(msr);

	if (!faulted(n)) {
		failures++;
		printf("attack-vmx-msr: FAIL rdmsr %#x gave %#lx\n", msr, v);
	}
	n = guest_fault_last().count;
	wrmsr(msr, write_value);
	if (!faulted(n)) {
		failures++;
		printf("attack-vmx-msr: FAIL wrmsr %#x = %#lx went through\n", msr, write_value);
	}
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	printf("attack-vmx-msr: attacking: IA32_FEATURE_CONTROL and the VMX capability MSRs\n");
	guest_set_fault_handler(skip_gp);
	try_msr(MSR_FEATURE_CONTROL, 0x5);	/* lock, VMX outside SMX */
	try_msr(MSR_FEATURE_CONTROL, 0x0);
	for (uint32_t msr = MSR_VMX_FIRST; msr <= MSR_VMX_LAST; msr++)
		try_msr(msr, ~0ull);
	guest_set_fault_handler(NULL);
	printf("attack-vmx-msr: %u MSRs tried, reads and writes\n", MSR_VMX_LAST - MSR_VMX_FIRST + 2);
	if (failures)
		verdict(VERDICT_FAIL, "attack-vmx-msr: %d accesses not refused", failures);
	else
		verdict(VERDICT_PASS, "attack-vmx-msr");
	hc_exit(failures ? 1 : 0);
}
