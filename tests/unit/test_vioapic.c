// SPDX-License-Identifier: MIT
/*
 * Unit tests of vmm/vioapic.c, the virtual I/O APIC: its register window,
 * read-only bits, edge and level pins, remote IRR and EOI, masking, the
 * entries it refuses to send, and what happens when no local APIC takes a
 * message. Messages go to a recording callback instead of local APICs.
 */
#define CHECK_SUITE "vioapic"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include "vmm/vioapic.h"

static struct vioapic IO;

/* The recording callback: what was sent, and what it answers. */
static struct apic_msg sent[64];
static unsigned nsent;
static int answer = 1;
static void *seen_ctx;

static int record(void *ctx, const struct apic_msg *m)
{
	seen_ctx = ctx;
	if (nsent < sizeof(sent) / sizeof(sent[0]))
		sent[nsent] = *m;
	nsent++;
	return answer;
}

static void fresh(void)
{
	vioapic_init(&IO, record, &IO);
	nsent = 0;
	answer = 1;
}

static uint32_t reg_read(uint8_t reg)
{
	vioapic_write(&IO, VIOAPIC_REGSEL, reg);
	return vioapic_read(&IO, VIOAPIC_WIN);
}

static void reg_write(uint8_t reg, uint32_t val)
{
	vioapic_write(&IO, VIOAPIC_REGSEL, reg);
	vioapic_write(&IO, VIOAPIC_WIN, val);
}

/* Program pin's entry as Linux does: high half, then low half. */
static void route(unsigned pin, uint32_t low, uint8_t dest)
{
	reg_write(VIOAPIC_REG_RTE(pin) + 1, (uint32_t)dest << 24);
	reg_write(VIOAPIC_REG_RTE(pin), low);
}

static void pin(unsigned p, bool asserted)
{
	if (vioapic_set_pin(&IO, p, asserted))
		abort();
}

static bool remote_irr(unsigned p)
{
	return reg_read(VIOAPIC_REG_RTE(p)) & VIOAPIC_RTE_REMOTE_IRR;
}

static void power_on_state(void)
{
	fresh();
	CHECK_EQ(reg_read(VIOAPIC_REG_ID), GP_IOAPIC_ID << 24);
	CHECK_EQ(reg_read(VIOAPIC_REG_VER), (GP_IOAPIC_PINS - 1) << 16 | GP_IOAPIC_VERSION);
	CHECK_EQ(reg_read(VIOAPIC_REG_VER), 0x00170020);
	CHECK_EQ(reg_read(VIOAPIC_REG_ARB), GP_IOAPIC_ID << 24);
	for (unsigned p = 0; p < GP_IOAPIC_PINS; p++) {
		CHECK_EQ(reg_read(VIOAPIC_REG_RTE(p)), VIOAPIC_RTE_MASKED);
		CHECK_EQ(reg_read(VIOAPIC_REG_RTE(p) + 1), 0);
	}
	for (unsigned p = 0; p < GP_IOAPIC_PINS; p++)
		pin(p, true); /* all masked: nothing sent */
	CHECK_EQ(nsent, 0);
	CHECK_EQ(IO.stats.odd_accesses, 0);
}

static void register_select(void)
{
	fresh();
	vioapic_write(&IO, VIOAPIC_REGSEL, 0xffffff12);
	CHECK_EQ(vioapic_read(&IO, VIOAPIC_REGSEL), 0x12);
	CHECK_EQ(vioapic_read(&IO, VIOAPIC_EOIR), 0);
}

static void id_and_read_only_registers(void)
{
	fresh();
	reg_write(VIOAPIC_REG_ID, 0xffffffff);
	CHECK_EQ(reg_read(VIOAPIC_REG_ID), 0x0f000000);
	CHECK_EQ(reg_read(VIOAPIC_REG_ARB), 0x0f000000);
	reg_write(VIOAPIC_REG_VER, 0);
	reg_write(VIOAPIC_REG_ARB, 0);
	CHECK_EQ(reg_read(VIOAPIC_REG_VER), 0x00170020);
	CHECK_EQ(reg_read(VIOAPIC_REG_ARB), 0x0f000000);
	CHECK_EQ(IO.stats.odd_accesses, 0);
}

