/* SPDX-License-Identifier: MIT */
/*
 * The crash record's two ends in the VMM: written by panic(), taken and
 * reported by the next boot. The page outlives the VMM's memory: the stub
 * claims it at the same address each boot before anything else is
 * allocated (boot/stub.c), and it is boot memory, never the allocator's.
 */
#include <string.h>
#include "kernel/crash.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "kernel/percpu.h"
#include "kernel/time.h"
#include "arch/x86/cpu.h"
#include "arch/x86/mce.h"
#include "arch/x86/trap.h"

#define RO_AFTER_INIT __attribute__((section(".data.ro_after_init")))

static struct crash_area *crash_area RO_AFTER_INIT;
static uint64_t crash_boot RO_AFTER_INIT;
static struct crash_record crash_prev RO_AFTER_INIT;
static bool crash_prev_valid RO_AFTER_INIT;
static unsigned (*crash_audit_fill)(struct crash_audit *, unsigned) RO_AFTER_INIT;
static uint64_t crash_clock_unix RO_AFTER_INIT, crash_clock_tsc RO_AFTER_INIT;

static void crash_report(const struct crash_record *r)
{
	char reason[CRASH_REASON_LEN * 4];

	str_escape(reason, sizeof(reason), r->reason); /* checked printable: escaping is belt and braces */
	printk("vigil: the previous boot (boot %lu) panicked on cpu %u, %lu ms after it started "
	       "(unix time %lu): %s; `vigilctl crash` shows the record\n",
	       r->boot, r->cpu, r->uptime_ms, r->unix_time, reason);
}

void crash_init(uint64_t pa)
{
	struct crash_area *a = pa ? phys_to_virt(pa) : NULL;
	const char *why = "";
	int err;

	if (!a)
		return;
	/* Copy, then move the page on to this boot before judging the copy:
	 * whatever happens next, the old record is never taken twice. */
	memcpy(&crash_prev, &a->record, sizeof(crash_prev));
	crash_boot = a->magic == CRASH_AREA_MAGIC ? a->boot + 1 : 1;
	err = crash_record_check(&crash_prev, crash_boot - 1, &why);
	memset(a, 0, sizeof(*a));
	a->magic = CRASH_AREA_MAGIC;
	a->boot = crash_boot;
	crash_area = a;
	crash_prev_valid = !err;
	if (!err)
		crash_report(&crash_prev);
	else if (crash_prev.magic == CRASH_RECORD_MAGIC)
		printk("vigil: the crash area held a record not taken: %s\n", why);
}

void crash_set_audit_source(unsigned (*fill)(struct crash_audit *, unsigned))
{
	crash_audit_fill = fill;
}

void crash_set_clock(uint64_t unix_time, uint64_t at_tsc)
{
	crash_clock_unix = unix_time;
	crash_clock_tsc = at_tsc;
}

const struct crash_record *crash_previous(void)
{
	return crash_prev_valid ? &crash_prev : NULL;
}

static void crash_regs_trap(struct crash_record *r, const struct trap_frame *f)
{
	r->context = CRASH_FROM_EXCEPTION;
	r->vector = (uint32_t)(f->vector & 31);
	r->error_code = f->error;
	r->regs = (struct crash_regs){
		.rip = f->rip, .rsp = f->rsp, .rflags = f->rflags, .rax = f->rax, .rbx = f->rbx,
		.rcx = f->rcx, .rdx = f->rdx, .rsi = f->rsi, .rdi = f->rdi, .rbp = f->rbp,
		.r8 = f->r8, .r9 = f->r9, .r10 = f->r10, .r11 = f->r11, .r12 = f->r12,
		.r13 = f->r13, .r14 = f->r14, .r15 = f->r15,
	};
	if (f->vector == 18 && mce_last_fatal.valid)
		r->mce = (struct crash_mce){ mce_last_fatal.mcg_status, mce_last_fatal.status,
					     mce_last_fatal.addr, mce_last_fatal.misc,
					     mce_last_fatal.bank, 1 };
}

/* A plain panic: the caller's RIP, its stack pointer and the words there
 * (its own stack, so they can be read). */
static void crash_regs_call(struct crash_record *r, uint64_t rip, uint64_t rsp)
{
	r->context = CRASH_FROM_PANIC;
	r->regs.rip = rip;
	r->regs.rsp = rsp;
	memcpy(r->stack, (const void *)(uintptr_t)rsp, sizeof(r->stack));
}

static void crash_audit_take(struct crash_record *r)
{
	unsigned n = crash_audit_fill ? crash_audit_fill(r->audit, CRASH_AUDIT_MAX) : 0;

	/* The channel CPU may have stopped in the middle of an entry. */
	r->audit_count = n < CRASH_AUDIT_MAX ? n : CRASH_AUDIT_MAX;
	for (unsigned i = 0; i < r->audit_count; i++) {
		char *s = r->audit[i].reason;

		s[CRASH_AUDIT_REASON_LEN - 1] = 0;
		for (; *s; s++)
			if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
				*s = '?';
	}
}

bool crash_write(const char *reason, const struct trap_frame *f, uint64_t rip, uint64_t rsp)
{
	struct crash_record *r = crash_area ? &crash_area->record : NULL;
	uint64_t now = cpu_rdtsc();

	if (!r)
		return false;
	memset(r, 0, sizeof(*r));
	r->boot = crash_boot;
	r->cpu = this_cpu()->index;
	r->uptime_ms = time_ms();
	if (crash_clock_unix)
		r->unix_time = crash_clock_unix + time_tsc_to_ms(now - crash_clock_tsc) / 1000;
	str_escape(r->reason, sizeof(r->reason), reason);
	if (f)
		crash_regs_trap(r, f);
	else
		crash_regs_call(r, rip, rsp);
	r->regs.cr0 = cpu_read_cr0();
	r->regs.cr2 = cpu_read_cr2();
	r->regs.cr3 = cpu_read_cr3();
	r->regs.cr4 = cpu_read_cr4();
	crash_audit_take(r);
	crash_record_seal(r);
	return true;
}
