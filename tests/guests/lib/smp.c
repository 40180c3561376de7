/* SPDX-License-Identifier: MIT */
/*
 * Application processors (lib/guest.h, guest_start_ap): the boot CPU
 * copies the trampoline (lib/smp.S) below 1 MiB and sends INIT, then SIPI
 * (twice if the first brings nobody), as the SDM's start-up sequence does;
 * the AP enters long mode on the boot CPU's tables, loads the same IDT,
 * enables its local APIC and calls the guest's function on its own stack.
 */
#include <stdint.h>
#include "apic.h"
#include "guest.h"
#include "internal.h"

#define AP_STACK 16384
#define SIPI_WAIT_MS 500

extern const char ap_tramp_start[], ap_tramp_end[], ap_tramp_cr3[];
uint64_t ap_boot_rsp; /* read by lib/smp.S */
void ap_start(void);

static uint8_t ap_stacks[GUEST_MAX_CPUS][AP_STACK] __attribute__((aligned(16)));
static void (*volatile ap_fn)(unsigned);
static volatile unsigned ap_alive;

void ap_start(void)
{
	void (*fn)(unsigned) = ap_fn;
	unsigned id;

	fault_load_idt();
	lapic_enable(0xff);
	id = lapic_read(LAPIC_ID) >> 24;
	__atomic_store_n(&ap_alive, id + 1, __ATOMIC_RELEASE);
	fn(id);
}

static int ap_wait(unsigned id, uint64_t ms)
{
	uint64_t t0 = rdtsc(), tsc = guest_tsc_hz() / 1000 * ms;

	while (__atomic_load_n(&ap_alive, __ATOMIC_ACQUIRE) != id + 1 && rdtsc() - t0 < tsc)
		asm volatile("pause" ::: "memory");
	return __atomic_load_n(&ap_alive, __ATOMIC_ACQUIRE) == id + 1;
}

int guest_start_ap(unsigned apic_id, void (*fn)(unsigned))
{
	uint8_t *page = (uint8_t *)(uintptr_t)GUEST_AP_PAGE;
	uint64_t cr3;

	if (apic_id == 0 || apic_id >= GUEST_MAX_CPUS)
		return -1;
	for (const char *p = ap_tramp_start; p < ap_tramp_end; p++)
		page[p - ap_tramp_start] = (uint8_t)*p;
	asm volatile("mov %%cr3, %0" : "=r"(cr3));
	*(volatile uint32_t *)(page + (ap_tramp_cr3 - ap_tramp_start)) = (uint32_t)cr3;
	ap_boot_rsp = (uint64_t)(uintptr_t)&ap_stacks[apic_id][AP_STACK];
	ap_fn = fn;
	__atomic_store_n(&ap_alive, 0, __ATOMIC_RELEASE);
	lapic_ipi((uint8_t)apic_id, ICR_INIT | ICR_ASSERT | ICR_LEVEL);
	tsc_spin(guest_tsc_hz() / 1000); /* the SDM's 10 ms, shortened: nothing here needs it */
	for (int i = 0; i < 2; i++) {
		lapic_ipi((uint8_t)apic_id, ICR_SIPI | (GUEST_AP_PAGE >> 12));
		if (ap_wait(apic_id, SIPI_WAIT_MS))
			return 0;
	}
	return -1;
}
