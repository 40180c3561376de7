// SPDX-License-Identifier: MIT
/*
 * Unit tests of the guests' consoles on the VMM's CPU, from the guest's
 * bytes to what reaches COM1 (vmm/vuart.c, vmm/vm_console.c,
 * kernel/console.c), and of the operator's input from COM1 to the guest
 * with the focus (vmm/vm_input.c). What COM1 receives is replayed on a
 * small terminal, as the operator sees it; that terminal also checks, on
 * every byte, what no guest may ever do: put a byte on COM1 outside
 * printable ASCII, tab, CR LF and BS, start a line without its prefix, or
 * move the cursor back over its prefix.
 *
 * Three guests: a and b may take input (console-input), c may not. The
 * cases share one VMM state, as the VMM does: each ends with every line
 * ended. The first cases run before the input is set up (no guest has
 * the focus), the later ones with a focus.
 */
#define CHECK_SUITE "vm_console"
#include "tests/unit/check.h"

#include <stdlib.h>
#include "tests/unit/shim_console.h"
#include "kernel/console.h"
#include "arch/x86/apic.h"

#define THR (VUART_BASE + 0)
#define RBR (VUART_BASE + 0)
#define LSR (VUART_BASE + 5)

static struct config_guest cfgs[3] = {
	{ .name = "a", .console_input = true },
	{ .name = "b", .console_input = true },
	{ .name = "c" },
};

/* ---- the operator's terminal ---------------------------------------------- */

static char scr[SHIM_TTY_MAX];
static unsigned violations;

static void violation(const char *what, size_t at)
{
	if (violations++ < 5)
		printf("    terminal: %s at byte %zu\n", what, at);
}

/* The prefix of a guest line ("[a] "), 0 for the VMM's lines. */
static size_t prefix_len(const char *line, size_t len)
{
	if (len >= 4 && line[0] == '[' && line[1] >= 'a' && line[1] <= 'c' && line[2] == ']' && line[3] == ' ')
		return 4;
	return 0;
}

static void line_done(const char *line, size_t len, size_t *out, size_t at)
{
	if (!prefix_len(line, len) && (len < 7 || memcmp(line, "vigil: ", 7)))
		violation("a line without a prefix", at);
	memcpy(scr + *out, line, len);
	*out += len;
}

/* COM1's bytes as the screen shows them: finished lines each ending in
 * '\n', then the line the cursor is on. */
static const char *screen(void)
{
	static char line[SHIM_TTY_MAX];
	size_t len = 0, cur = 0, out = 0;

	for (size_t i = 0; i < shim_tty_len; i++) {
		char c = shim_tty[i];

		if (c == '\r') {
			if (i + 1 == shim_tty_len || shim_tty[i + 1] != '\n')
				violation("a CR not before LF", i);
		} else if (c == '\n') {
			line_done(line, len, &out, i);
			scr[out++] = '\n';
			len = cur = 0;
		} else if (c == '\b') {
			size_t pre = prefix_len(line, len);

			if (!pre || cur <= pre) {
				violation("BS over a prefix or a VMM line", i);
			} else if (i + 2 < shim_tty_len && !memcmp(shim_tty + i, "\b \b", 3) && cur == len) {
				len = --cur; /* BS SP BS at the end: the character is gone */
				i += 2;
			} else {
				cur--;
			}
		} else if (c == '\t' || (c >= 0x20 && c <= 0x7e)) {
			line[cur++] = c;
			if (cur > len)
				len = cur;
		} else {
			violation("a control byte", i);
		}
	}
	if (len)
		line_done(line, len, &out, shim_tty_len);
	scr[out] = '\0';
	return scr;
}

#define CHECK_SCREEN(want)                                                      \
	do {                                                                    \
		const char *s_ = screen();                                      \
		if (!CHECK(!strcmp(s_, want)))                                  \
			printf("    screen \"%.400s\"\n    want   \"%.400s\"\n", s_, want); \
	} while (0)

/* ---- driving it ------------------------------------------------------------ */

static void gw(unsigned g, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		vuart_write(&vms[g].uart, THR, (uint8_t)s[i]);
}

#define GW(g, lit) gw(g, lit, sizeof(lit) - 1)

static void tick(unsigned n)
{
	apic_timer_ticks += n;
}

/* The VMM CPU's loop for 50 ms (within one tick): it prints what is due,
 * the focus's unfinished line once 20 ms passed without more of it. (Its
 * wait, vm_console_wait_focus, is time passing here.) */
