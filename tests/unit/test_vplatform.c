// SPDX-License-Identifier: MIT
/*
 * Unit tests of vmm/vplatform.c: the ports a guest's platform answers
 * besides its UART, driven the way Linux 6.1 drives them, with a clock of
 * 1 GHz so that TSC ticks are nanoseconds.
 */
#define CHECK_SUITE "vplatform"
#include "tests/unit/check.h"

#include <stdint.h>
#include <string.h>
#include "vmm/vplatform.h"
#include "vigil/guest_platform.h"

#define NS 1ull
#define US (1000 * NS)
#define MS (1000 * US)
#define T0 (5000 * MS) /* the guest's clocks are read long after boot */

static const struct vplat_clock clk = { .tsc_hz = 1000000000ull, .boot_tsc = 1000 * MS,
					.rtc_epoch = 1796428800ull /* 2026-12-05 00:00:00 */,
					.rtc_tsc = 1000 * MS };

static uint8_t in8(struct vplat *p, uint16_t port, uint64_t now)
{
	return (uint8_t)vplat_in(p, &clk, port, 1, now);
}

static void out8(struct vplat *p, uint16_t port, uint8_t v, uint64_t now)
{
	CHECK_EQ(vplat_out(p, &clk, port, 1, v, now), VPLAT_NONE);
}

/* The ports it answers, and nothing of PIT channels 0 and 1. */
static void owned_ports(void)
{
	CHECK(vplat_owns(0x42) && vplat_owns(0x43) && vplat_owns(0x61));
	CHECK(vplat_owns(0x70) && vplat_owns(0x71));
	CHECK(vplat_owns(GP_ACPI_SLEEP_CTL) && vplat_owns(GP_ACPI_PMTMR + 3));
	CHECK(!vplat_owns(0x40) && !vplat_owns(0x41) && !vplat_owns(0x60) && !vplat_owns(0x64));
	CHECK(!vplat_owns(GP_ACPI_PORT_BASE + GP_ACPI_PORT_COUNT));
}

/* pit_calibrate_tsc: gate up, mode 0 with a 10 ms count, poll OUT2. */
static void pit_out2_rises_at_terminal_count(void)
{
	struct vplat p;
	uint16_t latch = 11932; /* 10 ms at 1.193182 MHz */

	vplat_reset(&p);
	CHECK_EQ(in8(&p, 0x61, T0) & 0x20, 0); /* nothing loaded yet */
	out8(&p, 0x61, (in8(&p, 0x61, T0) & ~0x02) | 0x01, T0);
	out8(&p, 0x43, 0xb0, T0);
	out8(&p, 0x42, latch & 0xff, T0);
	CHECK_EQ(in8(&p, 0x61, T0 + 20 * MS) & 0x20, 0); /* only the LSB is written */
	out8(&p, 0x42, latch >> 8, T0 + 1 * MS);
	CHECK_EQ(in8(&p, 0x61, T0 + 1 * MS) & 0x20, 0);
	CHECK_EQ(in8(&p, 0x61, T0 + 10 * MS) & 0x20, 0);
	CHECK_EQ(in8(&p, 0x61, T0 + 11 * MS + 10 * US) & 0x20, 0x20);
	CHECK_EQ(in8(&p, 0x61, T0 + 500 * MS) & 0x20, 0x20); /* mode 0 stays high */
	CHECK_EQ(in8(&p, 0x61, T0) & 0x03, 0x01);	       /* gate up, speaker off */
}

/* quick_pit_calibrate: a 0xffff count read LSB then MSB, whose MSB falls
 * by one every 256 ticks (214.5 us). */
static void pit_counter_counts_down(void)
{
	struct vplat p;
	uint8_t lsb, msb;

	vplat_reset(&p);
	out8(&p, 0x61, 0x01, T0);
	out8(&p, 0x43, 0xb0, T0);
	out8(&p, 0x42, 0xff, T0);
	out8(&p, 0x42, 0xff, T0);
	lsb = in8(&p, 0x42, T0 + 1 * MS);
	msb = in8(&p, 0x42, T0 + 1 * MS);
	CHECK_EQ((msb << 8) | lsb, 0xffff - 1193);
	CHECK_EQ(in8(&p, 0x42, T0 + 2 * MS), (0xffff - 2386) & 0xff);
	CHECK_EQ(in8(&p, 0x42, T0 + 2 * MS), (0xffff - 2386) >> 8);
	/* It wraps after 0 to 0xffff and counts on, as mode 0 does: 60 ms
	 * is 71,590 ticks. */
	CHECK_EQ(in8(&p, 0x42, T0 + 60 * MS), (0xffff - 71590) & 0xff);
	CHECK_EQ(in8(&p, 0x42, T0 + 60 * MS), ((0xffff - 71590) & 0xffff) >> 8);
}

