// SPDX-License-Identifier: MIT
/*
 * Unit tests of the management channel's frames: kernel/crc32.c and
 * vmm/channel_frame.c (docs/channel.md). Frames are fed one byte at a time,
 * as the VMM reads its UART; every refusal is checked by its code, and
 * every refusal is followed by a good frame that must still be found.
 */
#define CHECK_SUITE "frame"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "kernel/crc32.h"
#include "vmm/channel_frame.h"

/* The receiver's buffer; a guard region after it must never be written. */
#define RX_CAP 4096
#define GUARD 64
static uint8_t rx_buf[RX_CAP + GUARD];
static struct frame_rx rx;

/* What feeding a stream produced, in order. */
struct events {
	unsigned frames, errors;
	enum channel_refusal codes[16];
	uint8_t type[16];
	uint16_t id[16];
	uint32_t len[16];
	bool header_ok[16];
	uint8_t payload[16][64]; /* the first bytes of each frame's payload */
};

static void rx_start(size_t cap)
{
	memset(rx_buf, 0xa5, sizeof(rx_buf));
	frame_rx_init(&rx, rx_buf, cap);
}

static bool guard_intact(size_t from)
{
	for (size_t i = from; i < sizeof(rx_buf); i++)
		if (rx_buf[i] != 0xa5)
			return false;
	return true;
}

static void note(struct events *e, enum frame_rx_result r)
{
	unsigned n = e->frames + e->errors;

	if (r == FRAME_RX_MORE)
		return;
	if (r == FRAME_RX_FRAME)
		e->frames++;
	else
		e->errors++;
	if (n >= 16)
		return;
	e->codes[n] = r == FRAME_RX_FRAME ? CHANNEL_OK : rx.code;
	e->type[n] = rx.type;
	e->id[n] = rx.id;
	e->len[n] = rx.len;
	e->header_ok[n] = rx.header_ok;
	if (r == FRAME_RX_FRAME)
		memcpy(e->payload[n], rx.buf, rx.len < 64 ? rx.len : 64);
}

static void feed(struct events *e, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		note(e, frame_rx_feed(&rx, b[i]));
}

/* Encode a frame with a payload of `len` bytes i * 7 + seed. */
static size_t make(uint8_t *out, size_t cap, uint8_t type, uint16_t id, size_t len, uint8_t seed)
{
	uint8_t *pl = malloc(len + 1);
	long n;

	for (size_t i = 0; i < len; i++)
		pl[i] = (uint8_t)(i * 7 + seed);
	n = frame_encode(type, id, pl, len, out, cap);
	free(pl);
	if (n < 0) {
		printf("cannot encode a test frame: %ld\n", n);
		exit(2);
	}
	return (size_t)n;
}

static bool payload_is(const uint8_t *p, size_t len, uint8_t seed)
{
	for (size_t i = 0; i < len && i < 64; i++)
		if (p[i] != (uint8_t)(i * 7 + seed))
			return false;
	return true;
}

static void crc_known_answers(void)
{
	static const char check[] = "123456789";
	uint8_t zeros[32] = { 0 };

	CHECK_EQ(crc32_update(0, check, 9), 0xcbf43926u);
	CHECK_EQ(crc32_update(0, "", 0), 0);
	CHECK_EQ(crc32_update(crc32_update(0, check, 4), check + 4, 5), 0xcbf43926u);
	CHECK_EQ(crc32_update(0, zeros, sizeof(zeros)), 0x190a55adu);
	CHECK_EQ(crc32_update(0, "a", 1), 0xe8b7be43u);
}

/* The header layout, byte by byte, against docs/channel.md. */
static void encodes_the_documented_layout(void)
{
	uint8_t f[64];
	long n = frame_encode(0x82, 0x1234, "abc", 3, f, sizeof(f));
	uint32_t hcrc = crc32_update(0, f, 10);
	uint32_t crc = crc32_update(0, f, 14 + 3);

	CHECK_EQ(n, 14 + 3 + 4);
	CHECK(f[0] == 'V' && f[1] == 'G' && f[2] == 1 && f[3] == 0x82);
	CHECK(f[4] == 0x34 && f[5] == 0x12);
	CHECK(f[6] == 3 && f[7] == 0 && f[8] == 0 && f[9] == 0);
	CHECK(f[10] == (uint8_t)hcrc && f[11] == (uint8_t)(hcrc >> 8) && f[12] == (uint8_t)(hcrc >> 16) &&
	      f[13] == (uint8_t)(hcrc >> 24));
	CHECK(!memcmp(f + 14, "abc", 3));
	CHECK(f[17] == (uint8_t)crc && f[18] == (uint8_t)(crc >> 8) && f[19] == (uint8_t)(crc >> 16) &&
	      f[20] == (uint8_t)(crc >> 24));
}

