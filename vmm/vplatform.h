/* SPDX-License-Identifier: MIT */
/*
 * The few legacy and ACPI ports a guest's platform answers besides its
 * UART (docs/guest-platform.md): each exists because Linux would otherwise
 * spin on all-ones or miss a time source, and none of them reaches any
 * hardware. Time is the host TSC, passed in by the caller, so this is pure
 * logic (host unit tests drive it with made-up clocks).
 *
 *   0x42, 0x43, 0x61  PIT channel 2 as a countdown and port B's gate and
 *                     OUT2: the TSC calibration of a guest without
 *                     CPUID 0x15 (AMD). Channels 0 and 1 stay absent.
 *   0x70, 0x71        a read-only RTC: the time of day the VMM read from
 *                     the machine's RTC at boot, advanced by the TSC.
 *   GP_ACPI_*         the hardware-reduced ACPI registers: sleep control
 *                     (power off), sleep status, reset, PM timer.
 */
#ifndef VMM_VPLATFORM_H
#define VMM_VPLATFORM_H

#include <stdbool.h>
#include <stdint.h>

/* The clocks every guest's platform shares, set once at boot. */
struct vplat_clock {
	uint64_t tsc_hz;
	uint64_t boot_tsc;   /* the PM timer counts from here */
	uint64_t rtc_epoch;  /* seconds since 1970 at rtc_tsc (0: no RTC read) */
	uint64_t rtc_tsc;
};

struct vplat {
	/* PIT channel 2 */
	uint16_t pit_reload;
	uint8_t pit_mode;	 /* control word bits 1-3 */
	uint8_t pit_access;	 /* 1 LSB, 2 MSB, 3 LSB then MSB */
	bool pit_write_msb;	 /* the next data write is the MSB */
	bool pit_read_msb;	 /* the next data read is the MSB */
	bool pit_latched;
	uint16_t pit_latch;
	bool pit_loaded;	 /* a count was written: it counts while the gate is high */
	uint64_t pit_start;	 /* TSC when counting began */
	uint8_t port61;		 /* gate (bit 0) and speaker data (bit 1) */
	uint8_t rtc_index;
};

enum vplat_action { VPLAT_NONE, VPLAT_POWEROFF, VPLAT_RESET };

/* Whether the platform answers this port (the caller then never grants it). */
bool vplat_owns(uint16_t port);
/* An IN of size bytes at port; the value is what the guest reads. */
uint32_t vplat_in(struct vplat *p, const struct vplat_clock *c, uint16_t port, unsigned size, uint64_t now);
/* An OUT; returns what the guest asked of its platform. */
enum vplat_action vplat_out(struct vplat *p, const struct vplat_clock *c, uint16_t port, unsigned size,
			    uint32_t val, uint64_t now);
void vplat_reset(struct vplat *p);

/*
 * The paravirtual clock (include/vigil/guest_platform.h): a guest's clock
 * in nanoseconds is its TSC scaled, ((tsc << shift or >> -shift) * mul) >> 32,
 * the same on every vCPU and across restarts (the TSC is the host's), so
 * its records are written once, when the guest names them.
 */
struct vplat_pv_scale {
	uint32_t mul; /* at least 2^31: the most precision 32 bits give */
	int8_t shift;
};
struct vplat_pv_scale vplat_pv_scale(uint64_t tsc_hz);
uint64_t vplat_pv_ns(uint64_t tsc, struct vplat_pv_scale s);
/* Fill a vCPU time record (GP_PVCLOCK_TIME_SIZE bytes) or the wall clock
 * (GP_PVCLOCK_WALL_SIZE) in guest memory, with the version odd while the
 * fields change, as the ABI has it (a sibling vCPU may be reading). */
void vplat_pv_time(volatile uint8_t *rec, const struct vplat_clock *c);
void vplat_pv_wall(volatile uint8_t *rec, const struct vplat_clock *c);

/* Days since 1970-01-01 to a civil date (proleptic Gregorian) and back. */
void vplat_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);
int64_t vplat_days_from_civil(int y, unsigned m, unsigned d);

#endif