static void drain(void)
{
	for (int i = 0; i < 50; i++, shim_ms++)
		if (vm_console_pending())
			vm_console_drain();
}

/* Ticks pass with the VMM's CPU looking at each, until a guest's quiet
 * unfinished line is due. */
static void settle(void)
{
	for (int i = 0; i < 3; i++) {
		drain();
		tick(1);
	}
	drain();
}

static void start(void)
{
	console_init(); /* COM1: the shim's terminal */
	tick(100);
	shim_tty_len = 0;
	violations = 0;
}

/* Every guest's line ended and printed, as when every guest stops. */
static void finish(void)
{
	for (unsigned g = 0; g < vm_count; g++) {
		vuart_flush(&vms[g].uart);
		vm_console_flush(&vms[g]);
	}
	CHECK_EQ(violations, 0);
}

/* ---- output ---------------------------------------------------------------- */

static void line_prefixed(void)
{
	start();
	GW(0, "hello\n");
	GW(1, "\n");
	drain();
	CHECK_SCREEN("[a] hello\n[b] \n");
	CHECK(!memcmp(shim_tty, "[a] hello\r\n", 11));
	finish();
}

/* A prompt of a guest without the focus shows once its ring got nothing
 * new for a whole tick; what follows continues it. */
static void prompt_shown_when_idle(void)
{
	start();
	GW(0, "login: ");
	drain();
	CHECK_SCREEN("");
	tick(1);
	CHECK(!vm_console_pending());
	tick(1);
	CHECK(vm_console_pending());
	drain();
	CHECK_SCREEN("[a] login: ");
	GW(0, "root\n");
	drain();
	CHECK_SCREEN("[a] login: root\n");
	finish();
}

/* A line that trickles in is shown after a second however busy it is. */
static void trickle_shown_after_a_while(void)
{
	unsigned t;

	start();
	for (t = 0; t < 20 && !shim_tty_len; t++) {
		GW(0, ".");
		drain();
		tick(1);
	}
	CHECK(t >= 10 && t <= 12);
	CHECK(shim_tty_len > 4 && !memcmp(shim_tty, "[a] ..........", 4 + t - 1));
	finish();
}

/* Another guest's line or a VMM line ends a partial line on the console;
 * the guest's line then goes on under a fresh prefix. */
static void interrupted_line_goes_on(void)
{
	start();
	GW(0, "abc");
	settle();
	GW(1, "hello\n");
	drain();
	GW(0, "def");
	settle();
	printk("vigil: something else\n");
	GW(0, "ghi\n");
	drain();
	CHECK_SCREEN("[a] abc\n[b] hello\n[a] def\nvigil: something else\n[a] ghi\n");
	finish();
}

/* The end of a line that was cut short adds no empty line; an empty line
 * of its own still shows its prefix. */
static void cut_line_ends_quietly(void)
{
	start();
	GW(0, "abc");
	settle();
	GW(1, "b's\n");
	drain();
	GW(0, "\n");
	drain();
	GW(0, "\n");
	drain();
	CHECK_SCREEN("[a] abc\n[b] b's\n[a] \n");
	finish();
}

/* BS erases the guest's own characters on the console and nothing more:
 * never its prefix, never a line someone else's ended. */
static void erasing_stops_at_the_prefix(void)
{
	start();
	GW(0, "ab");
	settle();
	GW(0, "\b\b\b\b\b\x7f\x7f");
	settle();
	CHECK_SCREEN("[a] ");
	GW(0, "x\n");
	drain();
	CHECK_SCREEN("[a] x\n");
	GW(0, "cd");
	settle();
	GW(1, "b\n");
	drain();
	GW(0, "\b\b\bz\n");
	drain();
	CHECK_SCREEN("[a] x\n[a] cd\n[b] b\n[a] z\n");
	finish();
}

/* What is erased before it is printed never reaches the console. */
static void erasure_before_printing_is_free(void)
{
	start();
	GW(0, "abX\bc\n");
	drain();
	CHECK_EQ(shim_tty_len, 9);
	CHECK(!memcmp(shim_tty, "[a] abc\r\n", 9));
	finish();
}

/* CR goes back to the start of the guest's own text (a progress line, a
 * shell redrawing its line). */
