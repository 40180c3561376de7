/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include "vmm/vcpu.h"
#include "vmm/exits.h"
#include "vmm/gmem.h"
#include "vmm/spec.h"
#include "vmm/vm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/insn.h"
#include "arch/x86/vendor.h"
#include "kernel/console.h"
#include "kernel/rendezvous.h"

#define EXC_UD 6
#define EXC_GP 13

void vcpu_inject_gp(struct vcpu *v)
{
	vcpu_vendor_inject(v, EXC_GP, true, 0);
}

void vcpu_inject_ud(struct vcpu *v)
{
	vcpu_vendor_inject(v, EXC_UD, false, 0);
}

int vcpu_fetch_insn_len(struct vcpu *v, const struct guest_mode *m, uint64_t la, bool long64)
{
	uint8_t bytes[INSN_MAX_LEN];
	size_t got = gmem_fetch(v->vm, &v->fetch, m, la, bytes, sizeof(bytes));
	enum insn_kind kind;

	return insn_decode(bytes, got, long64, &kind);
}

/* A stopped guest's CPU sleeps here until the guest runs again. Interrupts
 * are off: only an NMI (a kick) wakes it. */
void vcpu_park(struct vcpu *v)
{
	v->state = VCPU_PARKED;
	while (v->vm->state != VM_RUNNING) {
		if (v->vm->restart_pending) {
			vm_restart_here(v);
			continue;
		}
		cpu_halt();
		rendezvous_point();
	}
	v->state = VCPU_RUNNING;
}

void vcpu_loop(struct vcpu *v)
{
	spec_vcpu_reset(v); /* whatever firmware left in this CPU's SPEC_CTRL: 0 */
	v->vm->start_tsc = cpu_rdtsc();
	printk("vigil: guest %s started on cpu %u\n", v->vm->name, v->cpu);
	vcpu_before_entry(v);
	vcpu_vendor_loop(v);
}
