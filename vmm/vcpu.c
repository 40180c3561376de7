/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include "vmm/vcpu.h"
#include "vmm/exits.h"
#include "vmm/gmem.h"
#include "vmm/spec.h"
#include "vmm/vm.h"
#include "arch/x86/apic.h"
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

/* What ends a parked vCPU's sleep: its guest runs again, or must restart
 * (the boot vCPU does that), or a rendezvous waits for this CPU. */
static bool vcpu_park_over(void *arg)
{
	const struct vcpu *v = arg;

	return v->vm->state == VM_RUNNING || (v->vm->restart_pending && v->index == 0) ||
	       __atomic_load_n(&rendezvous_active, __ATOMIC_ACQUIRE);
}

/* A stopped guest's CPU sleeps here until the guest runs again. Interrupts
 * are off: only an NMI (a kick) wakes it, and none is lost between the
 * test and the sleep (cpu_sleep_until). The boot vCPU's CPU restarts the
 * guest; an application processor of a guest that restarted meanwhile
 * waits for the guest's own SIPI again. */
void vcpu_park(struct vcpu *v)
{
	__atomic_store_n(&v->state, VCPU_PARKED, __ATOMIC_RELEASE);
	while (v->vm->state != VM_RUNNING) {
		if (v->vm->restart_pending && v->index == 0) {
			vm_restart_here(v);
			continue;
		}
		cpu_sleep_until(vcpu_park_over, v);
		rendezvous_point();
	}
	__atomic_store_n(&v->state, VCPU_RUNNING, __ATOMIC_RELEASE);
	if (v->index && v->boot_seen != v->vm->boots)
		vcpu_wait_sipi(v);
}

/* ---- INIT and SIPI (application processors) ---------------------------- */

static bool vcpu_sipi_over(void *arg)
{
	const struct vcpu *v = arg;

	return (__atomic_load_n(&v->events, __ATOMIC_ACQUIRE) & VCPU_EV_SIPI) ||
	       __atomic_load_n(&rendezvous_active, __ATOMIC_ACQUIRE);
}

/*
 * INIT: the vCPU's registers and local APIC back to their power-on state,
 * and it waits, out of its guest, for a start-up IPI from a sibling (SIPIs
 * before it are ignored, as the architecture does; a guest restart leaves
 * it waiting). The SIPI's vector names the page where it starts: real
 * mode, CS = page << 8, IP = 0. Its CPU answers kicks meanwhile.
 */
void vcpu_wait_sipi(struct vcpu *v)
{
	struct vm *vm = v->vm;
	uint32_t ev = 0;

	__atomic_store_n(&v->state, VCPU_WAIT_SIPI, __ATOMIC_RELEASE);
	vlapic_reset(&v->lapic);
	v->lapic_on = false;
	apic_timer_oneshot(0);
	v->timer_armed = 0;
	for (;;) {
		cpu_sleep_until(vcpu_sipi_over, v);
		rendezvous_point();
		ev = __atomic_exchange_n(&v->events, 0, __ATOMIC_ACQ_REL);
		if ((ev & VCPU_EV_SIPI) && vm->state == VM_RUNNING && !vm->restart_pending)
			break;
	}
	for (unsigned i = 0; i < 8; i++)
		__atomic_store_n(&v->posted[i], 0, __ATOMIC_RELAXED); /* sent to a disabled APIC */
	__atomic_store_n(&v->posted_words, 0, __ATOMIC_RELAXED);
	__builtin_memset(&v->regs, 0, sizeof(v->regs));
	gmem_memo_clear(&v->fetch);
	v->boot_seen = vm->boots;
	vcpu_started(v);
	v->irq_dirty = true;
	v->timer_armed = ~0ull;
	if (vcpu_vendor_init_sipi(v, v->sipi_page)) {
		vm_stop(vm, "vcpu %u could not start (cpu %u)", v->index, v->cpu);
		return;
	}
	vcpu_reset_cpu_state(v);
	__atomic_store_n(&v->state, VCPU_RUNNING, __ATOMIC_RELEASE);
	vm_log_queued(vm, "vigil: guest %s vcpu %u started on cpu %u at 0x%x (SIPI)\n", vm->name, v->index,
		      v->cpu, (unsigned)v->sipi_page << 12);
}

