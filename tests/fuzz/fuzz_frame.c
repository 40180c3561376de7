// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the channel's frame receiver (vmm/channel_frame.c).
 *
 * The input is a byte stream fed one byte at a time into a receiver with
 * a small buffer (so oversized frames are common); a 0xff 0xfe pair in the
 * input stands for the caller's timeout. Checked on every result: the
 * receiver never writes past its buffer (ASan), reports only lengths that
 * fit, keeps its counters in bounds, and every frame it returns re-encodes
 * to bytes that a fresh receiver returns unchanged.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/channel_frame.h"

#define FUZZ_CAP 512

static void fuzz_roundtrip(const struct frame_rx *rx)
{
	static uint8_t enc[FUZZ_CAP + CHANNEL_HEADER_LEN + CHANNEL_TRAILER_LEN];
	static uint8_t buf[FUZZ_CAP];
	struct frame_rx again;
	long n = frame_encode(rx->type, rx->id, rx->buf, rx->len, enc, sizeof(enc));
	int frames = 0;

	if (n < 0)
		abort();
	frame_rx_init(&again, buf, sizeof(buf));
	for (long i = 0; i < n; i++)
		if (frame_rx_feed(&again, enc[i]) == FRAME_RX_FRAME)
			frames++;
	if (frames != 1 || again.type != rx->type || again.id != rx->id || again.len != rx->len ||
	    memcmp(buf, rx->buf, rx->len))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf = malloc(FUZZ_CAP); /* exact size: ASan sees any overrun */
	struct frame_rx rx;

	frame_rx_init(&rx, buf, FUZZ_CAP);
	for (size_t i = 0; i < size; i++) {
		enum frame_rx_result r;

		if (data[i] == 0xff && i + 1 < size && data[i + 1] == 0xfe) {
			r = frame_rx_timeout(&rx);
			i++;
		} else {
			r = frame_rx_feed(&rx, data[i]);
		}
		if (rx.hdr_len > CHANNEL_HEADER_LEN || rx.pay_len > FUZZ_CAP ||
		    rx.trailer_len > CHANNEL_TRAILER_LEN)
			abort();
		if (r == FRAME_RX_FRAME) {
			if (rx.len > FUZZ_CAP || frame_rx_busy(&rx))
				abort();
			fuzz_roundtrip(&rx);
		} else if (r == FRAME_RX_ERROR && (rx.err >= 0 || !rx.why || rx.code == CHANNEL_OK)) {
			abort();
		}
	}
	free(buf);
	return 0;
}
