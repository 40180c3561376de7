/* SPDX-License-Identifier: MIT */
/* A polled 16550 UART owned by the VMM (the console on COM1). */
#ifndef DRIVERS_UART_H
#define DRIVERS_UART_H

#include <stdint.h>

#define UART_COM1 0x3f8
#define UART_COM2 0x2f8

void uart_init(uint16_t base);
void uart_putc(uint16_t base, char c);

#endif
