/* SPDX-License-Identifier: MIT */
/*
 * A polled 16550 owned by the VMM (its console, the management channel),
 * reached through I/O ports or memory-mapped registers. Every wait is
 * bounded: a missing or wedged UART slows the VMM down, never stops it.
 */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stdbool.h>
#include <stdint.h>

#define UART_COM1 0x3f8
#define UART_COM2 0x2f8
#define UART_REGS 8		/* registers of a 16550, one stride apart */
#define UART_BASE_CLOCK 1843200 /* the PC's UART clock: 115200 baud at divisor 1 */

struct uart {
	bool mmio;		/* registers in memory, else I/O ports */
	uint8_t shift;		/* register n at base + (n << shift): 0 or 2 */
	uint8_t width;		/* memory accesses of 1 or 4 bytes (ports: 1) */
	uint16_t divisor;	/* baud divisor uart_init() sets; 0 keeps the firmware's */
	uint64_t base;		/* the port, or the registers' physical address */
	volatile uint8_t *regs; /* memory: where uart_map() mapped them */
};

/* The legacy COM1 as the console at 115200 baud. */
#define UART_LEGACY_COM1 ((struct uart){ .base = UART_COM1, .width = 1, .divisor = 1 })

/* Memory registers are mapped uncached (kernel/vmspace.c); ports need nothing. */
int uart_map(struct uart *u) __attribute__((warn_unused_result));
/* 8N1, FIFOs on, no interrupts, the divisor unless it is 0. */
void uart_init(const struct uart *u);
void uart_putc(const struct uart *u, char c);
/* Is a 16550 there (its scratch register keeps what is written)? */
bool uart_present(const struct uart *u);
/* Read one received byte if there is one: 1 and *c, else 0. */
int uart_getc(const struct uart *u, uint8_t *c);
/* Interrupt on received data (and the receive timeout), with OUT2 set so
 * the line reaches the interrupt controller. */
void uart_enable_rx_irq(const struct uart *u);
/* Do their registers overlap (same space, port or physical address)? */
bool uart_overlaps(const struct uart *a, const struct uart *b);
/* Divisor for baud from a clock (0: the PC's), or 0 when none fits. */
static inline uint16_t uart_divisor(uint32_t clock, uint32_t baud)
{
	uint64_t d = baud ? (uint64_t)(clock ? clock : UART_BASE_CLOCK) / (16ull * baud) : 0;

	return d >= 1 && d <= 0xffff ? (uint16_t)d : 0;
}

#endif
