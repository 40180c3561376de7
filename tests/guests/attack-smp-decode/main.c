/* SPDX-License-Identifier: MIT */
/*
 * attack-smp-decode: a sibling rewrites the instruction its twin is exiting
 * on. The boot vCPU writes the local APIC's TPR through one instruction in
 * a code buffer, again and again; the AP flips that instruction's bytes
 * between four encodings as fast as it can:
 *   89 03   mov %eax,(%rbx)   the aligned 32-bit write the exit reports
 *   8b 03   mov (%rbx),%eax   a read: its direction disagrees with the exit's
 *   88 03   mov %al,(%rbx)    an 8-bit write: a width the APIC refuses
 *   89 23   mov %esp,(%rbx)   RSP as the operand: refused
 * The CPU executes whichever is there, and between the exit and the VMM's
 * read of the bytes any other may have replaced it. Whatever the VMM
 * reads, it acts on the access the exit reported (at TPR's address) with
 * the register the bytes name, or refuses it (#GP, skipped here): it never
 * reaches anything but this guest's TPR, never takes RSP, never crashes.
 * The verdict passes when the guest survives, its accesses exited (some
 * were refused), and TPR only ever read back 0 or EAX's 0x20. How many of
 * the writes took effect depends on the emulator's timing (none at all in
 * one CI run under QEMU, where every decode met other bytes): it is
 * reported, not required.
 */
#include "apic.h"
#include "attack.h"

#define ROUNDS 5000u

static uint8_t code[16] __attribute__((aligned(16)));
static volatile unsigned stop;
static volatile uint64_t flips;
static uint64_t gps;

static const uint8_t enc[4][2] = { { 0x89, 0x03 }, { 0x8b, 0x03 }, { 0x88, 0x03 }, { 0x89, 0x23 } };

static void ap_flip(unsigned id)
{
	(void)id;
	for (unsigned i = 0; !stop; i++) {
		__atomic_store_n(&code[0], enc[i % 4][0], __ATOMIC_RELAXED);
		__atomic_store_n(&code[1], enc[i % 4][1], __ATOMIC_RELAXED);
		flips++;
	}
}

static long on_fault(const struct guest_fault *f)
{
	if (f->vector != 13 || f->rip != (uint64_t)(uintptr_t)code)
		return -1;
	gps++;
	return 2; /* every encoding here is two bytes */
}

int guest_main(const struct hvm_start_info *si)
{
	uint64_t wrong = 0, done = 0;
	uint32_t tpr;

	(void)si;
	attack_begin("attack-smp-decode");
	code[0] = 0x89, code[1] = 0x03, code[2] = 0xc3; /* mov %eax,(%rbx); ret */
	if (!attack_check(!guest_start_ap(1, ap_flip), "the AP started"))
		attack_end();
	guest_set_fault_handler(on_fault);
	for (unsigned i = 0; i < ROUNDS; i++) {
		asm volatile("call *%2"
			     :
			     : "a"(0x20u), "b"(GP_LAPIC_BASE + LAPIC_TPR), "r"((uintptr_t)code)
			     : "memory", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11");
		tpr = lapic_read(LAPIC_TPR);
		wrong += tpr != 0 && tpr != 0x20;
		if (tpr)
			done++;
		lapic_write(LAPIC_TPR, 0);
	}
	stop = 1;
	guest_set_fault_handler(NULL);
	attack_check(!wrong && gps,
		     "%u writes through an instruction the AP rewrote %lu times: %lu took effect, %lu "
		     "#GP, %lu TPR values no write carried", ROUNDS, flips, done, gps, wrong);
	attack_end();
}