static void encoder_limits(void)
{
	static uint8_t big[CHANNEL_MAX_FRAME + 8];
	uint8_t hdr[CHANNEL_HEADER_LEN];

	CHECK_EQ(frame_encode(1, 1, big, CHANNEL_MAX_PAYLOAD + 1, big, sizeof(big)), -E2BIG);
	CHECK_EQ(frame_header_encode(hdr, 1, 1, CHANNEL_MAX_PAYLOAD + 1), -E2BIG);
	CHECK_EQ(frame_encode(1, 1, "abc", 3, big, 20), -ENOSPC);
	CHECK_EQ(frame_encode(1, 1, "abc", 3, big, 21), 21);
	CHECK_EQ(frame_encode(1, 1, NULL, 0, big, 18), 18);
	CHECK_EQ(frame_header_encode(hdr, 1, 1, CHANNEL_MAX_PAYLOAD), 0);
}

static void one_frame_byte_at_a_time(void)
{
	uint8_t f[128];
	size_t n = make(f, sizeof(f), CHANNEL_REQ_INVENTORY, 77, 40, 3);
	struct events e = { 0 };

	rx_start(RX_CAP);
	for (size_t i = 0; i < n; i++) {
		enum frame_rx_result r = frame_rx_feed(&rx, f[i]);

		note(&e, r);
		CHECK(r == (i == n - 1 ? FRAME_RX_FRAME : FRAME_RX_MORE));
		CHECK(frame_rx_busy(&rx) == (i != n - 1));
	}
	CHECK_EQ(e.frames, 1);
	CHECK_EQ(e.type[0], CHANNEL_REQ_INVENTORY);
	CHECK_EQ(e.id[0], 77);
	CHECK_EQ(e.len[0], 40);
	CHECK(payload_is(e.payload[0], 40, 3));
	CHECK_EQ(rx.dropped, 0);
}

/* Back-to-back frames in one stream, including an empty one. */
static void frames_back_to_back(void)
{
	uint8_t s[1024];
	size_t n = 0;
	struct events e = { 0 };

	n += make(s + n, sizeof(s) - n, 1, 1, 0, 0);
	n += make(s + n, sizeof(s) - n, 2, 2, 200, 9);
	n += make(s + n, sizeof(s) - n, 0x10, 3, 1, 5);
	rx_start(RX_CAP);
	feed(&e, s, n);
	CHECK_EQ(e.frames, 3);
	CHECK_EQ(e.errors, 0);
	CHECK(e.len[0] == 0 && e.len[1] == 200 && e.len[2] == 1);
	CHECK(e.id[0] == 1 && e.id[1] == 2 && e.id[2] == 3);
	CHECK(payload_is(e.payload[1], 200, 9) && payload_is(e.payload[2], 1, 5));
}

/* The largest payload the protocol allows, into a buffer that holds it. */
static void largest_frame(void)
{
	static uint8_t buf[CHANNEL_MAX_PAYLOAD], f[CHANNEL_MAX_FRAME];
	size_t n = make(f, sizeof(f), CHANNEL_REQ_BUNDLE, 9, CHANNEL_MAX_PAYLOAD, 1);
	struct events e = { 0 };

	frame_rx_init(&rx, buf, sizeof(buf));
	feed(&e, f, n);
	CHECK_EQ(e.frames, 1);
	CHECK_EQ(e.len[0], CHANNEL_MAX_PAYLOAD);
	CHECK(payload_is(buf + CHANNEL_MAX_PAYLOAD - 64, 0, 0));
	CHECK(buf[CHANNEL_MAX_PAYLOAD - 1] == (uint8_t)((CHANNEL_MAX_PAYLOAD - 1) * 7 + 1));
}

