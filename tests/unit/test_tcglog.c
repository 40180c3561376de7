/* SPDX-License-Identifier: MIT */
/*
 * The stub's walker of the firmware's TCG event log (boot/tcglog.c): the
 * lengths it finds in a well-formed crypto-agile log, and its refusal of
 * every malformed header and event a firmware (or whatever wrote its
 * memory) could hand it, with each read inside the bound it was given
 * (the suite runs under ASan: the buffers are cut to size).
 */
#define CHECK_SUITE "tcglog"
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "boot/tcglog.h"
#include "tests/unit/check.h"

#define SHA1 0x0004
#define SHA256 0x000b

static uint8_t buf[4096];
static size_t used;

static void put8(uint8_t v)
{
	buf[used++] = v;
}

static void put16(uint32_t v)
{
	put8((uint8_t)v);
	put8((uint8_t)(v >> 8));
}

static void put32(uint32_t v)
{
	put16(v & 0xffff);
	put16(v >> 16);
}

static void put_fill(uint8_t v, size_t n)
{
	memset(buf + used, v, n);
	used += n;
}

/* The header: SHA-1 and SHA-256 with vendor bytes; returns its length. */
static size_t put_header(uint8_t vendor)
{
	size_t at = used;

	put32(0);
	put32(3);	   /* EV_NO_ACTION */
	put_fill(0, 20);   /* SHA-1 digest */
	put32(24 + 4 + 8 + 1 + vendor);
	memcpy(buf + used, "Spec ID Event03", 16);
	used += 16;
	put32(0);	   /* platform class */
	put8(0);
	put8(2);
	put8(0);
	put8(2);	   /* version, errata, uintnSize */
	put32(2);
	put16(SHA1);
	put16(20);
	put16(SHA256);
	put16(32);
	put8(vendor);
	put_fill(0xee, vendor);
	return used - at;
}

/* An event with both digests and size bytes of data; returns its length. */
static size_t put_event(uint32_t pcr, uint32_t size)
{
	size_t at = used;

	put32(pcr);
	put32(0x80000002); /* EV_EFI_BOOT_SERVICES_APPLICATION */
	put32(2);
	put16(SHA1);
	put_fill(0x11, 20);
	put16(SHA256);
	put_fill(0x22, 32);
	put32(size);
	put_fill(0x33, size);
	return used - at;
}

/* A copy of the first n bytes of buf in a block of exactly n, so ASan
 * catches a read past it. */
static uint8_t *cut(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);

	memcpy(p, buf, n);
	return p;
}

static void good_log(void)
{
	struct tcglog_algs a;
	size_t h, e1, e2, e3, n;
	uint8_t *p;

	used = 0;
	h = put_header(3);
	e1 = put_event(0, 10);
	e2 = put_event(4, 0);
	e3 = put_event(7, 100);
	p = cut(used);
	CHECK_EQ(tcglog_header(p, used, &a, &n), 0);
	CHECK_EQ(n, h);
	CHECK_EQ(a.count, 2);
	CHECK_EQ(a.id[1], SHA256);
	CHECK_EQ(a.size[1], 32);
	CHECK_EQ(tcglog_event(p + h, used - h, &a, &n), 0);
	CHECK_EQ(n, e1);
	CHECK_EQ(tcglog_events(p + h, used - h, 3, &a, &n), 0);
	CHECK_EQ(n, e1 + e2 + e3);
	CHECK_EQ(tcglog_events(p + h, used - h, 0, &a, &n), 0);
	CHECK_EQ(n, 0);
	CHECK_EQ(tcglog_events(p + h, used - h, 4, &a, &n), -EINVAL);
	/* GetEventLog's last entry: each event in turn, and the header alone. */
	CHECK_EQ(tcglog_measure(p, used, h + e1 + e2, &a, &n), 0);
	CHECK_EQ(n, used);
	CHECK_EQ(tcglog_measure(p, used, h, &a, &n), 0);
	CHECK_EQ(n, h + e1);
	CHECK_EQ(tcglog_measure(p, used, 0, &a, &n), 0);
	CHECK_EQ(n, h);
	free(p);
}

static void last_entry_off_boundary(void)
{
	struct tcglog_algs a;
	size_t h, e1, n;
	uint8_t *p;

	used = 0;
	h = put_header(0);
	e1 = put_event(0, 10);
	put_event(4, 10);
	p = cut(used);
	CHECK_EQ(tcglog_measure(p, used, h + 4, &a, &n), -EINVAL);   /* inside the first event */
	CHECK_EQ(tcglog_measure(p, used, h - 1, &a, &n), -EINVAL);   /* inside the header */
	CHECK_EQ(tcglog_measure(p, used, used, &a, &n), -EINVAL);    /* past the end */
	CHECK_EQ(tcglog_measure(p, used, h + e1 + 1, &a, &n), -EINVAL);
	CHECK_EQ(tcglog_measure(p, used - 1, h + e1, &a, &n), -EINVAL); /* the last one cut short */
	CHECK_EQ(tcglog_measure(p, used, (size_t)-1, &a, &n), -EINVAL);
	free(p);
}

/* An event whose data holds a well-formed event: a last-entry pointer at
 * that inner event is inside the outer one, and refused, though an event
 * parses there. */
