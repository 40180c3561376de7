// SPDX-License-Identifier: MIT
/*
 * Management channel frames: the byte-at-a-time receiver and the encoder.
 * See channel_frame.h for the contract and docs/channel.md for the bytes.
 *
 * Receiver states follow from the counters: hdr_len < 14 is the header
 * (and hunting, when 0); then pay_len < len the payload; then the trailer.
 * Every check is made as soon as its byte arrives, so a bad magic or
 * version is seen at once and an oversized length before any payload.
 */
#include "vmm/channel_frame.h"
#include "kernel/crc32.h"

#include <errno.h>
#include <string.h>

static uint32_t frame_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static void frame_put_le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

void frame_rx_init(struct frame_rx *rx, void *buf, size_t cap)
{
	memset(rx, 0, sizeof(*rx));
	rx->buf = buf;
	rx->cap = cap > CHANNEL_MAX_PAYLOAD ? CHANNEL_MAX_PAYLOAD : (uint32_t)cap;
}

static void frame_rx_reset(struct frame_rx *rx)
{
	rx->hdr_len = rx->pay_len = rx->trailer_len = 0;
}

/* Could hdr[0..n) begin a frame? Magic and version only: the header CRC
 * needs all 14 bytes. */
static bool frame_prefix_ok(const uint8_t *hdr, uint32_t n)
{
	return (n < 1 || hdr[0] == CHANNEL_MAGIC0) && (n < 2 || hdr[1] == CHANNEL_MAGIC1) &&
	       (n < 3 || hdr[2] == CHANNEL_VERSION);
}

/* Drop the first held byte, then any more until what is held could begin
 * a frame: a frame may start inside a rejected header. */
static void frame_rx_resync(struct frame_rx *rx)
{
	do {
		memmove(rx->hdr, rx->hdr + 1, --rx->hdr_len);
		rx->dropped++;
	} while (rx->hdr_len && !frame_prefix_ok(rx->hdr, rx->hdr_len));
}

static enum frame_rx_result frame_rx_fail(struct frame_rx *rx, enum channel_refusal code, int err,
					  const char *why)
{
	rx->header_ok = rx->hdr_len == CHANNEL_HEADER_LEN && code != CHANNEL_E_FRAME_HCRC;
	if (rx->header_ok) {
		rx->type = rx->hdr[3];
		rx->id = (uint16_t)(rx->hdr[4] | rx->hdr[5] << 8);
		rx->len = frame_le32(rx->hdr + 6);
	}
	rx->code = code;
	rx->err = err;
	rx->why = why;
	rx->errors++;
	return FRAME_RX_ERROR;
}

/* The 14th header byte arrived: check the header CRC and the length. */
static enum frame_rx_result frame_rx_header_done(struct frame_rx *rx)
{
	enum frame_rx_result r;

	if (crc32_update(0, rx->hdr, 10) != frame_le32(rx->hdr + 10)) {
		r = frame_rx_fail(rx, CHANNEL_E_FRAME_HCRC, -EBADMSG, "header CRC mismatch");
		frame_rx_resync(rx);
		return r;
	}
	if (frame_le32(rx->hdr + 6) > rx->cap) {
		/* Refused from the header: the payload is never buffered; its
		 * bytes are then hunted through like any garbage. */
		r = frame_rx_fail(rx, CHANNEL_E_FRAME_OVERSIZE, -E2BIG,
				  "payload length above the limit");
		frame_rx_reset(rx);
		return r;
	}
	return FRAME_RX_MORE;
}

static enum frame_rx_result frame_rx_header_byte(struct frame_rx *rx, uint8_t byte)
{
	enum frame_rx_result r;

	rx->hdr[rx->hdr_len++] = byte;
	if (rx->hdr_len <= 2 && !frame_prefix_ok(rx->hdr, rx->hdr_len)) {
		frame_rx_resync(rx); /* garbage: silently */
		return FRAME_RX_MORE;
	}
	if (rx->hdr_len == 3 && rx->hdr[2] != CHANNEL_VERSION) {
		r = frame_rx_fail(rx, CHANNEL_E_FRAME_VERSION, -EPROTO, "unknown protocol version");
		frame_rx_resync(rx);
		return r;
	}
	return rx->hdr_len == CHANNEL_HEADER_LEN ? frame_rx_header_done(rx) : FRAME_RX_MORE;
}

