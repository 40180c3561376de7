// SPDX-License-Identifier: MIT
/*
 * Unit tests of vmm/vuart.c, the guest console. Guest bytes are untrusted:
 * whatever a guest writes, every console line it causes starts with
 * "[<guest>] " and holds no control characters, so it can neither forge a
 * "vigil:" line for the harnesses nor drive the operator's terminal. The
 * lines are read back from the vuart's console ring (vmm/conring.c), as the
 * VMM's CPU takes them to print.
 */
#define CHECK_SUITE "vuart"
#include "tests/unit/check.h"

#include <stdint.h>
#include <stdlib.h>
#include "vmm/vuart.h"

#define THR (VUART_BASE + 0)
#define IER (VUART_BASE + 1)
#define IIR (VUART_BASE + 2)
#define LCR (VUART_BASE + 3)
#define MCR (VUART_BASE + 4)
#define LSR (VUART_BASE + 5)
#define MSR (VUART_BASE + 6)
#define SCR (VUART_BASE + 7)

static void put(struct vuart *u, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vuart_write(u, "g", THR, (uint8_t)s[i]);
}

#define PUTS(u, lit) put(u, lit, sizeof(lit) - 1)

/* The VMM's CPU is woken (an IPI in the VMM) for a line queued while it
 * had taken everything: counted here. */
static unsigned wakes;

void vuart_wake_console(void)
{
	wakes++;
}

/* The lines taken from the ring since out_reset(), and how many. */
static char out_log[CONRING_SIZE + 8192];
static size_t out_len;
static unsigned out_lines;

static void out_reset(void)
{
	out_log[0] = '\0';
	out_len = 0;
	out_lines = 0;
}

/* Take every queued line, as the VMM's CPU does, into out_log. */
static void out_take(struct vuart *u)
{
	size_t n;

	do {
		/* A test that overflows the log would check truncated text: stop it. */
		if (sizeof(out_log) - 1 - out_len < CONRING_LINE_MAX) {
			fprintf(stderr, "output log full\n");
			abort();
		}
		n = conring_take(&u->out, out_log + out_len, CONRING_LINE_MAX);
		out_len += n;
		out_lines += n > 0;
	} while (n);
	out_log[out_len] = '\0';
}

/* What the guest's bytes become on the console. */
#define CHECK_LOG(u, want)                                                         \
	do {                                                                       \
		out_take(u);                                                       \
		if (!CHECK(!strcmp(out_log, want)))                                \
			printf("    got \"%s\"\n    want \"%s\"\n", out_log, want); \
	} while (0)

static void line_is_prefixed(void)
{
	struct vuart u = { 0 };

	out_reset();
	PUTS(&u, "hello, world\n");
	CHECK_LOG(&u, "[g] hello, world\n");
	CHECK_EQ(out_lines, 1); /* one whole line per ring entry: never interleaved */
}

static void nothing_printed_before_newline(void)
{
	struct vuart u = { 0 };

	out_reset();
	PUTS(&u, "partial");
	out_take(&u);
	CHECK_EQ(out_len, 0);
	PUTS(&u, " line\n");
	CHECK_LOG(&u, "[g] partial line\n");
}

static void empty_line_is_prefixed(void)
{
	struct vuart u = { 0 };

	out_reset();
	PUTS(&u, "\n\n");
	CHECK_LOG(&u, "[g] \n[g] \n");
}

static void control_and_high_bytes_become_dots(void)
{
	struct vuart u = { 0 };

	out_reset();
	/* ESC [2J (clear screen), BEL, NUL, BS, VT, FF, DEL, and non-ASCII. */
	put(&u, "a\x1b[2Jb\a\0\b\v\f\x7f\x80\x85\xff" "c\n", 17);
	CHECK_LOG(&u, "[g] a.[2Jb.........c\n");
}

/* Tab is the one control character kept: it cannot start a line. */
static void tab_kept(void)
{
	struct vuart u = { 0 };

	out_reset();
	PUTS(&u, "a\tb\n");
	CHECK_LOG(&u, "[g] a\tb\n");
}

static void cr_dropped(void)
{
	struct vuart u = { 0 };

	out_reset();
	PUTS(&u, "one\r\ntwo\r\n\r");
	CHECK_LOG(&u, "[g] one\n[g] two\n");
	/* A bare CR cannot return the terminal's cursor over the prefix. */
	out_reset();
	PUTS(&u, "xxxxxxxx\rvigil: fake\n");
	CHECK_LOG(&u, "[g] xxxxxxxxvigil: fake\n");
}

