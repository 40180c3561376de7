/* SPDX-License-Identifier: MIT */
/*
 * The crash record (docs/formats.md, "The crash record"): what a VMM panic
 * leaves in a page that the stub keeps at the same physical address from
 * boot to boot (handoff crash_phys), for the next boot to report.
 *
 * Anything may have written that page between two boots (the firmware, a
 * reset in the middle of a write, another OS), so the next boot reads it
 * as untrusted input: crash_record_check() accepts a record only when
 * every field is as crash_record_seal() leaves one, and every string is
 * printable ASCII terminated inside its field. The CRC finds damage; it
 * authenticates nothing.
 */
#ifndef KERNEL_CRASH_RECORD_H
#define KERNEL_CRASH_RECORD_H

#include <stdint.h>

#define CRASH_AREA_MAGIC 0x41455241474956ull /* "VIGAREA\0": the page's header */
#define CRASH_RECORD_MAGIC 0x48535243474956ull /* "VIGCRSH\0" */
#define CRASH_RECORD_VERSION 1
#define CRASH_AREA_SIZE 4096
#define CRASH_REASON_LEN 160
#define CRASH_AUDIT_MAX 8
#define CRASH_AUDIT_REASON_LEN 96
#define CRASH_STACK_WORDS 8

enum crash_context {
	CRASH_FROM_PANIC = 1,	  /* panic() called: registers are the caller's RIP and RSP */
	CRASH_FROM_EXCEPTION = 2, /* an exception in the VMM: the trapped context */
};

#define CRASH_REGS(X)                                                                          \
	X(rip) X(rsp) X(rflags) X(cr0) X(cr2) X(cr3) X(cr4) X(rax) X(rbx) X(rcx) X(rdx) X(rsi) \
	X(rdi) X(rbp) X(r8) X(r9) X(r10) X(r11) X(r12) X(r13) X(r14) X(r15)

struct crash_regs {
#define CRASH_REG_FIELD(r) uint64_t r;
	CRASH_REGS(CRASH_REG_FIELD)
#undef CRASH_REG_FIELD
};

/* The bank of an uncorrected machine check in the VMM (bank_valid 1). */
struct crash_mce {
	uint64_t mcg_status, status, addr, misc;
	uint32_t bank;
	uint32_t bank_valid;
};

/* An audit entry (vmm/audit.h), as it stood at the panic. */
struct crash_audit {
	uint64_t sequence;
	uint64_t tsc;
	uint32_t request;
	int32_t status;
	uint32_t error;
	uint32_t repeats;
	char reason[CRASH_AUDIT_REASON_LEN];
};

struct crash_record {
	uint64_t magic;	  /* CRASH_RECORD_MAGIC */
	uint32_t version; /* CRASH_RECORD_VERSION */
	uint32_t length;  /* sizeof(struct crash_record) */
	uint32_t crc;	  /* CRC-32 of the record with this field 0 */
	uint32_t context; /* enum crash_context */
	uint64_t boot;	  /* the boot that panicked (struct crash_area) */
	uint64_t uptime_ms;
	uint64_t unix_time; /* seconds since 1970, 0 when the RTC was not read yet */
	uint32_t cpu;
	uint32_t vector; /* exception vector (CRASH_FROM_EXCEPTION), else 0 */
	uint64_t error_code;
	char reason[CRASH_REASON_LEN];
	struct crash_regs regs;
	uint64_t stack[CRASH_STACK_WORDS]; /* from regs.rsp up (CRASH_FROM_PANIC), else 0 */
	struct crash_mce mce;
	uint32_t audit_count;
	uint32_t reserved;
	struct crash_audit audit[CRASH_AUDIT_MAX]; /* oldest first */
};

/* The page: the boot counter, then this boot's record once it panicked. */
struct crash_area {
	uint64_t magic; /* CRASH_AREA_MAGIC */
	uint64_t boot;	/* boots since the page was first found without its magic */
	struct crash_record record;
};

_Static_assert(sizeof(struct crash_area) <= CRASH_AREA_SIZE, "the crash area is one page");

/* Fill in magic, version, length and the CRC over everything else. */
void crash_record_seal(struct crash_record *r);
/*
 * 0 when r is a record crash_record_seal() made for boot `boot`; else
 * -EINVAL, or -ESTALE for a sound record of another boot, with *why.
 */
int crash_record_check(const struct crash_record *r, uint64_t boot, const char **why)
	__attribute__((warn_unused_result));

#endif
