/* SPDX-License-Identifier: MIT */
/*
 * The VMCS fields Vigil uses (Intel SDM vol. 3, appendix B), their names,
 * and checked writes. Pure logic: no VMX instruction is executed here; the
 * hardware write is a callback, so host unit tests run the checks.
 *
 * The list below is the allow-list: a field that is not in it is never
 * written. Each field's width comes from its encoding (bits 14:13), and a
 * value wider than the field, or a write to a read-only (exit information)
 * field, is refused before any VMWRITE.
 */
#ifndef ARCH_X86_VMX_VMCS_H
#define ARCH_X86_VMX_VMCS_H

#include <stdint.h>

#define VMCS_FIELDS(X)                                                                  \
	/* 16-bit control, guest and host fields */                                   \
	X(VPID, 0x0000)                                                                \
	X(GUEST_ES_SEL, 0x0800) X(GUEST_CS_SEL, 0x0802) X(GUEST_SS_SEL, 0x0804)        \
	X(GUEST_DS_SEL, 0x0806) X(GUEST_FS_SEL, 0x0808) X(GUEST_GS_SEL, 0x080a)        \
	X(GUEST_LDTR_SEL, 0x080c) X(GUEST_TR_SEL, 0x080e)                              \
	X(HOST_ES_SEL, 0x0c00) X(HOST_CS_SEL, 0x0c02) X(HOST_SS_SEL, 0x0c04)           \
	X(HOST_DS_SEL, 0x0c06) X(HOST_FS_SEL, 0x0c08) X(HOST_GS_SEL, 0x0c0a)           \
	X(HOST_TR_SEL, 0x0c0c)                                                         \
	/* 64-bit fields */                                                            \
	X(IO_BITMAP_A, 0x2000) X(IO_BITMAP_B, 0x2002) X(MSR_BITMAP, 0x2004)            \
	X(EXIT_MSR_STORE_ADDR, 0x2006) X(EXIT_MSR_LOAD_ADDR, 0x2008)                   \
	X(ENTRY_MSR_LOAD_ADDR, 0x200a) X(TSC_OFFSET, 0x2010) X(EPT_POINTER, 0x201a)    \
	X(GUEST_PHYS_ADDR, 0x2400)                                                     \
	X(VMCS_LINK_POINTER, 0x2800) X(GUEST_DEBUGCTL, 0x2802) X(GUEST_PAT, 0x2804)    \
	X(GUEST_EFER, 0x2806) X(GUEST_PDPTE0, 0x280a) X(GUEST_PDPTE1, 0x280c)          \
	X(GUEST_PDPTE2, 0x280e) X(GUEST_PDPTE3, 0x2810)                                \
	X(HOST_PAT, 0x2c00) X(HOST_EFER, 0x2c02)                                       \
	/* 32-bit fields */                                                            \
	X(PIN_CONTROLS, 0x4000) X(PROC_CONTROLS, 0x4002) X(EXCEPTION_BITMAP, 0x4004)   \
	X(PF_ERROR_MASK, 0x4006) X(PF_ERROR_MATCH, 0x4008) X(CR3_TARGET_COUNT, 0x400a) \
	X(EXIT_CONTROLS, 0x400c) X(EXIT_MSR_STORE_COUNT, 0x400e)                       \
	X(EXIT_MSR_LOAD_COUNT, 0x4010) X(ENTRY_CONTROLS, 0x4012)                       \
	X(ENTRY_MSR_LOAD_COUNT, 0x4014) X(ENTRY_INTR_INFO, 0x4016)                     \
	X(ENTRY_EXCEPTION_ERROR, 0x4018) X(ENTRY_INSN_LEN, 0x401a)                     \
	X(TPR_THRESHOLD, 0x401c) X(PROC2_CONTROLS, 0x401e)                             \
	X(VM_INSN_ERROR, 0x4400) X(EXIT_REASON, 0x4402) X(EXIT_INTR_INFO, 0x4404)      \
	X(EXIT_INTR_ERROR, 0x4406) X(IDT_VECTORING_INFO, 0x4408)                       \
	X(IDT_VECTORING_ERROR, 0x440a) X(EXIT_INSN_LEN, 0x440c)                        \
	X(EXIT_INSN_INFO, 0x440e)                                                      \
	X(GUEST_ES_LIMIT, 0x4800) X(GUEST_CS_LIMIT, 0x4802) X(GUEST_SS_LIMIT, 0x4804)  \
	X(GUEST_DS_LIMIT, 0x4806) X(GUEST_FS_LIMIT, 0x4808) X(GUEST_GS_LIMIT, 0x480a)  \
	X(GUEST_LDTR_LIMIT, 0x480c) X(GUEST_TR_LIMIT, 0x480e)                          \
	X(GUEST_GDTR_LIMIT, 0x4810) X(GUEST_IDTR_LIMIT, 0x4812)                        \
	X(GUEST_ES_AR, 0x4814) X(GUEST_CS_AR, 0x4816) X(GUEST_SS_AR, 0x4818)           \
	X(GUEST_DS_AR, 0x481a) X(GUEST_FS_AR, 0x481c) X(GUEST_GS_AR, 0x481e)           \
	X(GUEST_LDTR_AR, 0x4820) X(GUEST_TR_AR, 0x4822)                                \
	X(GUEST_INTERRUPTIBILITY, 0x4824) X(GUEST_ACTIVITY, 0x4826)                    \
	X(GUEST_SYSENTER_CS, 0x482a) X(PREEMPTION_TIMER, 0x482e)                       \
	X(HOST_SYSENTER_CS, 0x4c00)                                                    \
	/* natural-width fields */                                                     \
	X(CR0_MASK, 0x6000) X(CR4_MASK, 0x6002) X(CR0_SHADOW, 0x6004)                  \
	X(CR4_SHADOW, 0x6006)                                                          \
	X(EXIT_QUALIFICATION, 0x6400) X(GUEST_LINEAR_ADDR, 0x640a)                     \
	X(GUEST_CR0, 0x6800) X(GUEST_CR3, 0x6802) X(GUEST_CR4, 0x6804)                 \
	X(GUEST_ES_BASE, 0x6806) X(GUEST_CS_BASE, 0x6808) X(GUEST_SS_BASE, 0x680a)     \
	X(GUEST_DS_BASE, 0x680c) X(GUEST_FS_BASE, 0x680e) X(GUEST_GS_BASE, 0x6810)     \
	X(GUEST_LDTR_BASE, 0x6812) X(GUEST_TR_BASE, 0x6814)                            \
	X(GUEST_GDTR_BASE, 0x6816) X(GUEST_IDTR_BASE, 0x6818) X(GUEST_DR7, 0x681a)     \
	X(GUEST_RSP, 0x681c) X(GUEST_RIP, 0x681e) X(GUEST_RFLAGS, 0x6820)              \
	X(GUEST_PENDING_DBG, 0x6822) X(GUEST_SYSENTER_ESP, 0x6824)                     \
	X(GUEST_SYSENTER_EIP, 0x6826)                                                  \
	X(HOST_CR0, 0x6c00) X(HOST_CR3, 0x6c02) X(HOST_CR4, 0x6c04)                    \
	X(HOST_FS_BASE, 0x6c06) X(HOST_GS_BASE, 0x6c08) X(HOST_TR_BASE, 0x6c0a)        \
	X(HOST_GDTR_BASE, 0x6c0c) X(HOST_IDTR_BASE, 0x6c0e)                            \
	X(HOST_SYSENTER_ESP, 0x6c10) X(HOST_SYSENTER_EIP, 0x6c12)                      \
	X(HOST_RSP, 0x6c14) X(HOST_RIP, 0x6c16)