/* Delivery status and remote IRR are read-only; reserved bits read 0. */
static void entry_writable_bits(void)
{
	fresh();
	reg_write(VIOAPIC_REG_RTE(3), 0xffffffff);
	CHECK_EQ(reg_read(VIOAPIC_REG_RTE(3)), 0x1afff);
	reg_write(VIOAPIC_REG_RTE(3) + 1, 0xffffffff);
	CHECK_EQ(reg_read(VIOAPIC_REG_RTE(3) + 1), 0xff000000);
	reg_write(VIOAPIC_REG_RTE(GP_IOAPIC_PINS - 1), 0x0000a0f1);
	CHECK_EQ(reg_read(VIOAPIC_REG_RTE(GP_IOAPIC_PINS - 1)), 0x0000a0f1);
	CHECK_EQ(reg_read(VIOAPIC_REG_RTE(3)), 0x1afff); /* others untouched */
	CHECK_EQ(nsent, 0);
}

static void unknown_registers_and_offsets(void)
{
	static const uint8_t regs[] = { 0x03, 0x04, 0x0f, VIOAPIC_REG_RTE(GP_IOAPIC_PINS),
					VIOAPIC_REG_RTE(GP_IOAPIC_PINS) + 1, 0x80, 0xff };
	static const uint32_t offs[] = { 0x04, 0x08, 0x0c, 0x14, 0x20, 0x30, 0x44, 0xff0, 0x1000,
					 0xffffffff };

	fresh();
	for (unsigned i = 0; i < sizeof(regs); i++) {
		reg_write(regs[i], 0xffffffff);
		CHECK_EQ(reg_read(regs[i]), 0);
	}
	CHECK_EQ(IO.stats.odd_accesses, 2 * sizeof(regs));
	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		vioapic_write(&IO, offs[i], 0x10);
		CHECK_EQ(vioapic_read(&IO, offs[i]), 0);
	}
	CHECK_EQ(IO.stats.odd_accesses, 2 * sizeof(regs) + 2 * sizeof(offs) / sizeof(offs[0]));
	CHECK_EQ(vioapic_read(&IO, VIOAPIC_REGSEL), 0xff); /* no stray write reached it */
	CHECK_EQ(reg_read(VIOAPIC_REG_ID), GP_IOAPIC_ID << 24);
	for (unsigned p = 0; p < GP_IOAPIC_PINS; p++)
		CHECK_EQ(reg_read(VIOAPIC_REG_RTE(p)), VIOAPIC_RTE_MASKED);
}

static void edge_pin(void)
{
	fresh();
	route(GP_UART_GSI, 0x24, 0);
	pin(GP_UART_GSI, true);
	if (CHECK_EQ_INT(nsent, 1)) {
		CHECK_EQ(sent[0].vector, 0x24);
		CHECK_EQ(sent[0].delivery_mode, APIC_DM_FIXED);
		CHECK(!sent[0].logical && !sent[0].level);
		CHECK_EQ(sent[0].dest, 0);
		CHECK(seen_ctx == &IO);
	}
	pin(GP_UART_GSI, true); /* still high: no edge */
	CHECK_EQ(nsent, 1);
	pin(GP_UART_GSI, false);
	CHECK_EQ(nsent, 1);
	pin(GP_UART_GSI, true);
	CHECK_EQ(nsent, 2);
	CHECK(!remote_irr(GP_UART_GSI));
	CHECK_EQ(IO.stats.delivered, 2);
}

/* An edge while masked is lost, not held. */
static void edge_while_masked(void)
{
	fresh();
	route(5, VIOAPIC_RTE_MASKED | 0x25, 0);
	pin(5, true);
	route(5, 0x25, 0);
	CHECK_EQ(nsent, 0);
	pin(5, false);
	pin(5, true);
	CHECK_EQ(nsent, 1);
}

