/* SPDX-License-Identifier: MIT */
/*
 * The VMX instructions, each in one static inline wrapper. They report
 * VMfailInvalid (CF=1) and VMfailValid (ZF=1) as -EIO; after a VMfailValid
 * the VM-instruction error is in the current VMCS (vmx_insn_error()).
 */
#ifndef ARCH_X86_VMX_VMX_INSN_H
#define ARCH_X86_VMX_VMX_INSN_H

#include <errno.h>
#include <stdint.h>
#include "arch/x86/vmx/vmcs.h"

#define INVEPT_SINGLE 1
#define INVEPT_ALL 2
#define INVVPID_SINGLE 1
#define INVVPID_ALL 2

/* "setbe": CF or ZF set, the two VMfail forms. */
static inline int vmx_fail(uint8_t failed)
{
	return failed ? -EIO : 0;
}

static inline int vmx_on(uint64_t pa)
{
	uint8_t failed;

	__asm__ volatile("vmxon %1; setbe %0" : "=q"(failed) : "m"(pa) : "cc", "memory");
	return vmx_fail(failed);
}

static inline int vmx_vmclear(uint64_t pa)
{
	uint8_t failed;

	__asm__ volatile("vmclear %1; setbe %0" : "=q"(failed) : "m"(pa) : "cc", "memory");
	return vmx_fail(failed);
}

static inline int vmx_vmptrld(uint64_t pa)
{
	uint8_t failed;

	__asm__ volatile("vmptrld %1; setbe %0" : "=q"(failed) : "m"(pa) : "cc", "memory");
	return vmx_fail(failed);
}

static inline int vmx_vmwrite(uint32_t field, uint64_t value)
{
	uint8_t failed;

	__asm__ volatile("vmwrite %2, %1; setbe %0"
			 : "=q"(failed)
			 : "r"((uint64_t)field), "rm"(value)
			 : "cc", "memory");
	return vmx_fail(failed);
}

static inline int vmx_vmread(uint32_t field, uint64_t *value)
{
	uint8_t failed;

	__asm__ volatile("vmread %2, %1; setbe %0"
			 : "=q"(failed), "=rm"(*value)
			 : "r"((uint64_t)field)
			 : "cc", "memory");
	return vmx_fail(failed);
}

struct vmx_inv_desc {
	uint64_t a, b;
};

static inline int vmx_invept(uint64_t type, uint64_t eptp)
{
	struct vmx_inv_desc d = { eptp, 0 };
	uint8_t failed;

	__asm__ volatile("invept %1, %2; setbe %0" : "=q"(failed) : "m"(d), "r"(type) : "cc", "memory");
	return vmx_fail(failed);
}

static inline int vmx_invvpid(uint64_t type, uint16_t vpid)
{
	struct vmx_inv_desc d = { vpid, 0 };
	uint8_t failed;

	__asm__ volatile("invvpid %1, %2; setbe %0" : "=q"(failed) : "m"(d), "r"(type) : "cc", "memory");
	return vmx_fail(failed);
}

#endif
