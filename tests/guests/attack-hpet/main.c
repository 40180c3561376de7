/* SPDX-License-Identifier: MIT */
/*
 * attack-hpet: reads the HPET's capabilities register at its usual base.
 * The HPET is not mapped into any guest: the VMM must stop the guest.
 */
#include "attack.h"

#define HPET_CAPS 0xfed00000ull

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-hpet");
	attack_stop_read(HPET_CAPS, "HPET capabilities");
}