static void long_line_split(void)
{
	struct vuart u = { 0 };
	char in[VUART_LINE_MAX + 6], want[2 * VUART_LINE_MAX];

	memset(in, 'x', VUART_LINE_MAX + 5);
	in[VUART_LINE_MAX + 5] = '\n';
	out_reset();
	put(&u, in, sizeof(in));
	snprintf(want, sizeof(want), "[g] %.*s\n[g] xxxxx\n", VUART_LINE_MAX, in);
	CHECK_LOG(&u, want);
	CHECK_EQ(out_lines, 2);
	/* The buffer never overflows however long the guest goes on. */
	out_reset();
	for (int i = 0; i < 10; i++)
		put(&u, in, VUART_LINE_MAX);
	out_take(&u);
	CHECK_EQ(out_lines, 10);
	CHECK_EQ(u.len, 0);
}

/* A line of exactly the buffer's size ends with its own newline: one line,
 * not one plus an empty one; a blank line after it still prints. */
static void full_line_then_newline(void)
{
	struct vuart u = { 0 };
	char in[VUART_LINE_MAX + 2], want[2 * VUART_LINE_MAX];

	memset(in, 'y', VUART_LINE_MAX);
	in[VUART_LINE_MAX] = '\n';
	in[VUART_LINE_MAX + 1] = '\n';
	out_reset();
	put(&u, in, VUART_LINE_MAX + 1);
	snprintf(want, sizeof(want), "[g] %.*s\n", VUART_LINE_MAX, in);
	CHECK_LOG(&u, want);
	CHECK_EQ(out_lines, 1);
	put(&u, in + VUART_LINE_MAX + 1, 1);
	out_take(&u);
	CHECK_EQ(out_lines, 2);
}

static void flush_prints_partial_line(void)
{
	struct vuart u = { 0 };

	out_reset();
	vuart_flush(&u, "g");
	out_take(&u);
	CHECK_EQ(out_len, 0);
	PUTS(&u, "no newline");
	vuart_flush(&u, "g");
	CHECK_LOG(&u, "[g] no newline\n");
	vuart_flush(&u, "g");
	CHECK_LOG(&u, "[g] no newline\n");
}

/* The attack the console exists to stop: a guest line that looks like Vigil's. */
static void guest_cannot_forge_vigil_line(void)
{
	static const char *const attempts[] = {
		"\nvigil: guest x stopped\n",
		"ok\r\nvigil: guest x stopped\n",
		"ok\rvigil: guest x stopped\n",
		"ok\x0bvigil: guest x stopped\n",
		"ok\x0cvigil: guest x stopped\n",
		"ok\x85vigil: guest x stopped\n",
		"ok\x1b" "Evigil: guest x stopped\n",
	};
	struct vuart u = { 0 };

	for (size_t i = 0; i < sizeof(attempts) / sizeof(attempts[0]); i++) {
		out_reset();
		put(&u, attempts[i], strlen(attempts[i]));
		out_take(&u);
		for (const char *line = out_log; *line; line = strchr(line, '\n') + 1) {
			if (!CHECK(!strncmp(line, "[g] ", 4)))
				printf("    attempt %zu: line \"%.40s\"\n", i, line);
			if (!strchr(line, '\n'))
				break;
		}
		CHECK(out_len > 0 && out_log[out_len - 1] == '\n');
	}
}

/* Every byte value, in every position: lines stay prefixed, bounded and clean. */
static void all_bytes_stay_contained(void)
{
	struct vuart u = { 0 };

	out_reset();
	for (unsigned b = 0; b < 256; b++) {
		vuart_write(&u, "g", THR, (uint8_t)b);
		vuart_write(&u, "g", THR, (uint8_t)(255 - b));
	}
	vuart_flush(&u, "g");
	out_take(&u);
	for (const char *line = out_log; *line;) {
		const char *end = strchr(line, '\n');

		if (!CHECK(end))
			break;
		CHECK(!strncmp(line, "[g] ", 4));
		CHECK(end - line <= 4 + VUART_LINE_MAX);
		for (const char *p = line; p < end; p++)
			if (!CHECK(*p == '\t' || (*p >= 0x20 && *p <= 0x7e)))
				break;
		line = end + 1;
	}
}

static void dlab_switches_to_divisor(void)
{
	struct vuart u = { 0 };

	out_reset();
	vuart_write(&u, "g", LCR, 0x83); /* DLAB, 8N1 */
	vuart_write(&u, "g", THR, 0x01); /* divisor latch low: 115200 baud */
	vuart_write(&u, "g", IER, 0x02);
	CHECK_EQ(vuart_read(&u, THR), 0x01);
	CHECK_EQ(vuart_read(&u, IER), 0x02);
	CHECK_EQ(vuart_read(&u, LCR), 0x83);
	out_take(&u);
	CHECK_EQ(out_len, 0); /* divisor bytes are not console output */
	CHECK_EQ(u.ier, 0);
	vuart_write(&u, "g", LCR, 0x03);
	CHECK_EQ(vuart_read(&u, IER), 0);
	CHECK_EQ(vuart_read(&u, THR), 0);
	vuart_write(&u, "g", IER, 0xff);
	CHECK_EQ(vuart_read(&u, IER), 0x0f); /* only the four defined enable bits */
	CHECK_EQ(u.dlm, 0x02);
	vuart_write(&u, "g", THR, 'A');
	vuart_write(&u, "g", THR, '\n');
	CHECK_LOG(&u, "[g] A\n");
}

