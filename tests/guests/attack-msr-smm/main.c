/* SPDX-License-Identifier: MIT */
/*
 * attack-msr-smm: reads and moves the SMM configuration: SMBASE, the TSEG
 * base and mask (SMM_ADDR/SMM_MASK, which protect SMRAM), SMM_BASE and
 * SMM_CTL. SMM is out of every guest's reach: #GP both ways for each.
 */
#include "attack.h"

static const struct {
	uint32_t msr;
	const char *name;
} smm_msrs[] = {
	{ 0x9e, "IA32_SMBASE" },
	{ 0xc0010111, "SMM_BASE" },
	{ 0xc0010112, "SMM_ADDR (TSEG base)" },
	{ 0xc0010113, "SMM_MASK (TSEG mask)" },
	{ 0xc0010116, "SMM_CTL" },
};

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-msr-smm");
	for (size_t i = 0; i < sizeof(smm_msrs) / sizeof(smm_msrs[0]); i++)
		attack_expect_msr_gp(smm_msrs[i].msr, 0, smm_msrs[i].name);
	attack_end();
}
