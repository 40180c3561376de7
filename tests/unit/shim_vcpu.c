// SPDX-License-Identifier: MIT
/*
 * Test stand-in for the symbols vmm/cpuid.c reaches elsewhere: the two its exit handler reaches in
 * the backend (arch/x86/vendor.c's vendor_ops, vmm/vcpu.c's
 * vcpu_inject_ud). The tests of the pure CPUID filter never run the
 * handler; should one call them, it stops at once.
 */
#include <stdlib.h>
#include "arch/x86/vendor.h"
#include "vmm/exits.h"

const struct vcpu_vendor_ops *vendor_ops;

void vcpu_inject_ud(struct vcpu *v)
{
	(void)v;
	abort();
}

/* cpuid_init reads the clocks vmm/virq.c sets at boot; the tests set
 * cpuid_clock themselves. */
#include "vmm/virq.h"
struct virq_clock virq_clock;

/* vmm/spec.c's spec_init reports the policy at boot; the tests never
 * run it. */
#include "kernel/console.h"
void printk(const char *fmt, ...)
{
	(void)fmt;
	abort();
}