/* Garbage before a frame is dropped silently, however it is made. */
static void garbage_then_frame(void)
{
	static const uint8_t garbage[][6] = {
		{ 0x00, 0xff, 0x13, 0x37, 0x56, 0x00 }, /* 'V' then not 'G' */
		{ 'V', 'V', 'V', 'x', 'G', 'V' },	/* near misses */
		{ 'G', 'V', 'x', 'V', 'V', 'V' },	/* ends on a 'V' */
	};

	for (unsigned g = 0; g < 3; g++) {
		uint8_t f[128];
		size_t n = make(f, sizeof(f), 3, 5, 10, 2);
		struct events e = { 0 };

		rx_start(RX_CAP);
		feed(&e, garbage[g], sizeof(garbage[g]));
		feed(&e, f, n);
		CHECK_EQ(e.errors, 0);
		CHECK_EQ(e.frames, 1);
		CHECK_EQ(rx.dropped, sizeof(garbage[g]));
		CHECK(payload_is(e.payload[0], 10, 2));
	}
}

static void bad_version_then_frame(void)
{
	uint8_t f[128], bad[3] = { 'V', 'G', CHANNEL_VERSION + 1 };
	size_t n = make(f, sizeof(f), 4, 6, 12, 4);
	struct events e = { 0 };

	rx_start(RX_CAP);
	feed(&e, bad, sizeof(bad));
	feed(&e, f, n);
	CHECK_EQ(e.errors, 1);
	CHECK_EQ(e.codes[0], CHANNEL_E_FRAME_VERSION);
	CHECK(!e.header_ok[0]);
	CHECK_EQ(e.frames, 1);
	CHECK(e.id[1] == 6 && payload_is(e.payload[1], 12, 4));
}

/*
 * A header whose CRC fails, with the next frame starting inside it: the
 * receiver must find that frame in the bytes it already holds.
 */
static void bad_header_crc_resyncs_inside_the_header(void)
{
	uint8_t s[256], f[128];
	size_t fn = make(f, sizeof(f), 5, 8, 20, 6), n;
	struct events e = { 0 };

	/* 'V','G',1, type, id: then the real frame begins at offset 5 */
	memcpy(s, (uint8_t[]){ 'V', 'G', CHANNEL_VERSION, 0x01, 0x02 }, 5);
	memcpy(s + 5, f, fn);
	n = 5 + fn;
	rx_start(RX_CAP);
	feed(&e, s, n);
	CHECK_EQ(e.errors, 1);
	CHECK_EQ(e.codes[0], CHANNEL_E_FRAME_HCRC);
	CHECK(!e.header_ok[0]);
	CHECK_EQ(e.frames, 1);
	CHECK(e.id[1] == 8 && e.len[1] == 20 && payload_is(e.payload[1], 20, 6));
	CHECK_EQ(rx.dropped, 5);
}

/* A corrupt header CRC field alone is enough to refuse the header. */
static void bad_header_crc_field(void)
{
	uint8_t f[128], g[128];
	size_t n = make(f, sizeof(f), 5, 8, 20, 6);
	struct events e = { 0 };

	make(g, sizeof(g), 2, 9, 3, 1);
	f[12] ^= 0x40;
	rx_start(RX_CAP);
	feed(&e, f, n);
	feed(&e, g, 3 + 18);
	CHECK(e.errors >= 1);
	CHECK_EQ(e.codes[0], CHANNEL_E_FRAME_HCRC);
	CHECK_EQ(e.frames, 1);
	CHECK_EQ(e.id[e.errors], 9);
}

/*
 * An oversized length is refused at the 14th byte: nothing of its payload
 * is stored (the buffer and the guard after it keep their fill), and the
 * type and id are reported (the header CRC vouches for them).
 */
