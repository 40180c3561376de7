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

/*
 * #DB and #AC are intercepted so that their delivery cannot loop inside the
 * CPU (CVE-2015-8104, CVE-2015-5307): each delivery exits here, and the VMM
 * keeps its CPU. Reflect them; the same exception at the same RIP more than
 * EXC_STORM_LIMIT times in a row means delivery itself keeps faulting: the
 * guest makes no progress and is stopped.
 */
#define EXC_STORM_LIMIT 100000u

static int exit_exception(struct vcpu *v)
{
	uint64_t rip = vcpu_vendor_rip(v);
	uint8_t vector = v->exit.exc.vector;

	if (rip == v->storm_rip && vector == v->storm_vector) {
		if (++v->storm_count >= EXC_STORM_LIMIT) {
			vm_stop(v->vm, "exception storm: vector %u at rip 0x%lx %u times in a row", vector,
				rip, v->storm_count);
			return -1;
		}
	} else {
		v->storm_rip = rip;
		v->storm_vector = vector;
		v->storm_count = 1;
	}
	vcpu_vendor_inject(v, vector, v->exit.exc.has_error, v->exit.exc.error);
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
	[EXIT_INTR] = exit_intr,
	[EXIT_INVALID] = exit_invalid,
	[EXIT_UNKNOWN] = exit_unknown,
};
#pragma GCC diagnostic pop

