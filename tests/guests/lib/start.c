/* SPDX-License-Identifier: MIT */
/* From crt0 to guest_main: probe the environment, arm the IDT, run. */
#include "internal.h"

void guest_start(const struct hvm_start_info *si)
{
	hc_init();    /* vendor, hypercall flavour, Vigil signature */
	fault_init(); /* every exception lands in fault_dispatch */
	user_init();  /* TSS and the gate back from CPL 3 */
	hc_exit(guest_main(si));
}

void delay_spin(uint64_t loops)
{
	/* The empty asm keeps the loop; it has no instruction a VMM intercepts. */
	for (uint64_t i = 0; i < loops; i++)
		asm volatile("" ::: "memory");
}
