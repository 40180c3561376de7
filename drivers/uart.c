/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include "drivers/uart.h"
#include "arch/x86/cpu.h"
#include "kernel/mm.h"

#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_SCR 7
#define UART_DLL 0
#define UART_DLM 1
#define LSR_THRE 0x20
#define LSR_DR 0x01
#define IER_RX 0x01
#define MCR_OUT2 0x08
#define LCR_DLAB 0x80
#define LCR_8N1 0x03
#define THRE_SPINS 100000 /* about 0.1 s on a port that does not answer */

static uint8_t uart_in(const struct uart *u, unsigned reg)
{
	if (!u->mmio)
		return cpu_inb((uint16_t)(u->base + reg));
	if (u->width == 4)
		return (uint8_t)*(volatile uint32_t *)(u->regs + (reg << u->shift));
	return u->regs[reg << u->shift];
}

static void uart_out(const struct uart *u, unsigned reg, uint8_t v)
{
	if (!u->mmio)
		cpu_outb((uint16_t)(u->base + reg), v);
	else if (u->width == 4)
		*(volatile uint32_t *)(u->regs + (reg << u->shift)) = v;
	else
		u->regs[reg << u->shift] = v;
}

int uart_map(struct uart *u)
{
	if (!u->mmio)
		return 0;
	u->regs = mm_map_mmio(u->base, (size_t)UART_REGS << u->shift);
	return u->regs ? 0 : -ENOMEM;
}

void uart_init(const struct uart *u)
{
	uart_out(u, UART_IER, 0); /* polled: no interrupts */
	if (u->divisor) {
		uart_out(u, UART_LCR, LCR_DLAB);
		uart_out(u, UART_DLL, (uint8_t)u->divisor);
		uart_out(u, UART_DLM, (uint8_t)(u->divisor >> 8));
	}
	uart_out(u, UART_LCR, LCR_8N1);
	uart_out(u, UART_FCR, 0x07); /* FIFO on, cleared */
	uart_out(u, UART_MCR, 0x03); /* DTR, RTS */
}

void uart_putc(const struct uart *u, char c)
{
	for (unsigned i = 0; i < THRE_SPINS && !(uart_in(u, UART_LSR) & LSR_THRE); i++)
		cpu_pause();
	uart_out(u, UART_THR, (uint8_t)c);
}

bool uart_present(const struct uart *u)
{
	uart_out(u, UART_SCR, 0x5a);
	if (uart_in(u, UART_SCR) != 0x5a)
		return false;
	uart_out(u, UART_SCR, 0xa5);
	return uart_in(u, UART_SCR) == 0xa5;
}

int uart_getc(const struct uart *u, uint8_t *c)
{
	if (!(uart_in(u, UART_LSR) & LSR_DR))
		return 0;
	*c = uart_in(u, UART_THR);
	return 1;
}

void uart_enable_rx_irq(const struct uart *u)
{
	uart_out(u, UART_MCR, 0x03 | MCR_OUT2);
	uart_out(u, UART_IER, IER_RX);
}

bool uart_overlaps(const struct uart *a, const struct uart *b)
{
	uint64_t a_end = a->base + ((uint64_t)UART_REGS << a->shift);
	uint64_t b_end = b->base + ((uint64_t)UART_REGS << b->shift);

	return a->mmio == b->mmio && a->base < b_end && b->base < a_end;
}
