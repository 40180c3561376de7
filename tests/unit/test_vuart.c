// SPDX-License-Identifier: MIT
/*
 * Unit tests of vmm/vuart.c, the guests' emulated 16550.
 *
 * Output: guest bytes are untrusted. Whatever a guest writes, the stream
 * it leaves in its console ring holds printable ASCII, tab, line ends and
 * the two erase codes (an erasure never reaching past the line's own
 * characters), lines are let in or dropped whole, and a guest never makes
 * a VMM line. The stream is read back from the ring as the VMM's CPU takes
 * it (tests/unit/test_vm_console.c follows it onto the terminal).
 *
 * Input and registers: the receive FIFO the VMM's CPU fills, LSR, IER/IIR
 * with a 16550's priorities and its THR-empty rules, FCR, and the
 * interrupt line.
 */
#define CHECK_SUITE "vuart"
#include "tests/unit/check.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include "vmm/vuart.h"

#define THR (VUART_BASE + 0)
#define RBR (VUART_BASE + 0)
#define IER (VUART_BASE + 1)
#define IIR (VUART_BASE + 2)
#define FCR (VUART_BASE + 2)
#define LCR (VUART_BASE + 3)
#define MCR (VUART_BASE + 4)
#define LSR (VUART_BASE + 5)
#define MSR (VUART_BASE + 6)
#define SCR (VUART_BASE + 7)

/* A vuart holds its 16 KiB ring: one static instance, reset per case. */
static struct vuart uart;

static struct vuart *fresh(void)
{
	memset(&uart, 0, sizeof(uart));
	return &uart;
}

static void put(struct vuart *u, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vuart_write(u, THR, (uint8_t)s[i]);
}

#define PUTS(u, lit) put(u, lit, sizeof(lit) - 1)

/* The VMM's CPU is woken (an IPI in the VMM): counted here. */
static unsigned wakes;

void vuart_wake_console(void)
{
	wakes++;
}

/* Everything queued, taken as the VMM's CPU takes it, with the codes
 * spelled <BS> <CR> <VMM> so a check reads like the stream. */
static char got[CONRING_SIZE * 5];
static unsigned got_lines;

static const char *take(struct vuart *u)
{
	char buf[CONRING_LINE_MAX];
	size_t n, len = 0;

	got_lines = 0;
	while ((n = conring_peek(&u->out, buf, sizeof(buf)))) {
		for (size_t i = 0; i < n; i++) {
			const char *s = buf[i] == VUART_ERASE ? "<BS>" : buf[i] == VUART_RETURN ? "<CR>"
								      : buf[i] == VUART_VMM_LINE ? "<VMM>" : NULL;
			if (s) {
				memcpy(got + len, s, strlen(s));
				len += strlen(s);
			} else {
				got[len++] = buf[i];
			}
			got_lines += buf[i] == '\n';
		}
		conring_consume(&u->out, n);
	}
	got[len] = '\0';
	return got;
}

#define CHECK_STREAM(u, want)                                                     \
	do {                                                                      \
		const char *s_ = take(u);                                         \
		if (!CHECK(!strcmp(s_, want)))                                    \
			printf("    got  \"%.300s\"\n    want \"%.300s\"\n", s_, want); \
	} while (0)

/* ---- output --------------------------------------------------------------- */

/* A prompt is in the ring as soon as it is written: the VMM's CPU decides
 * when to show it. */
static void text_goes_out_at_once(void)
{
	struct vuart *u = fresh();

	PUTS(u, "login: ");
	CHECK_STREAM(u, "login: ");
	PUTS(u, "root\n");
	CHECK_STREAM(u, "root\n");
	PUTS(u, "\n\n");
	CHECK_STREAM(u, "\n\n"); /* empty lines stay lines */
}

/* Tab is text; the other C0 controls are dropped; bytes above 0x7e
 * become '.'. */
static void controls_dropped_high_bytes_dotted(void)
{
	struct vuart *u = fresh();

	put(u, "a\0\a\v\f\x0e\x0f\x18\x1a\x1c\x1d\x1f" "b\tc\x80\x9b\xff" "d\n", 21);
	CHECK_STREAM(u, "ab\tc...d\n");
}

