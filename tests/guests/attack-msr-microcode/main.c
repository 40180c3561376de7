/* SPDX-License-Identifier: MIT */
/*
 * attack-msr-microcode: triggers a microcode update from a blob in guest
 * memory: IA32_BIOS_UPDT_TRIG (0x79, Intel) and PATCH_LOADER (0xc0010020,
 * AMD), and reads the patch level. Microcode is the host's: #GP for each
 * update. IA32_BIOS_SIGN_ID is the guest's own emulation (Linux asks for
 * the revision by writing 0 and reading it back): it reads 0, tells nothing
 * of the host's microcode, accepts the 0 request and refuses anything else.
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
	{
		uint64_t rev = ~0ull;
		struct attack_fault f = attack_wrmsr(MSR_BIOS_SIGN_ID, 0);

		attack_check(!f.count, "wrmsr IA32_BIOS_SIGN_ID <- 0 (the revision request) accepted");
		f = attack_rdmsr(MSR_BIOS_SIGN_ID, &rev);
		attack_check(!f.count && rev == 0, "IA32_BIOS_SIGN_ID reads %#llx, want 0 (nothing of the host's)",
			     (unsigned long long)rev);
		attack_expect(attack_wrmsr(MSR_BIOS_SIGN_ID, 0x1234ull << 32), VEC_GP,
			      "wrmsr IA32_BIOS_SIGN_ID <- a revision");
	}
	attack_end();
}
