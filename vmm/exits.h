/* SPDX-License-Identifier: MIT */
/* Exit handlers, one per vendor-neutral reason. Each returns 0 to resume
 * the guest; a handler that stops the guest has called vm_stop(). */
#ifndef VMM_EXITS_H
#define VMM_EXITS_H

#include "vmm/vcpu.h"

void exit_dispatch(struct vcpu *v);

int exit_cpuid(struct vcpu *v);
int exit_io(struct vcpu *v);
int exit_msr_read(struct vcpu *v);
int exit_msr_write(struct vcpu *v);
int exit_hypercall(struct vcpu *v);

/* Advance RIP past the intercepted instruction (decoded from guest memory:
 * no nRIP under emulation). On failure the guest gets #UD and -EFAULT returns. */
int vcpu_skip_insn(struct vcpu *v);
/* Architectural faults for the guest. */
void vcpu_inject_gp(struct vcpu *v);
void vcpu_inject_ud(struct vcpu *v);

#endif