static void return_redraws_own_text(void)
{
	start();
	GW(0, "10%");
	settle();
	GW(0, "\r20%");
	settle();
	CHECK_SCREEN("[a] 20%");
	GW(0, "\r\x1b[Kdone\r\n");
	drain();
	CHECK_SCREEN("[a] done\n");
	finish();
}

/* Escape sequences never reach the console; text around them does. */
static void escapes_never_printed(void)
{
	start();
	GW(0, "\x1b[2J\x1b[H\x1b]0;owned\x07\x1b[31mred\x1b[0m \x1b" "cplain\n");
	drain();
	CHECK_SCREEN("[a] red plain\n");
	finish();
}

/* The ring holds only what vuart.c let through; the console's own filter
 * (vm_console_render) skips anything else should a byte ever get there:
 * bytes pushed straight into the ring, past the first filter. */
static void ring_bytes_outside_the_alphabet_skipped(void)
{
	static const char raw[] = "x\x1b[2J\x07\x7f\x80\xff\x00\x1b" "cy\n";

	start();
	conring_push(&vms[0].uart.out, raw, sizeof(raw) - 1);
	drain();
	CHECK_SCREEN("[a] x[2Jcy\n");
	finish();
}

/* The VMM's line about a guest, queued behind its output, ends its
 * unfinished line and comes out as the VMM's, the longest one whole. */
static void vmm_line_from_the_ring(void)
{
	char longest[CONRING_LINE_MAX], want[2 * CONRING_LINE_MAX];

	start();
	GW(0, "last words");
	CHECK_EQ(vuart_log(&vms[0].uart, "vigil: guest a stopped: exit\n", 29), 0);
	drain();
	CHECK_SCREEN("[a] last words\nvigil: guest a stopped: exit\n");
	memset(longest, 'l', sizeof(longest));
	memcpy(longest, "vigil: ", 7);
	longest[sizeof(longest) - 2] = '\n';
	CHECK_EQ(vuart_log(&vms[0].uart, longest, sizeof(longest) - 1), 0);
	drain();
	snprintf(want, sizeof(want), "[a] last words\nvigil: guest a stopped: exit\n%.*s",
		 (int)sizeof(longest) - 1, longest);
	CHECK_SCREEN(want);
	finish();
}

/* A flood takes the tick's budget, a pass at a time, and waits for the
 * next tick; the other guests keep their turn. */
static void tick_budget(void)
{
	start();
	for (int i = 0; i < 100; i++)
		GW(1, "a line of forty bytes, give or take it..\n");
	GW(2, "quiet\n");
	drain();
	CHECK(strstr(screen(), "[c] quiet\n") != NULL);
	CHECK(shim_tty_len > 1000 && shim_tty_len < 1152 + 512);
	CHECK(!vm_console_pending());
	tick(1);
	CHECK(vm_console_pending());
	finish();
}

/* Whatever two guests, the VMM and the operator do, in any order, the
 * terminal's rules hold. */
static void random_traffic_contained(void)
{
	static const char palette[] = "abc \t\n\n\b\b\x7f\r\r\x1b\x1b[];0123456789mJHK\x07\\";

	start();
	srand(1);
	for (int step = 0; step < 200000; step++) {
		int r = rand() % 100;
		unsigned g = (unsigned)rand() % 2;

		if (r < 80) {
			uint8_t c = (uint8_t)(rand() % 4 ? palette[rand() % (sizeof(palette) - 1)] : rand());

			vuart_write(&vms[g].uart, THR, c);
		} else if (r < 90) {
			vm_console_drain();
		} else if (r < 94) {
			tick(1);
		} else if (r < 96) {
			printk("vigil: step %d\n", step);
		} else if (r < 98) {
			(void)vuart_log(&vms[g].uart, "vigil: about a guest\n", 21);
		} else {
			vm_console_flush(&vms[g]);
		}
		if (shim_tty_len > SHIM_TTY_MAX - 4096) {
			screen();
			shim_tty_len = 0;
		}
	}
	finish();
	screen();
	CHECK_EQ(violations, 0);
}

/* ---- input ----------------------------------------------------------------- */

static uint8_t fifo_get(unsigned g)
{
	return (vuart_read(&vms[g].uart, LSR) & 1) ? (uint8_t)vuart_read(&vms[g].uart, RBR) : 0;
}

static void type(const char *s, size_t n)
{
	shim_rx = (const uint8_t *)s;
	shim_rx_len = n;
	vm_input_poll();
}

#define TYPE(lit) type(lit, sizeof(lit) - 1)

