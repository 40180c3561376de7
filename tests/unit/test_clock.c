// SPDX-License-Identifier: MIT
/*
 * Unit tests of the clock sources: the TSC rate CPUID states
 * (kernel/clock.c), the choice between it and a timer's measurement, and
 * the ACPI tables that describe the timers (drivers/acpi.c: the FADT's PM
 * timer, the HPET table), built here byte by byte from the ACPI
 * specification's layouts.
 */
#define CHECK_SUITE "clock"
#include "tests/unit/check.h"

#include <stdint.h>
#include <string.h>
#include "kernel/clock.h"
#include "drivers/acpi.h"
#include "tests/unit/acpi_build.h"

/* ---- CPUID ---------------------------------------------------------------- */

static void cpuid_leaf15(void)
{
	struct cpuid_regs none = { 0, 0, 0, 0 };
	/* a 24 MHz crystal, TSC = crystal x 100 / 1: 2.4 GHz */
	struct cpuid_regs l15 = { 1, 100, 24000000, 0 }, l16 = { 2100, 0, 0, 0 };

	CHECK_EQ(clock_cpuid_khz(0x16, l15, l16), 2400000);
	CHECK_EQ(clock_cpuid_khz(0x14, l15, l16), 0); /* the leaf is past the CPU's last */
	l15.ecx = 0; /* crystal not stated: leaf 0x16's base frequency */
	CHECK_EQ(clock_cpuid_khz(0x16, l15, l16), 2100000);
	CHECK_EQ(clock_cpuid_khz(0x15, l15, l16), 0); /* and 0x16 past the last */
	CHECK_EQ(clock_cpuid_khz(0x16, none, none), 0);
	l15 = (struct cpuid_regs){ 0, 100, 24000000, 0 }; /* a zero denominator */
	CHECK_EQ(clock_cpuid_khz(0x15, l15, none), 0);
}

static void choice(void)
{
	uint64_t khz;

	/* CPUID confirmed within 1 %, or with nothing to ask: CPUID's exact figure */
	CHECK_EQ(clock_choose(2400000, 2390000, &khz), CLOCK_CPUID);
	CHECK_EQ(khz, 2400000);
	CHECK_EQ(clock_choose(2400000, 0, &khz), CLOCK_CPUID);
	/* a timer that disagrees wins: an emulator's TSC is not the crystal's */
	CHECK_EQ(clock_choose(2400000, 50012, &khz), CLOCK_MEASURED);
	CHECK_EQ(khz, 50012);
	CHECK_EQ(clock_choose(2400000, 2370000, &khz), CLOCK_MEASURED); /* 1.25 % off */
	/* no CPUID figure: the timer */
	CHECK_EQ(clock_choose(0, 2600048, &khz), CLOCK_MEASURED);
	CHECK_EQ(khz, 2600048);
	/* implausible figures are nobody's: a PIT that is not there measures
	 * nonsense, CPUID may state 0 MHz */
	CHECK_EQ(clock_choose(2400000, 5, &khz), CLOCK_CPUID);
	CHECK_EQ(clock_choose(0, 5, &khz), CLOCK_NONE);
	CHECK_EQ(khz, 0);
	CHECK_EQ(clock_choose(30000000, 0, &khz), CLOCK_NONE); /* 30 GHz */
	CHECK(clock_plausible(10000) && clock_plausible(20000000));
	CHECK(!clock_plausible(9999) && !clock_plausible(20000001));
	CHECK(clock_agree(1010, 1000) && clock_agree(990, 1000) && !clock_agree(1011, 1000));
}

/* ---- ACPI tables ------------------------------------------------------------ */

/* A Generic Address: space, width 32, offset 0, access size 3 (dword). */
static void gas(uint8_t *p, uint8_t space, uint64_t addr)
{
	p[0] = space, p[1] = 32, p[2] = 0, p[3] = 3;
	put64(p + 4, addr);
}

static struct {
	uint8_t rsdp[36];
	uint8_t xsdt[36 + 2 * 8];
	uint8_t fadt[276];
	uint8_t hpet[56];
} tb;

/* FADT (ACPI 6: 276 bytes) with PM_TMR_BLK, PM_TMR_LEN 4 and the flags;
 * `x`: X_PM_TMR_BLK's I/O port (0: not set); HPET at hpet_pa. */
