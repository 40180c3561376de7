/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include "vmm/vcpu.h"
#include "vmm/exits.h"
#include "vmm/gmem.h"
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

int vcpu_skip_insn(struct vcpu *v)
{
	struct guest_mode m;
	uint8_t bytes[INSN_MAX_LEN];
	enum insn_kind kind;
	uint64_t rip = vcpu_vendor_rip(v);
	size_t got;
	bool long64;
	int len;

	vcpu_vendor_mode(v, &m);
	long64 = (m.efer & EFER_LMA) && m.cs_l;
	if (v->exit.insn_len) {
		rip += v->exit.insn_len;
		vcpu_vendor_set_rip(v, long64 ? rip : rip & 0xffffffffu);
		return 0;
	}
	got = gmem_read_linear(v->vm, &m, (long64 ? 0 : m.cs_base) + rip, bytes, sizeof(bytes));
	len = insn_decode(bytes, got, long64, &kind);
	if (len < 0) {
		vcpu_inject_ud(v);
		return -EFAULT;
	}
	rip += (uint64_t)len;
	vcpu_vendor_set_rip(v, long64 ? rip : rip & 0xffffffffu);
	return 0;
}

/* A stopped guest's CPU sleeps here until the guest runs again. Interrupts
 * are off: only an NMI (a kick) wakes it. */
static void vcpu_park(struct vcpu *v)
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
	v->vm->start_tsc = cpu_rdtsc();
	printk("vigil: guest %s started on cpu %u\n", v->vm->name, v->cpu);
	for (;;) {
		rendezvous_point(); /* a safe point: between two guest entries */
		if (v->vm->state != VM_RUNNING) {
			vcpu_park(v);
			continue;
		}
		vcpu_vendor_run(v);
		v->exits[v->exit.reason]++;
		exit_dispatch(v);
	}
}
