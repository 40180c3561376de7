/* SPDX-License-Identifier: MIT */
/*
 * attack-ipi-nmi: sends an NMI: it would interrupt the CPU, to every other CPU
 * through the local APIC's interrupt command register (xAPIC MMIO): with
 * the shorthand "all excluding self", "all including self", and to every
 * physical APIC ID 0..255 and every logical destination bit. The APIC is
 * the guest's virtual one (vmm/virq.c): an IPI reaches only this guest's
 * vCPUs, and a NMI reaches none of them; everything is dropped and
 * counted. The writes complete, the delivery status reads idle, the guest
 * runs on, and the victims beat on (the harness checks them).
 */
#include "apic.h"
#include "attack.h"

#define ICR_MODE 0x400
#define ICR_ASSERT (1u << 14)
#define ICR_LOGICAL (1u << 11)
#define ICR_PENDING (1u << 12)
#define SH_ALL_BUT_SELF (3u << 18)
#define SH_ALL (2u << 18)
#define ICR_VECTOR 0x10 /* the start page of a SIPI; ignored by INIT and NMI */

static unsigned sent, stuck;

static void send(uint32_t high, uint32_t low)
{
	/* Plain 32-bit MOVs through a register (lib/apic.h), as a driver
	 * makes them: the APIC page takes no other form. */
	lapic_write(LAPIC_ICR_HI, high);
	lapic_write(LAPIC_ICR_LO, low);
	sent++;
	stuck += (lapic_read(LAPIC_ICR_LO) & ICR_PENDING) != 0;
}

int guest_main(const struct hvm_start_info *si)
{
	const uint32_t base = ICR_MODE | ICR_ASSERT | ICR_VECTOR;

	(void)si;
	attack_begin("attack-ipi-nmi");
	send(0, base | SH_ALL_BUT_SELF);
	send(0, base | SH_ALL);
	for (uint32_t id = 0; id < 256; id++)
		send(id << 24, base);
	for (uint32_t bit = 0; bit < 8; bit++)
		send((1u << bit) << 24, base | ICR_LOGICAL);
	attack_check(stuck == 0, "%u NMI IPIs sent, the delivery status idle after each (%u pending)", sent, stuck);
	attack_check(1, "the guest runs on after them");
	attack_end();
}