static void last_entry_inside_an_event(void)
{
	struct tcglog_algs a;
	size_t h, size_at, inner, n;
	uint8_t *p;

	used = 0;
	h = put_header(0);
	put32(0);
	put32(0x80000002);
	put32(1);
	put16(SHA256);
	put_fill(0x22, 32);
	size_at = used;
	put32(0); /* the data's size, once the inner event is written */
	inner = used;
	put_event(7, 5);
	buf[size_at] = (uint8_t)(used - inner);
	p = cut(used);
	CHECK_EQ(tcglog_header(p, used, &a, &n), 0);
	CHECK_EQ(tcglog_event(p + inner, used - inner, &a, &n), 0); /* an event parses there */
	CHECK_EQ(tcglog_measure(p, used, inner, &a, &n), -EINVAL);
	CHECK_EQ(tcglog_measure(p, used, h, &a, &n), 0);	     /* the outer one is the last */
	CHECK_EQ(n, used);
	free(p);
}

/* One byte of a good header changed at `at` (little-endian value v of
 * width bytes) must be refused. */
static int header_refused(size_t at, uint32_t v, unsigned width, size_t len_cut)
{
	struct tcglog_algs a;
	size_t n;
	uint8_t *p;
	int r;

	used = 0;
	put_header(2);
	for (unsigned i = 0; i < width; i++)
		buf[at + i] = (uint8_t)(v >> (8 * i));
	p = cut(used - len_cut);
	r = tcglog_header(p, used - len_cut, &a, &n);
	free(p);
	return r == -EINVAL;
}

static void bad_headers(void)
{
	CHECK(header_refused(0, 1, 4, 0));	       /* PCR 1 */
	CHECK(header_refused(4, 1, 4, 0));	       /* not EV_NO_ACTION */
	CHECK(header_refused(15, 1, 1, 0));	       /* a SHA-1 digest not zero */
	CHECK(header_refused(28, 1000, 4, 0));	       /* data size past the end */
	CHECK(header_refused(28, 20, 4, 0));	       /* data size too small for the structure */
	CHECK(header_refused(32 + 7, 'X', 1, 0));     /* "Spec ID Event03" changed */
	CHECK(header_refused(32 + 24, 0, 4, 0));       /* no algorithm */
	CHECK(header_refused(32 + 24, 9, 4, 0));       /* more than TCGLOG_MAX_ALGS */
	CHECK(header_refused(32 + 24, 3, 4, 0));       /* more algorithms than the size holds */
	CHECK(header_refused(32 + 30, 0, 2, 0));       /* a digest size of 0 */
	CHECK(header_refused(32 + 34, 65, 2, 0));      /* a digest size over 64 */
	CHECK(header_refused(32 + 32, SHA1, 2, 0));    /* SHA-1 named twice */
	CHECK(header_refused(32 + 36, 3, 1, 0));       /* vendor bytes past the data */
	for (size_t c = 1; c <= 71; c++)	       /* every cut of the 71-byte header */
		CHECK(header_refused(0, 0, 0, c));
}

/* A good event (header first) with one field changed must be refused. */
static int event_refused(size_t at, uint32_t v, unsigned width, size_t len_cut)
{
	struct tcglog_algs a;
	size_t h, n;
	uint8_t *p;
	int r;

	used = 0;
	h = put_header(0);
	put_event(2, 8);
	for (unsigned i = 0; i < width; i++)
		buf[h + at + i] = (uint8_t)(v >> (8 * i));
	p = cut(used - len_cut);
	if (tcglog_header(p, used - len_cut, &a, &n) || n != h) {
		free(p);
		return 0;
	}
	r = tcglog_event(p + h, used - len_cut - h, &a, &n);
	free(p);
	return r == -EINVAL;
}

static void bad_events(void)
{
	size_t ev = 12 + 22 + 34 + 4 + 8;

	CHECK(!event_refused(0, 0, 0, 0));			/* the unchanged one passes */
	CHECK(event_refused(8, 0, 4, 0));			/* no digest */
	CHECK(event_refused(8, 3, 4, 0));			/* more digests than algorithms */
	CHECK(event_refused(8, 0xffffffff, 4, 0));
	CHECK(event_refused(12, 0x000c, 2, 0));			/* SHA-384: not in the header */
	CHECK(event_refused(34, SHA1, 2, 0));			/* SHA-1 twice */
	CHECK(event_refused(68, 9, 4, 0));			/* data past the end */
	CHECK(event_refused(68, TCGLOG_EVENT_DATA_MAX + 1, 4, 0));
	CHECK(event_refused(68, 0xffffffff, 4, 0));
	for (size_t c = 1; c <= ev; c++)			/* every cut of the event */
		CHECK(event_refused(0, 0, 0, c));
}

/* A data size at the limit is taken; the walker's sum does not wrap. */
static void large_event(void)
{
	static uint8_t big[200 + TCGLOG_EVENT_DATA_MAX];
	struct tcglog_algs a = { .count = 1, .id = { SHA256 }, .size = { 32 } };
	size_t n;

	memset(big, 0, sizeof(big));
	big[8] = 1;		/* one digest */
	big[12] = SHA256;
	big[46] = 0;		/* data size at 46: exactly the limit */
	big[48] = (uint8_t)(TCGLOG_EVENT_DATA_MAX >> 16);
	CHECK_EQ(tcglog_event(big, sizeof(big), &a, &n), 0);
	CHECK_EQ(n, 50 + TCGLOG_EVENT_DATA_MAX);
	CHECK_EQ(tcglog_events(big, sizeof(big), 2, &a, &n), -EINVAL);
}

int main(void)
{
	CHECK_RUN(good_log);
	CHECK_RUN(last_entry_off_boundary);
	CHECK_RUN(last_entry_inside_an_event);
	CHECK_RUN(bad_headers);
	CHECK_RUN(bad_events);
	CHECK_RUN(large_event);
	return check_done();
}
