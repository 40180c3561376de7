/* SPDX-License-Identifier: MIT */
/* Exit handlers, one per vendor-neutral reason. Each returns 0 to resume
 * the guest; a handler that stops the guest has called vm_stop(). */
#ifndef VMM_EXITS_H
#define VMM_EXITS_H

#include <errno.h>
#include "vmm/vcpu.h"

/* One handler per vendor-neutral reason (vmm/exit.c), none NULL: a reason
 * without its own has exit_unknown. */
extern int (*const exit_handlers[EXIT_REASON_COUNT])(struct vcpu *);

/* Count the exit and run its handler; an unknown reason fails closed.
 * Inline: the backends call it after every exit. */
static inline void exit_dispatch(struct vcpu *v)
{
	unsigned reason = v->exit.reason;

	if (reason >= EXIT_REASON_COUNT)
		reason = EXIT_UNKNOWN;
	v->exits[reason]++;
	exit_handlers[reason](v);
}

int exit_cpuid(struct vcpu *v);
/* Read the CPUID leaves whose answers never change, once, at boot. */
void cpuid_init(void);
int exit_io(struct vcpu *v);
int exit_msr_read(struct vcpu *v);
int exit_msr_write(struct vcpu *v);
int exit_hypercall(struct vcpu *v);

void vcpu_inject_ud(struct vcpu *v);

/* Move RIP past the intercepted instruction (before the next entry). When
 * its length is unknown (it could not be read or decoded) the guest gets
 * #UD instead and -EFAULT returns. */
static inline int vcpu_skip_insn(struct vcpu *v)
{
	if (!v->exit.insn_len) {
		vcpu_inject_ud(v);
		return -EFAULT;
	}
	v->exit.skip = true;
	return 0;
}

/* For backends that must read the instruction to know its length (SVM
 * without nRIP): the length of the instruction at linear address la, read
 * through a full walk with mode m (which refills the vCPU's fetch memo),
 * or -EINVAL when it cannot be read or is not one Vigil intercepts. */
int vcpu_fetch_insn_len(struct vcpu *v, const struct guest_mode *m, uint64_t la, bool long64);
/* Architectural faults for the guest. */
void vcpu_inject_gp(struct vcpu *v);

#endif
