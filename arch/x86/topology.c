/* SPDX-License-Identifier: MIT */
/*
 * SMT topology from CPUID (arch/x86/topology.h), in the order the vendors
 * document it: the extended topology leaf 0xb where it has an SMT level;
 * AMD's 0x8000001e (threads per compute unit) where TOPOEXT says it is
 * valid; else the legacy counts (logical CPUs per package from leaf 1,
 * cores per package from leaf 4 or 0x80000008), which can only
 * over-estimate the threads per core: never two cores taken for one.
 */
#include "arch/x86/topology.h"

#define LEAF1_EDX_HTT (1u << 28)
#define EXT1_ECX_TOPOEXT (1u << 22)
#define LEAFB_LEVEL_SMT 1u

/* ceil(log2(n)) for n >= 1 */
static unsigned topo_bits(unsigned n)
{
	unsigned b = 0;

	while (b < 31 && (1u << b) < n)
		b++;
	return b;
}

static unsigned topo_legacy_shift(const struct topo_leaves *t)
{
	unsigned logical = (t->leaf1.ebx >> 16) & 0xff;
	unsigned cores = t->amd ? (t->ext8.ecx & 0xff) + 1 : ((t->leaf4.eax >> 26) & 0x3f) + 1;

	if (!(t->leaf1.edx & LEAF1_EDX_HTT) || logical <= cores)
		return 0;
	return topo_bits((logical + cores - 1) / cores);
}

unsigned topo_smt_shift(const struct topo_leaves *t)
{
	if (t->leafb.ebx & 0xffff) /* sub-leaf 0 describes a level */
		return ((t->leafb.ecx >> 8) & 0xff) == LEAFB_LEVEL_SMT ? t->leafb.eax & 0x1f : 0;
	if (t->amd && (t->ext1.ecx & EXT1_ECX_TOPOEXT))
		return topo_bits(((t->ext1e.ebx >> 8) & 0xff) + 1);
	return topo_legacy_shift(t);
}

unsigned topo_smt_shift_host(void)
{
	struct cpuid_regs l0 = cpu_cpuid(0, 0);
	uint32_t ext_max = cpu_cpuid(0x80000000u, 0).eax;
	struct topo_leaves t = {
		.amd = l0.ebx == 0x68747541, /* "Auth" of AuthenticAMD */
		.leaf1 = cpu_cpuid_upto(1, l0.eax),
		.leaf4 = cpu_cpuid_upto(4, l0.eax),
		.leafb = cpu_cpuid_upto(0xb, l0.eax),
		.ext1 = cpu_cpuid_upto(0x80000001u, ext_max),
		.ext8 = cpu_cpuid_upto(0x80000008u, ext_max),
		.ext1e = cpu_cpuid_upto(0x8000001eu, ext_max),
	};

	return topo_smt_shift(&t);
}
