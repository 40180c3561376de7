/* SPDX-License-Identifier: MIT */
/* The IPI attacks' common body (attack.h, attack_ipi_everywhere). */
#include "apic.h"
#include "attack.h"

#define ICR_PENDING (1u << 12)
#define SH_ALL_BUT_SELF (3u << 18)
#define SH_ALL (2u << 18)
#define ICR_VECTOR 0x10 /* the start page of a SIPI; ignored by INIT and NMI */

static unsigned sent, stuck;

/* Plain 32-bit MOVs through a register (lib/apic.h), as a driver makes
 * them: the APIC page takes no other form. */
static void send(uint32_t high, uint32_t low)
{
	lapic_write(LAPIC_ICR_HI, high);
	lapic_write(LAPIC_ICR_LO, low);
	sent++;
	stuck += (lapic_read(LAPIC_ICR_LO) & ICR_PENDING) != 0;
}

void attack_ipi_everywhere(const char *name, uint32_t mode, const char *what, void (*check)(void))
{
	const uint32_t base = mode | ICR_ASSERT | ICR_VECTOR;

	attack_begin(name);
	send(0, base | SH_ALL_BUT_SELF);
	send(0, base | SH_ALL);
	for (uint32_t id = 0; id < 256; id++)
		send(id << 24, base);
	for (uint32_t bit = 0; bit < 8; bit++)
		send((1u << bit) << 24, base | ICR_LOGICAL);
	attack_check(stuck == 0, "%u %s IPIs sent, the delivery status idle after each (%u pending)", sent, what,
		     stuck);
	if (check)
		check();
	attack_check(1, "the guest runs on after them");
	attack_end();
}
