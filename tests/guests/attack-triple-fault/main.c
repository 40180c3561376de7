/* SPDX-License-Identifier: MIT */
/*
 * attack-triple-fault: loads an empty IDT and raises #UD. Neither #UD, nor
 * the #GP its delivery raises, nor the #DF after that can be delivered:
 * the CPU shuts down. On bare metal that resets the machine; the VMM must
 * instead stop only this guest ("triple fault").
 */
#include "attack.h"

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

int guest_main(const struct hvm_start_info *si)
{
	static const struct idt_ptr empty = { 0, 0 };

	(void)si;
	attack_begin("attack-triple-fault");
	attack_announce("load an empty IDT and raise #UD (shutdown)");
	asm volatile("lidt %0\n\tud2" ::"m"(empty) : "memory");
	attack_survived("ud2 with an empty IDT returned");
}