/* The latch command freezes the count until both bytes are read. */
static void pit_latch_holds(void)
{
	struct vplat p;

	vplat_reset(&p);
	out8(&p, 0x61, 0x01, T0);
	out8(&p, 0x43, 0xb0, T0);
	out8(&p, 0x42, 0x00, T0);
	out8(&p, 0x42, 0x80, T0); /* 0x8000 */
	out8(&p, 0x43, 0x80, T0 + 1 * MS);
	CHECK_EQ(in8(&p, 0x42, T0 + 9 * MS), (0x8000 - 1193) & 0xff);
	CHECK_EQ(in8(&p, 0x42, T0 + 9 * MS), (0x8000 - 1193) >> 8);
	CHECK_EQ(in8(&p, 0x42, T0 + 9 * MS), (0x8000 - 10738) & 0xff); /* live again */
}

/* Channels 0 and 1 and the read-back command change nothing; the write-only
 * ports read all ones; wider accesses to byte ports are refused. */
static void pit_other_channels_absent(void)
{
	struct vplat p, before;

	vplat_reset(&p);
	out8(&p, 0x61, 0x01, T0);
	out8(&p, 0x43, 0xb0, T0);
	out8(&p, 0x42, 0x10, T0);
	out8(&p, 0x42, 0x00, T0);
	before = p;
	out8(&p, 0x43, 0x30, T0); /* channel 0, mode 0 */
	out8(&p, 0x43, 0x70, T0); /* channel 1 */
	out8(&p, 0x43, 0xe8, T0); /* read-back */
	CHECK(!memcmp(&p, &before, sizeof(p)));
	CHECK_EQ(in8(&p, 0x43, T0), 0xff);
	CHECK_EQ(vplat_in(&p, &clk, 0x42, 2, T0), 0xffffffffu);
	CHECK_EQ(vplat_out(&p, &clk, 0x43, 2, 0x30b0, T0), VPLAT_NONE);
	CHECK(!memcmp(&p, &before, sizeof(p)));
}

static unsigned rtc(struct vplat *p, uint8_t reg, uint64_t now)
{
	unsigned v;

	out8(p, 0x70, reg, now);
	v = in8(p, 0x71, now);
	return (v >> 4) * 10 + (v & 0xf);
}

/* The RTC reads the time of day the VMM read at boot, advanced by the
 * TSC: BCD, 24-hour, never updating. */
static void rtc_reads_time_of_day(void)
{
	struct vplat p;
	uint64_t now = clk.rtc_tsc + (3600ull * 13 + 60 * 7 + 9) * 1000 * MS; /* 13:07:09 later */

	vplat_reset(&p);
	CHECK_EQ(rtc(&p, 0x00, now), 9);
	CHECK_EQ(rtc(&p, 0x02, now), 7);
	CHECK_EQ(rtc(&p, 0x04, now), 13);
	CHECK_EQ(rtc(&p, 0x07, now), 5);
	CHECK_EQ(rtc(&p, 0x08, now), 12);
	CHECK_EQ(rtc(&p, 0x09, now), 26);
	CHECK_EQ(rtc(&p, 0x32, now), 20);
	CHECK_EQ(rtc(&p, 0x06, now), 7); /* a Saturday */
	out8(&p, 0x70, 0x8a, now);	 /* bit 7 (NMI mask) is ignored */
	CHECK_EQ(in8(&p, 0x71, now), 0x26);
	out8(&p, 0x70, 0x0b, now);
	CHECK_EQ(in8(&p, 0x71, now), 0x02);
	/* Writes change nothing: the RTC is read-only. */
	out8(&p, 0x70, 0x00, now);
	out8(&p, 0x71, 0x59, now);
	CHECK_EQ(rtc(&p, 0x00, now), 9);
	CHECK_EQ(rtc(&p, 0x40, now), 0); /* CMOS RAM reads as zero */
}

/* Both date conversions agree on every day of four centuries, and on the
 * days calendars get wrong. */
static void civil_dates(void)
{
	int y;
	unsigned m, d, bad = 0;

	for (int64_t day = -146097; day < 3 * 146097; day++) {
		vplat_civil_from_days(day, &y, &m, &d);
		bad += vplat_days_from_civil(y, m, d) != day || m < 1 || m > 12 || d < 1 || d > 31;
	}
	CHECK_EQ(bad, 0);
	CHECK_EQ(vplat_days_from_civil(1970, 1, 1), 0);
	CHECK_EQ(vplat_days_from_civil(2000, 3, 1) - vplat_days_from_civil(2000, 2, 28), 2);
	CHECK_EQ(vplat_days_from_civil(2100, 3, 1) - vplat_days_from_civil(2100, 2, 28), 1);
	CHECK_EQ(vplat_days_from_civil(2026, 12, 5) * 86400, clk.rtc_epoch);
}