static void level_pin_remote_irr(void)
{
	fresh();
	route(9, VIOAPIC_RTE_LEVEL | 0x39, 1);
	pin(9, true);
	if (CHECK_EQ_INT(nsent, 1))
		CHECK(sent[0].level && sent[0].vector == 0x39 && sent[0].dest == 1);
	CHECK(remote_irr(9));
	pin(9, true); /* waiting for the EOI */
	CHECK_EQ(nsent, 1);
	vioapic_eoi(&IO, 0x38); /* another vector: no effect */
	CHECK(remote_irr(9));
	CHECK_EQ(nsent, 1);
	vioapic_eoi(&IO, 0x39); /* still asserted: sent again */
	CHECK_EQ(nsent, 2);
	CHECK(remote_irr(9));
	pin(9, false);
	vioapic_eoi(&IO, 0x39);
	CHECK(!remote_irr(9));
	CHECK_EQ(nsent, 2);
	vioapic_eoi(&IO, 0x39); /* spurious EOI: nothing */
	CHECK_EQ(nsent, 2);
}

/* Remote IRR cannot be written; writing the entry keeps it. */
static void remote_irr_read_only(void)
{
	fresh();
	route(10, VIOAPIC_RTE_LEVEL | 0x3a, 0);
	pin(10, true);
	reg_write(VIOAPIC_REG_RTE(10), VIOAPIC_RTE_LEVEL | 0x3a); /* bit 14 clear */
	CHECK(remote_irr(10));
	CHECK_EQ(nsent, 1);
	route(11, VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_REMOTE_IRR | VIOAPIC_RTE_DELIVS | 0x3b, 0);
	CHECK_EQ(reg_read(VIOAPIC_REG_RTE(11)), VIOAPIC_RTE_LEVEL | 0x3b);
}

/* The EOI register at 0x40 is the same EOI. */
static void eoi_register(void)
{
	fresh();
	route(12, VIOAPIC_RTE_LEVEL | 0x4c, 0);
	pin(12, true);
	vioapic_write(&IO, VIOAPIC_EOIR, 0xffffff4c);
	CHECK_EQ(nsent, 2);
	pin(12, false);
	vioapic_write(&IO, VIOAPIC_EOIR, 0x4c);
	CHECK(!remote_irr(12));
}

static void unmask_asserted_level(void)
{
	fresh();
	route(16, VIOAPIC_RTE_MASKED | VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_ACTIVE_LOW | 0x50, 0);
	pin(16, true);
	CHECK_EQ(nsent, 0);
	route(16, VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_ACTIVE_LOW | 0x50, 0);
	CHECK_EQ(nsent, 1);
	CHECK(remote_irr(16));
	/* Masking keeps remote IRR; the EOI then finds it masked. */
	route(16, VIOAPIC_RTE_MASKED | VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_ACTIVE_LOW | 0x50, 0);
	CHECK(remote_irr(16));
	vioapic_eoi(&IO, 0x50);
	CHECK(!remote_irr(16));
	CHECK_EQ(nsent, 1);
	route(16, VIOAPIC_RTE_LEVEL | VIOAPIC_RTE_ACTIVE_LOW | 0x50, 0);
	CHECK_EQ(nsent, 2);
}

/* Polarity is stored, not applied: the input is the logical state. */
static void polarity_stored_only(void)
{
	fresh();
	route(17, VIOAPIC_RTE_ACTIVE_LOW | 0x51, 0);
	CHECK_EQ(reg_read(VIOAPIC_REG_RTE(17)), VIOAPIC_RTE_ACTIVE_LOW | 0x51);
	CHECK_EQ(nsent, 0);
	pin(17, true);
	CHECK_EQ(nsent, 1);
}

/* Level to edge drops remote IRR; edge entries never set it. */
static void trigger_change(void)
{
	fresh();
	route(18, VIOAPIC_RTE_LEVEL | 0x52, 0);
	pin(18, true);
	CHECK(remote_irr(18));
	route(18, 0x52, 0);
	CHECK(!remote_irr(18));
	route(18, VIOAPIC_RTE_LEVEL | 0x52, 0); /* asserted, now level: sent */
	CHECK_EQ(nsent, 2);
	CHECK(remote_irr(18));
}

