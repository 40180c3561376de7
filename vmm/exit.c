/* SPDX-License-Identifier: MIT */
/*
 * Exit dispatch: one bounded table, indexed by the vendor-neutral reason.
 * Every reason has a handler; unknown ones fail closed (the guest stops
 * with the raw exit code logged). Both backends call exit_dispatch() for
 * every exit and then pass vcpu_before_entry(): one exit-path shape.
 */
#include "vmm/exits.h"
#include "vmm/vm.h"
#include "vmm/vpci.h"
#include "arch/x86/cpu.h"
#include "arch/x86/mce.h"
#include "arch/x86/vendor.h"
#include "arch/x86/xcr0.h"
#include "kernel/console.h"

#define EXIT_REASON_NAME(id, name) [id] = name,
const char *const exit_reason_names[EXIT_REASON_COUNT] = { EXIT_REASONS(EXIT_REASON_NAME) };
#undef EXIT_REASON_NAME

#define RFLAGS_IF (1ull << 9)

static bool exit_hlt_cli_over(void *arg)
{
	const struct vcpu *v = arg;

	return vcpu_events_wake(v) || v->vm->state != VM_RUNNING ||
	       __atomic_load_n(&rendezvous_active, __ATOMIC_ACQUIRE);
}

/* HLT sleeps until the guest's next interrupt (vmm/virq.c). With
 * interrupts disabled only a sibling's INIT or NMI can wake it (Linux parks
 * an offline CPU so): such a vCPU sleeps until one comes, or its guest stops.
 * In a guest of one vCPU nothing can ever wake it: the guest stops. */
static int exit_hlt(struct vcpu *v)
{
	if (vcpu_skip_insn(v))
		return 0;
	if (!(vcpu_vendor_rflags(v) & RFLAGS_IF)) {
		if (v->vm->vcpu_count > 1) {
			cpu_sleep_until(exit_hlt_cli_over, v);
			return 0; /* a kick for another reason: the guest halts again */
		}
		vm_stop(v->vm, "halted with nothing to wake it (cpu %u)", v->cpu);
		return -1;
	}
	virq_halt(v);
	return 0;
}

static int exit_npf(struct vcpu *v)
{
	if (virq_mmio(v, v->exit.npf.gpa) || vpci_mmio(v, v->exit.npf.gpa))
		return 0;
	vm_stop(v->vm, "NPT violation at gpa 0x%lx (%s%s) rip 0x%lx", v->exit.npf.gpa,
		v->exit.npf.fetch ? "fetch" : v->exit.npf.write ? "write" : "read",
		v->exit.npf.present ? ", protection" : ", not mapped", vcpu_vendor_rip(v));
	return -1;
}

static int exit_shutdown(struct vcpu *v)
{
	vm_stop(v->vm, "triple fault (shutdown) at rip 0x%lx", vcpu_vendor_rip(v));
	return -1;
}

/*
 * #DB and #AC are intercepted so that their delivery cannot loop inside the
 * CPU (CVE-2015-8104, CVE-2015-5307): each delivery exits here and the VMM
 * keeps its CPU, its safe point and its counters. Reflect them. A guest
 * whose delivery itself keeps faulting retires no instruction: each of
 * those exits comes while an event is being delivered (in_delivery). After
 * DELIVERY_LOOP_LIMIT of them in a row the guest is stopped. Any exit that
 * was not raised during a delivery means the guest made progress and ends
 * the run, so single-stepping or watchpoints in a hot loop never stop it.
 */
#define DELIVERY_LOOP_LIMIT 10000u

/* A machine check while the guest ran is the host's: it is logged and
 * cleared, never reflected. One the CPU cannot resume from, or an
 * uncorrected error (it may lie in the guest's memory), stops this guest
 * and no other; a corrected one is counted and the guest goes on. */
static int exit_machine_check(struct vcpu *v)
{
	char where[48];

	snprintk(where, sizeof(where), "while guest %s ran", v->vm->name);
	if (!mce_collect(where))
		return 0;
	vm_stop(v->vm, "machine check on cpu %u (uncorrected, or the CPU cannot resume the guest)", v->cpu);
	return -1;
}

static int exit_exception(struct vcpu *v)
{
	uint8_t vector = v->exit.exc.vector;

	if (vector == 18)
		return exit_machine_check(v);

	if (!v->exit.in_delivery)
		v->delivery_faults = 0;
	else if (++v->delivery_faults >= DELIVERY_LOOP_LIMIT) {
		vm_stop(v->vm, "exception delivery loop: vector %u at rip 0x%lx, %u times without progress",
			vector, vcpu_vendor_rip(v), v->delivery_faults);
		return -1;
	}
	vcpu_vendor_inject(v, vector, v->exit.exc.has_error, v->exit.exc.error);
	return 0;
}

/* ICEBP (INT1, 0xf1): a #DB trap, delivered without the IDT gate's DPL
 * check, with RIP past the instruction. */
