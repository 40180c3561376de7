// SPDX-License-Identifier: MIT
/*
 * Unit tests of the crash record's check (kernel/crash_record.c): the next
 * boot reads a page anything may have written, so a record is taken only
 * when it is exactly one the VMM sealed for the previous boot. Each case
 * changes one thing of a sealed record, or makes it garbage, and expects a
 * refusal; most reseal after the change, so the CRC is not what stops them.
 */
#define CHECK_SUITE "crash"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/crash_record.h"
#include "kernel/crc32.h"

#define BOOT 7

static void record_make(struct crash_record *r)
{
	memset(r, 0, sizeof(*r));
	r->context = CRASH_FROM_EXCEPTION;
	r->boot = BOOT;
	r->cpu = 3;
	r->vector = 18;
	r->uptime_ms = 1234;
	strcpy(r->reason, "exception 18 in the VMM");
	r->regs.rip = 0xffffffff80001234ull;
	r->mce = (struct crash_mce){ 5, 0xbe00000000800400ull, 0x1234000, 0x86, 1, 1 };
	r->audit_count = CRASH_AUDIT_MAX;
	for (unsigned i = 0; i < CRASH_AUDIT_MAX; i++) {
		r->audit[i].sequence = i;
		strcpy(r->audit[i].reason, "unknown kind '\\x0avigil: forged'");
	}
	crash_record_seal(r);
}

static int check(const struct crash_record *r, const char **why)
{
	*why = "untouched";
	return crash_record_check(r, BOOT, why);
}

static void sealed_passes(void)
{
	struct crash_record *r = malloc(sizeof(*r));
	const char *why;

	record_make(r);
	CHECK_EQ(check(r, &why), 0);
	/* A plain panic with no audit entries and an empty reason. */
	r->context = CRASH_FROM_PANIC;
	r->vector = 0;
	r->audit_count = 0;
	r->reason[0] = 0;
	memset(r->audit, 0xff, sizeof(r->audit)); /* entries past the count are not read */
	crash_record_seal(r);
	CHECK_EQ(check(r, &why), 0);
	free(r);
}

static void stale_boot_refused(void)
{
	struct crash_record *r = malloc(sizeof(*r));
	const char *why;

	record_make(r);
	CHECK_EQ(crash_record_check(r, BOOT + 1, &why), -ESTALE);
	CHECK_EQ(crash_record_check(r, BOOT - 1, &why), -ESTALE);
	free(r);
}

struct bad_case {
	const char *name;
	void (*mutate)(struct crash_record *r);
	int reseal;	 /* seal again after the change */
	const char *why; /* a word the refusal must name */
};

static void bad_magic(struct crash_record *r) { r->magic ^= 1; }
static void bad_version(struct crash_record *r) { r->version++; }
static void length_short(struct crash_record *r) { r->length = sizeof(*r) - 8; }
static void length_huge(struct crash_record *r) { r->length = 0xffffffffu; }
static void bit_flipped(struct crash_record *r) { r->regs.rsp ^= 1u << 12; }
static void crc_flipped(struct crash_record *r) { r->crc ^= 0x80000000u; }
static void context_zero(struct crash_record *r) { r->context = 0; }
static void context_unknown(struct crash_record *r) { r->context = 3; }
static void vector_high(struct crash_record *r) { r->vector = 32; }
static void panic_with_vector(struct crash_record *r) { r->context = CRASH_FROM_PANIC; }
static void bank_high(struct crash_record *r) { r->mce.bank = 32; }
static void bank_valid_odd(struct crash_record *r) { r->mce.bank_valid = 2; }
static void audit_count_high(struct crash_record *r) { r->audit_count = CRASH_AUDIT_MAX + 1; }
static void audit_count_huge(struct crash_record *r) { r->audit_count = 0x80000000u; }
static void reason_unterminated(struct crash_record *r) { memset(r->reason, 'a', sizeof(r->reason)); }
static void reason_newline(struct crash_record *r) { strcpy(r->reason, "x\nvigil: forged"); }
static void reason_escape(struct crash_record *r) { strcpy(r->reason, "x\x1b[2J"); }
static void reason_high_byte(struct crash_record *r) { r->reason[3] = (char)0xc3; }
static void reason_del(struct crash_record *r) { r->reason[0] = 0x7f; }

static void audit_reason_unterminated(struct crash_record *r)
{
	memset(r->audit[CRASH_AUDIT_MAX - 1].reason, 'b', CRASH_AUDIT_REASON_LEN);
}

static void audit_reason_control(struct crash_record *r) { r->audit[0].reason[1] = '\r'; }

