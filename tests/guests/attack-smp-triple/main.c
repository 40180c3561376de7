/* SPDX-License-Identifier: MIT */
/*
 * attack-smp-triple: a guest of two vCPUs whose AP triple-faults (an empty
 * IDT, then #UD) while the boot vCPU runs on. The VMM must stop the whole
 * guest ("triple fault"), the boot vCPU with it (the stop kicks it out of
 * its guest), and nothing else: had the boot vCPU kept running it would
 * print 200 ms later, which the test counts as a failure (nothing may
 * follow the announcement). Its first OUT would exit and park it before a
 * whole line is out, so this shows the stop reached it, not how soon
 * (docs/mutate.md, stop-no-sibling-kick).
 */
#include "attack.h"

struct idt_ptr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

static void ap_fault(unsigned id)
{
	static const struct idt_ptr empty = { 0, 0 };

	(void)id;
	asm volatile("lidt %0\n\tud2" ::"m"(empty) : "memory");
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	attack_begin("attack-smp-triple");
	attack_announce("the AP loads an empty IDT and raises #UD (shutdown) while the boot vCPU runs");
	if (guest_start_ap(1, ap_fault))
		attack_survived("the AP never started");
	tsc_spin(guest_tsc_hz() / 5);
	attack_survived("the boot vCPU ran on for 200 ms after its sibling's triple fault");
}
