/* SPDX-License-Identifier: MIT */
/*
 * The VMM console: COM1, or the UART the firmware's SPCR table describes
 * (kernel/console_select.c). printk() writes whole lines atomically with
 * respect to other CPUs. Formats: %s %c %d %u %x %lx %lu %ld %p %%, with
 * optional zero padding and width (%08x), and %.*s.
 */
#ifndef KERNEL_CONSOLE_H
#define KERNEL_CONSOLE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct uart;

/* COM1 when it answers; what is written is kept until console_use(). */
void console_init(void);
/* From now on the console is u (mapped; set up here), its input on ISA
 * irq (-1: polled); the kept lines are written to it unless it is COM1. */
void console_use(const struct uart *u, int isa_irq);
const struct uart *console_uart(void);
/* The console input's ISA interrupt, or -1 when it is polled. */
int console_input_irq(void);
/* The SPCR's console if it can be used, else COM1; says which (console_select.c). */
void console_select(void);
/* Can the VMM drive u: ports below 0x10000, registers outside RAM, mapped, a
 * 16550 answering? 0, or a negative errno and *why. */
int uart_usable(struct uart *u, const char **why) __attribute__((warn_unused_result));
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The VMM's own text, as it is; an open line of an owner (below) is ended first. */
void console_write(const char *s, size_t len);

/*
 * Lines left open: an owner (>= 0: a guest) may leave its line unfinished
 * on the console and continue it later. Text goes behind the owner's
 * prefix; when the console's open line is another's, that line is ended
 * first and a fresh one begins with the prefix. Erasing reaches only the
 * characters the owner wrote behind its prefix on the open line, never
 * the prefix or anything before it. Ending returns whether the owner's
 * line was open (else nothing is written).
 */
void console_line_text(int owner, const char *prefix, const char *s, size_t len);
void console_line_erase(int owner, size_t n);
bool console_line_end(int owner);

/*
 * Input on the console UART: enable its receive interrupt (the caller routes it to
 * this CPU with console_rx_irq as its handler), which moves the bytes into
 * a 1 KiB ring; console_read() takes up to cap of them, interrupts off,
 * and says how many bytes found the ring full since boot (*lost).
 */
void console_rx_enable(void);
void console_rx_irq(void);
size_t console_read(uint8_t *buf, size_t cap, uint64_t *lost);

int vsnprintk(char *buf, size_t size, const char *fmt, va_list ap);
int snprintk(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Untrusted text (names and strings from a channel frame or a bundle) for
 * the console, the audit log or a reply: copies in, up to its NUL, into
 * out[0..size) with printable ASCII (0x20..0x7e) as it is and every other
 * byte as the four characters \xHH, so no line break, escape sequence or
 * non-ASCII byte gets through. Truncates only between whole escapes and
 * always terminates (size >= 1); out and in must not overlap. Returns the
 * length written. Its output is its own escape, so text may pass through
 * it at every layer without changing again.
 */
size_t str_escape(char *out, size_t size, const char *in);

#endif
