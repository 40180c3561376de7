/* SPDX-License-Identifier: MIT */
/*
 * Management channel frames (include/vigil/channel.h, docs/channel.md):
 * a receiver fed one byte at a time, and the encoder. Pure logic, built
 * into the VMM and into vigilctl.
 *
 * The receiver is a bounded state machine: it holds at most one header in
 * its own struct and one payload in the caller's buffer, and refuses a
 * frame whose header announces more than that buffer holds before reading
 * any of its payload. After garbage or a bad header it drops one byte and
 * hunts for the magic again in the bytes it already holds, so a frame that
 * follows garbage is still found. A frame whose trailing CRC does not match
 * is dropped whole. A frame that stops arriving is dropped when the caller
 * says so (frame_rx_timeout(), after CHANNEL_BYTE_TIMEOUT_MS without a byte
 * while frame_rx_busy()).
 */
#ifndef VMM_CHANNEL_FRAME_H
#define VMM_CHANNEL_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vigil/channel.h"

enum frame_rx_result {
	FRAME_RX_MORE,	/* feed more bytes */
	FRAME_RX_FRAME, /* a whole frame: type, id, len; payload in buf */
	FRAME_RX_ERROR, /* a frame was refused: err, code, why */
};

struct frame_rx {
	uint8_t *buf;  /* the caller's payload buffer */
	uint32_t cap;  /* its size (at most CHANNEL_MAX_PAYLOAD is used) */
	uint8_t hdr[CHANNEL_HEADER_LEN];
	uint8_t trailer[CHANNEL_TRAILER_LEN];
	uint32_t hdr_len, pay_len, trailer_len; /* bytes held of each part */

	/* The last frame or error. After FRAME_RX_FRAME the payload is
	 * buf[0..len) and stays valid until the next frame_rx_feed(). After
	 * FRAME_RX_ERROR, type/id/len are meaningful only if header_ok. */
	uint8_t type;
	uint16_t id;
	uint32_t len;
	bool header_ok;
	int err;		  /* negative errno */
	enum channel_refusal code; /* CHANNEL_E_FRAME_* */
	const char *why;	  /* static text */

	/* Counters, for the audit log and tests. */
	uint64_t dropped; /* bytes discarded while hunting for a frame start */
	uint32_t frames, errors;
};

/* Start a receiver on the caller's payload buffer (cap bytes). */
void frame_rx_init(struct frame_rx *rx, void *buf, size_t cap);

/* Feed one received byte. */
enum frame_rx_result frame_rx_feed(struct frame_rx *rx, uint8_t byte);

/* True while a frame has started but not completed. */
bool frame_rx_busy(const struct frame_rx *rx);

/* The caller's clock ran out mid-frame: drop it. FRAME_RX_ERROR (code
 * CHANNEL_E_FRAME_TIMEOUT) if a frame was in progress, else FRAME_RX_MORE. */
enum frame_rx_result frame_rx_timeout(struct frame_rx *rx);

/* Bytes of a frame carrying `len` payload bytes. */
static inline size_t frame_size(size_t len)
{
	return CHANNEL_HEADER_LEN + len + CHANNEL_TRAILER_LEN;
}

/*
 * Write a frame's 14-byte header. For callers that send a payload in
 * pieces: the trailer is then frame_crc(hdr, payload, len), little-endian.
 * Returns 0 or -E2BIG (len above CHANNEL_MAX_PAYLOAD).
 */
int frame_header_encode(uint8_t hdr[CHANNEL_HEADER_LEN], uint8_t type, uint16_t id, size_t len)
	__attribute__((warn_unused_result));

/* The trailing CRC of a frame with this header and payload. */
uint32_t frame_crc(const uint8_t hdr[CHANNEL_HEADER_LEN], const void *payload, size_t len);

/*
 * Encode a whole frame into out[0..cap). Returns its size, -E2BIG (len
 * above CHANNEL_MAX_PAYLOAD) or -ENOSPC (cap < frame_size(len)).
 */
long frame_encode(uint8_t type, uint16_t id, const void *payload, size_t len, void *out, size_t cap)
	__attribute__((warn_unused_result));

#endif