static int exit_icebp(struct vcpu *v)
{
	v->delivery_faults = 0;
	return vcpu_vendor_icebp(v);
}

static uint64_t xcr0_supported(void)
{
	struct cpuid_regs r = cpu_cpuid(0xd, 0);

	return ((uint64_t)r.edx << 32) | r.eax;
}

/* The guest's XCR0. XSETBV always exits on VMX; the exact architectural
 * checks come first (arch/x86/xcr0.h), and a value the CPU still refuses
 * is the guest's #GP, never a fault of the VMM. */
static int exit_xsetbv(struct vcpu *v)
{
	uint64_t val = (v->regs.rdx << 32) | (uint32_t)v->regs.rax;
	struct guest_mode m;

	vcpu_vendor_mode(v, &m);
	if (!(m.cr4 & CR4_OSXSAVE)) {
		vcpu_inject_ud(v);
		return 0;
	}
	if ((uint32_t)v->regs.rcx != 0 || m.cpl != 0 || !xcr0_valid(val, xcr0_supported()) ||
	    cpu_xsetbv_safe(0, val)) {
		vcpu_inject_gp(v);
		return 0;
	}
	return vcpu_skip_insn(v);
}

/*
 * WBINVD writes back and invalidates every cache of the package, which
 * the other guests' CPUs share: a guest looping on it would slow them all.
 * Guest memory is write-back and coherent (no device reaches it but
 * through the IOMMU, which snoops), so the instruction has nothing to do
 * for the guest that the hardware does not already do: it completes
 * without the real one. CPL 0 only, as on hardware.
 */
static int exit_wbinvd(struct vcpu *v)
{
	struct guest_mode m;

	vcpu_vendor_mode(v, &m);
	if (m.cpl != 0) {
		vcpu_inject_gp(v);
		return 0;
	}
	return vcpu_skip_insn(v);
}

static int exit_virt_insn(struct vcpu *v)
{
	vcpu_inject_ud(v);
	return 0;
}

/* The host had the event. A physical interrupt waits in the local APIC
 * (interrupts are off in the VMM): let its handler run now (for a guest
 * CPU's timer it only acknowledges it; the virtual timer is checked before
 * the next entry), then the guest resumes. */
static int exit_intr(struct vcpu *v)
{
	cpu_irq_window();
	v->timer_armed = ~0ull; /* the one-shot may be spent: set it again */
	return 0;
}

/* The guest can take an interrupt now: vcpu_before_entry injects it. */
static int exit_irq_window(struct vcpu *v)
{
	vcpu_vendor_irq_window(v, false);
	return 0;
}

/* The guest's NMI handler returned, or NMIs opened: the NMI waiting for
 * that (vcpu_take_events) is injected before the next entry. */
static int exit_nmi_window(struct vcpu *v)
{
	(void)v;
	return 0;
}

static int exit_invalid(struct vcpu *v)
{
	vm_stop(v->vm, "illegal guest state on entry (exit 0x%lx)", v->exit.raw);
	return -1;
}

static int exit_unknown(struct vcpu *v)
{
	vm_stop(v->vm, "unhandled exit 0x%lx info1 0x%lx info2 0x%lx", v->exit.raw, v->exit.info1,
		v->exit.info2);
	return -1;
}

static int exit_cr_access(struct vcpu *v)
{
	return vcpu_vendor_cr_access(v) < 0 ? exit_unknown(v) : 0;
}

/* Every slot is set: exit_unknown first, then the real handlers over it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
int (*const exit_handlers[EXIT_REASON_COUNT])(struct vcpu *) = {
	[0 ... EXIT_REASON_COUNT - 1] = exit_unknown,
	[EXIT_CPUID] = exit_cpuid,
	[EXIT_IO] = exit_io,
	[EXIT_MSR_READ] = exit_msr_read,
	[EXIT_MSR_WRITE] = exit_msr_write,
	[EXIT_HLT] = exit_hlt,
	[EXIT_HYPERCALL] = exit_hypercall,
	[EXIT_NPF] = exit_npf,
	[EXIT_SHUTDOWN] = exit_shutdown,
	[EXIT_EXCEPTION] = exit_exception,
	[EXIT_VIRT_INSN] = exit_virt_insn,
	[EXIT_CR_ACCESS] = exit_cr_access,
	[EXIT_XSETBV] = exit_xsetbv,
	[EXIT_WBINVD] = exit_wbinvd,
	[EXIT_ICEBP] = exit_icebp,
	[EXIT_INTR] = exit_intr,
	[EXIT_IRQ_WINDOW] = exit_irq_window,
	[EXIT_NMI_WINDOW] = exit_nmi_window,
	[EXIT_INVALID] = exit_invalid,
	[EXIT_UNKNOWN] = exit_unknown,
};
#pragma GCC diagnostic pop