/* The PM timer counts 3,579,545 per second from boot, over 32 bits. */
static void pm_timer_rate(void)
{
	struct vplat p;
	uint32_t a, b;

	vplat_reset(&p);
	a = vplat_in(&p, &clk, GP_ACPI_PMTMR, 4, clk.boot_tsc + 2000 * MS);
	b = vplat_in(&p, &clk, GP_ACPI_PMTMR, 4, clk.boot_tsc + 3000 * MS);
	CHECK_EQ(b - a, GP_PMTMR_HZ);
	CHECK_EQ(vplat_in(&p, &clk, GP_ACPI_PMTMR, 4, clk.boot_tsc), 0);
	/* 2^32 ticks is 1199.9 s: it wraps. */
	CHECK(vplat_in(&p, &clk, GP_ACPI_PMTMR, 4, clk.boot_tsc + 1200000 * MS) < GP_PMTMR_HZ);
}

/* Sleep control: only SLP_EN with SLP_TYP 5 powers off; the reset register
 * only with its value; both byte-wide only. */
static void acpi_registers(void)
{
	struct vplat p;

	vplat_reset(&p);
	CHECK_EQ(vplat_out(&p, &clk, GP_ACPI_SLEEP_CTL, 1, 0x20 | (GP_ACPI_S5_TYP << 2), T0), VPLAT_POWEROFF);
	CHECK_EQ(vplat_out(&p, &clk, GP_ACPI_SLEEP_CTL, 1, GP_ACPI_S5_TYP << 2, T0), VPLAT_NONE);
	CHECK_EQ(vplat_out(&p, &clk, GP_ACPI_SLEEP_CTL, 1, 0x20 | (3 << 2), T0), VPLAT_NONE);
	CHECK_EQ(vplat_out(&p, &clk, GP_ACPI_SLEEP_CTL, 2, 0x20 | (GP_ACPI_S5_TYP << 2), T0), VPLAT_NONE);
	CHECK_EQ(vplat_out(&p, &clk, GP_ACPI_SLEEP_STS, 1, 0x80, T0), VPLAT_NONE);
	CHECK_EQ(vplat_out(&p, &clk, GP_ACPI_RESET, 1, GP_ACPI_RESET_VALUE, T0), VPLAT_RESET);
	CHECK_EQ(vplat_out(&p, &clk, GP_ACPI_RESET, 1, 0x06, T0), VPLAT_NONE);
	CHECK_EQ(vplat_out(&p, &clk, GP_ACPI_RESET, 4, GP_ACPI_RESET_VALUE, T0), VPLAT_NONE);
	CHECK_EQ(in8(&p, GP_ACPI_SLEEP_STS, T0), 0);
}

/* Linux 6.1's reading of a vCPU time record (pvclock_clocksource_read,
 * pvclock_tsc_khz), written out here from the ABI, not from the VMM. */
static uint64_t guest_ns(const uint8_t *rec, uint64_t tsc)
{
	uint64_t stamp, base, d;
	uint32_t mul;
	int8_t shift = (int8_t)rec[28];

	memcpy(&stamp, rec + 8, 8);
	memcpy(&base, rec + 16, 8);
	memcpy(&mul, rec + 24, 4);
	d = tsc - stamp;
	d = shift < 0 ? d >> -shift : d << shift;
	return base + (uint64_t)(((unsigned __int128)d * mul) >> 32);
}

static uint64_t guest_tsc_khz(const uint8_t *rec)
{
	uint32_t mul;
	int8_t shift = (int8_t)rec[28];
	uint64_t khz;

	memcpy(&mul, rec + 24, 4);
	khz = (1000000ull << 32) / mul;
	return shift < 0 ? khz << -shift : khz >> shift;
}

/* For TSCs from 1 Hz to 2^63 Hz the scale keeps 31 bits of precision, a
 * second of TSC reads as a second within a part per million, and the
 * frequency the guest derives is the TSC's to within 1 kHz (or 0.01 %). */
