/* SPDX-License-Identifier: MIT */
/*
 * A virtual I/O APIC, one per guest, at GP_IOAPIC_BASE: an 82093AA-style
 * register window (IOREGSEL at 0x00, IOWIN at 0x10) with GP_IOAPIC_PINS
 * redirection entries, plus the EOI register at 0x40 that version-0x20
 * I/O APICs have. Device models drive its input pins; it sends interrupt
 * messages (vmm/apic_msg.h) through a callback the VMM provides, which
 * routes them to the local APICs (vmm/vlapic.h). Pure logic.
 *
 * Contract with the caller:
 *  - Only aligned 32-bit accesses are architectural; the VMM should refuse
 *    other widths before calling. Offsets other than 0x00, 0x10 and 0x40
 *    (and register indexes that do not exist) read 0 and ignore writes
 *    (counted).
 *  - deliver(ctx, m) is called synchronously from vioapic_write,
 *    vioapic_set_pin and vioapic_eoi. It returns how many local APICs
 *    accepted the message; 0 or a negative errno means none did: the
 *    message is dropped and counted, and a level-triggered entry's remote
 *    IRR stays clear, so the next assertion, EOI or write of the entry
 *    tries again. It must not call back into this I/O APIC.
 *  - Callers serialise access to one vioapic (the guest's vCPUs share it).
 */
#ifndef VMM_VIOAPIC_H
#define VMM_VIOAPIC_H

#include <stdbool.h>
#include <stdint.h>
#include "vigil/guest_platform.h"
#include "vmm/apic_msg.h"

/* Offsets in the page. */
#define VIOAPIC_REGSEL 0x00
#define VIOAPIC_WIN 0x10
#define VIOAPIC_EOIR 0x40

/* Register indexes (written to IOREGSEL). */
#define VIOAPIC_REG_ID 0x00
#define VIOAPIC_REG_VER 0x01
#define VIOAPIC_REG_ARB 0x02
#define VIOAPIC_REG_RTE(pin) (0x10 + 2 * (pin)) /* low half; +1 the high half */

/* Redirection entry, low half. */
#define VIOAPIC_RTE_LOGICAL (1u << 11)
#define VIOAPIC_RTE_DELIVS (1u << 12)    /* read-only, always 0 here */
#define VIOAPIC_RTE_ACTIVE_LOW (1u << 13)
#define VIOAPIC_RTE_REMOTE_IRR (1u << 14) /* read-only */
#define VIOAPIC_RTE_LEVEL (1u << 15)
#define VIOAPIC_RTE_MASKED (1u << 16)

_Static_assert(GP_IOAPIC_PINS <= 32, "vioapic: pin bitmap is one word");

struct vioapic_stats {
	uint64_t delivered;     /* messages a local APIC accepted */
	uint64_t undeliverable; /* messages none accepted (deliver returned <= 0) */
	uint64_t illegal;       /* entries refused at delivery: vector < 16 for fixed
				 * or lowest priority, delivery mode 3, 6 or 7 */
	uint64_t odd_accesses;  /* unknown offsets and register indexes */
};

struct vioapic {
	uint8_t regsel;
	uint32_t id;                     /* ID register: bits 24-27 */
	uint64_t rte[GP_IOAPIC_PINS];
	uint32_t asserted;               /* bit pin: its input is asserted */
	int (*deliver)(void *ctx, const struct apic_msg *m);
	void *ctx;
	struct vioapic_stats stats;
};

/* Power-on: every entry masked (the rest of it 0), ID GP_IOAPIC_ID (what
 * the MADT says), no input asserted, stats zeroed. */
void vioapic_init(struct vioapic *io, int (*deliver)(void *ctx, const struct apic_msg *m),
		  void *ctx);

/* The guest restarts: registers back to power-on; the callback, the
 * inputs (the devices' own state) and the stats stay. */
void vioapic_reset(struct vioapic *io);

uint32_t vioapic_read(struct vioapic *io, uint32_t off);
void vioapic_write(struct vioapic *io, uint32_t off, uint32_t val);

/*
 * A device asserts or deasserts pin's input. The argument is the logical
 * state, not the wire's voltage: the polarity bit is stored for the guest
 * but changes nothing, as there is no wire (the VMM's devices and its MADT
 * agree by construction, and a guest cannot flood itself by flipping it).
 * Edge-triggered: a rising edge sends, unless masked (then it is lost).
 * Level-triggered: sends while asserted, unmasked and remote IRR is clear;
 * an accepted message sets remote IRR until an EOI for its vector.
 * -EINVAL for pin >= GP_IOAPIC_PINS.
 */
int vioapic_set_pin(struct vioapic *io, unsigned pin, bool asserted)
	__attribute__((warn_unused_result));

/* A local APIC ended a level-triggered interrupt with this vector (a
 * vlapic EOI action with level set; or a guest write of the EOI register):
 * clear remote IRR on the level entries with that vector, and send again
 * those whose input is still asserted. */
void vioapic_eoi(struct vioapic *io, uint8_t vector);

#endif
