/* SPDX-License-Identifier: MIT */
/*
 * The crash record across a reset (docs/vmm.md, "Faults: guest versus
 * VMM"): panic() writes one into the page the stub keeps at the same
 * address from boot to boot, then resets the machine; the next boot takes
 * it, checked, and reports it (a console line, the channel's CRASH query).
 */
#ifndef KERNEL_CRASH_H
#define KERNEL_CRASH_H

#include <stdbool.h>
#include <stdint.h>
#include "kernel/crash_record.h"

struct trap_frame;

/* Boot, once the physmap exists: take the previous boot's record from the
 * page at pa (the handoff's crash_phys; 0: there is none), keep a checked
 * copy, give this boot its number and clear the record in the page. */
void crash_init(uint64_t pa);
/* What the record takes from layers above kernel/: the newest audit
 * entries (fill writes at most max, oldest first, and returns how many),
 * and the wall-clock time, unix_time seconds at TSC at_tsc. */
void crash_set_audit_source(unsigned (*fill)(struct crash_audit *out, unsigned max));
void crash_set_clock(uint64_t unix_time, uint64_t at_tsc);
/* panic(), once every other CPU is stopped: this boot's record, from the
 * trapped context f, or else the caller's rip and rsp. False when there is
 * no page to keep it in. */
bool crash_write(const char *reason, const struct trap_frame *f, uint64_t rip, uint64_t rsp);
/* The previous boot's record, checked, or NULL. */
const struct crash_record *crash_previous(void);

#endif