/* Each kind of escape sequence goes whole; the text around it stays. */
static void escape_sequences_dropped(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{ "a\x1b[2Jb\n", "ab\n" },			/* CSI: clear screen */
		{ "\x1b[1;31mred\x1b[0m\n", "red\n" },		/* SGR colours */
		{ "\x1b[?25lx\x1b[?1049h\n", "x\n" },		/* private parameters */
		{ "a\x1b[6n\n", "a\n" },			/* a report request */
		{ "\x1b]0;title\x07t\n", "t\n" },		/* OSC ended by BEL */
		{ "\x1b]2;title\x1b\\t\n", "t\n" },		/* OSC ended by ST */
		{ "\x1b]52;c;ZXZpbA==\x07y\n", "y\n" },		/* OSC 52: set the clipboard */
		{ "\x1bP1$r\x1b\\d\n", "d\n" },			/* DCS */
		{ "\x1b_apc\x1b\\e\n", "e\n" },			/* APC */
		{ "\x1b" "cf\n", "f\n" },			/* RIS: reset the terminal */
		{ "\x1b(0g\x1b(B\n", "g\n" },			/* charset designation */
		{ "\x1b" "7h\x1b" "8\n", "h\n" },		/* save/restore cursor */
		{ "\x1b\x1b[Ai\n", "i\n" },			/* ESC restarts a sequence */
		{ "\x1b[12\x08j\n", "j\n" },			/* BS inside CSI: ends it, then no char to erase */
		{ "k\x1b[12\x08j\n", "k<BS>j\n" },		/* ...and it erases the 'k' */
		{ "\x1b[1;2;3\x7fz\n", "z\n" },			/* DEL ends it too */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vuart *u = fresh();
		const char *s;

		put(u, cases[i].in, strlen(cases[i].in));
		s = take(u);
		if (!CHECK(!strcmp(s, cases[i].want)))
			printf("    case %zu: got \"%s\", want \"%s\"\n", i, s, cases[i].want);
	}
}

/* No escape sequence hides a line end, and none runs on for ever. */
static void escape_cannot_swallow_lines(void)
{
	struct vuart *u = fresh();
	char in[260];

	PUTS(u, "\x1b]0;never ended\nnext\n");
	CHECK_STREAM(u, "\nnext\n");
	PUTS(u, "\x1b[12\n");
	CHECK_STREAM(u, "\n");
	/* ESC [ then 200 digits: the sequence ends after 128 bytes, the rest is text. */
	in[0] = 0x1b, in[1] = '[';
	memset(in + 2, '7', 200);
	in[202] = '\n';
	put(u, in, 203);
	take(u);
	CHECK_EQ(strlen(got), 200 - 127 + 1);
	CHECK(strspn(got, "7") == 200 - 127);
}

/* BS and DEL erase the guest's last character, and only characters of
 * the line being written: never the previous line, never more than it has. */
static void erasure_limited_to_the_line(void)
{
	struct vuart *u = fresh();

	PUTS(u, "ab\b\b\b\x7f" "c\n");
	CHECK_STREAM(u, "ab<BS><BS>c\n");
	PUTS(u, "x\n\b\b\x7fy\n");
	CHECK_STREAM(u, "x\ny\n");
	/* the shell idiom for rubout */
	PUTS(u, "ab\b \bc\n");
	CHECK_STREAM(u, "ab<BS> <BS>c\n");
}

/* CR LF is a line end; a CR before anything else is a return to the
 * start of the guest's own text, which the VMM's CPU erases. */
static void carriage_return(void)
{
	struct vuart *u = fresh();

	PUTS(u, "one\r\ntwo\r\n");
	CHECK_STREAM(u, "one\ntwo\n");
	PUTS(u, "10%\r20%\r30%\r\n");
	CHECK_STREAM(u, "10%<CR>20%<CR>30%\n");
	PUTS(u, "\r\r\rabc\n");		 /* a return at the line's start erases nothing */
	CHECK_STREAM(u, "abc\n");
	PUTS(u, "abc\r\x1b[Kxy\n");	 /* a redraw: return, clear to end of line, text */
	CHECK_STREAM(u, "abc<CR>xy\n");
	PUTS(u, "ab\r\0\a\n");		 /* dropped bytes leave the CR waiting for its LF */
	CHECK_STREAM(u, "ab\n");
	PUTS(u, "ab\r\b\n");		 /* after a return nothing is left to erase */
	CHECK_STREAM(u, "ab<CR>\n");
	PUTS(u, "ab\n\r\n");		 /* LF CR LF: one empty line, not two */
	CHECK_STREAM(u, "ab\n\n");
}

