/* SPDX-License-Identifier: MIT */
/*
 * The rules XSETBV applies to a new XCR0 (SDM vol. 2, XSETBV; vol. 1,
 * 13.3), checked before the VMM loads a guest's value, so that the VMM's
 * own XSETBV never faults. Pure: host unit tests cover every rule.
 */
#ifndef ARCH_X86_XCR0_H
#define ARCH_X86_XCR0_H

#include <stdbool.h>
#include <stdint.h>

#define XCR0_X87 (1ull << 0)
#define XCR0_SSE (1ull << 1)
#define XCR0_AVX (1ull << 2)
#define XCR0_BNDREGS (1ull << 3)  /* MPX */
#define XCR0_BNDCSR (1ull << 4)	  /* MPX */
#define XCR0_AVX512 (7ull << 5)	  /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_TILECFG (1ull << 17) /* AMX */
#define XCR0_TILEDATA (1ull << 18)

/* Both bits of a pair, or neither. */
static inline bool xcr0_pair(uint64_t val, uint64_t pair)
{
	return (val & pair) == 0 || (val & pair) == pair;
}

/* supported: the components this CPU can enable in XCR0 (CPUID 0xd.0
 * EDX:EAX). */
static inline bool xcr0_valid(uint64_t val, uint64_t supported)
{
	if (!(val & XCR0_X87) || (val & ~supported))
		return false;
	if ((val & XCR0_AVX) && !(val & XCR0_SSE))
		return false;
	if (!xcr0_pair(val, XCR0_BNDREGS | XCR0_BNDCSR) || !xcr0_pair(val, XCR0_TILECFG | XCR0_TILEDATA))
		return false;
	return !(val & XCR0_AVX512) || ((val & XCR0_AVX512) == XCR0_AVX512 && (val & XCR0_AVX));
}

#endif
