// SPDX-License-Identifier: MIT
/*
 * Unit tests of vmm/cpuid.c's filter: what a guest sees of a host whose
 * CPUID answers have every bit set. The expected answers are written out
 * here bit by bit (not taken from cpuid.c's macros), so removing any hiding
 * rule, or hiding something more, fails a case. The speculation-control
 * bits shown must be exactly those whose MSRs vmm/spec.c emulates.
 */
#define CHECK_SUITE "cpuid"
#include "tests/unit/check.h"

#include <stdint.h>
#include "vmm/cpuid.h"
#include "vmm/spec.h"

#define B(n) (1u << (n))

static const struct cpuid_regs all_ones = { ~0u, ~0u, ~0u, ~0u };
static const struct cpuid_regs zeros = { 0, 0, 0, 0 };
static const struct cpuid_vcpu_facts vcpu0 = { 0, false };

static struct cpuid_regs view(uint32_t leaf, uint32_t sub, struct cpuid_regs host)
{
	return cpuid_guest_view(leaf, sub, host, &vcpu0);
}

static int regs_eq(uint32_t leaf, uint32_t sub, struct cpuid_regs got, struct cpuid_regs want)
{
	if (!memcmp(&got, &want, sizeof(got)))
		return 1;
	printf("    leaf %#x.%u: got %08x %08x %08x %08x, want %08x %08x %08x %08x\n", leaf, sub, got.eax,
	       got.ebx, got.ecx, got.edx, want.eax, want.ebx, want.ecx, want.edx);
	return 0;
}

/* Every allowed leaf of an all-ones host, as the guest must see it. */
static const struct {
	uint32_t leaf, sub;
	struct cpuid_regs want;
} every_bit_set[] = {
	{ 0x0, 0, { ~0u, ~0u, ~0u, ~0u } },
	/* VMX 5, MONITOR 3, x2APIC 21, OSXSAVE 27 (the guest's CR4 has it
	 * clear) hidden; TSC-deadline 24 (the virtual LAPIC's) and hypervisor
	 * 31 set; APIC ID 0, one logical CPU. EDX: MTRR 12 hidden. */
	/* MTRR 12, ACPI thermal 22, TM 29 (EDX) and TM2 8, PDCM 15 (ECX) hidden. */
	{ 0x1, 0, { ~0u, 0x0001ffffu, ~(B(3) | B(5) | B(8) | B(15) | B(21) | B(27)), ~(B(12) | B(22) | B(29)) } },
	{ 0x2, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x4, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x4, 3, { ~0u, ~0u, ~0u, ~0u } },
	/* FSGSBASE (EBX 0), LA57 (ECX 16), ARCH_CAPABILITIES (EDX 29) and
	 * CORE_CAPABILITIES (EDX 30) hidden; IBRS/IBPB 26, STIBP 27, L1D_FLUSH 28
	 * and SSBD 31 shown: the VMM emulates their MSRs. */
	{ 0x7, 0, { ~0u, ~(B(0) | B(1)), ~B(16), ~(B(29) | B(30)) } }, /* and TSC_ADJUST (EBX 1) */
	{ 0x7, 1, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x7, 2, { 0, 0, 0, 0 } }, /* more SPEC_CTRL bits, none offered */
	{ 0x7, 3, { ~0u, ~0u, ~0u, ~0u } },
	{ 0xd, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0xd, 1, { ~B(3), ~0u, ~0u, ~0u } }, /* XSAVES: no IA32_XSS */
	{ 0x80000000, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000001, 0, { ~0u, ~0u, ~(B(2) | B(12)), ~0u } }, /* SVM, SKINIT */
	{ 0x80000002, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000003, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000004, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000005, 0, { ~0u, ~0u, ~0u, ~0u } },
	{ 0x80000006, 0, { ~0u, ~0u, ~0u, ~0u } },
	/* VIRT_SSBD (25) and PSFD (28) hidden; IBPB 12, IBRS 14, STIBP 15, SSBD 24 shown. */
	{ 0x80000008, 0, { ~0u, ~(B(25) | B(28)), ~0u, ~0u } },
};

