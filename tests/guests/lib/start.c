/* SPDX-License-Identifier: MIT */
/* From crt0 to guest_main: probe the environment, arm the IDT, run. */
#include "internal.h"

void guest_start(const struct hvm_start_info *si)
{
	hc_init();    /* vendor, hypercall flavour, Vigil signature */
	fault_init(); /* every exception lands in fault_dispatch */
	irq_init();   /* vectors 32..255 reach the guest's interrupt handlers */
	user_init();  /* TSS and the gate back from CPL 3 (vector 0x80) */
	hc_exit(guest_main(si));
}

void delay_spin(uint64_t loops)
{
	/* The empty asm keeps the loop; it has no instruction a VMM intercepts. */
	for (uint64_t i = 0; i < loops; i++)
		asm volatile("" ::: "memory");
}

uint64_t guest_tsc_hz(void)
{
	struct cpuid_regs r;

	if (cpuid(0).eax < 0x15)
		return 0;
	r = cpuid(0x15);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (uint64_t)r.ecx * r.ebx / r.eax;
}

void tsc_spin(uint64_t cycles)
{
	uint64_t start = rdtsc();

	while (rdtsc() - start < cycles)
		asm volatile("pause" ::: "memory");
}
