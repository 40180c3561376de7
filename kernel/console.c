/* SPDX-License-Identifier: MIT */
#include "kernel/console.h"
#include "kernel/spinlock.h"
#include "drivers/uart.h"

#define CONSOLE_LINE_MAX 256

static struct spinlock console_lock;

void console_init(void)
{
	uart_init(UART_COM1);
}

/* Write bytes as they are; callers hold no lock (one call is atomic). */
void console_write(const char *s, size_t len)
{
	spin_lock(&console_lock);
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n')
			uart_putc(UART_COM1, '\r');
		uart_putc(UART_COM1, s[i]);
	}
	spin_unlock(&console_lock);
}

void printk(const char *fmt, ...)
{
	char line[CONSOLE_LINE_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintk(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	console_write(line, (size_t)n);
}
