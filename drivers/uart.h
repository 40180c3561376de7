/* SPDX-License-Identifier: MIT */
/* A polled 16550 UART owned by the VMM (the console on COM1). */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stdint.h>

#define UART_COM1 0x3f8
#define UART_COM2 0x2f8

void uart_init(uint16_t base);
void uart_putc(uint16_t base, char c);
/* Is a 16550 there (its scratch register keeps what is written)? */
int uart_present(uint16_t base);
/* Read one received byte if there is one: 1 and *c, else 0. */
int uart_getc(uint16_t base, uint8_t *c);
/* Interrupt on received data (and the receive timeout), with OUT2 set so
 * the line reaches the interrupt controller. */
void uart_enable_rx_irq(uint16_t base);

#endif
