/* SPDX-License-Identifier: MIT */
/* Hypercalls (include/vigil/hypercall.h): one bounded table. */
#include "vmm/exits.h"
#include "vmm/vm.h"
#include "arch/x86/vendor.h"
#include "vigil/hypercall.h"

static int64_t hc_version(struct vcpu *v)
{
	(void)v;
	return HC_ABI_VERSION;
}

static int64_t hc_exit(struct vcpu *v)
{
	vm_stop(v->vm, "exit hypercall (code %lu)", v->regs.rdi);
	return 0;
}

static int64_t (*const hypercalls[HC_COUNT])(struct vcpu *) = {
	[HC_VERSION] = hc_version,
	[HC_EXIT] = hc_exit,
};

int exit_hypercall(struct vcpu *v)
{
	struct guest_mode m;
	uint64_t nr = v->regs.rax;
	int64_t ret;

	if (vcpu_skip_insn(v))
		return 0;
	vcpu_vendor_mode(v, &m);
	if (m.cpl != 0)
		ret = -HC_EPERM;
	else if (nr >= HC_COUNT || !hypercalls[nr])
		ret = -HC_ENOSYS;
	else
		ret = hypercalls[nr](v);
	v->regs.rax = (uint64_t)ret;
	return 0;
}
