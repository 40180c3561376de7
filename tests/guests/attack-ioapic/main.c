/* SPDX-License-Identifier: MIT */
/*
 * attack-ioapic: selects an I/O APIC redirection entry (a write to IOREGSEL
 * at the default base), the first step of rerouting the machine's
 * interrupts. The I/O APIC is not mapped: the VMM must stop the guest.
 */
#include "attack.h"

#define IOAPIC_IOREGSEL 0xfec00000ull
#define IOAPIC_REDTBL0 0x10

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-ioapic");
	attack_stop_write(IOAPIC_IOREGSEL, IOAPIC_REDTBL0, "I/O APIC register select");
}
