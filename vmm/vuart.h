/* SPDX-License-Identifier: MIT */
/*
 * The emulated 16550 every guest sees at 0x3f8 as its console. It runs on
 * the guest's own CPU and never prints.
 *
 * Output: each byte the guest writes is cleaned at once and queued in the
 * guest's console ring (out) as a stream the VMM's CPU prints, prefixed,
 * as it comes (vmm/vm_console.c). The stream holds only printable ASCII,
 * tab, and the codes below; escape sequences and other control bytes are
 * dropped, other bytes become '.' (docs/vmm.md, "The guests' console").
 * A line is let into the ring whole or dropped whole: its first byte needs
 * room for the longest line.
 *
 * Input: the VMM's CPU puts the operator's bytes into the receive FIFO
 * (rx) and the guest reads them from RBR. The FIFO is a single-producer,
 * single-consumer ring like the console ring; neither CPU waits for the
 * other, and a byte that finds it full is dropped and counted.
 */
#ifndef VMM_VUART_H
#define VMM_VUART_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "vmm/conring.h"

#define VUART_BASE 0x3f8
#define VUART_PORTS 8
#define VUART_LINE_MAX 160   /* characters of one console line; a longer line wraps */
#define VUART_LINE_BYTES 240 /* stream bytes of one line, its '\n' included; more wraps it */
#define VUART_RX_SIZE 256    /* the receive FIFO in bytes; a power of two */

_Static_assert(VUART_LINE_BYTES <= CONRING_LINE_MAX, "a guest line must fit a console ring line");
_Static_assert((VUART_RX_SIZE & (VUART_RX_SIZE - 1)) == 0, "VUART_RX_SIZE must be a power of two");

/* The codes of the stream besides text and '\n'. */
#define VUART_ERASE '\b'      /* erase the guest's last character */
#define VUART_RETURN '\r'     /* erase the guest's text on its console line */
#define VUART_VMM_LINE '\x01' /* first byte of a VMM line about the guest (through its '\n') */

struct vuart_rx {
	uint32_t head;	  /* bytes ever received; written by the VMM's CPU only */
	uint32_t tail;	  /* bytes ever read; written by the guest's CPU only */
	uint64_t dropped; /* bytes lost, FIFO full; written by the VMM's CPU only */
	uint8_t buf[VUART_RX_SIZE];
};

struct vuart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	bool fifo;		/* FCR bit 0: FIFOs on (IIR bits 7:6) */
	bool thre_irq;		/* the THR-empty interrupt is pending */
	uint64_t overrun_seen;	/* rx.dropped at the last LSR read */
	/* The line being written: */
	unsigned col;		/* its characters on the console (after erasures) */
	unsigned sent;		/* its stream bytes so far, kept or dropped */
	bool dropping;		/* it did not fit the ring: dropped whole */
	bool wrapped;		/* the last line ended because it was full */
	bool cr;		/* a CR waits: a LF next makes it a plain line end */
	uint8_t esc, esc_len;	/* escape-sequence state, its length */
	uint32_t line_start;	/* out's head at the line's first byte */
	bool focus;		/* has the console focus; written by the VMM's CPU only */
	struct conring out;	/* the console stream, for the VMM's CPU */
	struct vuart_rx rx;	/* the receive FIFO, from the VMM's CPU */
};

/* The guest's CPU: an access to port (VUART_BASE..+7). */
uint32_t vuart_read(struct vuart *u, uint16_t port);
void vuart_write(struct vuart *u, uint16_t port, uint8_t value);
/* The guest's CPU: end the line being written (the guest stops or restarts). */
void vuart_flush(struct vuart *u);
/* The guest's CPU: queue a VMM line about the guest (len < CONRING_LINE_MAX
 * bytes ending in '\n'), behind the guest's own output; it may use the
 * room guest lines leave free. 0, -ENOSPC (not queued: print it directly)
 * or -EINVAL. */
int vuart_log(struct vuart *u, const char *line, size_t len);
/* The guest's CPU: back to the power-on state for a restart, the receive
 * FIFO emptied; the stream already queued stays, to be printed first. */
void vuart_reset(struct vuart *u);
/* Any CPU: the UART's interrupt output now (ISA IRQ 4 on a PC): an enabled
 * interrupt is pending, and MCR's OUT2 gates it onto the line, as on a
 * PC. Loopback (MCR bit 4) is not emulated. */
bool vuart_irq_line(const struct vuart *u);

/* The VMM's CPU: one received byte into the FIFO; false when it was full
 * (the byte is dropped, counted, and the guest sees an overrun in LSR). */
bool vuart_rx_put(struct vuart *u, uint8_t c);
/* The VMM's CPU: count n bytes for this UART lost before they reached it. */
void vuart_rx_count_lost(struct vuart *u, uint64_t n);
/* Any CPU: received bytes dropped so far. */
uint64_t vuart_rx_dropped(const struct vuart *u);

/* Wake the CPU that prints the guests' consoles (vmm/vm_console.c). */
void vuart_wake_console(void);

#endif
