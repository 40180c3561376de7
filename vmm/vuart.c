/* SPDX-License-Identifier: MIT */
/*
 * Guest console bytes are untrusted. Whatever a guest writes, the stream
 * it leaves in its console ring holds printable ASCII, tab, line ends and
 * the two erase codes, and nothing else: the VMM's CPU then prints every
 * piece of a line behind "[<guest>] " and lets an erasure reach only the
 * guest's own characters, so a guest can neither start a line of its own,
 * forge a "vigil:" line, nor drive the operator's terminal.
 */
#include <errno.h>
#include "vmm/vuart.h"

#define REG_DATA 0
#define REG_IER 1
#define REG_IIR 2 /* FCR when written */
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7
#define LCR_DLAB 0x80
#define IER_RDA 0x01  /* received data available */
#define IER_THRE 0x02 /* transmitter holding register empty */
#define IER_RLS 0x04  /* receiver line status */
#define IIR_NONE 0x01
#define IIR_THRE 0x02
#define IIR_RDA 0x04
#define IIR_RLS 0x06
#define IIR_FIFO 0xc0
#define FCR_FIFO 0x01
#define FCR_CLEAR_RX 0x02
#define LSR_DR 0x01
#define LSR_OE 0x02
#define LSR_IDLE 0x60 /* THR empty, transmitter empty: output never waits */
#define MCR_OUT2 0x08
#define MSR_READY 0xb0 /* DCD, DSR, CTS: the modem lines never change */

/* ---- output: the console stream ---- */

/* Wake the VMM's CPU at the end of a line it waits for (it took all
 * before it), and, for the guest with the console focus, whose unfinished
 * line it prints within milliseconds, whenever it took everything. */
static void vuart_push(struct vuart *u, const char *s, size_t len)
{
	uint32_t taken = conring_tail(&u->out);
	bool wake = (s[len - 1] == '\n' && (int32_t)(taken - u->line_start) >= 0) ||
		    (__atomic_load_n(&u->focus, __ATOMIC_RELAXED) && taken == u->out.head);

	conring_push(&u->out, s, len);
	if (wake)
		vuart_wake_console();
}

/* A byte of the current line. Its first byte decides: the line goes in
 * whole (room for its longest form) or is dropped whole and counted. */
static void vuart_emit(struct vuart *u, char c)
{
	if (!u->sent) {
		u->dropping = conring_room(&u->out) < VUART_LINE_BYTES + CONRING_RESERVE;
		if (u->dropping)
			conring_count_drop(&u->out);
		u->line_start = u->out.head;
	}
	u->sent++;
	if (!u->dropping)
		vuart_push(u, &c, 1);
}

static void vuart_end_line(struct vuart *u, bool wrapped)
{
	vuart_emit(u, '\n');
	u->col = u->sent = 0;
	u->wrapped = wrapped;
}

/* A full line (in characters, or in stream bytes after many erasures) wraps. */
static void vuart_check_full(struct vuart *u)
{
	if (u->col == VUART_LINE_MAX || u->sent == VUART_LINE_BYTES - 1)
		vuart_end_line(u, true);
}

static void vuart_text(struct vuart *u, char c)
{
	vuart_emit(u, c);
	u->col++;
	u->wrapped = false;
	vuart_check_full(u);
}

/* Only characters of this line can be erased. */
static void vuart_erase(struct vuart *u, char code)
{
	if (!u->col)
		return;
	vuart_emit(u, code);
	u->col = code == VUART_RETURN ? 0 : u->col - 1;
	vuart_check_full(u);
}

/*
 * Escape sequences are dropped whole: ESC and a final byte, ESC and
 * intermediates and a final, CSI (ESC [ parameters final), and the string
 * sequences OSC, DCS, SOS, PM and APC (ESC ] P X ^ _, up to BEL or ESC \).
 * A byte that cannot continue a sequence ends it and counts as itself, so
 * a line end always ends the line; so does a sequence longer than ESC_MAX.
 */
enum { ESC_NONE, ESC_START, ESC_INTER, ESC_CSI, ESC_STRING };
#define ESC_MAX 128

