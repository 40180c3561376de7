/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include "arch/x86/insn.h"

static bool insn_is_legacy_prefix(uint8_t b)
{
	switch (b) {
	case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
	case 0x66: case 0x67: case 0xf0: case 0xf2: case 0xf3:
		return true;
	default:
		return false;
	}
}

/* Opcodes after 0x0f. */
static int insn_decode_0f(const uint8_t *b, size_t avail, size_t i, enum insn_kind *kind)
{
	if (i >= avail)
		return -EINVAL;
	switch (b[i]) {
	case 0xa2: *kind = INSN_CPUID; return (int)i + 1;
	case 0x30: *kind = INSN_WRMSR; return (int)i + 1;
	case 0x32: *kind = INSN_RDMSR; return (int)i + 1;
	case 0x08: *kind = INSN_INVD; return (int)i + 1;
	case 0x09: *kind = INSN_WBINVD; return (int)i + 1;
	case 0x01:
		if (i + 1 >= avail)
			return -EINVAL;
		if (b[i + 1] == 0xd9)
			*kind = INSN_VMMCALL;
		else if (b[i + 1] == 0xc1)
			*kind = INSN_VMCALL;
		else
			return -EINVAL;
		return (int)i + 2;
	default:
		return -EINVAL;
	}
}

int insn_decode(const uint8_t *b, size_t avail, bool long64, enum insn_kind *kind)
{
	size_t i = 0;
	int len;

	if (avail > INSN_MAX_LEN)
		avail = INSN_MAX_LEN;
	*kind = INSN_OTHER;
	while (i < avail && insn_is_legacy_prefix(b[i]))
		i++;
	if (long64 && i < avail && (b[i] & 0xf0) == 0x40)
		i++; /* REX: must be the last prefix */
	if (i >= avail)
		return -EINVAL;
	switch (b[i]) {
	case 0x0f:
		len = insn_decode_0f(b, avail, i + 1, kind);
		break;
	case 0xf4:
		*kind = INSN_HLT;
		len = (int)i + 1;
		break;
	case 0xf1:
		*kind = INSN_ICEBP;
		len = (int)i + 1;
		break;
	case 0xe4: case 0xe5: case 0xe6: case 0xe7: /* in/out imm8 */
		*kind = INSN_IO;
		len = i + 1 < avail ? (int)i + 2 : -EINVAL;
		break;
	case 0xec: case 0xed: case 0xee: case 0xef: /* in/out dx */
	case 0x6c: case 0x6d: case 0x6e: case 0x6f: /* ins/outs */
		*kind = INSN_IO;
		len = (int)i + 1;
		break;
	default:
		return -EINVAL;
	}
	if (len > INSN_MAX_LEN || (len > 0 && (size_t)len > avail))
		return -EINVAL;
	return len;
}