static void every_allowed_leaf_exactly(void)
{
	for (size_t i = 0; i < sizeof(every_bit_set) / sizeof(every_bit_set[0]); i++) {
		uint32_t leaf = every_bit_set[i].leaf, sub = every_bit_set[i].sub;

		CHECK(cpuid_leaf_allowed(leaf));
		CHECK(regs_eq(leaf, sub, view(leaf, sub, all_ones), every_bit_set[i].want));
	}
}

static void leaf7_hides_fsgsbase(void)
{
	CHECK_EQ(view(7, 0, all_ones).ebx & B(0), 0);
}

static void leaf7_hides_la57(void)
{
	CHECK_EQ(view(7, 0, all_ones).ecx & B(16), 0);
}

static void leaf7_hides_arch_and_core_capabilities(void)
{
	CHECK_EQ(view(7, 0, all_ones).edx & (B(29) | B(30)), 0);
}

static void leaf7_shows_emulated_speculation_controls(void)
{
	uint32_t spec = B(26) | B(27) | B(28) | B(31);

	CHECK_EQ(view(7, 0, all_ones).edx & spec, spec);
	CHECK_EQ(view(7, 0, zeros).edx, 0); /* never more than the host has */
}

static void ext8_hides_virt_ssbd_and_psfd(void)
{
	uint32_t spec = B(12) | B(14) | B(15) | B(24);
	struct cpuid_regs r = view(0x80000008, 0, all_ones);

	CHECK_EQ(r.ebx & (B(25) | B(28)), 0);
	CHECK_EQ(r.ebx & spec, spec);
	CHECK_EQ(view(0x80000008, 0, zeros).ebx, 0);
}

static void leaf1_reports_the_vcpu(void)
{
	struct cpuid_vcpu_facts f = { 3, true };
	struct cpuid_regs r = cpuid_guest_view(1, 0, all_ones, &f);

	CHECK_EQ(r.ebx, 0x0301ffffu);
	CHECK_EQ(r.ecx, ~(B(3) | B(5) | B(8) | B(15) | B(21)));
	r = cpuid_guest_view(1, 0, zeros, &f);
	CHECK_EQ(r.ecx, B(24) | B(27) | B(31));
}

/* Leaf 0 reaches at least 0x16, whatever the host's highest leaf. */
static void leaf0_reaches_the_clock_leaves(void)
{
	struct cpuid_regs host = { 0xd, 1, 2, 3 };

	CHECK(regs_eq(0, 0, view(0, 0, host), (struct cpuid_regs){ 0x16, 1, 2, 3 }));
	host.eax = 0x20;
	CHECK_EQ(view(0, 0, host).eax, 0x20);
}

/* The platform's own leaves, whatever the host says: ARAT, and the clocks
 * as cpuid_clock has them (a 2.4 GHz TSC on a 25 MHz crystal here). */
static void platform_leaves(void)
{
	cpuid_clock = (struct cpuid_clock){ 25000000, 96, 2400 };
	CHECK(regs_eq(6, 0, view(6, 0, all_ones), (struct cpuid_regs){ B(2), 0, 0, 0 }));
	CHECK(regs_eq(0x15, 0, view(0x15, 0, zeros), (struct cpuid_regs){ 1, 96, 25000000, 0 }));
	CHECK(regs_eq(0x16, 0, view(0x16, 0, all_ones), (struct cpuid_regs){ 2400, 2400, 25, 0 }));
	cpuid_clock = (struct cpuid_clock){ 0, 0, 0 };
}

static void unlisted_leaves_read_zeros(void)
{
	static const uint32_t leaves[] = { 0x3, 0x5, 0x8, 0xa, 0xb, 0x14, 0x1f, 0x40000002, 0x400000ff,
					   0x40000102, 0x40000200, 0x40000201, 0x80000007, 0x8000000a, 0x8000001f, 0x80000021 };

	for (size_t i = 0; i < sizeof(leaves) / sizeof(leaves[0]); i++) {
		CHECK(!cpuid_leaf_allowed(leaves[i]));
		CHECK(regs_eq(leaves[i], 0, view(leaves[i], 0, all_ones), zeros));
	}
}

