/* SPDX-License-Identifier: MIT */
/* Hypercalls (include/vigil/hypercall.h): one bounded table. */
#include "vmm/exits.h"
#include "vmm/vm.h"
#include "arch/x86/vendor.h"
#include "vigil/hypercall.h"
#include "kernel/init.h"

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

/*
 * The running VMM's version as a number (major << 16 | minor << 8 | patch
 * level). Kept a real, separate function so that a live patch can replace
 * it: guests see the patch level move without a reboot.
 */
__attribute__((noinline)) uint64_t vmm_version_code(void)
{
	return VIGIL_VERSION_CODE;
}

static int64_t hc_vmm_version(struct vcpu *v)
{
	(void)v;
	return (int64_t)vmm_version_code();
}

static int64_t hc_enosys(struct vcpu *v)
{
	(void)v;
	return -HC_ENOSYS;
}

/* Every slot is set: hc_enosys first, then the real ones over it. One
 * slot past the last number: where every number out of range lands. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverride-init"
static int64_t (*const hypercalls[HC_COUNT + 1])(struct vcpu *) = {
	[0 ... HC_COUNT] = hc_enosys,
	[HC_VERSION] = hc_version,
	[HC_EXIT] = hc_exit,
	[HC_VMM_VERSION] = hc_vmm_version,
};
#pragma GCC diagnostic pop

int exit_hypercall(struct vcpu *v)
{
	uint64_t nr = v->regs.rax;
	int64_t ret;

	if (vcpu_skip_insn(v))
		return 0;
	/* The guest chooses the index: it is clamped by a CMOV, never by a
	 * branch a CPU could mispredict, so not even a speculative call goes
	 * through a slot past the table (docs/vmm.md, "Speculation"). */
	__asm__("cmpq %1, %0\n\tcmovaq %1, %0" : "+r"(nr) : "r"((uint64_t)HC_COUNT) : "cc");
	if (v->exit.cpl != 0)
		ret = -HC_EPERM;
	else
		ret = hypercalls[nr](v);
	v->regs.rax = (uint64_t)ret;
	return 0;
}
