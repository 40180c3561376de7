/* SPDX-License-Identifier: MIT */
/*
 * Guest console lines go to the VMM console as "[<guest>] <line>", through
 * the guest's console ring. Guest bytes are untrusted: control characters
 * and non-ASCII are replaced, so a guest cannot start a line of its own,
 * forge a "vigil:" line, or send escape sequences to the operator's
 * terminal.
 */
#include "vmm/vuart.h"
#include "kernel/console.h"

#define REG_DATA 0
#define REG_IER 1
#define REG_IIR 2
#define REG_LCR 3
#define REG_MCR 4
#define REG_LSR 5
#define REG_MSR 6
#define REG_SCR 7
#define LCR_DLAB 0x80
#define LSR_IDLE 0x60 /* THR empty, transmitter empty */
#define MSR_READY 0xb0

/* A full ring drops the line (conring counts it): the guest never waits.
 * The first line after the VMM's CPU caught up wakes it, so a burst is
 * printed while it comes rather than at the next timer tick. */
static void vuart_queue(struct vuart *u, const char *name, const char *text, unsigned len)
{
	char line[CONRING_LINE_MAX];
	int n = snprintk(line, sizeof(line), "[%s] %.*s\n", name, (int)len, text);
	bool idle = conring_empty(&u->out);

	if (n >= (int)sizeof(line)) { /* a name longer than any config allows */
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	if (!conring_put(&u->out, line, (size_t)n, false) && idle)
		vuart_wake_console();
}

void vuart_flush(struct vuart *u, const char *name)
{
	if (!u->len)
		return;
	vuart_queue(u, name, u->line, u->len);
	u->len = 0;
}

void vuart_reset(struct vuart *u)
{
	u->ier = u->lcr = u->mcr = u->scr = u->dll = u->dlm = 0;
	u->len = 0;
	u->wrapped = false;
}

static void vuart_putc(struct vuart *u, const char *name, uint8_t c)
{
	if (c == '\n') {
		/* A newline right after a full line ends that line: no empty one. */
		if (u->len)
			vuart_flush(u, name);
		else if (!u->wrapped)
			vuart_queue(u, name, "", 0);
		u->wrapped = false;
		return;
	}
	if (c == '\r')
		return;
	if (c != '\t' && (c < 0x20 || c > 0x7e))
		c = '.';
	u->line[u->len++] = (char)c;
	u->wrapped = false;
	if (u->len == VUART_LINE_MAX) {
		vuart_flush(u, name);
		u->wrapped = true;
	}
}

uint32_t vuart_read(struct vuart *u, uint16_t port)
{
	switch (port - VUART_BASE) {
	case REG_DATA:
		return (u->lcr & LCR_DLAB) ? u->dll : 0;
	case REG_IER:
		return (u->lcr & LCR_DLAB) ? u->dlm : u->ier;
	case REG_IIR:
		return 0x01; /* no interrupt pending */
	case REG_LCR:
		return u->lcr;
	case REG_MCR:
		return u->mcr;
	case REG_LSR:
		return LSR_IDLE;
	case REG_MSR:
		return MSR_READY;
	default:
		return u->scr;
	}
}

void vuart_write(struct vuart *u, const char *name, uint16_t port, uint8_t value)
{
	switch (port - VUART_BASE) {
	case REG_DATA:
		if (u->lcr & LCR_DLAB)
			u->dll = value;
		else
			vuart_putc(u, name, value);
		break;
	case REG_IER:
		if (u->lcr & LCR_DLAB)
			u->dlm = value;
		else
			u->ier = value & 0x0f;
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
		break; /* FCR and read-only registers */
	}
}

/* No interrupt source is implemented yet: IIR always reads "none". */
bool vuart_irq_line(const struct vuart *u)
{
	(void)u;
	return false;
}