static void hypervisor_leaves(void)
{
	struct cpuid_regs r = view(0x40000000, 0, all_ones);

	CHECK_EQ(r.eax, 0x40000001);
	CHECK(!memcmp(&r.ebx, "VigilVig", 8) && !memcmp(&r.edx, "ilVi", 4));
	CHECK_EQ(view(0x40000001, 0, all_ones).ebx, 0);
	/* KVM's clock leaves: the signature Linux scans for, and only the
	 * two clock features (no PV EOI, async faults, steal time, IPIs). */
	r = view(0x40000100, 0, all_ones);
	CHECK_EQ(r.eax, 0x40000101);
	CHECK(!memcmp(&r.ebx, "KVMKVMKV", 8) && !memcmp(&r.edx, "M\0\0\0", 4));
	CHECK(regs_eq(0x40000101, 0, view(0x40000101, 0, all_ones),
		      (struct cpuid_regs){ (1u << 3) | (1u << 24), 0, 0, 0 }));
}

/* spec_caps_from_cpuid of what the guest sees must equal that of the
 * host: each speculation-control bit is shown exactly when vmm/spec.c
 * emulates what it enumerates. One host bit at a time, and all of them. */
static int caps_eq(struct spec_caps a, struct spec_caps b)
{
	return a.spec_ctrl == b.spec_ctrl && a.ibpb == b.ibpb && a.l1d_flush == b.l1d_flush;
}

static void shown_speculation_controls_are_emulated(void)
{
	for (unsigned bit = 0; bit <= 32; bit++) {
		uint32_t m = bit < 32 ? B(bit) : ~0u;
		struct cpuid_regs h7 = { 0, 0, 0, m }, h8 = { 0, m, 0, 0 };
		struct spec_caps host = spec_caps_from_cpuid(h7, h8);
		struct spec_caps guest = spec_caps_from_cpuid(view(7, 0, h7), view(0x80000008, 0, h8));

		if (!CHECK(caps_eq(host, guest)))
			printf("    host bit %u\n", bit);
	}
}

static void spec_caps_decode(void)
{
	struct cpuid_regs none = zeros;
	struct spec_caps c = spec_caps_from_cpuid(all_ones, none);

	CHECK_EQ(c.spec_ctrl, SPEC_CTRL_IBRS | SPEC_CTRL_STIBP | SPEC_CTRL_SSBD);
	CHECK(c.ibpb && c.l1d_flush);
	c = spec_caps_from_cpuid(none, all_ones); /* AMD: no L1D flush command */
	CHECK_EQ(c.spec_ctrl, SPEC_CTRL_IBRS | SPEC_CTRL_STIBP | SPEC_CTRL_SSBD);
	CHECK(c.ibpb && !c.l1d_flush);
	c = spec_caps_from_cpuid((struct cpuid_regs){ 0, 0, 0, B(27) }, none); /* STIBP alone */
	CHECK_EQ(c.spec_ctrl, SPEC_CTRL_STIBP);
	CHECK(!c.ibpb && !c.l1d_flush);
	c = spec_caps_from_cpuid(none, (struct cpuid_regs){ 0, B(12), 0, 0 }); /* IBPB alone: no SPEC_CTRL */
	CHECK_EQ(c.spec_ctrl, 0);
	CHECK(c.ibpb);
	c = spec_caps_from_cpuid((struct cpuid_regs){ 0, 0, 0, B(29) }, none); /* ARCH_CAPABILITIES gives nothing */
	CHECK(caps_eq(c, spec_caps_from_cpuid(none, none)));
}

int main(void)
{
	CHECK_RUN(every_allowed_leaf_exactly);
	CHECK_RUN(leaf7_hides_fsgsbase);
	CHECK_RUN(leaf7_hides_la57);
	CHECK_RUN(leaf7_hides_arch_and_core_capabilities);
	CHECK_RUN(leaf7_shows_emulated_speculation_controls);
	CHECK_RUN(ext8_hides_virt_ssbd_and_psfd);
	CHECK_RUN(leaf1_reports_the_vcpu);
	CHECK_RUN(leaf0_reaches_the_clock_leaves);
	CHECK_RUN(platform_leaves);
	CHECK_RUN(unlisted_leaves_read_zeros);
	CHECK_RUN(hypervisor_leaves);
	CHECK_RUN(shown_speculation_controls_are_emulated);
	CHECK_RUN(spec_caps_decode);
	return check_done();
}
