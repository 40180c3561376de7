/* SPDX-License-Identifier: MIT */
/*
 * The guest-visible hypercall ABI, shared by the VMM and the test guests.
 *
 * A guest issues VMMCALL (AMD) or VMCALL (Intel) from CPL 0 with
 *   RAX = hypercall number, RDI, RSI, RDX = arguments;
 * the VMM returns a result in RAX (negative errno on failure) and preserves
 * every other register. Unknown numbers return -HC_ENOSYS. A hypercall from
 * CPL > 0 returns -HC_EPERM without acting.
 */
#ifndef VIGIL_HYPERCALL_H
#define VIGIL_HYPERCALL_H

#define HC_VERSION 0u /* () -> HC_ABI_VERSION */
#define HC_EXIT 1u    /* (code) -> does not return: the guest is stopped */
#define HC_VMM_VERSION 2u /* () -> the running VMM's version code (moves with live patches) */
#define HC_COUNT 3u

#define HC_ABI_VERSION 1

#define HC_EPERM 1
#define HC_EINVAL 22
#define HC_ENOSYS 38

#endif
