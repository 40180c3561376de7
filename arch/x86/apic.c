/* SPDX-License-Identifier: MIT */
/*
 * The VMM's own local APIC: x2APIC (MSRs) wherever the CPU has it, xAPIC
 * (MMIO) only on a CPU without it. x2APIC mode is per CPU: the BSP enters
 * it in apic_init, every AP in apic_cpu_init (INIT leaves an AP in xAPIC
 * mode). docs/vmm.md, "The local APIC".
 */
#include <errno.h>
#include "arch/x86/apic.h"
#include "arch/x86/cpu.h"
#include "arch/x86/gdt.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "kernel/panic.h"

#define APIC_BASE_X2APIC (1ull << 10)
#define APIC_BASE_ENABLE (1ull << 11)
#define APIC_BASE_ADDR 0xffffff000ull
#define CPUID_1_ECX_X2APIC (1u << 21)

#define APIC_ID 0x20
#define APIC_EOI 0x0b0
#define APIC_SVR 0x0f0
#define APIC_LVT_TIMER 0x320
#define APIC_TIMER_INIT 0x380
#define APIC_TIMER_CUR 0x390
#define APIC_TIMER_DIV 0x3e0
#define APIC_SVR_ENABLE (1u << 8)
#define LVT_MASKED (1u << 16)
#define LVT_PERIODIC (1u << 17)
#define APIC_ICR_LO 0x300
#define APIC_ICR_HI 0x310
#define MSR_X2APIC_ICR 0x830
#define MSR_X2APIC_ID 0x802
#define XAPIC_MAX_ID 0xffu

#define ICR_INIT (5u << 8)
#define ICR_SIPI (6u << 8)
#define ICR_NMI (4u << 8)
#define ICR_ASSERT (1u << 14)
#define ICR_PENDING (1u << 12)

static volatile uint32_t *apic_mmio;
static int apic_x2;
static const char *apic_mode = "off";

/* xAPIC to x2APIC: EXTD set together with EN, the one transition the
 * SDM allows into x2APIC mode (Vol. 3, 10.12.5). A disabled APIC is
 * enabled in xAPIC mode first. */
static void apic_enter_x2apic(void)
{
	uint64_t base = cpu_rdmsr(MSR_APIC_BASE);

	if (base & APIC_BASE_X2APIC)
		return;
	if (!(base & APIC_BASE_ENABLE)) {
		base |= APIC_BASE_ENABLE;
		cpu_wrmsr(MSR_APIC_BASE, base);
	}
	cpu_wrmsr(MSR_APIC_BASE, base | APIC_BASE_X2APIC);
}

int apic_init(void)
{
	uint64_t base = cpu_rdmsr(MSR_APIC_BASE);

	if (!(base & APIC_BASE_ENABLE))
		return -ENODEV;
	apic_x2 = 1;
	if (base & APIC_BASE_X2APIC) {
		apic_mode = "x2APIC (firmware)";
	} else if (cpu_cpuid(1, 0).ecx & CPUID_1_ECX_X2APIC) {
		apic_enter_x2apic();
		apic_mode = "x2APIC (enabled by the VMM)";
	} else {
		apic_x2 = 0;
		apic_mode = "xAPIC (CPU has no x2APIC)";
		if (!apic_mmio)
			apic_mmio = mm_map_mmio(base & APIC_BASE_ADDR, 4096);
		if (!apic_mmio)
			return -ENOMEM;
	}
	printk("vigil: local APIC: %s\n", apic_mode);
	return 0;
}

void apic_cpu_init(void)
{
	if (apic_x2)
		apic_enter_x2apic();
}

const char *apic_mode_name(void)
{
	return apic_mode;
}

bool apic_is_x2apic(void)
{
	return apic_x2;
}

volatile uint64_t apic_timer_ticks;

/* Register access in either mode: x2APIC MSR = 0x800 + offset / 16. */
static uint32_t apic_read(unsigned reg)
{
	return apic_x2 ? (uint32_t)cpu_rdmsr(0x800 + reg / 16) : apic_mmio[reg / 4];
}

static void apic_write(unsigned reg, uint32_t v)
{
	if (apic_x2)
		cpu_wrmsr(0x800 + reg / 16, v);
	else
		apic_mmio[reg / 4] = v;
}

void pic_mask_all(void)
{
	cpu_outb(0x21, 0xff);
	cpu_outb(0xa1, 0xff);
}

/* Divide by 16, in the calibration and the periodic timer alike. */
#define APIC_TIMER_DIV_16 0x3