static void long_line_wraps(void)
{
	struct vuart *u = fresh();
	char in[VUART_LINE_MAX + 6], want[2 * VUART_LINE_MAX];

	memset(in, 'x', VUART_LINE_MAX + 5);
	in[VUART_LINE_MAX + 5] = '\n';
	put(u, in, sizeof(in));
	snprintf(want, sizeof(want), "%.*s\nxxxxx\n", VUART_LINE_MAX, in);
	CHECK_STREAM(u, want);
	/* A newline right after a full line ends that line: no empty line. */
	put(u, in, VUART_LINE_MAX);
	PUTS(u, "\n\n");
	take(u);
	CHECK_EQ(got_lines, 2);
	CHECK_EQ(got[VUART_LINE_MAX], '\n');
	CHECK_EQ(got[VUART_LINE_MAX + 1], '\n');
}

/* A line edited for ever wraps by its stream bytes: one line never takes
 * more than VUART_LINE_BYTES of the ring. */
static void edited_line_wraps(void)
{
	struct vuart *u = fresh();
	const char *s, *nl;

	for (int i = 0; i < 1000; i++)
		PUTS(u, "ab\b");
	s = take(u);
	for (; (nl = strchr(s, '\n')); s = nl + 1) {
		size_t bytes = 0;

		for (const char *p = s; p < nl; p++, bytes++)
			if (*p == '<')
				p += 3; /* <BS> is one byte */
		if (!CHECK(bytes + 1 <= VUART_LINE_BYTES))
			break;
	}
	CHECK(got_lines >= 1000 * 3 / VUART_LINE_BYTES);
}

/* The attack the console exists to stop: a guest making a line of its own. */
static void guest_cannot_forge_lines(void)
{
	static const char *const attempts[] = {
		"ok\rvigil: guest x stopped\n",
		"ok\x0bvigil: guest x stopped\n",
		"ok\x0cvigil: guest x stopped\n",
		"ok\x85vigil: guest x stopped\n",
		"ok\x1b" "Evigil: guest x stopped\n", /* NEL */
		"ok\x1b[1Evigil: guest x stopped\n", /* cursor to the next line */
		"ok\x1b[2;1Hvigil: guest x stopped\n", /* cursor positioning */
		"ok\x01vigil: guest x stopped\n",      /* the stream's own VMM-line code */
	};

	for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		struct vuart *u = fresh();
		const char *s;

		put(u, attempts[i], strlen(attempts[i]));
		s = take(u);
		CHECK_EQ(got_lines, 1); /* the guest's one line, whatever it held */
		if (!CHECK(!strstr(s, "<VMM>") && strncmp(s, "vigil:", 6)))
			printf("    attempt %zu: \"%s\"\n", i, s);
	}
}

/* Every byte value, in every position: only the stream's alphabet comes out. */
static void all_bytes_stay_contained(void)
{
	struct vuart *u = fresh();
	char buf[CONRING_LINE_MAX];
	size_t n;

	for (unsigned rep = 0; rep < 4; rep++)
		for (unsigned b = 0; b < 256; b++) {
			vuart_write(u, THR, (uint8_t)b);
			vuart_write(u, THR, (uint8_t)(255 - b));
			vuart_write(u, THR, (uint8_t)(b * 7 + rep));
		}
	vuart_flush(u);
	while ((n = conring_peek(&u->out, buf, sizeof(buf)))) {
		for (size_t i = 0; i < n; i++) {
			char c = buf[i];

			if (!CHECK(c == '\t' || c == '\n' || c == VUART_ERASE || c == VUART_RETURN ||
				   (c >= 0x20 && c <= 0x7e))) {
				printf("    byte 0x%02x\n", (uint8_t)c);
				return;
			}
		}
		conring_consume(&u->out, n);
	}
}

