/* SPDX-License-Identifier: MIT */
/*
 * attack-msr-microcode: triggers a microcode update from a blob in guest
 * memory: IA32_BIOS_UPDT_TRIG (0x79, Intel) and PATCH_LOADER (0xc0010020,
 * AMD), and reads the patch level. Microcode is the host's: #GP for each.
 */
#include "attack.h"

#define MSR_BIOS_UPDT_TRIG 0x79u
#define MSR_BIOS_SIGN_ID 0x8bu
#define MSR_AMD_PATCH_LOADER 0xc0010020u

static uint8_t fake_update[4096] __attribute__((aligned(4096)));

int guest_main(const struct hvm_start_info *si)
{
	uint64_t blob = (uint64_t)(uintptr_t)fake_update + 48; /* past a 48-byte header */

	(void)si;
	attack_begin("attack-msr-microcode");
	fake_update[0] = 1; /* header version 1 */
	attack_expect(attack_wrmsr(MSR_BIOS_UPDT_TRIG, blob), VEC_GP, "wrmsr IA32_BIOS_UPDT_TRIG");
	attack_expect(attack_wrmsr(MSR_AMD_PATCH_LOADER, (uint64_t)(uintptr_t)fake_update), VEC_GP,
		      "wrmsr PATCH_LOADER");
	attack_expect_msr_gp(MSR_BIOS_SIGN_ID, 0, "IA32_BIOS_SIGN_ID");
	attack_end();
}
