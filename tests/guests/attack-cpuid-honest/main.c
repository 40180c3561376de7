/* SPDX-License-Identifier: MIT */
/*
 * attack-cpuid-honest: CPUID may show a guest only what it can use. For
 * every speculation control CPUID shows (Intel's leaf 7 EDX, AMD's
 * 0x80000008 EBX) the MSR must work as on hardware, with #GP for the bits
 * not shown; for every one not shown the MSR must raise #GP. The features
 * Vigil does not give a guest must be hidden: LA57, FSGSBASE,
 * ARCH_CAPABILITIES and CORE_CAPABILITIES (their MSRs raise #GP),
 * VIRT_SSBD, PSFD and the further SPEC_CTRL bits of leaf 7 sub-leaf 2.
 */
#include "attack.h"

#define MSR_SPEC_CTRL 0x48u
#define MSR_PRED_CMD 0x49u
#define MSR_CORE_CAPABILITIES 0xcfu
#define MSR_ARCH_CAPABILITIES 0x10au
#define MSR_FLUSH_CMD 0x10bu
#define MSR_VIRT_SPEC_CTRL 0xc001011fu

#define SPEC_IBRS (1ull << 0)
#define SPEC_STIBP (1ull << 1)
#define SPEC_SSBD (1ull << 2)
#define BIT(n) (1u << (n))

/* What CPUID shows this guest. */
struct shown {
	uint32_t ebx7, ecx7, edx7, edx7_2, ebx88;
	uint64_t spec_ctrl; /* SPEC_CTRL bits enumerated */
	int ibpb, l1d_flush;
};

static struct shown shown_read(void)
{
	struct shown s = { 0 };

	if (cpuid(0).eax >= 7) {
		struct cpuid_regs r = cpuid_count(7, 0);

		s.ebx7 = r.ebx, s.ecx7 = r.ecx, s.edx7 = r.edx;
		s.edx7_2 = cpuid_count(7, 2).edx;
	}
	if (cpuid(0x80000000u).eax >= 0x80000008u)
		s.ebx88 = cpuid(0x80000008u).ebx;
	if ((s.edx7 & BIT(26)) || (s.ebx88 & BIT(14)))
		s.spec_ctrl |= SPEC_IBRS;
	if ((s.edx7 & BIT(27)) || (s.ebx88 & BIT(15)))
		s.spec_ctrl |= SPEC_STIBP;
	if ((s.edx7 & BIT(31)) || (s.ebx88 & BIT(24)))
		s.spec_ctrl |= SPEC_SSBD;
	s.ibpb = (s.edx7 & BIT(26)) || (s.ebx88 & BIT(12));
	s.l1d_flush = !!(s.edx7 & BIT(28));
	return s;
}

static void expect_works(struct attack_fault r, const char *what)
{
	attack_check(r.vector == ATTACK_NO_FAULT, "%s: %s", what,
		     r.vector == ATTACK_NO_FAULT ? "no fault" : guest_fault_name(r.vector));
}

static void hidden(const struct shown *s)
{
	attack_check(!(s->ebx7 & BIT(0)), "leaf 7: FSGSBASE hidden (ebx %#x)", s->ebx7);
	attack_check(!(s->ecx7 & BIT(16)), "leaf 7: LA57 hidden (ecx %#x)", s->ecx7);
	attack_check(!(s->edx7 & BIT(29)), "leaf 7: ARCH_CAPABILITIES hidden (edx %#x)", s->edx7);
	attack_check(!(s->edx7 & BIT(30)), "leaf 7: CORE_CAPABILITIES hidden");
	attack_check(!s->edx7_2, "leaf 7.2: edx %#x, want 0 (no further SPEC_CTRL bits)", s->edx7_2);
	attack_check(!(s->ebx88 & (BIT(25) | BIT(28))), "0x80000008: VIRT_SSBD, PSFD hidden (ebx %#x)",
		     s->ebx88);
	attack_expect_msr_gp(MSR_ARCH_CAPABILITIES, 0, "IA32_ARCH_CAPABILITIES, hidden");
	attack_expect_msr_gp(MSR_CORE_CAPABILITIES, 0, "IA32_CORE_CAPABILITIES, hidden");
	attack_expect_msr_gp(MSR_VIRT_SPEC_CTRL, 0, "VIRT_SPEC_CTRL, hidden");
}