static void flush_ends_the_line(void)
{
	struct vuart *u = fresh();

	vuart_flush(u);
	CHECK_STREAM(u, "");
	PUTS(u, "no newline");
	vuart_flush(u);
	CHECK_STREAM(u, "no newline\n");
	vuart_flush(u);
	CHECK_STREAM(u, "");
	PUTS(u, "\x1b[3"); /* a sequence cut short sends nothing */
	vuart_flush(u);
	PUTS(u, "1mx\n");
	CHECK_STREAM(u, "1mx\n");
}

/* A VMM line about the guest goes behind the guest's output, its partial
 * line ended first; it may use the room guest lines leave free. */
static void vmm_line_behind_guest_output(void)
{
	struct vuart *u = fresh();
	char line[CONRING_LINE_MAX + 1];

	PUTS(u, "last words");
	CHECK_EQ(vuart_log(u, "vigil: guest g stopped\n", 23), 0);
	CHECK_STREAM(u, "last words\n<VMM>vigil: guest g stopped\n");
	CHECK_EQ(vuart_log(u, "no end", 6), -EINVAL);
	CHECK_EQ(vuart_log(u, "", 0), -EINVAL);
	memset(line, 'v', sizeof(line));
	line[CONRING_LINE_MAX] = '\n';
	CHECK_EQ(vuart_log(u, line + 1, CONRING_LINE_MAX), -EINVAL);
	CHECK_EQ(vuart_log(u, line + 2, CONRING_LINE_MAX - 1), 0); /* the longest: a ring line with its code */
	take(u);
	/* Behind a flood: guest lines stop short of the reserve, VMM lines fit. */
	for (int i = 0; i < 1000; i++)
		PUTS(u, "flooding the console with a line of some length\n");
	CHECK(conring_dropped(&u->out) > 0);
	CHECK_EQ(vuart_log(u, line + 2, CONRING_LINE_MAX - 1), 0);
	CHECK_EQ(vuart_log(u, line + 2, CONRING_LINE_MAX - 1), 0);
	while (vuart_log(u, "vigil: x\n", 9) == 0)
		;
	CHECK_EQ(vuart_log(u, "vigil: x\n", 9), -ENOSPC);
}

/* A guest that writes faster than its output is printed loses whole lines
 * (counted), never parts of one, and never waits. */
static void full_ring_drops_whole_lines(void)
{
	struct vuart *u = fresh();
	char in[40];
	unsigned sent = 0, last = 0;
	bool first = true;
	const char *s;

	for (; sent < CONRING_SIZE / 20; sent++) { /* lines of about 30 bytes: more than the ring holds */
		int n = snprintf(in, sizeof(in), "line %u of the flood\n", sent);

		put(u, in, (size_t)n);
	}
	CHECK(conring_dropped(&u->out) > 0);
	s = take(u);
	CHECK_EQ(got_lines + conring_dropped(&u->out), sent);
	for (const char *line = s; *line; line = strchr(line, '\n') + 1) {
		unsigned k;
		char tail[32];

		if (!CHECK(sscanf(line, "line %u %31[^\n]", &k, tail) == 2 && !strcmp(tail, "of the flood")))
			break;
		CHECK(first || k > last); /* in order */
		first = false;
		last = k;
	}
	CHECK_EQ(last, got_lines - 1); /* nothing was taken meanwhile: the newest are lost */
}

/* A line is let in when the ring has room for its longest form: begun at
 * the edge, it still goes in whole; the next one is dropped whole. */
