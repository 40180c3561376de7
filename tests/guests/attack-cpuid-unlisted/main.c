/* SPDX-License-Identifier: MIT */
/*
 * attack-cpuid-unlisted: sweeps CPUID leaves and subleaves outside the
 * VMM's allow-list (docs/vmm.md): topology, cache, power, trace, SEV and
 * other hypervisors' leaves would describe the host. Every one must read
 * as zeros in all four registers.
 */
#include "attack.h"

#define SHOWN_MAX 8 /* leaking leaves shown; all are counted */

/* The allow-list this guest holds Vigil to (vmm/cpuid.c, docs/vmm.md). */
static int leaf_allowed(uint32_t leaf)
{
	switch (leaf) {
	case 0x0: case 0x1: case 0x2: case 0x4: case 0x7: case 0xd:
	case 0x6: case 0x15: case 0x16: /* the platform's own: ARAT, the clocks */
	case 0x40000000: case 0x40000001:
	case 0x40000100: case 0x40000101: /* KVM's clock leaves: attack-pvclock */
	case 0x80000000: case 0x80000001: case 0x80000002: case 0x80000003:
	case 0x80000004: case 0x80000005: case 0x80000006: case 0x80000008:
		return 1;
	default:
		return 0;
	}
}

static const struct {
	uint32_t first, last;
} sweeps[] = {
	{ 0x0, 0x3f },
	{ 0x40000000, 0x400000ff },
	{ 0x40000100, 0x400001ff }, /* the next hypervisor base: KVM's clock, nothing more */
	{ 0x40000200, 0x40000201 },
	{ 0x80000000, 0x8000003f },
	{ 0xc0000000, 0xc0000004 }, /* Centaur */
	{ 0x20000000, 0x20000000 },
	{ 0x8fffffff, 0x8fffffff },
	{ 0xffffffff, 0xffffffff },
};

int guest_main(const struct hvm_start_info *si)
{
	unsigned tried = 0, leaked = 0;
	struct cpuid_regs r;

	(void)si;
	attack_begin("attack-cpuid-unlisted");
	for (size_t s = 0; s < sizeof(sweeps) / sizeof(sweeps[0]); s++) {
		for (uint32_t leaf = sweeps[s].first;; leaf++) {
			for (uint32_t sub = 0; sub < 3 && !leaf_allowed(leaf); sub++) {
				r = cpuid_count(leaf, sub);
				tried++;
				if ((r.eax | r.ebx | r.ecx | r.edx) && leaked++ < SHOWN_MAX)
					attack_note("leaf %#x.%u: %#x %#x %#x %#x", leaf, sub, r.eax,
						    r.ebx, r.ecx, r.edx);
			}
			if (leaf == sweeps[s].last)
				break;
		}
	}
	attack_check(!leaked, "%u unlisted leaf/subleaf pairs read zeros (%u did not)", tried,
		     leaked);
	attack_end();
}