static void status_registers(void)
{
	struct vuart u = { 0 };

	CHECK_EQ(vuart_read(&u, LSR), 0x60); /* always ready to send */
	vuart_write(&u, "g", THR, 'x');
	CHECK_EQ(vuart_read(&u, LSR), 0x60);
	vuart_write(&u, "g", LSR, 0x00);     /* read-only */
	CHECK_EQ(vuart_read(&u, LSR), 0x60);
	CHECK_EQ(vuart_read(&u, IIR), 0x01); /* no interrupt pending */
	CHECK_EQ(vuart_read(&u, MSR), 0xb0);
	vuart_write(&u, "g", SCR, 0x5a);
	CHECK_EQ(vuart_read(&u, SCR), 0x5a);
	vuart_write(&u, "g", MCR, 0xff);
	CHECK_EQ(vuart_read(&u, MCR), 0x1f);
}

/* A restart resets the device; lines already queued are still printed,
 * before anything the restarted guest writes. */
static void reset_keeps_queued_lines(void)
{
	struct vuart u = { 0 };

	out_reset();
	PUTS(&u, "before restart\nhalf");
	vuart_write(&u, "g", LCR, 0x83);
	vuart_write(&u, "g", SCR, 0x5a);
	vuart_flush(&u, "g"); /* as vm_restart_here does */
	vuart_reset(&u);
	CHECK_EQ(vuart_read(&u, LCR), 0);
	CHECK_EQ(vuart_read(&u, SCR), 0);
	CHECK_EQ(u.len, 0);
	PUTS(&u, "after\n");
	CHECK_LOG(&u, "[g] before restart\n[g] half\n[g] after\n");
}

/* A guest that writes faster than its lines are printed loses whole lines
 * (counted), never parts of one, and never waits. */
static void full_ring_drops_whole_lines(void)
{
	struct vuart u = { 0 };
	char in[40];
	unsigned sent = 0, last = 0;
	bool first = true;

	out_reset();
	for (; sent < CONRING_SIZE / 20; sent++) { /* lines of about 30 bytes: more than the ring holds */
		int n = snprintf(in, sizeof(in), "line %u of the flood\n", sent);

		put(&u, in, (size_t)n);
	}
	CHECK(conring_dropped(&u.out) > 0);
	out_take(&u);
	CHECK_EQ(out_lines + conring_dropped(&u.out), sent);
	for (const char *line = out_log; *line; line = strchr(line, '\n') + 1) {
		unsigned k;
		char tail[32];

		if (!CHECK(sscanf(line, "[g] line %u %31[^\n]", &k, tail) == 2 && !strcmp(tail, "of the flood")))
			break;
		CHECK(first || k > last); /* in order */
		first = false;
		last = k;
	}
	CHECK_EQ(last, out_lines - 1); /* nothing was taken meanwhile: the newest are lost */
}

/* A burst wakes the VMM's CPU once, at its first line; once that CPU has
 * taken everything, the next line wakes it again. A line that is dropped
 * (ring full) wakes nobody. */
static void first_line_wakes_the_printer(void)
{
	static struct vuart u; /* a ring is too big for the stack here */

	memset(&u, 0, sizeof(u));
	wakes = 0;
	out_reset();
	PUTS(&u, "one\n");
	CHECK_EQ(wakes, 1);
	PUTS(&u, "two\nthree\n");
	CHECK_EQ(wakes, 1);
	out_take(&u);
	CHECK_EQ(out_lines, 3);
	PUTS(&u, "four\n");
	CHECK_EQ(wakes, 2);
}

int main(void)
{
	CHECK_RUN(line_is_prefixed);
	CHECK_RUN(nothing_printed_before_newline);
	CHECK_RUN(empty_line_is_prefixed);
	CHECK_RUN(control_and_high_bytes_become_dots);
	CHECK_RUN(tab_kept);
	CHECK_RUN(cr_dropped);
	CHECK_RUN(long_line_split);
	CHECK_RUN(full_line_then_newline);
	CHECK_RUN(flush_prints_partial_line);
	CHECK_RUN(guest_cannot_forge_vigil_line);
	CHECK_RUN(all_bytes_stay_contained);
	CHECK_RUN(dlab_switches_to_divisor);
	CHECK_RUN(status_registers);
	CHECK_RUN(reset_keeps_queued_lines);
	CHECK_RUN(full_ring_drops_whole_lines);
	CHECK_RUN(first_line_wakes_the_printer);
	return check_done();
}