static void pvclock_scale_is_exact(void)
{
	static const uint64_t hz[] = { 1, 1000, 1193182, 25000000, 999999999, 1000000000, 2100000000,
				       2600048000ull, 3999999000ull, 10000000000ull, 1ull << 40, 1ull << 63 };

	for (size_t i = 0; i < sizeof(hz) / sizeof(hz[0]); i++) {
		struct vplat_clock c = clk;
		uint8_t rec[GP_PVCLOCK_TIME_SIZE];
		struct vplat_pv_scale s = vplat_pv_scale(hz[i]);
		uint64_t ns, khz, want_khz = hz[i] / 1000;

		CHECK(s.mul >= 1u << 31);
		c.tsc_hz = hz[i];
		memset(rec, 0xa5, sizeof(rec));
		vplat_pv_time(rec, &c);
		ns = guest_ns(rec, hz[i]);
		CHECK(ns <= 1000000000ull && 1000000000ull - ns <= 1000);
		CHECK_EQ(ns, vplat_pv_ns(hz[i], s));
		khz = guest_tsc_khz(rec);
		if (hz[i] >= 1000000)
			CHECK((khz > want_khz ? khz - want_khz : want_khz - khz) <= 1 + want_khz / 10000);
	}
	CHECK_EQ(vplat_pv_scale(0).mul, 0);
}

/* The vCPU record: version even after the write and past the guest's
 * own value, the clock the TSC scaled from 0, TSC-stable, padding zero. */
static void pvclock_time_record(void)
{
	uint8_t rec[GP_PVCLOCK_TIME_SIZE];
	static const uint32_t before[] = { 0, 1, 6, 0xfffffffeu, 0xffffffffu };
	uint32_t ver, pad;
	uint64_t stamp, base;

	for (size_t i = 0; i < sizeof(before) / sizeof(before[0]); i++) {
		memset(rec, 0xff, sizeof(rec));
		memcpy(rec, &before[i], 4);
		vplat_pv_time(rec, &clk);
		memcpy(&ver, rec, 4);
		CHECK(!(ver & 1) && ver != before[i]);
		memcpy(&pad, rec + 4, 4);
		memcpy(&stamp, rec + 8, 8);
		memcpy(&base, rec + 16, 8);
		CHECK(!pad && !stamp && !base);
		CHECK_EQ(rec[29], GP_PVCLOCK_TSC_STABLE);
		CHECK(!rec[30] && !rec[31]);
		/* 1 GHz: nanoseconds are ticks. */
		CHECK_EQ(guest_ns(rec, T0), T0);
	}
}

/* Wall clock + the vCPU's clock at the RTC's reading = that reading; no
 * RTC read: the epoch. */
static void pvclock_wall_record(void)
{
	static const uint64_t hz[] = { 1000000000ull, 2100000000ull, 2600048000ull };
	uint8_t wall[GP_PVCLOCK_WALL_SIZE], rec[GP_PVCLOCK_TIME_SIZE];
	uint32_t ver, sec, nsec;

	for (size_t i = 0; i < sizeof(hz) / sizeof(hz[0]); i++) {
		struct vplat_clock c = clk;
		uint64_t at;

		c.tsc_hz = hz[i];
		c.rtc_tsc = 7777 * hz[i] + 12345;
		memset(wall, 0xff, sizeof(wall));
		vplat_pv_wall(wall, &c);
		vplat_pv_time(rec, &c);
		memcpy(&ver, wall, 4);
		memcpy(&sec, wall + 4, 4);
		memcpy(&nsec, wall + 8, 4);
		CHECK(!(ver & 1) && nsec < 1000000000u);
		at = (uint64_t)sec * 1000000000u + nsec + guest_ns(rec, c.rtc_tsc);
		CHECK_EQ(at, c.rtc_epoch * 1000000000u);
	}
	{
		struct vplat_clock c = clk;

		c.rtc_epoch = 0;
		memset(wall, 0xff, sizeof(wall));
		vplat_pv_wall(wall, &c);
		memcpy(&sec, wall + 4, 4);
		memcpy(&nsec, wall + 8, 4);
		CHECK(!sec && !nsec);
	}
}

int main(void)
{
	CHECK_RUN(owned_ports);
	CHECK_RUN(pit_out2_rises_at_terminal_count);
	CHECK_RUN(pit_counter_counts_down);
	CHECK_RUN(pit_latch_holds);
	CHECK_RUN(pit_other_channels_absent);
	CHECK_RUN(rtc_reads_time_of_day);
	CHECK_RUN(civil_dates);
	CHECK_RUN(pm_timer_rate);
	CHECK_RUN(acpi_registers);
	CHECK_RUN(pvclock_scale_is_exact);
	CHECK_RUN(pvclock_time_record);
	CHECK_RUN(pvclock_wall_record);
	return check_done();
}
