/* SPDX-License-Identifier: MIT */
/*
 * Console: the 16550 UART at 0x3f8, used only through THR (write) and LSR
 * (read). The console never programs the UART: Vigil's emulated 16550 and
 * QEMU's need no setup, and touching fewer registers keeps the surface a
 * VMM has to emulate small. Output is collected into whole lines so a line
 * reaches the VMM (which prefixes it with the guest's name) in one burst.
 * Apart from the console, the UART is the one interrupt source a guest
 * can drive (uart_thre_irq(): IER, MCR and IIR), for the interrupt tests.
 */
#include "guest.h"

#define UART_BASE 0x3f8
#define UART_THR (UART_BASE + 0)
#define UART_IER (UART_BASE + 1)
#define UART_IIR (UART_BASE + 2)
#define UART_MCR (UART_BASE + 4)
#define UART_LSR (UART_BASE + 5)
#define IER_THRE 0x02 /* interrupt when the transmit holding register is empty */
#define MCR_OUT2 0x08 /* a PC routes the UART's interrupt to its IRQ line only with OUT2 */
#define LSR_THRE 0x20 /* transmit holding register empty */
/* A UART that never reports THRE must not hang the guest forever. */
#define LSR_POLL_MAX 100000
#define CON_LINE_MAX 160

static char con_line[CON_LINE_MAX];
static size_t con_len;
static int con_mid_line; /* a partial line already went out */

static void uart_putc(char c)
{
	for (int i = 0; i < LSR_POLL_MAX; i++)
		if (inb(UART_LSR) & LSR_THRE)
			break;
	outb(UART_THR, (uint8_t)c);
}

void con_flush(void)
{
	for (size_t i = 0; i < con_len; i++)
		uart_putc(con_line[i]);
	if (con_len)
		con_mid_line = con_line[con_len - 1] != '\n';
	con_len = 0;
}

void con_line_start(void)
{
	if (con_len || con_mid_line)
		con_putc('\n');
}

/* Lines end in "\n" alone: "\r" would end up in every harness log. */
void con_putc(char c)
{
	con_line[con_len++] = c;
	if (c == '\n' || con_len == CON_LINE_MAX)
		con_flush();
}

void con_write(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		con_putc(s[i]);
}

void uart_thre_irq(int on)
{
	outb(UART_MCR, on ? MCR_OUT2 : 0);
	outb(UART_IER, on ? IER_THRE : 0);
}

uint8_t uart_iir(void)
{
	return inb(UART_IIR);
}