static const struct bad_case bad_cases[] = {
	{ "bad_magic", bad_magic, 1, "no record" },
	{ "bad_version", bad_version, 0, "version" },
	{ "length_short", length_short, 0, "length" },
	{ "length_oversized", length_huge, 0, "length" },
	{ "one_bit_flipped", bit_flipped, 0, "CRC" },
	{ "crc_flipped", crc_flipped, 0, "CRC" },
	{ "context_zero", context_zero, 1, "context" },
	{ "context_unknown", context_unknown, 1, "context" },
	{ "vector_above_31", vector_high, 1, "vector" },
	{ "panic_with_a_vector", panic_with_vector, 1, "vector" },
	{ "mce_bank_above_31", bank_high, 1, "bank" },
	{ "mce_bank_valid_not_0_or_1", bank_valid_odd, 1, "bank" },
	{ "audit_count_above_max", audit_count_high, 1, "audit count" },
	{ "audit_count_huge", audit_count_huge, 1, "audit count" },
	{ "reason_unterminated", reason_unterminated, 1, "reason" },
	{ "reason_with_newline", reason_newline, 1, "reason" },
	{ "reason_with_escape", reason_escape, 1, "reason" },
	{ "reason_with_high_byte", reason_high_byte, 1, "reason" },
	{ "reason_with_del", reason_del, 1, "reason" },
	{ "audit_reason_unterminated", audit_reason_unterminated, 1, "audit reason" },
	{ "audit_reason_with_cr", audit_reason_control, 1, "audit reason" },
};

static void bad_records_refused(void)
{
	struct crash_record *r = malloc(sizeof(*r));

	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		const char *why;
		int err;

		record_make(r);
		c->mutate(r);
		if (c->reseal)
			crash_record_seal(r);
		/* bad_magic: sealing writes the magic back */
		if (c->mutate == bad_magic)
			r->magic ^= 1;
		err = check(r, &why);
		if (!CHECK(err == -EINVAL && strstr(why, c->why)))
			printf("    %s: %d (%s)\n", c->name, err, why);
	}
	free(r);
}

/* Garbage: what a page never written by the VMM holds. None is taken. */
static void garbage_refused(void)
{
	struct crash_record *r = malloc(sizeof(*r));
	const char *why;
	unsigned taken = 0;

	srand(12);
	for (unsigned round = 0; round < 2000; round++) {
		uint8_t *p = (uint8_t *)r;

		for (size_t i = 0; i < sizeof(*r); i++)
			p[i] = (uint8_t)rand();
		if (round % 2) { /* a plausible header over garbage */
			r->magic = CRASH_RECORD_MAGIC;
			r->version = CRASH_RECORD_VERSION;
			r->length = sizeof(*r);
			r->boot = BOOT;
		}
		taken += check(r, &why) == 0;
	}
	CHECK_EQ(taken, 0);
	/* Resealed garbage passes the CRC: the field checks must stop it. */
	for (unsigned round = 0; round < 2000; round++) {
		uint8_t *p = (uint8_t *)r;

		for (size_t i = 0; i < sizeof(*r); i++)
			p[i] = (uint8_t)rand();
		r->boot = BOOT;
		crash_record_seal(r);
		taken += check(r, &why) == 0;
	}
	CHECK_EQ(taken, 0);
	/* All zeroes, what a fresh page holds. */
	memset(r, 0, sizeof(*r));
	CHECK_EQ(check(r, &why), -EINVAL);
	free(r);
}

/* The CRC covers every byte but its own field. */
static void crc_covers_every_byte(void)
{
	struct crash_record *r = malloc(sizeof(*r));
	const char *why;
	unsigned missed = 0;

	record_make(r);
	for (size_t i = 0; i < sizeof(*r); i++) {
		if (i >= offsetof(struct crash_record, crc) && i < offsetof(struct crash_record, crc) + 4)
			continue;
		((uint8_t *)r)[i] ^= 0x01;
		missed += check(r, &why) == 0;
		((uint8_t *)r)[i] ^= 0x01;
	}
	CHECK_EQ(missed, 0);
	CHECK_EQ(check(r, &why), 0);
	free(r);
}

/* The offsets of docs/formats.md, "The crash record". */
static void layout_as_documented(void)
{
	CHECK(sizeof(struct crash_area) <= CRASH_AREA_SIZE);
	CHECK_EQ(offsetof(struct crash_area, record), 16);
	CHECK_EQ(sizeof(struct crash_record), 1536);
	CHECK_EQ(offsetof(struct crash_record, crc), 16);
	CHECK_EQ(offsetof(struct crash_record, boot), 24);
	CHECK_EQ(offsetof(struct crash_record, cpu), 48);
	CHECK_EQ(offsetof(struct crash_record, error_code), 56);
	CHECK_EQ(offsetof(struct crash_record, reason), 64);
	CHECK_EQ(offsetof(struct crash_record, regs), 224);
	CHECK_EQ(offsetof(struct crash_record, stack), 400);
	CHECK_EQ(offsetof(struct crash_record, mce), 464);
	CHECK_EQ(offsetof(struct crash_record, audit_count), 504);
	CHECK_EQ(offsetof(struct crash_record, audit), 512);
	CHECK_EQ(sizeof(struct crash_audit), 128);
	CHECK_EQ(offsetof(struct crash_audit, reason), 32);
}

int main(void)
{
	CHECK_RUN(sealed_passes);
	CHECK_RUN(stale_boot_refused);
	CHECK_RUN(bad_records_refused);
	CHECK_RUN(garbage_refused);
	CHECK_RUN(crc_covers_every_byte);
	CHECK_RUN(layout_as_documented);
	return check_done();
}
