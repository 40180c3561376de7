/* SPDX-License-Identifier: MIT */
/*
 * attack-io-string: string and REP port I/O against intercepted ports
 * (the console and a port nothing answers), with huge counts and buffers
 * that run past the guest's memory or end exactly at its top: the form a
 * VMM emulates with a guest-controlled address and length. Vigil does not
 * emulate it (docs/vmm.md): each must raise #GP and leave memory alone.
 * The buffers that end exactly at the top of memory (its last 16 bytes)
 * are the bounds check's edge case should string I/O ever be emulated:
 * then the last byte is inside and the next one is not.
 */
#include "attack.h"

#define PORT_CONSOLE 0x3f8
#define PORT_NONE 0x80
#define OUTSB_LEN 1	/* 6e */
#define INSB_LEN 1	/* 6c */
#define REP_OUTSB_LEN 2 /* f3 6e */
#define REP_INSL_LEN 2	/* f3 6d */
#define REP_INSB_LEN 2	/* f3 6c */
#define TOP_BUF 16	/* a buffer of the last bytes of memory */

struct string_io {
	uint16_t port;
	uint64_t addr;
	uint64_t count;
};

static uint8_t target[64];

static void op_outsb(void *arg)
{
	struct string_io *s = arg;

	asm volatile("outsb" : "+S"(s->addr) : "d"(s->port) : "memory");
}

static void op_insb(void *arg)
{
	struct string_io *s = arg;

	asm volatile("insb" : "+D"(s->addr) : "d"(s->port) : "memory");
}

static void op_rep_outsb(void *arg)
{
	struct string_io *s = arg;

	asm volatile("rep outsb" : "+S"(s->addr), "+c"(s->count) : "d"(s->port) : "memory");
}

static void op_rep_insb(void *arg)
{
	struct string_io *s = arg;

	asm volatile("rep insb" : "+D"(s->addr), "+c"(s->count) : "d"(s->port) : "memory");
}

static void op_rep_insl(void *arg)
{
	struct string_io *s = arg;

	asm volatile("rep insl" : "+D"(s->addr), "+c"(s->count) : "d"(s->port) : "memory");
}

int guest_main(const struct hvm_start_info *si)
{
	uint64_t top = attack_mem_top(si);
	volatile uint8_t *end = (volatile uint8_t *)(uintptr_t)(top - TOP_BUF);
	struct string_io s;
	unsigned changed = 0, end_changed = 0;

	attack_begin("attack-io-string");
	for (size_t i = 0; i < sizeof(target); i++)
		target[i] = 0xa5;
	s = (struct string_io){ PORT_CONSOLE, (uint64_t)(uintptr_t)target, 1 };
	attack_expect(attack_try(op_outsb, &s, OUTSB_LEN), VEC_GP, "outsb to the console");
	s = (struct string_io){ PORT_NONE, (uint64_t)(uintptr_t)target, 1 };
	attack_expect(attack_try(op_insb, &s, INSB_LEN), VEC_GP, "insb from port 0x80");
	s = (struct string_io){ PORT_CONSOLE, top - 16, ~0ull };
	attack_expect(attack_try(op_rep_outsb, &s, REP_OUTSB_LEN), VEC_GP,
		      "rep outsb, count 2^64-1, from the top of memory");
	s = (struct string_io){ PORT_NONE, (uint64_t)(uintptr_t)target, 1ull << 40 };
	attack_expect(attack_try(op_rep_insl, &s, REP_INSL_LEN), VEC_GP, "rep insl, count 2^40");
	/* The last TOP_BUF bytes of memory (the tail of the start page, read
	 * already), filled with a pattern, then used as exact-fit buffers. */
	for (unsigned i = 0; i < TOP_BUF; i++)
		end[i] = 0x3c;
	s = (struct string_io){ PORT_CONSOLE, top - TOP_BUF, TOP_BUF };
	attack_expect(attack_try(op_rep_outsb, &s, REP_OUTSB_LEN), VEC_GP,
		      "rep outsb of a buffer that ends exactly at the top of memory");
	s = (struct string_io){ PORT_CONSOLE, top - 1, 1 };
	attack_expect(attack_try(op_outsb, &s, OUTSB_LEN), VEC_GP, "outsb of the last byte of memory");
	s = (struct string_io){ PORT_NONE, top - TOP_BUF, TOP_BUF };
	attack_expect(attack_try(op_rep_insb, &s, REP_INSB_LEN), VEC_GP,
		      "rep insb into a buffer that ends exactly at the top of memory");
	s = (struct string_io){ PORT_NONE, top - 1, 1 };
	attack_expect(attack_try(op_insb, &s, INSB_LEN), VEC_GP, "insb into the last byte of memory");
	for (size_t i = 0; i < sizeof(target); i++)
		changed += target[i] != 0xa5;
	for (unsigned i = 0; i < TOP_BUF; i++)
		end_changed += end[i] != 0x3c;
	attack_check(!changed, "target buffer untouched (%u bytes changed)", changed);
	attack_check(!end_changed, "the last %u bytes of memory untouched (%u changed)", TOP_BUF, end_changed);
	attack_end();
}
