/* SPDX-License-Identifier: MIT */
/*
 * The guest's legacy and ACPI ports (vmm/vplatform.h). Everything here is
 * read-mostly state of one guest; nothing reaches hardware.
 */
#include "vmm/vplatform.h"
#include "vigil/guest_platform.h"

#define PIT_HZ 1193182u
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B 0x61
#define PORT_B_GATE2 0x01
#define PORT_B_SPKR 0x02
#define PORT_B_OUT2 0x20
#define RTC_INDEX 0x70
#define RTC_DATA 0x71
#define SLP_EN 0x20
#define SLP_TYP(v) (((v) >> 2) & 7)

bool vplat_owns(uint16_t port)
{
	return port == PIT_CH2 || port == PIT_CMD || port == PORT_B || port == RTC_INDEX || port == RTC_DATA ||
	       (port >= GP_ACPI_PORT_BASE && port < GP_ACPI_PORT_BASE + GP_ACPI_PORT_COUNT);
}

void vplat_reset(struct vplat *p)
{
	*p = (struct vplat){ 0 };
}

static uint64_t ticks_at(uint64_t tsc, uint64_t hz, uint64_t rate)
{
	return hz ? (uint64_t)((unsigned __int128)tsc * rate / hz) : 0;
}

/* PIT ticks counted since the count was loaded (0 while the gate is low:
 * the count then holds; Linux raises the gate before it loads a count). */
static uint64_t pit_elapsed(const struct vplat *p, const struct vplat_clock *c, uint64_t now)
{
	if (!p->pit_loaded || !(p->port61 & PORT_B_GATE2) || now < p->pit_start)
		return 0;
	return ticks_at(now - p->pit_start, c->tsc_hz, PIT_HZ);
}

static uint32_t pit_reload(const struct vplat *p)
{
	return p->pit_reload ? p->pit_reload : 0x10000u;
}

/* The counter counts down from the reload value and wraps (mode 0). */
static uint16_t pit_count(const struct vplat *p, const struct vplat_clock *c, uint64_t now)
{
	return (uint16_t)(pit_reload(p) - pit_elapsed(p, c, now) % 0x10000u);
}

/* OUT2: mode 0 rises at the terminal count and stays high; the other
 * modes are treated alike (nothing here depends on their waveforms). */
static bool pit_out(const struct vplat *p, const struct vplat_clock *c, uint64_t now)
{
	return p->pit_loaded && pit_elapsed(p, c, now) >= pit_reload(p);
}

static void pit_command(struct vplat *p, const struct vplat_clock *c, uint8_t v, uint64_t now)
{
	if ((v >> 6) != 2)
		return; /* channels 0 and 1 and the read-back command: absent */
	if (!(v & 0x30)) { /* latch the count */
		p->pit_latched = true;
		p->pit_latch = pit_count(p, c, now);
		p->pit_read_msb = false;
		return;
	}
	p->pit_access = (v >> 4) & 3;
	p->pit_mode = (v >> 1) & 7;
	p->pit_write_msb = p->pit_read_msb = p->pit_latched = false;
	p->pit_loaded = false;
}

static void pit_write(struct vplat *p, uint8_t v, uint64_t now)
{
	if (p->pit_access == 1 || (p->pit_access == 3 && !p->pit_write_msb)) {
		p->pit_reload = (uint16_t)((p->pit_reload & 0xff00) | v);
		if (p->pit_access == 3) {
			p->pit_write_msb = true;
			return;
		}
	} else if (p->pit_access == 2 || p->pit_access == 3) {
		p->pit_reload = (uint16_t)((p->pit_reload & 0x00ff) | (v << 8));
		p->pit_write_msb = false;
	} else {
		return; /* no access mode programmed */
	}
	p->pit_loaded = true;
	p->pit_start = now;
}

static uint8_t pit_read(struct vplat *p, const struct vplat_clock *c, uint64_t now)
{
	uint16_t v = p->pit_latched ? p->pit_latch : pit_count(p, c, now);
	bool msb = p->pit_access == 2 || (p->pit_access == 3 && p->pit_read_msb);

	if (p->pit_access == 3)
		p->pit_read_msb = !p->pit_read_msb;
	if (p->pit_latched && (p->pit_access != 3 || !p->pit_read_msb))
		p->pit_latched = false; /* the whole latched value was read */
	return msb ? (uint8_t)(v >> 8) : (uint8_t)v;
}

