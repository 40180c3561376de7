/* SPDX-License-Identifier: MIT */
#include "drivers/uart.h"
#include "arch/x86/cpu.h"

#define UART_THR 0
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_DLL 0
#define UART_DLM 1
#define LSR_THRE 0x20
#define LSR_DR 0x01
#define IER_RX 0x01
#define MCR_OUT2 0x08
#define LCR_DLAB 0x80

void uart_init(uint16_t base)
{
	cpu_outb(base + UART_IER, 0);	     /* polled: no interrupts */
	cpu_outb(base + UART_LCR, LCR_DLAB);
	cpu_outb(base + UART_DLL, 1);	     /* 115200 baud */
	cpu_outb(base + UART_DLM, 0);
	cpu_outb(base + UART_LCR, 0x03);     /* 8N1 */
	cpu_outb(base + UART_FCR, 0x07);     /* FIFO on, cleared */
	cpu_outb(base + UART_MCR, 0x03);     /* DTR, RTS */
}

void uart_putc(uint16_t base, char c)
{
	/* Bounded wait: a missing UART must not hang the VMM. */
	for (unsigned i = 0; i < 100000 && !(cpu_inb(base + UART_LSR) & LSR_THRE); i++)
		cpu_pause();
	cpu_outb(base + UART_THR, (uint8_t)c);
}

#define UART_SCR 7

int uart_present(uint16_t base)
{
	cpu_outb(base + UART_SCR, 0x5a);
	if (cpu_inb(base + UART_SCR) != 0x5a)
		return 0;
	cpu_outb(base + UART_SCR, 0xa5);
	return cpu_inb(base + UART_SCR) == 0xa5;
}

int uart_getc(uint16_t base, uint8_t *c)
{
	if (!(cpu_inb(base + UART_LSR) & LSR_DR))
		return 0;
	*c = cpu_inb(base + UART_THR);
	return 1;
}

void uart_enable_rx_irq(uint16_t base)
{
	cpu_outb(base + UART_MCR, 0x03 | MCR_OUT2);
	cpu_outb(base + UART_IER, IER_RX);
}