static void line_at_the_edge_kept_whole(void)
{
	struct vuart *u = fresh();
	char in[VUART_LINE_MAX + 1];
	uint64_t before;
	const char *s;

	while (conring_room(&u->out) >= VUART_LINE_BYTES + CONRING_RESERVE + 10)
		PUTS(u, "123456789\n");
	before = conring_dropped(&u->out);
	CHECK_EQ(before, 0);
	memset(in, 'e', VUART_LINE_MAX);
	in[VUART_LINE_MAX] = '\n';
	put(u, in, sizeof(in));
	CHECK_EQ(conring_dropped(&u->out), 0);
	PUTS(u, "dropped\n");
	CHECK_EQ(conring_dropped(&u->out), 1);
	s = take(u);
	CHECK(strlen(s) > VUART_LINE_MAX + 1 && !memcmp(s + strlen(s) - VUART_LINE_MAX - 1, in, sizeof(in)));
}

/* The VMM's CPU is woken at the end of a line it waits for (it took all
 * before the line), not for every line of a burst, not for a dropped
 * line; and for the guest with the focus, at every byte after it took
 * everything, since it prints that guest's unfinished line at once. */
static void wakes_the_printer_when_it_waits(void)
{
	struct vuart *u = fresh();
	char buf[CONRING_LINE_MAX];

	wakes = 0;
	PUTS(u, "one\n");
	CHECK_EQ(wakes, 1);
	PUTS(u, "two\nthree\n");
	CHECK_EQ(wakes, 1);
	take(u);
	PUTS(u, "prompt"); /* an unfinished line: the printer's tick shows it */
	CHECK_EQ(wakes, 1);
	PUTS(u, "\n");
	CHECK_EQ(wakes, 2);
	take(u);
	PUTS(u, "abc");
	conring_consume(&u->out, conring_peek(&u->out, buf, sizeof(buf))); /* printed unfinished */
	PUTS(u, "def");
	CHECK_EQ(wakes, 2);
	PUTS(u, "\n"); /* the end of a line it printed part of */
	CHECK_EQ(wakes, 3);
	u->focus = true;
	take(u);
	PUTS(u, "x");
	CHECK_EQ(wakes, 4);
	PUTS(u, "y");
	CHECK_EQ(wakes, 4);
	take(u);
	PUTS(u, "z");
	CHECK_EQ(wakes, 5);
	PUTS(u, "\n");
	CHECK_EQ(wakes, 6);
	/* A flood: dropped lines wake nobody. */
	u->focus = false;
	while (!conring_dropped(&u->out))
		PUTS(u, "a line among many\n");
	wakes = 0;
	PUTS(u, "dropped\n");
	CHECK_EQ(wakes, 0);
}

/* A restart resets the device and empties its receive FIFO; output already
 * queued is still printed, before anything the restarted guest writes. */
static void reset_keeps_queued_output(void)
{
	struct vuart *u = fresh();

	PUTS(u, "before restart\nhalf");
	vuart_write(u, LCR, 0x83);
	vuart_write(u, SCR, 0x5a);
	vuart_write(u, IER, 0x0f);
	vuart_rx_put(u, 'q');
	vuart_flush(u); /* as vm_restart_here does */
	vuart_reset(u);
	CHECK_EQ(vuart_read(u, LCR), 0);
	CHECK_EQ(vuart_read(u, SCR), 0);
	CHECK_EQ(vuart_read(u, IER), 0);
	CHECK_EQ(vuart_read(u, LSR), 0x60);
	CHECK_EQ(vuart_read(u, IIR), 0x01);
	PUTS(u, "after\n");
	CHECK_STREAM(u, "before restart\nhalf\nafter\n");
}

static void dlab_switches_to_divisor(void)
{
	struct vuart *u = fresh();

	vuart_write(u, LCR, 0x83); /* DLAB, 8N1 */
	vuart_write(u, THR, 0x01); /* divisor latch low: 115200 baud */
	vuart_write(u, IER, 0x02);
	CHECK_EQ(vuart_read(u, THR), 0x01);
	CHECK_EQ(vuart_read(u, IER), 0x02);
	CHECK_EQ(vuart_read(u, LCR), 0x83);
	CHECK_STREAM(u, ""); /* divisor bytes are not console output */
	CHECK_EQ(u->ier, 0);
	vuart_rx_put(u, 'k');
	CHECK_EQ(vuart_read(u, RBR), 0x01); /* the latch, not the FIFO */
	vuart_write(u, LCR, 0x03);
	CHECK_EQ(vuart_read(u, IER), 0);
	CHECK_EQ(vuart_read(u, RBR), 'k');
	vuart_write(u, IER, 0xff);
	CHECK_EQ(vuart_read(u, IER), 0x0f); /* only the four defined enable bits */
	CHECK_EQ(u->dlm, 0x02);
	PUTS(u, "A\n");
	CHECK_STREAM(u, "A\n");
}

