/* SPDX-License-Identifier: MIT */
/*
 * attack-io-cmos: uses the RTC/CMOS ports (0x70/0x71): masks NMIs (bit 7 of
 * the index port), reads the clock, and writes the shutdown-status byte
 * that firmware consults on the next reset. No config may grant these
 * ports: the guest's RTC is the VMM's read-only emulation (vmm/vplatform.c),
 * which answers a valid BCD time of day, keeps nothing that is written and
 * reaches no hardware: the machine's NMIs stay unmasked (the VMM's kicks
 * still reach every CPU, which the rest of the suite depends on).
 */
#include "attack.h"

#define CMOS_INDEX 0x70
#define CMOS_DATA 0x71
#define CMOS_NMI_OFF 0x80
#define CMOS_SECONDS 0x00
#define CMOS_STATUS_B 0x0b
#define CMOS_SHUTDOWN 0x0f

static uint8_t cmos_read(uint8_t reg)
{
	outb(CMOS_INDEX, CMOS_NMI_OFF | reg);
	return inb(CMOS_DATA);
}

int guest_main(const struct hvm_start_info *si)
{
	uint8_t v;

	(void)si;
	attack_begin("attack-io-cmos");
	v = cmos_read(CMOS_SECONDS);
	attack_check(v < 0x60 && (v & 0xf) <= 9, "RTC seconds read %#x, want BCD 00..59", v);
	v = cmos_read(CMOS_STATUS_B);
	attack_check(v == 0x02, "RTC status B read %#x, want 0x02 (24-hour, BCD)", v);
	outb(CMOS_INDEX, CMOS_NMI_OFF | CMOS_STATUS_B);
	outb(CMOS_DATA, 0x06); /* binary, 12-hour: refused */
	v = cmos_read(CMOS_STATUS_B);
	attack_check(v == 0x02, "RTC status B after a write %#x, want 0x02", v);
	outb(CMOS_INDEX, CMOS_NMI_OFF | CMOS_SHUTDOWN);
	outb(CMOS_DATA, 0x0a); /* "jump through 40:67 on reset" */
	v = cmos_read(CMOS_SHUTDOWN);
	attack_check(v == 0, "shutdown byte read %#x, want 0 (nothing kept)", v);
	v = inb(CMOS_INDEX);
	attack_check(v == 0xff, "index port read %#x, want 0xff", v);
	attack_end();
}