static void oversize_refused_from_the_header(void)
{
	static const size_t caps[] = { 100, RX_CAP };

	for (unsigned c = 0; c < 2; c++) {
		uint8_t hdr[CHANNEL_HEADER_LEN], f[128], junk[300];
		size_t n = make(f, sizeof(f), 2, 11, 30, 8);
		struct events e = { 0 };

		CHECK_EQ(frame_header_encode(hdr, CHANNEL_REQ_BUNDLE, 10, caps[c] + 1), 0);
		rx_start(caps[c]);
		for (unsigned i = 0; i < CHANNEL_HEADER_LEN; i++) {
			enum frame_rx_result r = frame_rx_feed(&rx, hdr[i]);

			note(&e, r);
			CHECK(r == (i == CHANNEL_HEADER_LEN - 1 ? FRAME_RX_ERROR : FRAME_RX_MORE));
		}
		CHECK_EQ(e.codes[0], CHANNEL_E_FRAME_OVERSIZE);
		CHECK(e.header_ok[0] && e.type[0] == CHANNEL_REQ_BUNDLE && e.id[0] == 10);
		CHECK_EQ(e.len[0], caps[c] + 1);
		CHECK_EQ(rx.err, -E2BIG);
		CHECK(!frame_rx_busy(&rx));
		/* the sender goes on with its payload (no magic in it), then a frame */
		memset(junk, 0x11, sizeof(junk));
		feed(&e, junk, sizeof(junk));
		CHECK(guard_intact(0));
		feed(&e, f, n);
		CHECK_EQ(e.errors, 1);
		CHECK_EQ(e.frames, 1);
		CHECK(e.id[1] == 11 && payload_is(e.payload[1], 30, 8));
	}
	/* the protocol's own limit, whatever the buffer */
	{
		uint8_t hdr[CHANNEL_HEADER_LEN];
		struct events e = { 0 };

		CHECK_EQ(frame_header_encode(hdr, 1, 1, CHANNEL_MAX_PAYLOAD), 0);
		hdr[8] = 0x04; /* length 0x40000 + 1 * 2^16...: rewrite and re-CRC */
		hdr[6] = 1;
		{
			uint32_t c = crc32_update(0, hdr, 10);

			memcpy(hdr + 10, &c, 4);
		}
		frame_rx_init(&rx, rx_buf, (size_t)CHANNEL_MAX_PAYLOAD * 4);
		CHECK_EQ(rx.cap, CHANNEL_MAX_PAYLOAD);
		feed(&e, hdr, sizeof(hdr));
		CHECK_EQ(e.errors, 1);
		CHECK_EQ(e.codes[0], CHANNEL_E_FRAME_OVERSIZE);
	}
}

/* A bad trailing CRC drops the frame; its header was sound, so the type
 * and id are reported; the next frame is found. */
static void bad_crc_drops_the_frame(void)
{
	uint8_t f[128], g[128];
	size_t n = make(f, sizeof(f), CHANNEL_REQ_AUDIT, 21, 16, 3);
	size_t m = make(g, sizeof(g), CHANNEL_REQ_SELFCHECK, 22, 0, 0);
	struct events e = { 0 };

	f[14 + 5] ^= 0x01;
	rx_start(RX_CAP);
	feed(&e, f, n);
	feed(&e, g, m);
	CHECK_EQ(e.errors, 1);
	CHECK_EQ(e.codes[0], CHANNEL_E_FRAME_CRC);
	CHECK(e.header_ok[0] && e.type[0] == CHANNEL_REQ_AUDIT && e.id[0] == 21);
	CHECK_EQ(e.frames, 1);
	CHECK(e.type[1] == CHANNEL_REQ_SELFCHECK && e.id[1] == 22);
	/* the trailer itself corrupted */
	memset(&e, 0, sizeof(e));
	n = make(f, sizeof(f), CHANNEL_REQ_AUDIT, 23, 0, 0);
	f[n - 1] ^= 0x80;
	feed(&e, f, n);
	CHECK_EQ(e.errors, 1);
	CHECK_EQ(e.codes[0], CHANNEL_E_FRAME_CRC);
}