enum vmcs_field {
#define VMCS_ENUM(name, enc) VMCS_##name = enc,
	VMCS_FIELDS(VMCS_ENUM)
#undef VMCS_ENUM
};

/* Field widths, encoding bits 14:13. */
enum vmcs_width { VMCS_W16 = 0, VMCS_W64 = 1, VMCS_W32 = 2, VMCS_WNAT = 3 };

static inline enum vmcs_width vmcs_field_width(uint32_t field)
{
	return (enum vmcs_width)((field >> 13) & 3);
}

/* Encoding bits 11:10 = 1: VM-exit information, read-only. */
static inline int vmcs_field_readonly(uint32_t field)
{
	return ((field >> 10) & 3) == 1;
}

/* The field's name ("GUEST_RIP"), or NULL when it is not in the list. */
const char *vmcs_field_name(uint32_t field);

/* May Vigil VMWRITE value into field? 0, -ENOENT (not in the list),
 * -EPERM (read-only field), -ERANGE (value wider than the field). */
int vmcs_field_check(uint32_t field, uint64_t value) __attribute__((warn_unused_result));

/*
 * A run of VMWRITEs that stops at the first failure and remembers it, so a
 * long set-up reads as a list of writes and is checked once at the end,
 * naming the field that failed. hw_write performs one VMWRITE; it returns 0
 * or -EIO with *insn_error set to the VM-instruction error (0 if none).
 */
struct vmcs_writer {
	int (*hw_write)(uint32_t field, uint64_t value, uint32_t *insn_error);
	int err;	     /* 0, or the first failure */
	uint32_t field;	     /* the field that failed */
	uint32_t insn_error; /* its VM-instruction error, when the VMWRITE failed */
};

void vmcs_put(struct vmcs_writer *w, uint32_t field, uint64_t value);

/* The SDM's text for a VM-instruction error number (table 31-1). */
const char *vmx_insn_error_text(uint32_t err);

#endif
