// SPDX-License-Identifier: MIT
/*
 * The anti-rollback marks' bytes (vmm/marks.c, docs/tpm.md): what is
 * written comes back; every malformed index content the TPM could hold (a
 * wrong magic, a role beyond the known ones, a guest slot half filled, a
 * guest twice, bytes past the guests) is refused; guests' marks only rise,
 * and a full table refuses a new guest.
 */
#define CHECK_SUITE "marks"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include "vmm/marks.h"

static struct marks sample(void)
{
	struct marks m = { .generation = 7, .config_version = 3 };

	for (unsigned i = 0; i < ROLE_COUNT; i++)
		m.role_seq[i] = 100 + i;
	memset(m.persisted, 0xab, sizeof(m.persisted));
	marks_raise_guest(&m, "linux", 5, 7);
	marks_raise_guest(&m, "ticker", 1, 2);
	return m;
}

static void round_trip(void)
{
	struct marks m = sample(), back;
	uint8_t b[MARKS_SIZE];

	marks_encode(&m, b);
	CHECK(!memcmp(b, "VGLMARK1", 8));
	CHECK_EQ(b[8], 7);  /* generation, little-endian */
	CHECK_EQ(b[16], 3); /* config version */
	CHECK_EQ(b[24], 100);
	CHECK_EQ(b[24 + 8 * 2], 102);
	CHECK_EQ(b[88], 0xab);
	CHECK_EQ(marks_decode(b, &back), 0);
	CHECK(!memcmp(&m, &back, sizeof(m)));
	CHECK_EQ(marks_guest(&back, "linux"), 5);
	CHECK_EQ(marks_guest(&back, "ticker"), 1);
	CHECK_EQ(marks_guest(&back, "hello"), 0);
	CHECK_EQ(marks_guest_version(&back, "linux"), 7);
	CHECK_EQ(marks_guest_version(&back, "ticker"), 2);
	/* The first write's marks: all zero but the magic. */
	memset(&m, 0, sizeof(m));
	marks_encode(&m, b);
	CHECK_EQ(marks_decode(b, &back), 0);
	CHECK_EQ(back.generation, 0);
}

static int refused(void (*edit)(uint8_t *b))
{
	struct marks m = sample(), back;
	uint8_t b[MARKS_SIZE];

	marks_encode(&m, b);
	edit(b);
	return marks_decode(b, &back) == -EINVAL;
}

static void bad_magic(uint8_t *b) { b[7] = '2'; }
static void unknown_role(uint8_t *b) { b[24 + 8 * ROLE_COUNT] = 1; }
static void last_role_slot(uint8_t *b) { b[24 + 8 * (MARKS_ROLES - 1) + 7] = 1; }
static void version_without_name(uint8_t *b) { memset(b + 120 + 24 * 5, 0, 8), b[120 + 24 * 5 + 16] = 1; }
static void secver_without_name(uint8_t *b) { memset(b + 120 + 24 * 5, 0, 8), b[120 + 24 * 5 + 8] = 1; }
static void name_without_version(uint8_t *b) { b[120 + 24 * 6] = 9; }
static void guest_twice(uint8_t *b) { memcpy(b + 120 + 24 * 3, b + 120, 24); }
static void past_the_guests(uint8_t *b) { b[MARKS_SIZE - 1] = 1; }
static void just_past_the_guests(uint8_t *b) { b[120 + 24 * MARKS_GUESTS] = 1; }

static void malformed_refused(void)
{
	CHECK(refused(bad_magic));
	CHECK(refused(unknown_role));
	CHECK(refused(last_role_slot));
	CHECK(refused(version_without_name));
	CHECK(refused(secver_without_name));
	CHECK(refused(name_without_version));
	CHECK(refused(guest_twice));
	CHECK(refused(past_the_guests));
	CHECK(refused(just_past_the_guests));
}

static void guests_only_rise(void)
{
	struct marks m = sample();
	char name[16];

	CHECK_EQ(marks_raise_guest(&m, "linux", 4, 3), 0);
	CHECK_EQ(marks_guest(&m, "linux"), 5);
	CHECK_EQ(marks_guest_version(&m, "linux"), 7);
	CHECK_EQ(marks_raise_guest(&m, "linux", 9, 8), 0);
	CHECK_EQ(marks_guest(&m, "linux"), 9);
	CHECK_EQ(marks_guest_version(&m, "linux"), 8);
	CHECK_EQ(marks_raise_guest(&m, "new", 0, 0), 0); /* 0 takes no slot */
	CHECK_EQ(marks_guest(&m, "new"), 0);
	for (unsigned i = 0; i < MARKS_GUESTS - 2; i++) {
		snprintf(name, sizeof(name), "g%u", i);
		CHECK_EQ(marks_raise_guest(&m, name, i + 1, 1), 0);
	}
	CHECK_EQ(marks_raise_guest(&m, "one-too-many", 1, 1), -ENOSPC);
	CHECK_EQ(marks_raise_guest(&m, "g3", 50, 1), 0); /* a known guest still rises */
	CHECK_EQ(marks_guest(&m, "g3"), 50);
	CHECK_EQ(marks_guest(&m, "linux"), 9);
}

/* The persisted set's digest: a chain, so the order and every member count. */
static void persisted_chain(void)
{
	uint8_t a[32] = { 0 }, b[32] = { 0 }, p1[48], p2[48];

	memset(p1, 1, sizeof(p1));
	memset(p2, 2, sizeof(p2));
	marks_persist_next(a, p1);
	marks_persist_next(a, p2);
	marks_persist_next(b, p2);
	marks_persist_next(b, p1);
	CHECK(memcmp(a, b, 32) != 0);
	memset(b, 0, 32);
	marks_persist_next(b, p1);
	CHECK(memcmp(a, b, 32) != 0);
	marks_persist_next(b, p2);
	CHECK(!memcmp(a, b, 32));
}

int main(void)
{
	CHECK_RUN(round_trip);
	CHECK_RUN(malformed_refused);
	CHECK_RUN(guests_only_rise);
	CHECK_RUN(persisted_chain);
	return check_done();
}
