/* SPDX-License-Identifier: MIT */
/*
 * attack-lapic: reads the local APIC's ID register at its default MMIO
 * base. No guest has the APIC mapped: the VMM must stop the guest.
 */
#include "attack.h"

#define LAPIC_ID 0xfee00020ull

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-lapic");
	attack_stop_read(LAPIC_ID, "local APIC ID register");
}
