/* SPDX-License-Identifier: MIT */
/*
 * console-echo: the guest end of an interactive console. It writes a
 * prompt without a newline and reads its UART by polling LSR's data-ready
 * bit (guest interrupts are not wired yet). Every byte it receives is
 * echoed as it came, escape sequences and control bytes too, so that the
 * VMM's console filter meets them; except that CR or LF ends the line,
 * which it then reports as "got <n>: <bytes>" (bytes outside printable
 * ASCII, and '\', written \xHH; " [overrun]" when LSR said input was
 * lost), and DEL erases the last byte (echoed as BS SP BS). It never ends
 * and prints no verdict: the boot test t_console_input.py types to it
 * (docs/guests.md).
 */
#include <stdbool.h>
#include "guest.h"

#define UART_RBR 0x3f8
#define UART_LSR 0x3fd
#define LSR_DR 0x01
#define LSR_OE 0x02
#define ECHO_LINE_MAX 120
#define IDLE_SPIN 1000000ull /* between looks at an empty UART: about a millisecond under TCG */

static char line[ECHO_LINE_MAX];
static unsigned len;
static bool overrun, after_cr;

static void prompt(void)
{
	con_write("echo> ", 6);
	con_flush();
}

static void report(void)
{
	char out[4 * ECHO_LINE_MAX + 1];
	size_t n = 0;

	for (unsigned i = 0; i < len; i++) {
		uint8_t c = (uint8_t)line[i];

		if (c >= 0x20 && c <= 0x7e && c != '\\')
			out[n++] = (char)c;
		else
			n += (size_t)snprintf(out + n, 5, "\\x%02x", c);
	}
	out[n] = '\0';
	con_putc('\n'); /* ends the echoed line */
	printf("got %u: %s%s\n", len, out, overrun ? " [overrun]" : "");
	len = 0;
	overrun = false;
	prompt();
}

static void echo(const char *s, size_t n)
{
	con_write(s, n);
	con_flush();
}

static void receive(uint8_t c)
{
	bool lf_after_cr = c == '\n' && after_cr;

	after_cr = c == '\r';
	if (lf_after_cr)
		return; /* CR LF: one line end */
	if (c == '\r' || c == '\n') {
		report();
	} else if (c == 0x7f) {
		if (len) {
			len--;
			echo("\b \b", 3);
		}
	} else {
		if (len < ECHO_LINE_MAX)
			line[len++] = (char)c;
		echo((const char *)&c, 1);
	}
}

int guest_main(const struct hvm_start_info *si)
{
	(void)si;
	printf("console-echo: echoes what it receives, reports each line as \"got <n>: <bytes>\"\n");
	prompt();
	for (;;) {
		uint8_t lsr = inb(UART_LSR);

		overrun |= lsr & LSR_OE;
		if (lsr & LSR_DR)
			receive(inb(UART_RBR));
		else
			delay_spin(IDLE_SPIN);
	}
}