static void delivery_fields(void)
{
	fresh();
	route(20, VIOAPIC_RTE_LOGICAL | APIC_DM_LOWEST << 8 | 0x61, 0x0f);
	pin(20, true);
	route(21, APIC_DM_NMI << 8 | VIOAPIC_RTE_LEVEL, 3); /* NMI: edge whatever the bit */
	pin(21, true);
	route(22, APIC_DM_INIT << 8, 0xff);
	pin(22, true);
	route(23, APIC_DM_SMI << 8, 0);
	pin(23, true);
	if (!CHECK_EQ_INT(nsent, 4))
		return;
	CHECK(sent[0].logical && sent[0].dest == 0x0f && sent[0].delivery_mode == APIC_DM_LOWEST);
	CHECK(sent[1].delivery_mode == APIC_DM_NMI && !sent[1].level && sent[1].dest == 3);
	CHECK(!remote_irr(21));
	pin(21, false);
	pin(21, true);
	CHECK_EQ(nsent, 5);
	CHECK(sent[2].delivery_mode == APIC_DM_INIT && sent[2].dest == 0xff);
	CHECK_EQ(sent[3].delivery_mode, APIC_DM_SMI);
}

/* Refused at delivery, counted, never passed on; the entry reads back. */
static void illegal_entries(void)
{
	static const uint32_t bad[] = {
		0x0f,                                 /* fixed, vector 15 */
		APIC_DM_LOWEST << 8 | 0x02,           /* lowest priority, vector 2 */
		3u << 8 | 0x40,                       /* reserved mode */
		APIC_DM_SIPI << 8 | 0x40,             /* SIPI: not a redirection mode */
		APIC_DM_EXTINT << 8 | 0x40,           /* ExtINT: no 8259 here */
		VIOAPIC_RTE_LEVEL | 0x00,             /* level, vector 0 */
	};

	fresh();
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		route(i, bad[i], 0);
		CHECK_EQ(reg_read(VIOAPIC_REG_RTE(i)), bad[i]);
		pin(i, true);
		CHECK(!remote_irr(i));
	}
	CHECK_EQ(nsent, 0);
	CHECK_EQ(IO.stats.illegal, sizeof(bad) / sizeof(bad[0]));
	vioapic_eoi(&IO, 0);
	CHECK_EQ(nsent, 0);
}

/* No local APIC took it: dropped, counted, and a level pin retries. */
static void undeliverable(void)
{
	fresh();
	answer = 0;
	route(7, VIOAPIC_RTE_LEVEL | 0x47, 9);
	pin(7, true);
	CHECK_EQ(nsent, 1);
	CHECK(!remote_irr(7));
	CHECK_EQ(IO.stats.undeliverable, 1);
	answer = -EINVAL;
	pin(7, true);
	CHECK_EQ(IO.stats.undeliverable, 2);
	answer = 1;
	pin(7, true);
	CHECK(remote_irr(7));
	CHECK_EQ(IO.stats.delivered, 1);
	answer = 0;
	route(6, 0x46, 9); /* edge: lost */
	pin(6, true);
	CHECK_EQ(IO.stats.undeliverable, 3);
}

static void pin_out_of_range(void)
{
	fresh();
	CHECK_EQ(vioapic_set_pin(&IO, GP_IOAPIC_PINS, true), -EINVAL);
	CHECK_EQ(vioapic_set_pin(&IO, ~0u, true), -EINVAL);
	CHECK_EQ(IO.asserted, 0);
}

static void reset_keeps_inputs_and_stats(void)
{
	fresh();
	route(9, VIOAPIC_RTE_LEVEL | 0x39, 0);
	pin(9, true);
	reg_write(VIOAPIC_REG_ID, 0x03000000);
	vioapic_reset(&IO);
	CHECK_EQ(reg_read(VIOAPIC_REG_RTE(9)), VIOAPIC_RTE_MASKED);
	CHECK_EQ(reg_read(VIOAPIC_REG_ID), GP_IOAPIC_ID << 24);
	CHECK_EQ(IO.stats.delivered, 1);
	route(9, VIOAPIC_RTE_LEVEL | 0x39, 0); /* the device still asserts it */
	CHECK_EQ(nsent, 2);
}