/* Write val to SPEC_CTRL and expect it to read back. */
static void spec_ctrl_set(uint64_t val)
{
	char what[48];
	uint64_t got = ~0ull;

	snprintf(what, sizeof(what), "wrmsr SPEC_CTRL <- %#lx", val);
	expect_works(attack_wrmsr(MSR_SPEC_CTRL, val), what);
	expect_works(attack_rdmsr(MSR_SPEC_CTRL, &got), "rdmsr SPEC_CTRL");
	attack_check(got == val, "SPEC_CTRL reads %#lx, want %#lx", got, val);
}

static void spec_ctrl(const struct shown *s)
{
	static const uint64_t never[] = { 1ull << 3, 1ull << 7, 1ull << 10, 1ull << 32, 1ull << 63 };
	uint64_t got = ~0ull;
	char what[64];

	if (!s->spec_ctrl) {
		attack_expect_msr_gp(MSR_SPEC_CTRL, 0, "IA32_SPEC_CTRL, not shown");
		return;
	}
	expect_works(attack_rdmsr(MSR_SPEC_CTRL, &got), "rdmsr SPEC_CTRL");
	attack_check(got == 0, "SPEC_CTRL starts at 0 (%#lx)", got);
	for (uint64_t bit = SPEC_IBRS; bit <= SPEC_SSBD; bit <<= 1) {
		if (s->spec_ctrl & bit) {
			spec_ctrl_set(bit);
			continue;
		}
		snprintf(what, sizeof(what), "wrmsr SPEC_CTRL <- %#lx (not shown)", bit);
		attack_expect(attack_wrmsr(MSR_SPEC_CTRL, bit), VEC_GP, what);
	}
	spec_ctrl_set(s->spec_ctrl);
	for (size_t i = 0; i < sizeof(never) / sizeof(never[0]); i++) {
		snprintf(what, sizeof(what), "wrmsr SPEC_CTRL <- %#lx (undefined)", never[i]);
		attack_expect(attack_wrmsr(MSR_SPEC_CTRL, never[i]), VEC_GP, what);
	}
	expect_works(attack_rdmsr(MSR_SPEC_CTRL, &got), "rdmsr SPEC_CTRL");
	attack_check(got == s->spec_ctrl, "SPEC_CTRL unchanged by the refused writes (%#lx)", got);
	spec_ctrl_set(0);
}

/* A write-only command MSR: the defined bit (bit 0) runs it when shown. */
static void command(uint32_t msr, int shown, const char *name)
{
	uint64_t got;
	char what[64];

	snprintf(what, sizeof(what), "rdmsr %s (write-only)", name);
	attack_expect(attack_rdmsr(msr, &got), VEC_GP, what);
	snprintf(what, sizeof(what), "wrmsr %s <- 1%s", name, shown ? "" : " (not shown)");
	if (!shown) {
		attack_expect(attack_wrmsr(msr, 1), VEC_GP, what);
		return;
	}
	expect_works(attack_wrmsr(msr, 1), what);
	snprintf(what, sizeof(what), "wrmsr %s <- 2 (undefined)", name);
	attack_expect(attack_wrmsr(msr, 2), VEC_GP, what);
	snprintf(what, sizeof(what), "wrmsr %s <- 1 << 63 (undefined)", name);
	attack_expect(attack_wrmsr(msr, 1ull << 63), VEC_GP, what);
}

int guest_main(const struct hvm_start_info *si)
{
	struct shown s;

	(void)si;
	attack_begin("attack-cpuid-honest");
	s = shown_read();
	attack_note("shown: SPEC_CTRL bits %#lx, IBPB %d, L1D flush %d (leaf 7 edx %#x, 0x80000008 ebx %#x)",
		    s.spec_ctrl, s.ibpb, s.l1d_flush, s.edx7, s.ebx88);
	hidden(&s);
	spec_ctrl(&s);
	command(MSR_PRED_CMD, s.ibpb, "PRED_CMD");
	command(MSR_FLUSH_CMD, s.l1d_flush, "FLUSH_CMD");
	attack_end();
}
