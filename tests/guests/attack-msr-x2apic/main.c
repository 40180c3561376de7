/* SPDX-License-Identifier: MIT */
/*
 * attack-msr-x2apic: sends INIT, SIPI and NMI IPIs to every other CPU
 * through the x2APIC interrupt command register (MSR 0x830), and reads the
 * APIC ID and spurious-vector registers. The x2APIC registers are never
 * granted: each access raises #GP.
 */
#include "attack.h"

#define MSR_X2APIC_ID 0x802u
#define MSR_X2APIC_SVR 0x80fu
#define MSR_X2APIC_ICR 0x830u
#define ICR_ALL_BUT_SELF (3ull << 18)
#define ICR_ASSERT (1ull << 14)

static const struct {
	uint64_t icr;
	const char *name;
} ipis[] = {
	{ ICR_ALL_BUT_SELF | ICR_ASSERT | 0x500, "INIT IPI via x2APIC ICR" },
	{ ICR_ALL_BUT_SELF | ICR_ASSERT | 0x600 | 0x10, "SIPI via x2APIC ICR" },
	{ ICR_ALL_BUT_SELF | ICR_ASSERT | 0x400, "NMI via x2APIC ICR" },
};

int guest_main(const struct hvm_start_info *si)
{
	uint64_t v;

	(void)si;
	attack_begin("attack-msr-x2apic");
	for (size_t i = 0; i < sizeof(ipis) / sizeof(ipis[0]); i++)
		attack_expect(attack_wrmsr(MSR_X2APIC_ICR, ipis[i].icr), VEC_GP, ipis[i].name);
	attack_expect(attack_rdmsr(MSR_X2APIC_ID, &v), VEC_GP, "read x2APIC ID");
	attack_expect_msr_gp(MSR_X2APIC_SVR, 0, "x2APIC spurious vector (APIC off)");
	attack_end();
}
