// SPDX-License-Identifier: MIT
/*
 * The TLB-flush decisions (vmm/vcpu.h: vcpu_started, vcpu_tlb_flush_due)
 * through a guest's life: which entries of which vCPU drop the guest's
 * translations. QEMU drops its whole TLB at every world switch and Bochs
 * its guest entries, so a flush left out never shows in an emulated boot;
 * it is checked here. Each step calls what the VMM calls at that point:
 * vm_boot_state (vmm/vm.c) starts vCPU 0 at boot and restart,
 * vcpu_wait_sipi (vmm/vcpu.c) starts a vCPU at its SIPI, and every entry
 * asks vcpu_tlb_flush_due (arch/x86/svm/svm.c, arch/x86/vmx/vmx_exit.c).
 */
#define CHECK_SUITE "tlb"
#include "tests/unit/check.h"

#include <stdint.h>
#include "vmm/vcpu.h"

/* Entries of v in a row; how many of them flushed. */
static unsigned entries(struct vcpu *v, unsigned n)
{
	unsigned flushed = 0;

	while (n--)
		flushed += vcpu_tlb_flush_due(v);
	return flushed;
}

/* The guest's first entry flushes (another user of the CPU, the firmware
 * or an earlier VMM, may have left translations under the same tags);
 * the exits after it do not. */
static void first_entry_flushes_once(void)
{
	struct vcpu v = { .index = 0 };

	CHECK_EQ(entries(&v, 1), 0); /* not started: nothing runs, nothing to drop */
	vcpu_started(&v);
	CHECK_EQ(entries(&v, 1), 1);
	CHECK_EQ(entries(&v, 100000), 0);
}

/* Two vCPUs: the boot vCPU starts at boot, its sibling at the guest's
 * SIPI; each flushes at its own first entry, neither at the other's. */
static void each_vcpu_at_its_own_start(void)
{
	struct vcpu v0 = { .index = 0 }, v1 = { .index = 1 };

	vcpu_started(&v0);
	CHECK_EQ(entries(&v0, 10), 1);
	CHECK_EQ(entries(&v1, 10), 0); /* waiting for SIPI: never entered */
	vcpu_started(&v1);		/* the SIPI */
	CHECK_EQ(entries(&v1, 10), 1);
	CHECK_EQ(entries(&v0, 10), 0);
}

/* INIT then SIPI to a running AP (Linux taking a CPU offline and back):
 * INIT drops the TLBs on hardware, so the AP's next start flushes; its
 * sibling keeps its translations. */
static void init_sipi_flushes_the_ap(void)
{
	struct vcpu v0 = { .index = 0 }, v1 = { .index = 1 };

	vcpu_started(&v0);
	vcpu_started(&v1);
	entries(&v0, 5);
	entries(&v1, 5);
	for (unsigned round = 0; round < 3; round++) {
		vcpu_started(&v1); /* vcpu_wait_sipi after INIT, at the SIPI */
		CHECK_EQ(entries(&v1, 50), 1);
		CHECK_EQ(entries(&v0, 50), 0);
	}
}

/* A restart (the guest's reset, a triple fault, the operator): its memory
 * is loaded afresh, so every vCPU flushes at its next start: vCPU 0 at
 * once, the others at their SIPI of the new boot. */
static void restart_flushes_every_vcpu(void)
{
	struct vcpu v[3] = { [1] = { .index = 1 }, [2] = { .index = 2 } };

	for (unsigned i = 0; i < 3; i++) {
		vcpu_started(&v[i]);
		entries(&v[i], 20);
	}
	vcpu_started(&v[0]); /* vm_boot_state */
	CHECK_EQ(entries(&v[0], 20), 1);
	CHECK_EQ(entries(&v[1], 1) + entries(&v[2], 1), 0); /* still waiting for SIPI */
	vcpu_started(&v[2]);
	vcpu_started(&v[1]);
	CHECK_EQ(entries(&v[1], 20), 1);
	CHECK_EQ(entries(&v[2], 20), 1);
}

/* What does not start a vCPU does not flush: an operator's stop and
 * start (memory as it was), a policy update (bitmaps, no translations),
 * another guest's restart. */
static void no_start_no_flush(void)
{
	struct vcpu mine = { .index = 0 }, other = { .index = 0 };

	vcpu_started(&mine);
	vcpu_started(&other);
	entries(&mine, 1);
	entries(&other, 1);
	vcpu_started(&other); /* the other guest restarts */
	CHECK_EQ(entries(&mine, 1000), 0);
	CHECK_EQ(entries(&other, 1000), 1);
}

/* A start between two entries is never lost, however many came before:
 * the counters wrap and the decision is inequality, not order. */
static void start_count_wraps(void)
{
	struct vcpu v = { .starts = UINT32_MAX - 1, .tlb_starts = UINT32_MAX - 1 };

	for (unsigned i = 0; i < 4; i++) {
		vcpu_started(&v);
		CHECK_EQ(entries(&v, 3), 1);
	}
	CHECK_EQ(v.starts, 2);
	/* Two starts before one entry (INIT and SIPI twice while it could not
	 * enter): one flush covers both. */
	vcpu_started(&v);
	vcpu_started(&v);
	CHECK_EQ(entries(&v, 3), 1);
}

int main(void)
{
	CHECK_RUN(first_entry_flushes_once);
	CHECK_RUN(each_vcpu_at_its_own_start);
	CHECK_RUN(init_sipi_flushes_the_ap);
	CHECK_RUN(restart_flushes_every_vcpu);
	CHECK_RUN(no_start_no_flush);
	CHECK_RUN(start_count_wraps);
	return check_done();
}