static void status_registers(void)
{
	struct vuart *u = fresh();

	CHECK_EQ(vuart_read(u, LSR), 0x60); /* always ready to send */
	vuart_write(u, THR, 'x');
	CHECK_EQ(vuart_read(u, LSR), 0x60);
	vuart_write(u, LSR, 0x00); /* read-only */
	CHECK_EQ(vuart_read(u, LSR), 0x60);
	CHECK_EQ(vuart_read(u, IIR), 0x01); /* no interrupt pending */
	CHECK_EQ(vuart_read(u, MSR), 0xb0);
	vuart_write(u, SCR, 0x5a);
	CHECK_EQ(vuart_read(u, SCR), 0x5a);
	vuart_write(u, MCR, 0xff);
	CHECK_EQ(vuart_read(u, MCR), 0x1f);
}

/* ---- input ---------------------------------------------------------------- */

static void receive_in_order(void)
{
	struct vuart *u = fresh();

	CHECK_EQ(vuart_read(u, LSR) & 0x01, 0);
	CHECK_EQ(vuart_read(u, RBR), 0); /* nothing received */
	CHECK(vuart_rx_put(u, 'h'));
	CHECK(vuart_rx_put(u, 'i'));
	CHECK_EQ(vuart_read(u, LSR), 0x61);
	CHECK_EQ(vuart_read(u, RBR), 'h');
	CHECK_EQ(vuart_read(u, LSR), 0x61);
	CHECK_EQ(vuart_read(u, RBR), 'i');
	CHECK_EQ(vuart_read(u, LSR), 0x60);
	CHECK_EQ(vuart_rx_dropped(u), 0);
	PUTS(u, "echo\n"); /* input never shows as output by itself */
	CHECK_STREAM(u, "echo\n");
}

/* A full FIFO drops what comes, counts it, and the guest sees one overrun. */
static void full_fifo_drops_and_counts(void)
{
	struct vuart *u = fresh();
	unsigned kept = 0;

	for (unsigned i = 0; i < VUART_RX_SIZE + 50; i++)
		kept += vuart_rx_put(u, (uint8_t)i);
	CHECK_EQ(kept, VUART_RX_SIZE);
	CHECK_EQ(vuart_rx_dropped(u), 50);
	CHECK_EQ(vuart_read(u, LSR), 0x63); /* DR, OE */
	CHECK_EQ(vuart_read(u, LSR), 0x61); /* OE is cleared by the read */
	for (unsigned i = 0; i < VUART_RX_SIZE; i++)
		if (!CHECK_EQ_INT(vuart_read(u, RBR), (uint8_t)i))
			break;
	CHECK_EQ(vuart_read(u, LSR), 0x60);
	CHECK(vuart_rx_put(u, 'x')); /* room again */
	CHECK_EQ(vuart_rx_dropped(u), 50);
}

static void fifo_counters_wrap(void)
{
	struct vuart *u = fresh();

	u->rx.head = u->rx.tail = UINT32_MAX - 5;
	for (unsigned i = 0; i < 3 * VUART_RX_SIZE; i++) {
		if (!CHECK(vuart_rx_put(u, (uint8_t)(i * 3))))
			return;
		if (!CHECK_EQ_INT(vuart_read(u, RBR), (uint8_t)(i * 3)))
			return;
	}
	CHECK_EQ(vuart_read(u, LSR) & 0x01, 0);
}

