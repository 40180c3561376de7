/* SPDX-License-Identifier: MIT */
/*
 * An interrupt message between the virtual interrupt controllers: what an
 * I/O APIC redirection entry (vmm/vioapic.h) or a local APIC's ICR
 * (vmm/vlapic.h) sends. The VMM routes it: vlapic_match_dest() says which
 * local APICs it addresses, vlapic_accept() takes a fixed or lowest-
 * priority one, and NMI, INIT and SIPI go to the vCPU's event logic.
 */
#ifndef VMM_APIC_MSG_H
#define VMM_APIC_MSG_H

#include <stdbool.h>
#include <stdint.h>

/* Delivery modes, as encoded in bits 8-10 of an ICR or a redirection entry.
 * 3 is reserved in both; SIPI exists only in the ICR and ExtINT only in
 * LVTs and redirection entries. */
enum apic_delivery_mode {
	APIC_DM_FIXED = 0,
	APIC_DM_LOWEST = 1,
	APIC_DM_SMI = 2,
	APIC_DM_NMI = 4,
	APIC_DM_INIT = 5,
	APIC_DM_SIPI = 6,
	APIC_DM_EXTINT = 7,
};

#define APIC_BROADCAST 0xffu /* physical or logical destination: every APIC */

struct apic_msg {
	uint8_t vector;        /* fixed/lowest: 16..255; SIPI: the start page */
	uint8_t delivery_mode; /* enum apic_delivery_mode */
	bool logical;          /* dest is a logical destination (LDR/DFR), else an APIC ID */
	uint8_t dest;          /* APIC_BROADCAST: all */
	bool level;            /* level-triggered: the target sets TMR, its EOI is reported */
};

#endif