static uint64_t rng_state = 0x243f6a8885a308d3ull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static bool msg_ok(const struct apic_msg *m)
{
	if (m->delivery_mode <= APIC_DM_LOWEST)
		return m->vector >= 16;
	return (m->delivery_mode == APIC_DM_SMI || m->delivery_mode == APIC_DM_NMI ||
		m->delivery_mode == APIC_DM_INIT) && !m->level;
}

/* One random guest or device action; false if an interface call failed. */
static bool random_step(uint64_t r, uint32_t val)
{
	uint32_t off = (uint32_t)(r >> 8) & 0xfff;

	switch (r & 7) {
	case 0:
		vioapic_write(&IO, VIOAPIC_REGSEL, (r >> 1) & 1 ? val : 0x10 + val % 50);
		return true;
	case 1:
	case 2:
		vioapic_write(&IO, VIOAPIC_WIN, val);
		return true;
	case 3:
		(void)vioapic_read(&IO, (r >> 20) & 1 ? VIOAPIC_WIN : off);
		return true;
	case 4:
	case 5:
		return !vioapic_set_pin(&IO, (r >> 8) % GP_IOAPIC_PINS, (r >> 16) & 1);
	case 6:
		vioapic_eoi(&IO, (uint8_t)val);
		return true;
	default:
		vioapic_write(&IO, off, val);
		return true;
	}
}

/* Random guest and device behaviour; after each step: no illegal message
 * was sent, remote IRR only on level entries, delivery status never set,
 * and the counters add up. */
static void random_accesses(void)
{
	unsigned bad = 0;

	fresh();
	for (unsigned i = 0; i < 200000 && bad < 5; i++) {
		uint64_t r = rng();
		uint32_t val = (uint32_t)(rng() >> 8);
		unsigned before = nsent;
		bool ok = true;

		answer = (r >> 60) ? 1 : 0;
		ok &= random_step(r, val);
		for (unsigned k = before; k < nsent && k < 64; k++)
			ok &= msg_ok(&sent[k]);
		if (nsent >= 64)
			nsent = 0; /* keep recording */
		for (unsigned p = 0; p < GP_IOAPIC_PINS; p++) {
			uint64_t e = IO.rte[p];

			ok &= !(e & VIOAPIC_RTE_DELIVS) && !(e & 0x00fffffffffe0000ull);
			ok &= !(e & VIOAPIC_RTE_REMOTE_IRR) ||
			      ((e & VIOAPIC_RTE_LEVEL) && ((e >> 8) & 7) <= APIC_DM_LOWEST);
		}
		ok &= !(IO.id & ~0x0f000000u);
		if (!ok) {
			printf("    after step %u (op %u, value 0x%x)\n", i, (unsigned)(r & 7), val);
			bad++;
		}
	}
	CHECK_EQ(bad, 0);
	CHECK(IO.stats.delivered > 0 && IO.stats.undeliverable > 0 && IO.stats.illegal > 0);
}

int main(void)
{
	CHECK_RUN(power_on_state);
	CHECK_RUN(register_select);
	CHECK_RUN(id_and_read_only_registers);
	CHECK_RUN(entry_writable_bits);
	CHECK_RUN(unknown_registers_and_offsets);
	CHECK_RUN(edge_pin);
	CHECK_RUN(edge_while_masked);
	CHECK_RUN(level_pin_remote_irr);
	CHECK_RUN(remote_irr_read_only);
	CHECK_RUN(eoi_register);
	CHECK_RUN(unmask_asserted_level);
	CHECK_RUN(polarity_stored_only);
	CHECK_RUN(trigger_change);
	CHECK_RUN(delivery_fields);
	CHECK_RUN(illegal_entries);
	CHECK_RUN(undeliverable);
	CHECK_RUN(pin_out_of_range);
	CHECK_RUN(reset_keeps_inputs_and_stats);
	CHECK_RUN(random_accesses);
	return check_done();
}
