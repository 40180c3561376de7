/* SPDX-License-Identifier: MIT */
/*
 * A TEST live patch for the watchdog check of the channel tier: it wedges
 * one CPU's exit path, as a VMM bug that loops would. vmm_version_code()
 * runs inside the hypercall exit of the patchwatch guest; on the CPU
 * WEDGE_CPU (given at build time: `vigilctl patch build --cflags "...
 * -DWEDGE_CPU=n"`) it never returns, with interrupts off, so that CPU
 * never reaches its safe point again. Any other CPU gets the unpatched
 * value. Never reverted: the revert's rendezvous must be refused.
 */
#include <stdint.h>
#include "arch/x86/cpu.h"
#include "kernel/percpu.h"

uint64_t vigil_patch__vmm_version_code(void);

uint64_t vigil_patch__vmm_version_code(void)
{
	while (this_cpu()->index == WEDGE_CPU)
		cpu_pause();
	return 0x000100u;
}