static enum frame_rx_result frame_rx_trailer_done(struct frame_rx *rx)
{
	uint32_t len = rx->pay_len;

	if (frame_crc(rx->hdr, rx->buf, len) != frame_le32(rx->trailer)) {
		enum frame_rx_result r = frame_rx_fail(rx, CHANNEL_E_FRAME_CRC, -EBADMSG,
						       "frame CRC mismatch");
		frame_rx_reset(rx);
		return r;
	}
	rx->type = rx->hdr[3];
	rx->id = (uint16_t)(rx->hdr[4] | rx->hdr[5] << 8);
	rx->len = len;
	rx->header_ok = true;
	rx->err = 0;
	rx->code = CHANNEL_OK;
	rx->why = "frame received";
	rx->frames++;
	frame_rx_reset(rx);
	return FRAME_RX_FRAME;
}

enum frame_rx_result frame_rx_feed(struct frame_rx *rx, uint8_t byte)
{
	if (rx->hdr_len < CHANNEL_HEADER_LEN)
		return frame_rx_header_byte(rx, byte);
	if (rx->pay_len < frame_le32(rx->hdr + 6)) {
		rx->buf[rx->pay_len++] = byte;
		return FRAME_RX_MORE;
	}
	rx->trailer[rx->trailer_len++] = byte;
	return rx->trailer_len == CHANNEL_TRAILER_LEN ? frame_rx_trailer_done(rx) : FRAME_RX_MORE;
}

bool frame_rx_busy(const struct frame_rx *rx)
{
	return rx->hdr_len != 0;
}

enum frame_rx_result frame_rx_timeout(struct frame_rx *rx)
{
	enum frame_rx_result r;

	if (!frame_rx_busy(rx))
		return FRAME_RX_MORE;
	r = frame_rx_fail(rx, CHANNEL_E_FRAME_TIMEOUT, -ETIMEDOUT, "frame incomplete: timed out");
	/* Bytes of a half header may still hold the start of a later frame,
	 * but after a silence the sender has given up on all of them. */
	rx->dropped += rx->hdr_len;
	frame_rx_reset(rx);
	return r;
}

int frame_header_encode(uint8_t hdr[CHANNEL_HEADER_LEN], uint8_t type, uint16_t id, size_t len)
{
	if (len > CHANNEL_MAX_PAYLOAD)
		return -E2BIG;
	hdr[0] = CHANNEL_MAGIC0;
	hdr[1] = CHANNEL_MAGIC1;
	hdr[2] = CHANNEL_VERSION;
	hdr[3] = type;
	hdr[4] = (uint8_t)id;
	hdr[5] = (uint8_t)(id >> 8);
	frame_put_le32(hdr + 6, (uint32_t)len);
	frame_put_le32(hdr + 10, crc32_update(0, hdr, 10));
	return 0;
}

uint32_t frame_crc(const uint8_t hdr[CHANNEL_HEADER_LEN], const void *payload, size_t len)
{
	return crc32_update(crc32_update(0, hdr, CHANNEL_HEADER_LEN), payload, len);
}

long frame_encode(uint8_t type, uint16_t id, const void *payload, size_t len, void *out, size_t cap)
{
	uint8_t *o = out;
	int ret;

	if (len > CHANNEL_MAX_PAYLOAD)
		return -E2BIG;
	if (cap < frame_size(len))
		return -ENOSPC;
	ret = frame_header_encode(o, type, id, len);
	if (ret)
		return ret;
	if (len)
		memmove(o + CHANNEL_HEADER_LEN, payload, len);
	frame_put_le32(o + CHANNEL_HEADER_LEN + len, frame_crc(o, o + CHANNEL_HEADER_LEN, len));
	return (long)frame_size(len);
}