/* Before an entry, when a sibling (or the vCPU itself, for an NMI) sent
 * something: INIT sends this vCPU to wait for SIPI (a SIPI already behind
 * it starts it at once; a pending NMI is dropped, as INIT drops it); a
 * SIPI while it runs is ignored; an NMI is injected as soon as the guest
 * can take it, and stays pending until then (each entry tries again). */
void vcpu_take_events(struct vcpu *v)
{
	uint32_t ev = __atomic_load_n(&v->events, __ATOMIC_ACQUIRE);

	if (ev & VCPU_EV_INIT) {
		__atomic_and_fetch(&v->events, ~(VCPU_EV_INIT | VCPU_EV_NMI), __ATOMIC_ACQ_REL);
		vcpu_wait_sipi(v);
		return;
	}
	if (ev & VCPU_EV_SIPI)
		__atomic_and_fetch(&v->events, ~VCPU_EV_SIPI, __ATOMIC_ACQ_REL);
	if (!(ev & VCPU_EV_NMI))
		return;
	if (!vcpu_vendor_nmi_ready(v)) {
		vcpu_vendor_nmi_window(v, true);
		return;
	}
	__atomic_and_fetch(&v->events, ~VCPU_EV_NMI, __ATOMIC_ACQ_REL);
	vcpu_vendor_nmi_inject(v);
	vcpu_vendor_nmi_window(v, false);
	v->nmis++;
}

/* Whether something sent wakes the vCPU from HLT: INIT or SIPI, or an NMI
 * it can take now (inside its NMI handler a second one waits, asleep). */
bool vcpu_events_wake(const struct vcpu *v)
{
	uint32_t ev = __atomic_load_n(&v->events, __ATOMIC_ACQUIRE);

	return (ev & ~VCPU_EV_NMI) || ((ev & VCPU_EV_NMI) && vcpu_vendor_nmi_ready(v));
}

/* Raw on VMX (the VMCS does not hold them); on SVM the VMCB does, and
 * writing the CPU's copies is harmless: VMLOAD replaces them. */
static const uint32_t vcpu_syscall_msrs[] = {
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, /* STAR, LSTAR, CSTAR, SFMASK */
	MSR_KERNEL_GS_BASE,
};

/*
 * x87/SSE/AVX, XCR0, DR0-DR3 and DR6 (arch/x86/fpu.c), SPEC_CTRL (vmm/spec.c), the SYSCALL MSRs,
 * and every MSR the config grants raw: the values this CPU had before the
 * guest's first boot. An MSR the CPU refuses to read or write (a grant of
 * one it does not have) is left alone: the guest cannot use it either.
 */
void vcpu_reset_cpu_state(struct vcpu *v)
{
	const struct config_guest *cfg = v->vm->cfg;

	cpu_guest_state_reset();
	spec_vcpu_reset(v); /* SPEC_CTRL: 0 */
	v->tsc_aux = 0;
	v->pv_time = v->pv_wall = 0;
	if (cpu_wrmsr_safe(0xc0000103, 0)) { /* IA32_TSC_AUX */
		/* A host without it: nothing to reset, and the guest's writes #GP too. */
	}
	for (unsigned i = 0; i < sizeof(vcpu_syscall_msrs) / sizeof(vcpu_syscall_msrs[0]); i++)
		cpu_wrmsr(vcpu_syscall_msrs[i], 0);
	for (unsigned i = 0; i < cfg->msr_count && i < CONFIG_MAX_MSRS; i++) {
		if (!v->msrs_saved) {
			if (cpu_rdmsr_safe(cfg->msrs[i], &v->msr_boot[i]))
				v->msr_boot[i] = 0;
		} else if (cpu_wrmsr_safe(cfg->msrs[i], v->msr_boot[i])) {
			printk("vigil: guest %s: granted MSR 0x%x could not be reset\n", v->vm->name, cfg->msrs[i]);
		}
	}
	v->msrs_saved = true;
}

void vcpu_loop(struct vcpu *v)
{
	apic_timer_oneshot_setup(); /* backs the guest's APIC timer (vmm/virq.c) */
	if (v->index) {
		printk("vigil: guest %s vcpu %u on cpu %u waits for INIT and SIPI\n", v->vm->name, v->index,
		       v->cpu);
		vcpu_wait_sipi(v);
	} else {
		vcpu_reset_cpu_state(v);
		v->vm->start_tsc = cpu_rdtsc();
		printk("vigil: guest %s started on cpu %u\n", v->vm->name, v->cpu);
	}
	vcpu_before_entry(v);
	vcpu_vendor_loop(v);
}
