/* SPDX-License-Identifier: MIT */
/*
 * attack-ipi-sipi: sends a start-up IPI: it would start the CPU at a page of the guest's choosing, to every other CPU
 * through the local APIC's interrupt command register (xAPIC MMIO): with
 * the shorthands "all excluding self" and "all including self", to every
 * physical APIC ID 0..255 and every logical destination bit. The APIC is
 * the guest's virtual one (vmm/virq.c): an IPI reaches only this guest's
 * vCPUs, and a SIPI reaches none of them; everything is dropped and counted.
 * The writes complete, the delivery status reads idle, the guest runs on,
 * and the victims beat on (the harness checks them).
 */
#include "attack.h"

#define ICR_MODE_SIPI 0x600

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_ipi_everywhere("attack-ipi-sipi", ICR_MODE_SIPI, "SIPI", NULL);
}