static void fcr_clears_the_fifo(void)
{
	struct vuart *u = fresh();

	vuart_write(u, FCR, 0x01);
	CHECK_EQ(vuart_read(u, IIR), 0xc1); /* FIFOs on: bits 7:6 */
	vuart_rx_put(u, 'a');
	vuart_rx_put(u, 'b');
	vuart_write(u, FCR, 0x03); /* clear the receive FIFO */
	CHECK_EQ(vuart_read(u, LSR) & 0x01, 0);
	vuart_rx_put(u, 'c');
	vuart_write(u, FCR, 0x00); /* FIFOs off: cleared too */
	CHECK_EQ(vuart_read(u, LSR) & 0x01, 0);
	CHECK_EQ(vuart_read(u, IIR), 0x01);
	vuart_rx_put(u, 'd');
	vuart_write(u, FCR, 0x00); /* no change of mode: kept */
	CHECK_EQ(vuart_read(u, RBR), 'd');
}

/* ---- interrupts ----------------------------------------------------------- */

/* Received data: IIR 0x04 while data waits and IER enables it; the line. */
static void receive_interrupt(void)
{
	struct vuart *u = fresh();

	vuart_write(u, MCR, 0x08); /* OUT2 */
	vuart_rx_put(u, 'z');
	CHECK_EQ(vuart_read(u, IIR), 0x01); /* not enabled */
	CHECK(!vuart_irq_line(u));
	vuart_write(u, IER, 0x01);
	CHECK_EQ(vuart_read(u, IIR), 0x04);
	CHECK_EQ(vuart_read(u, IIR), 0x04); /* reading IIR does not clear it */
	CHECK(vuart_irq_line(u));
	vuart_write(u, FCR, 0x01);
	vuart_rx_put(u, 'y');
	CHECK_EQ(vuart_read(u, IIR), 0xc4);
	CHECK_EQ(vuart_read(u, RBR), 'y');
	CHECK(!vuart_irq_line(u)); /* read empty: the line drops */
	CHECK_EQ(vuart_read(u, IIR), 0xc1);
}

/* THR empty: raised by enabling it (THR is always empty) and by each THR
 * write; cleared by the IIR read that reports it, or by disabling it. */
static void thr_empty_interrupt(void)
{
	struct vuart *u = fresh();

	vuart_write(u, MCR, 0x08);
	CHECK(!vuart_irq_line(u));
	vuart_write(u, IER, 0x02);
	CHECK(vuart_irq_line(u));
	CHECK_EQ(vuart_read(u, IIR), 0x02);
	CHECK(!vuart_irq_line(u));
	CHECK_EQ(vuart_read(u, IIR), 0x01); /* that read cleared it */
	vuart_write(u, IER, 0x02);	    /* no change: nothing new */
	CHECK_EQ(vuart_read(u, IIR), 0x01);
	vuart_write(u, THR, 'a');
	CHECK_EQ(vuart_read(u, IIR), 0x02); /* sent at once: empty again */
	vuart_write(u, THR, 'b');
	vuart_write(u, IER, 0x00);
	CHECK(!vuart_irq_line(u));
	CHECK_EQ(vuart_read(u, IIR), 0x01);
	vuart_write(u, IER, 0x02); /* enabled again: raised again */
	CHECK_EQ(vuart_read(u, IIR), 0x02);
	/* The Linux 8250 check: IER=THRI, IIR shows it; IER=0, IIR shows none. */
	vuart_write(u, IER, 0x00);
	vuart_write(u, IER, 0x02);
	CHECK_EQ(vuart_read(u, IIR) & 0x0f, 0x02);
	vuart_write(u, IER, 0x00);
	CHECK_EQ(vuart_read(u, IIR) & 0x01, 0x01);
}

/* Priorities: line status, then received data, then THR empty; an IIR
 * read clears THR empty only when it reports it. */
static void interrupt_priorities(void)
{
	struct vuart *u = fresh();

	vuart_write(u, MCR, 0x08);
	vuart_write(u, IER, 0x07);
	CHECK_EQ(vuart_read(u, IIR), 0x02);
	vuart_write(u, THR, 'x'); /* THR empty pending again */
	vuart_rx_put(u, '1');
	CHECK_EQ(vuart_read(u, IIR), 0x04);
	CHECK_EQ(vuart_read(u, IIR), 0x04); /* THR empty still waits behind it */
	for (unsigned i = 0; i < VUART_RX_SIZE; i++)
		vuart_rx_put(u, 'o'); /* the last one overruns */
	CHECK_EQ(vuart_read(u, IIR), 0x06);
	CHECK_EQ(vuart_read(u, LSR), 0x63); /* the overrun, cleared by this read */
	CHECK_EQ(vuart_read(u, IIR), 0x04);
	while (vuart_read(u, LSR) & 0x01)
		vuart_read(u, RBR);
	CHECK_EQ(vuart_read(u, IIR), 0x02); /* now THR empty */
	CHECK_EQ(vuart_read(u, IIR), 0x01);
}

