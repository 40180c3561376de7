/* SPDX-License-Identifier: MIT */
/*
 * Application processor start-up: INIT-SIPI-SIPI through the trampoline
 * page that the boot entry reserved below 1 MiB. While APs start, the
 * trampoline page is mapped identity (RX) in the VMM's tables; it is
 * unmapped again once every AP is up, so no low mapping survives.
 */
#include <errno.h>
#include <string.h>
#include "arch/x86/smp.h"
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/trampoline.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/time.h"

#define SIPI_WAIT_US 200
#define AP_WAIT_US 200000

extern void ap_entry(void);

static void smp_patch32(uint8_t *page, const char *field, uint32_t add)
{
	uint32_t v;
	size_t off = (size_t)(field - trampoline_start);

	memcpy(&v, page + off, 4);
	v += add;
	memcpy(page + off, &v, 4);
}

static void smp_prepare_trampoline(uint64_t tpa)
{
	uint8_t *page = phys_to_virt(tpa);

	memcpy(page, trampoline_start, (size_t)(trampoline_end - trampoline_start));
	smp_patch32(page, tr_patch_gdt, (uint32_t)tpa);
	smp_patch32(page, tr_patch_jmp32, (uint32_t)tpa);
	smp_patch32(page, tr_patch_jmp64, (uint32_t)tpa);
}

/*
 * The INIT-SIPI-SIPI sequence of the MP specification waits 10 ms after
 * INIT. CPUs since the P6 and AMD's K8 do not need it (Linux has skipped it
 * on them since 2015): wait only on older ones. After each SIPI, poll for
 * the AP instead of sleeping a fixed time.
 */
static bool smp_modern_cpu(void)
{
	struct cpuid_regs id = cpu_cpuid(0, 0), sig = cpu_cpuid(1, 0);
	unsigned family = (sig.eax >> 8) & 0xf;

	if (family == 0xf)
		family += (sig.eax >> 20) & 0xff;
	if (id.ebx == 0x756e6547) /* "Genu"ineIntel */
		return family >= 6;
	if (id.ebx == 0x68747541) /* "Auth"enticAMD */
		return family >= 0xf;
	return false;
}

static void smp_wait_online(const struct cpu_area *area, uint64_t us)
{
	uint64_t step = us < 10 ? us : 10;

	for (uint64_t t = 0; t < us && !__atomic_load_n(&area->pc.online, __ATOMIC_ACQUIRE); t += step)
		time_delay_us(step);
}

static int smp_start_one(uint64_t tpa, unsigned index, uint32_t apic)
{
	struct cpu_area *area = cpu_areas[index];
	struct trampoline_params *p = (void *)((uint8_t *)phys_to_virt(tpa) + TR_PARAMS);

	area->pc.index = index;
	area->pc.apic_id = apic;
	area->pc.stack_top = (uint64_t)(uintptr_t)(area->stack + STACK_SIZE);
	area->pc.stack_canary = 0; /* the AP draws its own in percpu_enter_asm */
	p->cr3 = cpu_read_cr3();
	p->stack = area->pc.stack_top;
	p->percpu = (uint64_t)(uintptr_t)&area->pc;
	p->entry = (uint64_t)(uintptr_t)ap_entry;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	apic_send_init(apic);
	if (!smp_modern_cpu())
		time_delay_us(10000);
	for (int i = 0; i < 2 && !area->pc.online; i++) {
		apic_send_sipi(apic, (uint8_t)(tpa >> 12));
		smp_wait_online(area, SIPI_WAIT_US);
	}
	smp_wait_online(area, AP_WAIT_US);
	return area->pc.online ? 0 : -ETIMEDOUT;
}

int smp_start_aps(uint64_t tpa, const uint32_t *apic_ids, unsigned count)
{
	int err = 0;

	if (!tpa || (uint64_t)(trampoline_end - trampoline_start) > TR_PARAMS)
		return -EINVAL;
	/* The trampoline needs CR3 below 4 GiB (it loads CR3 in 32-bit mode). */
	if (cpu_read_cr3() >> 32)
		return -ERANGE;
	err = mm_map_identity_exec(tpa, PAGE_SIZE);
	if (err)
		return err;
	smp_prepare_trampoline(tpa);
	/* One CPU that does not start does not keep the others from it. */
	for (unsigned i = 1; i < count; i++)
		if (smp_start_one(tpa, i, apic_ids[i])) {
			printk("vigil: cpu %u (apic %u) did not start\n", i, apic_ids[i]);
			err = -ETIMEDOUT;
		}
	mm_unmap_identity(tpa, PAGE_SIZE);
	memset(phys_to_virt(tpa), 0, PAGE_SIZE);
	return err;
}
