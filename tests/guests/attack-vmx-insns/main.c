/* SPDX-License-Identifier: MIT */
/*
 * attack-vmx-insns: the Intel virtualization instructions (VMXON, VMCLEAR,
 * VMPTRLD, VMPTRST, VMREAD, VMWRITE, VMLAUNCH, VMRESUME, VMXOFF, INVEPT,
 * INVVPID, VMFUNC, GETSEC) and setting CR4.VMXE. VMX is never offered to
 * a guest: each instruction raises #UD (exits the VMM turns into #UD on
 * Intel, undefined opcodes on AMD) and CR4.VMXE cannot be set (#GP).
 * The CR4 check runs on Intel only: on AMD bit 13 is simply reserved, an
 * affair between the guest and the CPU (QEMU's TCG accepts it, and the
 * next VMRUN then refuses the guest state).
 */
#include "attack.h"

#define CR4_VMXE (1ull << 13)

static uint64_t region[512] __attribute__((aligned(4096)));

#define VMX_OP(name, insn)                                                      \
	static void op_##name(void *arg)                                        \
	{                                                                       \
		asm volatile(insn ::"a"(arg), "b"(0ull) : "memory", "cc");       \
	}

VMX_OP(vmxon, "vmxon (%%rax)")
VMX_OP(vmclear, "vmclear (%%rax)")
VMX_OP(vmptrld, "vmptrld (%%rax)")
VMX_OP(vmptrst, "vmptrst (%%rax)")
VMX_OP(vmread, "vmread %%rax, %%rbx")
VMX_OP(vmwrite, "vmwrite %%rbx, %%rax")
VMX_OP(vmlaunch, "vmlaunch")
VMX_OP(vmresume, "vmresume")
VMX_OP(vmxoff, "vmxoff")
VMX_OP(invept, "invept (%%rax), %%rbx")
VMX_OP(invvpid, "invvpid (%%rax), %%rbx")
VMX_OP(vmfunc, "vmfunc")
VMX_OP(getsec, "getsec")

static const struct {
	void (*fn)(void *arg);
	unsigned len; /* bytes, as encoded above (checked against objdump) */
	const char *name;
} vmx_ops[] = {
	{ op_vmxon, 4, "vmxon" },     { op_vmclear, 4, "vmclear" }, { op_vmptrld, 3, "vmptrld" },
	{ op_vmptrst, 3, "vmptrst" }, { op_vmread, 3, "vmread" },   { op_vmwrite, 3, "vmwrite" },
	{ op_vmlaunch, 3, "vmlaunch" }, { op_vmresume, 3, "vmresume" }, { op_vmxoff, 3, "vmxoff" },
	{ op_invept, 5, "invept" },   { op_invvpid, 5, "invvpid" }, { op_vmfunc, 3, "vmfunc" },
	{ op_getsec, 2, "getsec" },
};

#define MOV_TO_CR4_LEN 3 /* 0f 22 e0 (mov %rax, %cr4) */

static void op_set_vmxe(void *arg)
{
	uint64_t cr4;

	(void)arg;
	asm volatile("mov %%cr4, %0" : "=a"(cr4));
	asm volatile("mov %0, %%cr4" ::"a"(cr4 | CR4_VMXE) : "memory");
}

int guest_main(const struct hvm_start_info *si)
{
	uint64_t cr4;

	(void)si;
	attack_begin("attack-vmx-insns");
	region[0] = 1; /* a plausible VMCS revision id */
	for (size_t i = 0; i < sizeof(vmx_ops) / sizeof(vmx_ops[0]); i++)
		attack_expect(attack_try(vmx_ops[i].fn, region, vmx_ops[i].len), VEC_UD, vmx_ops[i].name);
	if (guest_hypercall_insn()[2] == 'm') { /* "vmmcall": AMD */
		attack_note("CR4.VMXE not tried: a reserved bit on AMD");
		attack_end();
	}
	attack_expect(attack_try(op_set_vmxe, NULL, MOV_TO_CR4_LEN), VEC_GP, "set CR4.VMXE");
	asm volatile("mov %%cr4, %0" : "=r"(cr4));
	attack_check(!(cr4 & CR4_VMXE), "CR4.VMXE reads clear");
	attack_end();
}