static bool vuart_escape(struct vuart *u, uint8_t c)
{
	uint8_t s = u->esc;

	u->esc = ESC_NONE;
	if (s == ESC_NONE || c == '\n' || ++u->esc_len > ESC_MAX)
		return false;
	if (c == 0x1b)
		u->esc = ESC_START;
	else if (s == ESC_STRING)
		u->esc = c == 0x07 ? ESC_NONE : ESC_STRING;
	else if (s == ESC_START && c == '[')
		u->esc = ESC_CSI;
	else if (s == ESC_START && (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_'))
		u->esc = ESC_STRING;
	else if (c >= 0x20 && c <= 0x2f)
		u->esc = s == ESC_CSI ? ESC_CSI : ESC_INTER;
	else if (s == ESC_CSI && c >= 0x30 && c <= 0x3f)
		u->esc = ESC_CSI;
	else if (c < 0x30 || c > 0x7e)
		return false; /* not a final byte: the sequence ends before it */
	return true;
}

static void vuart_putc(struct vuart *u, uint8_t c)
{
	if (vuart_escape(u, c))
		return;
	if (c == '\n') {
		/* A newline right after a full line ends that line: no empty one. */
		if (!u->wrapped)
			vuart_end_line(u, false);
		u->wrapped = u->cr = false;
		return;
	}
	if (c == '\r') {
		u->cr = true; /* CR LF is a line end; CR before anything else, a return */
		return;
	}
	if (c < 0x20 && c != '\t' && c != '\b' && c != 0x1b)
		return; /* other control bytes: dropped */
	if (u->cr)
		vuart_erase(u, VUART_RETURN);
	u->cr = false;
	if (c == 0x1b) {
		u->esc = ESC_START;
		u->esc_len = 0;
	} else if (c == '\b' || c == 0x7f) {
		vuart_erase(u, VUART_ERASE);
	} else {
		vuart_text(u, c < 0x80 ? (char)c : '.');
	}
}

void vuart_flush(struct vuart *u)
{
	u->esc = ESC_NONE;
	u->cr = false;
	if (u->sent)
		vuart_end_line(u, false);
}

int vuart_log(struct vuart *u, const char *line, size_t len)
{
	char entry[CONRING_LINE_MAX];

	if (!len || len >= CONRING_LINE_MAX || line[len - 1] != '\n')
		return -EINVAL; /* with its code, a ring line at most */
	vuart_flush(u);
	if (conring_room(&u->out) < len + 1)
		return -ENOSPC;
	entry[0] = VUART_VMM_LINE;
	for (size_t i = 0; i < len; i++)
		entry[i + 1] = line[i];
	u->line_start = u->out.head;
	vuart_push(u, entry, len + 1); /* one push: never seen without its end */
	return 0;
}

/* ---- input: the receive FIFO ---- */

bool vuart_rx_put(struct vuart *u, uint8_t c)
{
	uint32_t head = u->rx.head;

	if (head - __atomic_load_n(&u->rx.tail, __ATOMIC_ACQUIRE) >= VUART_RX_SIZE) {
		vuart_rx_count_lost(u, 1);
		return false;
	}
	u->rx.buf[head % VUART_RX_SIZE] = c;
	__atomic_store_n(&u->rx.head, head + 1, __ATOMIC_RELEASE);
	return true;
}

void vuart_rx_count_lost(struct vuart *u, uint64_t n)
{
	__atomic_store_n(&u->rx.dropped, u->rx.dropped + n, __ATOMIC_RELAXED);
}

uint64_t vuart_rx_dropped(const struct vuart *u)
{
	return __atomic_load_n(&u->rx.dropped, __ATOMIC_RELAXED);
}

static bool vuart_rx_ready(const struct vuart *u)
{
	return __atomic_load_n(&u->rx.head, __ATOMIC_ACQUIRE) != u->rx.tail;
}

static uint8_t vuart_rx_get(struct vuart *u)
{
	uint32_t tail = u->rx.tail;
	uint8_t c;

	if (!vuart_rx_ready(u))
		return 0;
	c = u->rx.buf[tail % VUART_RX_SIZE];
	__atomic_store_n(&u->rx.tail, tail + 1, __ATOMIC_RELEASE);
	return c;
}

static void vuart_rx_clear(struct vuart *u)
{
	__atomic_store_n(&u->rx.tail, __atomic_load_n(&u->rx.head, __ATOMIC_ACQUIRE), __ATOMIC_RELEASE);
}

/* ---- registers ---- */

/* The interrupt identification, highest priority first: an overrun (the
 * only line-status event), received data, THR empty. No modem-status
 * events: the modem lines never change. */
static uint8_t vuart_pending(const struct vuart *u)
{
	if ((u->ier & IER_RLS) && vuart_rx_dropped(u) != u->overrun_seen)
		return IIR_RLS;
	if ((u->ier & IER_RDA) && vuart_rx_ready(u))
		return IIR_RDA;
	if ((u->ier & IER_THRE) && u->thre_irq)
		return IIR_THRE;
	return IIR_NONE;
}

bool vuart_irq_line(const struct vuart *u)
{
	return (u->mcr & MCR_OUT2) && vuart_pending(u) != IIR_NONE;
}

/* Reading IIR clears a THR-empty interrupt it reports. */
static uint8_t vuart_read_iir(struct vuart *u)
{
	uint8_t id = vuart_pending(u);

	if (id == IIR_THRE)
		u->thre_irq = false;
	return id | (u->fifo ? IIR_FIFO : 0);
}

/* Reading LSR clears the overrun it reports. */
static uint8_t vuart_read_lsr(struct vuart *u)
{
	uint64_t dropped = vuart_rx_dropped(u);
	uint8_t lsr = LSR_IDLE | (vuart_rx_ready(u) ? LSR_DR : 0) | (dropped != u->overrun_seen ? LSR_OE : 0);

	u->overrun_seen = dropped;
	return lsr;
}

uint32_t vuart_read(struct vuart *u, uint16_t port)
{
	switch (port - VUART_BASE) {
	case REG_DATA:
		return (u->lcr & LCR_DLAB) ? u->dll : vuart_rx_get(u);
	case REG_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case REG_IIR:
		return vuart_read_iir(u);
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		return vuart_read_lsr(u);
	case REG_MSR:
		return MSR_READY;
	default:
		return u->scr;
	}
}

/* THR empties at once (the byte is queued), so writing it leaves the
 * THR-empty interrupt pending; enabling that interrupt raises it. */
static void vuart_write_data(struct vuart *u, uint8_t value)
{
	u->thre_irq = true;
	vuart_putc(u, value);
}

static void vuart_write_fcr(struct vuart *u, uint8_t value)
{
	bool fifo = value & FCR_FIFO;

	if ((value & FCR_CLEAR_RX) || fifo != u->fifo)
		vuart_rx_clear(u);
	u->fifo = fifo;
}

void vuart_write(struct vuart *u, uint16_t port, uint8_t value)
{
	bool dlab = u->lcr & LCR_DLAB;

	switch (port - VUART_BASE) {
	case REG_DATA:
		if (dlab)
			u->dll = value;
		else
			vuart_write_data(u, value);
		break;
	case REG_IER:
		if (dlab) {
			u->dlm = value;
			break;
		}
		if (value & ~u->ier & IER_THRE)
			u->thre_irq = true;
		u->ier = value & 0x0f;
		break;
	case REG_IIR:
		vuart_write_fcr(u, value);
		break;
	case REG_LCR:
		u->lcr = value;
		break;
	case REG_MCR:
		u->mcr = value & 0x1f;
		break;
	case REG_SCR:
		u->scr = value;
		break;
	default:
		break; /* LSR and MSR are read-only */
	}
}

void vuart_reset(struct vuart *u)
{
	u->ier = u->lcr = u->mcr = u->scr = u->dll = u->dlm = 0;
	u->fifo = u->thre_irq = false;
	u->col = u->sent = 0;
	u->dropping = u->wrapped = u->cr = false;
	u->esc = ESC_NONE;
	vuart_rx_clear(u);
	u->overrun_seen = vuart_rx_dropped(u);
}
