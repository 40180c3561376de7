/* SPDX-License-Identifier: MIT */
#include <string.h>
#include "kernel/console.h"
#include "kernel/spinlock.h"
#include "arch/x86/apic.h"
#include "drivers/uart.h"

#define CONSOLE_LINE_MAX 256

static struct spinlock console_lock;

/*
 * Who left the console's last line open (its cursor mid-line), under the
 * lock: nobody, the VMM (text without its '\n'), or an owner >= 0 with
 * open_len characters after its prefix. Anyone else ends that line first.
 */
#define OPEN_NONE (-1)
#define OPEN_VMM (-2)
static int open_owner = OPEN_NONE;
static size_t open_len;

/*
 * The UART the console writes to: COM1 from the first line, when it
 * answers, until console_use() names the one the firmware describes. What
 * is written before that is also kept (up to EARLY_MAX bytes), so a
 * console elsewhere still shows the boot's first lines.
 */
#define EARLY_MAX 2048
static struct uart con_uart = UART_LEGACY_COM1;
static bool con_on, con_chosen;
static int con_irq = -1;
static char early[EARLY_MAX];
static size_t early_len;

void console_init(void)
{
	con_on = uart_present(&con_uart);
	con_irq = 4;
	if (con_on)
		uart_init(&con_uart);
}

static void console_put_raw(const char *s, size_t len)
{
	for (size_t i = 0; con_on && i < len; i++) {
		if (s[i] == '\n')
			uart_putc(&con_uart, '\r');
		uart_putc(&con_uart, s[i]);
	}
}

static void console_put(const char *s, size_t len)
{
	for (size_t i = 0; !con_chosen && i < len && early_len < EARLY_MAX; i++)
		early[early_len++] = s[i];
	console_put_raw(s, len);
}

void console_use(const struct uart *u, int isa_irq)
{
	bool replay = !con_on || !uart_overlaps(&con_uart, u);

	spin_lock(&console_lock);
	con_uart = *u;
	con_irq = isa_irq;
	con_on = con_chosen = true;
	uart_init(&con_uart);
	if (replay)
		console_put_raw(early, early_len);
	spin_unlock(&console_lock);
}

const struct uart *console_uart(void)
{
	return &con_uart;
}

int console_input_irq(void)
{
	return con_irq;
}

/* The open line becomes owner's: a fresh one behind its prefix unless it was. */
static void console_claim(int owner, const char *prefix)
{
	if (open_owner == owner)
		return;
	if (open_owner != OPEN_NONE)
		console_put("\n", 1);
	console_put(prefix, strlen(prefix));
	open_owner = owner;
	open_len = 0;
}

/* Write bytes as they are; callers hold no lock (one call is atomic). */
void console_write(const char *s, size_t len)
{
	if (!len)
		return;
	spin_lock(&console_lock);
	if (open_owner >= 0)
		console_put("\n", 1);
	console_put(s, len);
	open_owner = s[len - 1] == '\n' ? OPEN_NONE : OPEN_VMM;
	spin_unlock(&console_lock);
}

void console_line_text(int owner, const char *prefix, const char *s, size_t len)
{
	spin_lock(&console_lock);
	console_claim(owner, prefix);
	console_put(s, len);
	open_len += len;
	spin_unlock(&console_lock);
}

void console_line_erase(int owner, size_t n)
{
	spin_lock(&console_lock);
	for (; open_owner == owner && n && open_len; n--, open_len--)
		console_put("\b \b", 3);
	spin_unlock(&console_lock);
}

bool console_line_end(int owner)
{
	bool open;

	spin_lock(&console_lock);
	open = open_owner == owner;
	if (open) {
		console_put("\n", 1);
		open_owner = OPEN_NONE;
	}
	spin_unlock(&console_lock);
	return open;
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

/*
 * The console UART's receive side. Its FIFO holds 16 bytes (1.4 ms at 115200 baud),
 * and the VMM's CPU may print for up to a tick: the receive interrupt
 * moves the bytes into this ring at once. The handler and console_read()
 * (interrupts off, on the same CPU) are its only users. Bytes that find it
 * full are still read, so the interrupt line drops, and counted (rx_lost).
 */
#define CONSOLE_RX_RING 1024
static uint8_t rx_ring[CONSOLE_RX_RING];
static volatile uint32_t rx_head, rx_tail; /* free-running */
static volatile uint64_t rx_lost;

static void console_rx_pump(void)
{
	uint8_t c;

	/* Bounded: a UART that never runs dry cannot hold this CPU. */
	for (unsigned n = 0; con_on && n < CONSOLE_RX_RING && uart_getc(&con_uart, &c); n++) {
		if (rx_head - rx_tail < CONSOLE_RX_RING)
			rx_ring[rx_head++ % CONSOLE_RX_RING] = c;
		else
			rx_lost++;
	}
}

void console_rx_enable(void)
{
	if (con_on)
		uart_enable_rx_irq(&con_uart);
}

void console_rx_irq(void)
{
	console_rx_pump();
	apic_eoi();
}

size_t console_read(uint8_t *buf, size_t cap, uint64_t *lost)
{
	size_t n = 0;

	if (rx_tail == rx_head)
		console_rx_pump(); /* what came without an interrupt edge */
	for (; n < cap && rx_tail != rx_head; n++)
		buf[n] = rx_ring[rx_tail++ % CONSOLE_RX_RING];
	*lost = rx_lost;
	return n;
}
