/* SPDX-License-Identifier: MIT */
/*
 * The MC146818-compatible RTC behind ports 0x70/0x71. The VMM reads it
 * once, on its own CPU, before any guest runs; guests never reach it
 * (policy.c refuses to grant the ports).
 */
#include "drivers/cmos_rtc.h"
#include "arch/x86/cpu.h"

#define RTC_INDEX 0x70
#define RTC_DATA 0x71
#define RTC_NMI_OFF 0x80 /* keep NMIs masked while the index is set, as firmware does */
#define REG_A_UIP 0x80
#define REG_B_24H 0x02
#define REG_B_BINARY 0x04
#define UIP_SPINS 1000000u

static uint8_t cmos_read(uint8_t reg)
{
	cpu_outb(RTC_INDEX, RTC_NMI_OFF | reg);
	return cpu_inb(RTC_DATA);
}

static unsigned from_bcd(uint8_t v, int binary)
{
	return binary ? v : (unsigned)(v >> 4) * 10 + (v & 0xf);
}

static int cmos_snapshot(uint8_t r[10])
{
	static const uint8_t regs[10] = { 0x00, 0x02, 0x04, 0x07, 0x08, 0x09, 0x32, 0x0b, 0x0a, 0x0a };
	unsigned spin = 0;

	while ((cmos_read(0x0a) & REG_A_UIP) && ++spin < UIP_SPINS)
		cpu_pause();
	if (spin == UIP_SPINS)
		return -1;
	for (unsigned i = 0; i < 10; i++)
		r[i] = cmos_read(regs[i]);
	return 0;
}

int cmos_rtc_read(struct rtc_date *out)
{
	uint8_t a[10], b[10];
	int binary, tries = 0;
	unsigned hour, century;

	/* Two equal snapshots: no update ran between the reads. */
	do {
		if (cmos_snapshot(a) || cmos_snapshot(b) || ++tries > 10)
			return -1;
	} while (__builtin_memcmp(a, b, 9));
	binary = a[7] & REG_B_BINARY;
	hour = from_bcd(a[2] & 0x7f, binary);
	if (!(a[7] & REG_B_24H) && (a[2] & 0x80))
		hour = (hour % 12) + 12; /* 12-hour mode, PM */
	else if (!(a[7] & REG_B_24H) && hour == 12)
		hour = 0;
	century = from_bcd(a[6], binary);
	*out = (struct rtc_date){ .second = from_bcd(a[0], binary), .minute = from_bcd(a[1], binary),
				  .hour = hour, .day = from_bcd(a[3], binary), .month = from_bcd(a[4], binary) };
	out->year = (int)((century >= 19 && century <= 99 ? century : 20) * 100 + from_bcd(a[5], binary));
	if (out->second > 59 || out->minute > 59 || out->hour > 23 || !out->day || out->day > 31 ||
	    !out->month || out->month > 12)
		return -1;
	return 0;
}