/* Half frames: the caller's timeout drops them, and only them. */
static void half_frames_and_timeout(void)
{
	uint8_t f[128];
	size_t n = make(f, sizeof(f), CHANNEL_REQ_VERSION, 31, 25, 7);
	static const size_t cuts[] = { 1, 2, 3, 13, 14, 15, 30, 39, 42 };

	rx_start(RX_CAP);
	CHECK(!frame_rx_busy(&rx));
	CHECK(frame_rx_timeout(&rx) == FRAME_RX_MORE); /* idle: nothing to drop */
	for (unsigned c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
		struct events e = { 0 };

		feed(&e, f, cuts[c]);
		CHECK_EQ(e.frames + e.errors, 0);
		CHECK(frame_rx_busy(&rx));
		note(&e, frame_rx_timeout(&rx));
		CHECK_EQ(e.errors, 1);
		CHECK_EQ(e.codes[0], CHANNEL_E_FRAME_TIMEOUT);
		CHECK_EQ(rx.err, -ETIMEDOUT);
		CHECK(e.header_ok[0] == (cuts[c] >= CHANNEL_HEADER_LEN));
		if (cuts[c] >= CHANNEL_HEADER_LEN)
			CHECK(e.id[0] == 31 && e.type[0] == CHANNEL_REQ_VERSION);
		CHECK(!frame_rx_busy(&rx));
		feed(&e, f, n);
		if (!CHECK_EQ_INT(e.frames, 1))
			printf("    cut at %zu\n", cuts[c]);
		CHECK(payload_is(e.payload[1], 25, 7));
	}
	/* without the timeout, a new frame after a half one is swallowed and
	 * refused by CRC: the reason the caller must time frames out */
	{
		struct events e = { 0 };

		feed(&e, f, 20);
		feed(&e, f, n);
		CHECK_EQ(e.frames, 0);
		note(&e, frame_rx_timeout(&rx));
		CHECK(e.errors >= 1);
	}
}

/*
 * Every single-bit change of a frame is refused or dropped, never taken
 * as a frame; the good frame after it is always found.
 */
static void every_flipped_bit_refused(void)
{
	uint8_t f[64], g[64];
	size_t n = make(f, sizeof(f), CHANNEL_REQ_BUNDLE, 0x4142, 12, 13);
	size_t m = make(g, sizeof(g), CHANNEL_REQ_VERSION, 99, 4, 1);
	unsigned bad = 0;

	for (size_t bit = 0; bit < 8 * n; bit++) {
		struct events e = { 0 };

		rx_start(RX_CAP);
		f[bit / 8] ^= 1u << bit % 8;
		feed(&e, f, n);
		f[bit / 8] ^= 1u << bit % 8;
		/* a flipped length may leave the receiver waiting for more */
		note(&e, frame_rx_timeout(&rx));
		feed(&e, g, m);
		if (e.frames != 1 || e.id[e.frames + e.errors - 1] != 99) {
			bad++;
			printf("    bit %zu: %u frames, %u errors\n", bit, e.frames, e.errors);
		}
	}
	CHECK_EQ(bad, 0);
}

/* Long random noise never yields a frame; a frame after it is found. */
static void noise_then_frame(void)
{
	static uint8_t noise[1 << 16];
	uint8_t f[128];
	size_t n = make(f, sizeof(f), 2, 44, 50, 2);
	struct events e = { 0 };
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(noise); i++) {
		x = x * 1103515245u + 12345u;
		noise[i] = (uint8_t)(x >> 16);
		if (i % 97 == 0)
			noise[i] = 'V'; /* plenty of false starts */
		if (i % 97 == 1)
			noise[i] = 'G';
	}
	rx_start(RX_CAP);
	feed(&e, noise, sizeof(noise));
	CHECK_EQ(e.frames, 0);
	CHECK(e.errors > 100); /* each 'V' 'G' 'x' is reported as a bad version */
	note(&e, frame_rx_timeout(&rx));
	feed(&e, f, n);
	CHECK_EQ(e.frames, 1);
	CHECK_EQ(rx.id, 44);
	CHECK(guard_intact(RX_CAP));
}

int main(void)
{
	CHECK_RUN(crc_known_answers);
	CHECK_RUN(encodes_the_documented_layout);
	CHECK_RUN(encoder_limits);
	CHECK_RUN(one_frame_byte_at_a_time);
	CHECK_RUN(frames_back_to_back);
	CHECK_RUN(largest_frame);
	CHECK_RUN(garbage_then_frame);
	CHECK_RUN(bad_version_then_frame);
	CHECK_RUN(bad_header_crc_resyncs_inside_the_header);
	CHECK_RUN(bad_header_crc_field);
	CHECK_RUN(oversize_refused_from_the_header);
	CHECK_RUN(bad_crc_drops_the_frame);
	CHECK_RUN(half_frames_and_timeout);
	CHECK_RUN(every_flipped_bit_refused);
	CHECK_RUN(noise_then_frame);
	return check_done();
}