void apic_timer_count_start(void)
{
	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xff);
	apic_write(APIC_TIMER_DIV, APIC_TIMER_DIV_16);
	apic_write(APIC_LVT_TIMER, LVT_MASKED | 32);
	apic_write(APIC_TIMER_INIT, 0xffffffffu);
}

uint32_t apic_timer_count(void)
{
	return 0xffffffffu - apic_read(APIC_TIMER_CUR);
}

int apic_timer_start(unsigned period_ms, uint64_t counts_per_ms)
{
	uint64_t init = counts_per_ms * period_ms;

	if (!init || init > 0xffffffffu)
		return -ENODEV;
	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xff);
	apic_write(APIC_TIMER_DIV, APIC_TIMER_DIV_16);
	apic_write(APIC_LVT_TIMER, LVT_PERIODIC | 32);
	apic_write(APIC_TIMER_INIT, (uint32_t)init);
	return 0;
}

void apic_timer_oneshot_setup(void)
{
	apic_write(APIC_SVR, APIC_SVR_ENABLE | 0xff);
	apic_write(APIC_TIMER_DIV, APIC_TIMER_DIV_16);
	apic_write(APIC_LVT_TIMER, IDT_VECTOR_GUEST_TIMER);
}

void apic_timer_oneshot(uint32_t count)
{
	apic_write(APIC_TIMER_INIT, count);
}

void apic_eoi(void)
{
	apic_write(APIC_EOI, 0);
}

void apic_timer_tick(void)
{
	apic_timer_ticks++;
	apic_eoi();
}

uint32_t apic_id(void)
{
	if (apic_x2)
		return (uint32_t)cpu_rdmsr(MSR_X2APIC_ID);
	return apic_mmio[APIC_ID / 4] >> 24;
}

/* x2APIC: one MSR write, 32-bit destination, no delivery status to poll.
 * That WRMSR is not serializing (SDM Vol. 3, 10.12.3): the fences make the
 * stores before it (a kick's wake sequence, an AP's start parameters)
 * visible before the IPI can arrive, as the xAPIC's uncached store does.
 * xAPIC: an 8-bit destination; a wider one (only the MADT could name it:
 * no such CPU exists without x2APIC) is never truncated onto another CPU. */
static void apic_icr(uint32_t dest, uint32_t lo)
{
	if (apic_x2) {
		__asm__ volatile("mfence; lfence" ::: "memory");
		cpu_wrmsr(MSR_X2APIC_ICR, ((uint64_t)dest << 32) | lo);
		return;
	}
	if (dest > XAPIC_MAX_ID)
		return;
	apic_mmio[APIC_ICR_HI / 4] = dest << 24;
	apic_mmio[APIC_ICR_LO / 4] = lo;
	for (unsigned i = 0; i < 100000 && (apic_mmio[APIC_ICR_LO / 4] & ICR_PENDING); i++)
		cpu_pause();
}

void apic_send_fixed(uint32_t dest, uint8_t vector)
{
	apic_icr(dest, ICR_ASSERT | vector);
}

void apic_send_init(uint32_t dest)
{
	if (!apic_x2 && dest > XAPIC_MAX_ID)
		panic("the MADT names APIC ID %u, above 255, and this CPU has no x2APIC to reach it", dest);
	apic_icr(dest, ICR_INIT | ICR_ASSERT);
}

void apic_send_sipi(uint32_t dest, uint8_t vector_page)
{
	apic_icr(dest, ICR_SIPI | ICR_ASSERT | vector_page);
}

void apic_send_nmi(uint32_t dest)
{
	apic_icr(dest, ICR_NMI | ICR_ASSERT);
}

/* PIT channel 2, gated through port 0x61, counts at 1.193182 MHz. In mode
 * 0 its output (port 0x61 bit 5) rises when the count, loaded by the
 * second write, runs out. */
#define PIT_HZ 1193182u
void pit_oneshot_start(unsigned us)
{
	uint16_t count = (uint16_t)((uint64_t)us * PIT_HZ / 1000000u);

	cpu_outb(0x61, (uint8_t)((cpu_inb(0x61) & ~0x02) | 0x01));
	cpu_outb(0x43, 0xb0); /* channel 2, lo/hi, mode 0 */
	cpu_outb(0x42, (uint8_t)count);
	cpu_outb(0x42, (uint8_t)(count >> 8));
}

bool pit_oneshot_done(void)
{
	return cpu_inb(0x61) & 0x20;
}