/* No guest may take input: COM1's input is not even read. */
static void input_off_without_grants(void)
{
	start();
	cfgs[0].console_input = cfgs[1].console_input = false;
	CHECK_EQ(vm_input_init(NULL, 0), 0);
	cfgs[0].console_input = cfgs[1].console_input = true;
	CHECK_SCREEN("vigil: console input off: no guest has console-input\n");
	CHECK_EQ(shim_routes, 0);
	CHECK(vm_input_focus() == NULL);
	TYPE("ignored");
	CHECK_EQ(shim_rx_len, 7);
	CHECK_EQ(fifo_get(0), 0);
	finish();
}

static void input_on(void)
{
	start();
	CHECK_EQ(vm_input_init(NULL, 0), 0);
	CHECK_SCREEN("vigil: console input (irq 4) for guests with console-input; Ctrl-] moves the focus\n"
		     "vigil: console focus: a\n");
	CHECK_EQ(shim_routes, 1);
	CHECK(shim_irq_handler == console_rx_irq);
	CHECK(vm_input_focus() == &vms[0]);
	finish();
}

/* Typed bytes reach the guest with the focus, and only it; its CPU is
 * kicked once per batch. */
static void input_to_the_focus(void)
{
	unsigned kicks = shim_kicks[0];

	start();
	TYPE("hi\r");
	CHECK_EQ(fifo_get(0), 'h');
	CHECK_EQ(fifo_get(0), 'i');
	CHECK_EQ(fifo_get(0), '\r');
	CHECK_EQ(fifo_get(0), 0);
	CHECK_EQ(fifo_get(1), 0);
	CHECK_EQ(fifo_get(2), 0);
	CHECK_EQ(shim_kicks[0], kicks + 1);
	CHECK_EQ(shim_kicks[1] + shim_kicks[2], 0);
	/* by the receive interrupt, as on the machine */
	shim_rx = (const uint8_t *)"k";
	shim_rx_len = 1;
	shim_irq_handler();
	CHECK_EQ(shim_eois, 1);
	CHECK_EQ(shim_rx_len, 0);
	vm_input_poll();
	CHECK_EQ(fifo_get(0), 'k');
	finish();
}

/* Ctrl-] moves the focus among the guests that may take input (c never
 * has it), is itself passed to nobody, and each move is printed. */
static void focus_key_moves_the_focus(void)
{
	unsigned ka = shim_kicks[0], kb = shim_kicks[1];

	start();
	TYPE("x\x1dy\x1dz\x1d\x1d");
	CHECK_EQ(fifo_get(0), 'x');
	CHECK_EQ(fifo_get(0), 'z');
	CHECK_EQ(fifo_get(0), 0);
	CHECK_EQ(fifo_get(1), 'y');
	CHECK_EQ(fifo_get(1), 0);
	CHECK_EQ(fifo_get(2), 0);
	CHECK_EQ(shim_kicks[0], ka + 2);
	CHECK_EQ(shim_kicks[1], kb + 1);
	CHECK_EQ(shim_kicks[2], 0);
	CHECK_SCREEN("vigil: console focus: b\nvigil: console focus: a\n"
		     "vigil: console focus: b\nvigil: console focus: a\n");
	finish();
}

/* The focused guest's unfinished line shows at once, and wakes the
 * printer; a focus move ends it on the console, and it goes on later. */
static void focused_echo_at_once(void)
{
	unsigned wakes = shim_wakes;

	start();
	GW(0, "$ ");
	CHECK_EQ(shim_wakes, wakes + 1);
	CHECK(vm_console_pending());
	drain();
	CHECK_SCREEN("[a] $ ");
	GW(0, "l");
	drain();
	GW(0, "s");
	drain();
	CHECK_SCREEN("[a] $ ls");
	GW(1, "% "); /* b has no focus: it waits */
	drain();
	CHECK_SCREEN("[a] $ ls");
	TYPE("\x1d");
	CHECK_SCREEN("[a] $ ls\nvigil: console focus: b\n");
	drain();
	CHECK_SCREEN("[a] $ ls\nvigil: console focus: b\n[b] % ");
	TYPE("\x1d");
	GW(0, "\n");
	drain();
	CHECK_SCREEN("[a] $ ls\nvigil: console focus: b\n[b] % \nvigil: console focus: a\n");
	finish();
}