static uint64_t tables(uint32_t fadt_len, uint32_t port, uint64_t x, uint32_t flags, uint64_t hpet_pa)
{
	const void *t[] = { tb.fadt, tb.hpet };

	memset(&tb, 0, sizeof(tb));
	put32(tb.fadt + 76, port);
	tb.fadt[91] = 4;
	put32(tb.fadt + 112, flags);
	if (x)
		gas(tb.fadt + 208, 1, x);
	acpi_header(tb.fadt, "FACP", fadt_len);
	gas(tb.hpet + 40, 0, hpet_pa);
	acpi_header(tb.hpet, "HPET", sizeof(tb.hpet));
	return acpi_root(tb.rsdp, tb.xsdt, t, 2);
}

static void timers_found(void)
{
	struct acpi_timers t;

	acpi_find_timers(tables(276, 0x608, 0x608, 1u << 8, 0xfed00000), &t);
	CHECK_EQ(t.pm_port, 0x608);
	CHECK_EQ(t.pm_bits, 32);
	CHECK_EQ(t.hpet_pa, 0xfed00000);
	/* an ACPI 1.0 FADT (116 bytes): PM_TMR_BLK alone, 24 bits */
	acpi_find_timers(tables(116, 0xb008, 0, 0, 0xfed00000), &t);
	CHECK_EQ(t.pm_port, 0xb008);
	CHECK_EQ(t.pm_bits, 24);
	/* X_PM_TMR_BLK, where set, is the one to use */
	acpi_find_timers(tables(276, 0xb008, 0x408, 0, 0), &t);
	CHECK_EQ(t.pm_port, 0x408);
	CHECK_EQ(t.hpet_pa, 0); /* the HPET table names no block */
}

static void timers_refused(void)
{
	struct acpi_timers t;
	uint64_t r;

	acpi_find_timers(tables(276, 0x608, 0, 1u << 20, 0), &t); /* hardware-reduced ACPI */
	CHECK_EQ(t.pm_port, 0);
	r = tables(276, 0x608, 0, 0, 0xfed00000);
	tb.fadt[91] = 3; /* PM_TMR_LEN must be 4 (the checksum made to hold again) */
	tb.fadt[9] = (uint8_t)(tb.fadt[9] + 1);
	acpi_find_timers(r, &t);
	CHECK_EQ(t.pm_port, 0);
	CHECK_EQ(t.hpet_pa, 0xfed00000);
	r = tables(276, 0x608, 0, 0, 0xfed00000);
	tb.fadt[76] ^= 1; /* a checksum that does not hold: the table is not read */
	acpi_find_timers(r, &t);
	CHECK_EQ(t.pm_port, 0);
	acpi_find_timers(tables(276, 0, 0, 0, 0xfed00200), &t); /* no port; HPET not 1 KiB aligned */
	CHECK(t.pm_port == 0 && t.hpet_pa == 0);
	acpi_find_timers(tables(276, 0xffff, 0, 0, 0), &t); /* a port whose dword runs past 0xffff */
	CHECK_EQ(t.pm_port, 0);
	acpi_find_timers(tables(276, 0x608, 0x1000000, 0, 0), &t); /* X_PM_TMR_BLK past the I/O space */
	CHECK_EQ(t.pm_port, 0);
	r = tables(276, 0x608, 0, 0, 0xfed00000);
	tb.hpet[40] = 1; /* the HPET in I/O space: not a register block */
	tb.hpet[9] = (uint8_t)(tb.hpet[9] - 1);
	acpi_find_timers(r, &t);
	CHECK_EQ(t.hpet_pa, 0);
	r = tables(276, 0x608, 0, 0, 0xfed00000);
	tb.rsdp[0] = 'X'; /* no RSDP: nothing */
	acpi_find_timers(r, &t);
	CHECK(t.pm_port == 0 && t.hpet_pa == 0);
	acpi_find_timers(0, &t);
	CHECK(t.pm_port == 0 && t.hpet_pa == 0);
}

int main(void)
{
	CHECK_RUN(cpuid_leaf15);
	CHECK_RUN(choice);
	CHECK_RUN(timers_found);
	CHECK_RUN(timers_refused);
	return check_done();
}
