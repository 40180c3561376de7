/* SPDX-License-Identifier: MIT */
/*
 * attack-ipi-sipi: sends a start-up IPI (SIPI) to every other CPU through the
 * local APIC's interrupt command register (xAPIC MMIO, shorthand "all
 * excluding self"): it would reset, restart or interrupt the CPUs of the VMM
 * and of the other guests. No guest has the APIC mapped: the VMM must stop
 * the guest on the write.
 */
#include "attack.h"

#define LAPIC_ICR_LOW 0xfee00300ull
#define ICR_VALUE 0x000c4610

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-ipi-sipi");
	attack_stop_write32(LAPIC_ICR_LOW, ICR_VALUE, "start-up IPI (vector 0x10) to every other CPU");
}
