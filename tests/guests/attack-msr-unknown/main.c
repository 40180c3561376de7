/* SPDX-License-Identifier: MIT */
/*
 * attack-msr-unknown: reads and writes MSRs nobody granted and nobody
 * emulates: architectural ones at the ends of the bitmap ranges, other
 * hypervisors' paravirtual MSRs, and numbers outside every range an MSR
 * bitmap can express (which always exit on SVM). Default deny: #GP for
 * each, both ways.
 */
#include "attack.h"

static const uint32_t unknown_msrs[] = {
	0x0,	    /* P5_MC_ADDR */
	0x1fff,	    /* last of the low bitmap range */
	0x2000,	    /* first past it */
	0x40000000, /* Hyper-V guest OS ID */
	0x4b564d02, /* KVM async page faults (its clock MSRs are offered) */
	0x87654321,
	0xc0001fff, /* last of the high bitmap range */
	0xc0002000,
	0xc0011fff,
	0xc0012000,
	0xffffffff,
};

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-msr-unknown");
	for (size_t i = 0; i < sizeof(unknown_msrs) / sizeof(unknown_msrs[0]); i++)
		attack_expect_msr_gp(unknown_msrs[i], 0x1, "unknown");
	attack_end();
}
