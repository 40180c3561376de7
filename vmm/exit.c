/* SPDX-License-Identifier: MIT */
/*
 * Exit dispatch: one bounded table, indexed by the vendor-neutral reason.
 * Every reason has a handler; unknown ones fail closed (the guest stops
 * with the raw exit code logged).
 */
#include "vmm/exits.h"
#include "vmm/vm.h"
#include "arch/x86/vendor.h"

static int exit_hlt(struct vcpu *v)
{
	/* No virtual interrupt can wake a halted vCPU yet. */
	vcpu_skip_insn(v);
	vm_stop(v->vm, "halted with nothing to wake it (cpu %u)", v->cpu);
	return -1;
}

static int exit_npf(struct vcpu *v)
{
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

/* #DB and #AC are intercepted only so that their delivery cannot loop
 * inside the CPU (CVE-2015-8104, CVE-2015-5307): reflect them. */
static int exit_exception(struct vcpu *v)
{
	vcpu_vendor_inject(v, v->exit.exc.vector, v->exit.exc.has_error, v->exit.exc.error);
	return 0;
}

static int exit_virt_insn(struct vcpu *v)
{
	vcpu_inject_ud(v);
	return 0;
}

static int exit_intr(struct vcpu *v)
{
	(void)v; /* the host had the event; the guest simply resumes */
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

static int (*const exit_handlers[EXIT_REASON_COUNT])(struct vcpu *) = {
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
	[EXIT_INTR] = exit_intr,
	[EXIT_INVALID] = exit_invalid,
	[EXIT_UNKNOWN] = exit_unknown,
};

void exit_dispatch(struct vcpu *v)
{
	unsigned reason = v->exit.reason;

	if (reason >= EXIT_REASON_COUNT || !exit_handlers[reason])
		reason = EXIT_UNKNOWN;
	exit_handlers[reason](v);
}
