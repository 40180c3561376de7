/* SPDX-License-Identifier: MIT */
/*
 * attack-io-string: string and REP port I/O against intercepted ports
 * (the console and a port nothing answers), with huge counts and buffers
 * that run past the guest's memory: the form a VMM emulates with a
 * guest-controlled address and length. Vigil does not emulate it
 * (docs/vmm.md): each must raise #GP and leave memory alone.
 */
#include "attack.h"

#define PORT_CONSOLE 0x3f8
#define PORT_NONE 0x80
#define OUTSB_LEN 1	/* 6e */
#define INSB_LEN 1	/* 6c */
#define REP_OUTSB_LEN 2 /* f3 6e */
#define REP_INSL_LEN 2	/* f3 6d */

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

static void op_rep_insl(void *arg)
{
	struct string_io *s = arg;

	asm volatile("rep insl" : "+D"(s->addr), "+c"(s->count) : "d"(s->port) : "memory");
}

int guest_main(const struct hvm_start_info *si)
{
	uint64_t top = attack_mem_top(si);
	struct string_io s;
	unsigned changed = 0;

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
	for (size_t i = 0; i < sizeof(target); i++)
		changed += target[i] != 0xa5;
	attack_check(!changed, "target buffer untouched (%u bytes changed)", changed);
	attack_end();
}
