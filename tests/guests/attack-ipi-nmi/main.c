/* SPDX-License-Identifier: MIT */
/*
 * attack-ipi-nmi: sends an NMI: it would interrupt the CPU, to every other CPU
 * through the local APIC's interrupt command register (xAPIC MMIO): with
 * the shorthands "all excluding self" and "all including self", to every
 * physical APIC ID 0..255 and every logical destination bit. The APIC is
 * the guest's virtual one (vmm/virq.c): an IPI reaches only this guest's
 * vCPUs. This guest has one: the NMIs naming it ("all including self",
 * its own APIC ID 0, the broadcast 0xff) reach it, once each, and nothing
 * else does; the rest are dropped and counted. The writes complete, the
 * delivery status reads idle, the guest runs on, and the victims beat on
 * (the harness checks them).
 */
#include "attack.h"

#define ICR_MODE_NMI 0x400
#define VEC_NMI 2
#define NMIS_TO_SELF 3u

static volatile unsigned nmis;

static long on_nmi(const struct guest_fault *f)
{
	if (f->vector != VEC_NMI)
		return -1;
	nmis++;
	return 0;
}

static void check_nmis(void)
{
	attack_check(nmis == NMIS_TO_SELF, "NMIs that reached this vCPU: %u (want %u: all including self, "
		     "its own APIC ID, the broadcast)", nmis, NMIS_TO_SELF);
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	guest_set_fault_handler(on_nmi);
	attack_ipi_everywhere("attack-ipi-nmi", ICR_MODE_NMI, "NMI", check_nmis);
}