/* ---- RTC ------------------------------------------------------------- */

void vplat_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d)
{
	/* Count from 0000-03-01 so that the leap day ends each year; 146097
	 * days make 400 years. */
	int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	unsigned mp = (5 * doy + 2) / 153;

	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)(yoe + era * 400) + (*m <= 2);
}

int64_t vplat_days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t yy = y - (m <= 2), era = (yy >= 0 ? yy : yy - 399) / 400;
	unsigned yoe = (unsigned)(yy - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static uint8_t bcd(unsigned v)
{
	return (uint8_t)(((v / 10) % 10) << 4 | (v % 10));
}

static uint8_t rtc_read(const struct vplat *p, const struct vplat_clock *c, uint64_t now)
{
	uint64_t t = c->rtc_epoch + (now > c->rtc_tsc ? ticks_at(now - c->rtc_tsc, c->tsc_hz, 1) : 0);
	int64_t days = (int64_t)(t / 86400);
	unsigned s = (unsigned)(t % 86400), m, d;
	int y;

	vplat_civil_from_days(days, &y, &m, &d);
	switch (p->rtc_index) {
	case 0x00: return bcd(s % 60);
	case 0x02: return bcd(s / 60 % 60);
	case 0x04: return bcd(s / 3600);
	case 0x06: return bcd((unsigned)((days + 4) % 7) + 1); /* 1970-01-01 was a Thursday (5) */
	case 0x07: return bcd(d);
	case 0x08: return bcd(m);
	case 0x09: return bcd((unsigned)y % 100);
	case 0x32: return bcd((unsigned)y / 100);
	case 0x0a: return 0x26;	/* 32.768 kHz base, 1024 Hz rate, never updating (UIP clear) */
	case 0x0b: return 0x02;	/* 24-hour, BCD, no interrupts */
	case 0x0d: return 0x80;	/* the battery is good */
	default: return 0;	/* alarms, flags, CMOS RAM: read as zero */
	}
}

/* ---- ACPI ------------------------------------------------------------ */

static uint32_t pm_timer(const struct vplat_clock *c, uint64_t now)
{
	return (uint32_t)ticks_at(now - c->boot_tsc, c->tsc_hz, GP_PMTMR_HZ);
}

static enum vplat_action acpi_out(uint16_t port, uint32_t val)
{
	if (port == GP_ACPI_SLEEP_CTL && (val & SLP_EN) && SLP_TYP(val) == GP_ACPI_S5_TYP)
		return VPLAT_POWEROFF;
	if (port == GP_ACPI_RESET && (uint8_t)val == GP_ACPI_RESET_VALUE)
		return VPLAT_RESET;
	return VPLAT_NONE; /* sleep states other than S5, the status register: nothing to do */
}

uint32_t vplat_in(struct vplat *p, const struct vplat_clock *c, uint16_t port, unsigned size, uint64_t now)
{
	if (port >= GP_ACPI_PMTMR && port < GP_ACPI_PMTMR + 4)
		return pm_timer(c, now) >> (8 * (port - GP_ACPI_PMTMR));
	if (size != 1)
		return 0xffffffffu; /* the byte-wide registers answer only byte reads */
	switch (port) {
	case PIT_CH2:
		return pit_read(p, c, now);
	case PORT_B:
		return (p->port61 & (PORT_B_GATE2 | PORT_B_SPKR)) | (pit_out(p, c, now) ? PORT_B_OUT2 : 0);
	case RTC_DATA:
		return rtc_read(p, c, now);
	case RTC_INDEX:
	case PIT_CMD:
		return 0xff; /* write-only */
	default:
		return 0; /* the ACPI registers read as zero */
	}
}

enum vplat_action vplat_out(struct vplat *p, const struct vplat_clock *c, uint16_t port, unsigned size,
			    uint32_t val, uint64_t now)
{
	if (size != 1)
		return VPLAT_NONE;
	switch (port) {
	case PIT_CH2:
		pit_write(p, (uint8_t)val, now);
		break;
	case PIT_CMD:
		pit_command(p, c, (uint8_t)val, now);
		break;
	case PORT_B:
		/* A rising gate restarts a loaded count (mode 0 reloads on it). */
		if ((val & PORT_B_GATE2) && !(p->port61 & PORT_B_GATE2))
			p->pit_start = now;
		p->port61 = (uint8_t)(val & (PORT_B_GATE2 | PORT_B_SPKR));
		break;
	case RTC_INDEX:
		p->rtc_index = (uint8_t)(val & 0x7f); /* bit 7 masks NMIs on a PC: not ours to mask */
		break;
	default:
		return acpi_out(port, val);
	}
	return VPLAT_NONE;
}

struct vplat_pv_scale vplat_pv_scale(uint64_t tsc_hz)
{
	/* mul = 10^9 * 2^32 / (tsc_hz * 2^shift), brought into [2^31, 2^32):
	 * a TSC from 1 Hz to 2^63 Hz needs a shift within -34..31. */
	const unsigned __int128 ns = (unsigned __int128)1000000000u << 32;
	unsigned __int128 m;
	int shift = 0;

	if (!tsc_hz)
		return (struct vplat_pv_scale){ 0, 0 };
	for (;;) {
		m = shift >= 0 ? ns / ((unsigned __int128)tsc_hz << shift) : (ns << -shift) / tsc_hz;
		if (m >> 32)
			shift++;
		else if (m < (1u << 31))
			shift--;
		else
			return (struct vplat_pv_scale){ (uint32_t)m, (int8_t)shift };
	}
}

uint64_t vplat_pv_ns(uint64_t tsc, struct vplat_pv_scale s)
{
	uint64_t d = s.shift >= 0 ? tsc << s.shift : tsc >> -s.shift;

	return (uint64_t)(((unsigned __int128)d * s.mul) >> 32);
}

static void pv_put32(volatile uint8_t *p, uint32_t v)
{
	*(volatile uint32_t *)p = v;
}

static void pv_put64(volatile uint8_t *p, uint64_t v)
{
	*(volatile uint64_t *)p = v;
}

/* The version the guest checks before and after reading: odd while the
 * fields change. The guest's own value is only counted on from. */
static uint32_t pv_begin(volatile uint8_t *rec)
{
	uint32_t ver = (*(volatile uint32_t *)rec + 1) | 1;

	pv_put32(rec, ver);
	__asm__ volatile("" ::: "memory"); /* stores stay in order on x86 */
	return ver;
}

static void pv_end(volatile uint8_t *rec, uint32_t ver)
{
	__asm__ volatile("" ::: "memory");
	pv_put32(rec, ver + 1);
}

void vplat_pv_time(volatile uint8_t *rec, const struct vplat_clock *c)
{
	struct vplat_pv_scale s = vplat_pv_scale(c->tsc_hz);
	uint32_t ver = pv_begin(rec);

	pv_put32(rec + 4, 0);
	pv_put64(rec + 8, 0);  /* tsc_timestamp: the clock is the TSC scaled */
	pv_put64(rec + 16, 0); /* system_time at it */
	pv_put32(rec + 24, s.mul);
	rec[28] = (uint8_t)s.shift;
	rec[29] = GP_PVCLOCK_TSC_STABLE;
	rec[30] = rec[31] = 0;
	pv_end(rec, ver);
}

void vplat_pv_wall(volatile uint8_t *rec, const struct vplat_clock *c)
{
	/* The time of day at TSC 0: the RTC's reading less the clock at it,
	 * so wall time = this + the vCPU's clock, as the guest adds them. */
	uint64_t epoch_ns = c->rtc_epoch * 1000000000u;
	uint64_t since = vplat_pv_ns(c->rtc_tsc, vplat_pv_scale(c->tsc_hz));
	uint64_t at0 = c->rtc_epoch && epoch_ns > since ? epoch_ns - since : 0;
	uint32_t ver = pv_begin(rec);

	pv_put32(rec + 4, (uint32_t)(at0 / 1000000000u));
	pv_put32(rec + 8, (uint32_t)(at0 % 1000000000u));
	pv_end(rec, ver);
}
