/* SPDX-License-Identifier: MIT */
/*
 * Hypercalls (include/vigil/hypercall.h): VMMCALL on AMD, VMCALL on Intel,
 * chosen once from the CPUID vendor string. Vigil is recognised by its
 * CPUID leaf 0x40000000 signature; without it no hypercall instruction is
 * ever executed, so the same image runs on plain QEMU.
 */
#include "internal.h"

#define CPUID_HV_BASE 0x40000000u
#define VIGIL_SIGNATURE "VigilVigilVi"

/* The native-QEMU exit device (-device isa-debug-exit,iobase=0xf4,iosize=4). */
#define DEBUG_EXIT_PORT 0xf4

static char hc_vendor[13];
static int hc_amd;
static int hc_vigil;

static void regs_to_string(char *out, uint32_t a, uint32_t b, uint32_t c)
{
	const uint32_t words[3] = { a, b, c };

	for (int i = 0; i < 12; i++)
		out[i] = (char)(words[i / 4] >> (8 * (i % 4)));
	out[12] = '\0';
}

static int str_equal(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

void hc_init(void)
{
	struct cpuid_regs r = cpuid(0);
	char sig[13];

	regs_to_string(hc_vendor, r.ebx, r.edx, r.ecx);
	hc_amd = str_equal(hc_vendor, "AuthenticAMD") || str_equal(hc_vendor, "HygonGenuine");
	r = cpuid(CPUID_HV_BASE);
	regs_to_string(sig, r.ebx, r.ecx, r.edx);
	hc_vigil = str_equal(sig, VIGIL_SIGNATURE);
}

int guest_under_vigil(void)
{
	return hc_vigil;
}

const char *guest_cpu_vendor(void)
{
	return hc_vendor;
}

const char *guest_hypercall_insn(void)
{
	return hc_amd ? "vmmcall" : "vmcall";
}

long hc_call(unsigned long nr, unsigned long a0, unsigned long a1, unsigned long a2)
{
	long ret;

	if (!hc_vigil)
		return -HC_ENOSYS;
	if (hc_amd)
		asm volatile("vmmcall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2) : "memory");
	else
		asm volatile("vmcall" : "=a"(ret) : "a"(nr), "D"(a0), "S"(a1), "d"(a2) : "memory");
	return ret;
}

long hc_version(void)
{
	return hc_call(HC_VERSION, 0, 0, 0);
}

void guest_halt_native(int code)
{
	con_flush();
	if (!hc_vigil)
		outl(DEBUG_EXIT_PORT, (uint32_t)code);
	halt_forever();
}

void hc_exit(int code)
{
	con_flush();
	hc_call(HC_EXIT, (unsigned long)(long)code, 0, 0);
	/* Only reached natively, or if the VMM broke the ABI by returning. */
	if (hc_vigil)
		printf("guest: HC_EXIT returned\n");
	guest_halt_native(code);
}
