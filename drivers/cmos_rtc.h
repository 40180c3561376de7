/* SPDX-License-Identifier: MIT */
/* The machine's CMOS RTC, read once at boot for the guests' time of day. */
#ifndef DRIVERS_CMOS_RTC_H
#define DRIVERS_CMOS_RTC_H

#include <stdint.h>

struct rtc_date {
	int year;
	unsigned month, day, hour, minute, second;
};

/* Read the date and time (UTC as the firmware keeps it). 0, or -1 when the
 * RTC never leaves its update or holds no valid date. */
int cmos_rtc_read(struct rtc_date *out) __attribute__((warn_unused_result));

#endif