/* The line is the UART's output through OUT2, as on a PC. */
static void irq_line_gated(void)
{
	struct vuart *u = fresh();

	vuart_write(u, IER, 0x01);
	vuart_rx_put(u, 'q');
	CHECK(!vuart_irq_line(u)); /* OUT2 off: the line stays low */
	CHECK_EQ(vuart_read(u, IIR), 0x04);
	vuart_write(u, MCR, 0x08);
	CHECK(vuart_irq_line(u));
	vuart_write(u, MCR, 0x03);
	CHECK(!vuart_irq_line(u));
	vuart_write(u, MCR, 0x0b);
	CHECK(vuart_irq_line(u));
	vuart_read(u, RBR);
	CHECK(!vuart_irq_line(u));
}

/*
 * The VMM's CPU and the guest's: one thread puts bytes (waiting for room
 * rather than dropping, so the sequence is known), the other reads them
 * through LSR and RBR. Every byte arrives, in order.
 */
#define STRESS_BYTES 1000000u

static void *rx_producer(void *arg)
{
	struct vuart *u = arg;

	for (unsigned i = 0; i < STRESS_BYTES; i++) {
		while (u->rx.head - __atomic_load_n(&u->rx.tail, __ATOMIC_ACQUIRE) == VUART_RX_SIZE)
			; /* wait for room: no byte dropped */
		if (!vuart_rx_put(u, (uint8_t)(i % 251)))
			abort();
	}
	return NULL;
}

static void receive_two_cpus(void)
{
	struct vuart *u = fresh();
	pthread_t t;
	unsigned i = 0, bad = 0;

	if (pthread_create(&t, NULL, rx_producer, u)) {
		CHECK(0);
		return;
	}
	while (i < STRESS_BYTES) {
		if (!(vuart_read(u, LSR) & 0x01))
			continue;
		bad += vuart_read(u, RBR) != i % 251;
		i++;
	}
	pthread_join(t, NULL);
	CHECK_EQ(bad, 0);
	CHECK_EQ(vuart_read(u, LSR), 0x60);
	CHECK_EQ(vuart_rx_dropped(u), 0);
}

int main(void)
{
	CHECK_RUN(text_goes_out_at_once);
	CHECK_RUN(controls_dropped_high_bytes_dotted);
	CHECK_RUN(escape_sequences_dropped);
	CHECK_RUN(escape_cannot_swallow_lines);
	CHECK_RUN(erasure_limited_to_the_line);
	CHECK_RUN(carriage_return);
	CHECK_RUN(long_line_wraps);
	CHECK_RUN(edited_line_wraps);
	CHECK_RUN(guest_cannot_forge_lines);
	CHECK_RUN(all_bytes_stay_contained);
	CHECK_RUN(flush_ends_the_line);
	CHECK_RUN(vmm_line_behind_guest_output);
	CHECK_RUN(full_ring_drops_whole_lines);
	CHECK_RUN(line_at_the_edge_kept_whole);
	CHECK_RUN(wakes_the_printer_when_it_waits);
	CHECK_RUN(reset_keeps_queued_output);
	CHECK_RUN(dlab_switches_to_divisor);
	CHECK_RUN(status_registers);
	CHECK_RUN(receive_in_order);
	CHECK_RUN(full_fifo_drops_and_counts);
	CHECK_RUN(fifo_counters_wrap);
	CHECK_RUN(fcr_clears_the_fifo);
	CHECK_RUN(receive_interrupt);
	CHECK_RUN(thr_empty_interrupt);
	CHECK_RUN(interrupt_priorities);
	CHECK_RUN(irq_line_gated);
	CHECK_RUN(receive_two_cpus);
	return check_done();
}
