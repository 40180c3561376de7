/* SPDX-License-Identifier: MIT */
/* The VMCS field allow-list, its names, and checked writes (vmcs.h). */
#include <errno.h>
#include <stddef.h>
#include "arch/x86/vmx/vmcs.h"

struct vmcs_field_desc {
	uint32_t field;
	const char *name;
};

static const struct vmcs_field_desc vmcs_fields[] = {
#define VMCS_DESC(name, enc) { enc, #name },
	VMCS_FIELDS(VMCS_DESC)
#undef VMCS_DESC
};

const char *vmcs_field_name(uint32_t field)
{
	for (size_t i = 0; i < sizeof(vmcs_fields) / sizeof(vmcs_fields[0]); i++)
		if (vmcs_fields[i].field == field)
			return vmcs_fields[i].name;
	return NULL;
}

int vmcs_field_check(uint32_t field, uint64_t value)
{
	if (!vmcs_field_name(field))
		return -ENOENT;
	if (vmcs_field_readonly(field))
		return -EPERM;
	switch (vmcs_field_width(field)) {
	case VMCS_W16:
		return value > 0xffff ? -ERANGE : 0;
	case VMCS_W32:
		return value > 0xffffffffu ? -ERANGE : 0;
	default:
		return 0;
	}
}

void vmcs_put(struct vmcs_writer *w, uint32_t field, uint64_t value)
{
	uint32_t insn_error = 0;

	if (w->err)
		return;
	w->err = vmcs_field_check(field, value);
	if (!w->err)
		w->err = w->hw_write(field, value, &insn_error);
	if (w->err) {
		w->field = field;
		w->insn_error = insn_error;
	}
}

const char *vmx_insn_error_text(uint32_t err)
{
	switch (err) {
	case 2: return "VMCLEAR with invalid physical address";
	case 4: return "VMLAUNCH with non-clear VMCS";
	case 5: return "VMRESUME with non-launched VMCS";
	case 7: return "VM entry with invalid control fields";
	case 8: return "VM entry with invalid host-state fields";
	case 9: return "VMPTRLD with invalid physical address";
	case 11: return "VMPTRLD with incorrect VMCS revision";
	case 12: return "VMREAD/VMWRITE of an unsupported component";
	case 13: return "VMWRITE to a read-only component";
	case 15: return "VMXON in VMX root operation";
	case 26: return "VM entry with events blocked by MOV SS";
	case 28: return "invalid operand to INVEPT/INVVPID";
	default: return "see the SDM, VM-instruction error numbers";
	}
}