/* A line the guest with the focus writes in one go comes out whole, even
 * with other guests' lines printed while it is being written; its
 * unfinished line shows once it wrote nothing for a few milliseconds. */
static void focused_line_not_cut(void)
{
	static const char line[] = "got 5: hello\n";

	start();
	for (size_t i = 0; i < sizeof(line) - 1; i++) {
		gw(0, line + i, 1);
		vm_console_drain();
		if (i == 4) {
			GW(1, "b's line\n");
			vm_console_drain();
		}
	}
	CHECK_SCREEN("[b] b's line\n[a] got 5: hello\n");
	GW(0, "echo> ");
	vm_console_drain();
	CHECK_SCREEN("[b] b's line\n[a] got 5: hello\n");
	shim_ms += 19;
	CHECK(!vm_console_pending());
	shim_ms += 1;
	CHECK(vm_console_pending());
	vm_console_drain();
	CHECK_SCREEN("[b] b's line\n[a] got 5: hello\n[a] echo> ");
	finish();
}

/* A full receive FIFO drops what comes, counted per guest. */
static void full_fifo_counts_drops(void)
{
	static char many[300];

	start();
	memset(many, 'q', sizeof(many));
	type(many, sizeof(many));
	CHECK_EQ(vuart_rx_dropped(&vms[0].uart), sizeof(many) - VUART_RX_SIZE);
	CHECK_EQ(vuart_rx_dropped(&vms[1].uart), 0);
	for (unsigned i = 0; i < VUART_RX_SIZE; i++)
		fifo_get(0);
	CHECK_EQ(fifo_get(0), 0);
	finish();
}

/* Input that comes faster than the VMM's CPU takes it (its interrupt
 * finds the 1 KiB ring full) is lost there, and charged to the focus. */
static void lost_input_counted(void)
{
	static char burst[1500];
	uint64_t before = vuart_rx_dropped(&vms[0].uart);

	start();
	memset(burst, 'w', sizeof(burst));
	shim_rx = (const uint8_t *)burst;
	shim_rx_len = sizeof(burst);
	while (shim_rx_len)
		shim_irq_handler();
	vm_input_poll();
	CHECK_EQ(vuart_rx_dropped(&vms[0].uart) - before, sizeof(burst) - VUART_RX_SIZE);
	CHECK_EQ(vuart_rx_dropped(&vms[1].uart), 0);
	while (fifo_get(0))
		;
	finish();
}

/* A line that never stops sending cannot hold the VMM's CPU: each call
 * takes a bounded amount, the rest waits in the UART. */
static void input_bounded_per_call(void)
{
	static char flood[8000];

	start();
	memset(flood, '!', sizeof(flood));
	type(flood, sizeof(flood));
	CHECK(shim_rx_len >= sizeof(flood) - 2 * 1024 - 64); /* the budget, and the ring that holds the rest */
	while (shim_rx_len)
		vm_input_poll();
	while (fifo_get(0))
		;
	CHECK(vuart_rx_dropped(&vms[0].uart) > 0);
	finish();
}

int main(void)
{
	for (unsigned i = 0; i < 3; i++) {
		vms[i].cfg = &cfgs[i];
		vms[i].name = cfgs[i].name;
		vms[i].index = i;
	}
	vm_count = 3;
	CHECK_RUN(line_prefixed);
	CHECK_RUN(prompt_shown_when_idle);
	CHECK_RUN(trickle_shown_after_a_while);
	CHECK_RUN(interrupted_line_goes_on);
	CHECK_RUN(cut_line_ends_quietly);
	CHECK_RUN(erasing_stops_at_the_prefix);
	CHECK_RUN(erasure_before_printing_is_free);
	CHECK_RUN(return_redraws_own_text);
	CHECK_RUN(escapes_never_printed);
	CHECK_RUN(ring_bytes_outside_the_alphabet_skipped);
	CHECK_RUN(vmm_line_from_the_ring);
	CHECK_RUN(tick_budget);
	CHECK_RUN(random_traffic_contained);
	CHECK_RUN(input_off_without_grants);
	CHECK_RUN(input_on);
	CHECK_RUN(input_to_the_focus);
	CHECK_RUN(focus_key_moves_the_focus);
	CHECK_RUN(focused_echo_at_once);
	CHECK_RUN(focused_line_not_cut);
	CHECK_RUN(full_fifo_counts_drops);
	CHECK_RUN(lost_input_counted);
	CHECK_RUN(input_bounded_per_call);
	return check_done();
}
