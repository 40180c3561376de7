// SPDX-License-Identifier: MIT
/*
 * Unit tests of vmm/conring.c, a guest's console ring: lines go in whole
 * and come out whole, in order; a full ring drops whole lines and counts
 * them; guest lines leave room for the VMM's lines about the guest; the
 * byte counters wrap around. Last, a producer and a consumer thread run it
 * as the guest's CPU and the VMM's CPU do.
 */
#define CHECK_SUITE "conring"
#include "tests/unit/check.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include "vmm/conring.h"

static struct conring ring;

static void ring_reset(uint32_t start)
{
	memset(&ring, 0, sizeof(ring));
	ring.head = ring.tail = start; /* where the byte counters start: wraparound tests */
}

/* Line number n: "[g] line <n> <padding to len>\n", len bytes in all. */
static size_t make_line(char *buf, unsigned n, size_t len)
{
	size_t k = (size_t)snprintf(buf, len, "[g] line %u ", n);

	memset(buf + k, 'a' + n % 26, len - 1 - k);
	buf[len - 1] = '\n';
	return len;
}

static int put_line(unsigned n, size_t len, bool vmm_line)
{
	char buf[CONRING_LINE_MAX];

	return conring_put(&ring, buf, make_line(buf, n, len), vmm_line);
}

/* The next line taken is line n of len bytes, intact. */
static int took_line(unsigned n, size_t len)
{
	char want[CONRING_LINE_MAX], got[CONRING_LINE_MAX];
	size_t k = conring_take(&ring, got, sizeof(got));

	make_line(want, n, len);
	if (k == len && !memcmp(got, want, len))
		return 1;
	printf("    line %u: took %zu bytes \"%.*s\", want %zu\n", n, k, (int)k, got, len);
	return 0;
}

static void lines_come_out_in_order(void)
{
	char out[CONRING_LINE_MAX];

	ring_reset(0);
	CHECK_EQ(conring_take(&ring, out, sizeof(out)), 0);
	for (unsigned n = 0; n < 5; n++)
		CHECK_EQ(put_line(n, 20 + n, false), 0);
	for (unsigned n = 0; n < 5; n++)
		CHECK(took_line(n, 20 + n));
	CHECK_EQ(conring_take(&ring, out, sizeof(out)), 0);
	CHECK_EQ(conring_dropped(&ring), 0);
}

static void full_ring_drops_whole_lines(void)
{
	unsigned n, kept = 0, dropped = 0;

	ring_reset(0);
	/* 100-byte lines: as many fit as the ring holds before the reserve; the
	 * rest are dropped whole. */
	for (n = 0; n < CONRING_SIZE / 100 + 25; n++) {
		int err = put_line(n, 100, false);

		CHECK(err == 0 || err == -ENOSPC);
		if (err)
			dropped++;
		else if (CHECK_EQ_INT(dropped, 0)) /* once full, full until taken */
			kept++;
	}
	CHECK_EQ(kept, (CONRING_SIZE - CONRING_RESERVE) / 100);
	CHECK_EQ(conring_dropped(&ring), dropped);
	for (unsigned i = 0; i < kept; i++)
		CHECK(took_line(i, 100));
	/* Room again: the next line goes in and comes out whole. */
	CHECK_EQ(put_line(1000, 100, false), 0);
	CHECK(took_line(1000, 100));
	CHECK_EQ(conring_dropped(&ring), dropped);
}

/* A line that does not fit is refused even when some of it would. */
static void no_partial_line_at_the_edge(void)
{
	char out[CONRING_LINE_MAX];
	size_t room = CONRING_SIZE - CONRING_RESERVE, len[CONRING_SIZE / 100];
	unsigned n = 0;

	ring_reset(0);
	/* Fill up to 50 bytes short of the reserve with lines of 100..250. */
	while (room - 50 > 250 + 100)
		len[n++] = 250, room -= 250;
	if (room - 50 > 250)
		len[n++] = 150, room -= 150;
	len[n++] = room - 50;
	for (unsigned i = 0; i < n; i++)
		CHECK_EQ(put_line(i, len[i], false), 0);
	CHECK_EQ(put_line(n, 51, false), -ENOSPC);
	CHECK_EQ(put_line(n + 1, 50, false), 0);
	CHECK_EQ(conring_dropped(&ring), 1);
	for (unsigned i = 0; i < n; i++)
		CHECK(took_line(i, len[i]));
	CHECK(took_line(n + 1, 50));
	CHECK_EQ(conring_take(&ring, out, sizeof(out)), 0);
}

/* The VMM's lines about a guest (it stopped, it restarted) fit behind a flood. */
static void vmm_lines_use_the_reserve(void)
{
	unsigned n;

	ring_reset(0);
	for (n = 0; put_line(n, 200, false) == 0; n++)
		;
	CHECK_EQ(put_line(900, CONRING_LINE_MAX, true), 0);
	CHECK_EQ(put_line(901, CONRING_LINE_MAX, true), 0);
	CHECK_EQ(put_line(n + 1, 20, false), -ENOSPC);
	CHECK_EQ(conring_dropped(&ring), 2); /* guest lines only */
	for (unsigned i = 0; i < n; i++)
		CHECK(took_line(i, 200));
	CHECK(took_line(900, CONRING_LINE_MAX));
	CHECK(took_line(901, CONRING_LINE_MAX));
}

static void not_a_line_refused(void)
{
	char buf[CONRING_LINE_MAX + 1];

	ring_reset(0);
	memset(buf, 'x', sizeof(buf));
	buf[sizeof(buf) - 1] = '\n';
	CHECK_EQ(conring_put(&ring, buf, 0, false), -EINVAL);
	CHECK_EQ(conring_put(&ring, buf, 10, false), -EINVAL);			  /* no '\n' at its end */
	CHECK_EQ(conring_put(&ring, buf, sizeof(buf), true), -EINVAL);		  /* too long */
	CHECK_EQ(conring_put(&ring, buf + 1, CONRING_LINE_MAX, false), 0); /* the longest */
	CHECK_EQ(conring_dropped(&ring), 0);
	CHECK_EQ(ring.head - ring.tail, CONRING_LINE_MAX);
}

/* Lines of every length, across the end of the buffer and across the
 * 32-bit wrap of the byte counters. */
static void wraparound(void)
{
	static const uint32_t starts[] = { 0, CONRING_SIZE - 7, UINT32_MAX - 300 };

	for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
		unsigned next_out = 0;

		ring_reset(starts[s]);
		for (unsigned n = 0; n < 3000; n++) {
			size_t len = 20 + (n * 37) % (CONRING_LINE_MAX - 20);

			if (!CHECK_EQ_INT(put_line(n, len, false), 0))
				return;
			if (n % 3 == 2) /* keep a few lines queued */
				for (; next_out + 1 < n; next_out++)
					if (!CHECK(took_line(next_out, 20 + (next_out * 37) % (CONRING_LINE_MAX - 20))))
						return;
		}
		CHECK_EQ(conring_dropped(&ring), 0);
	}
}

/*
 * The guest's CPU and the VMM's CPU: one thread queues numbered lines as
 * fast as it can (dropping when full), the other takes them. Every line
 * taken is whole, the numbers only grow, and taken + dropped = queued.
 */
#define STRESS_LINES 200000u

static int producer_done;

static void *stress_producer(void *arg)
{
	(void)arg;
	for (unsigned n = 0; n < STRESS_LINES; n++)
		(void)put_line(n, 20 + n % 200, false);
	__atomic_store_n(&producer_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void two_cpus(void)
{
	pthread_t t;
	unsigned taken = 0, bad = 0;
	long last = -1;
	int done = 0;

	ring_reset(UINT32_MAX - 5000);
	if (!CHECK(pthread_create(&t, NULL, stress_producer, NULL) == 0))
		return;
	for (;;) {
		char got[CONRING_LINE_MAX], want[CONRING_LINE_MAX];
		size_t k = conring_take(&ring, got, sizeof(got));
		unsigned n;

		if (!k) {
			if (done)
				break;
			/* Read before the last look: every line put is then visible. */
			done = __atomic_load_n(&producer_done, __ATOMIC_ACQUIRE);
			continue;
		}
		taken++;
		if (sscanf(got, "[g] line %u ", &n) != 1 || (long)n <= last || k != 20 + n % 200 ||
		    memcmp(got, want, make_line(want, n, k)) != 0) {
			if (bad++ < 3)
				printf("    bad line after %ld: \"%.*s\"\n", last, (int)k, got);
		} else {
			last = n;
		}
	}
	pthread_join(t, NULL);
	CHECK_EQ(bad, 0);
	CHECK_EQ(taken + conring_dropped(&ring), STRESS_LINES);
	CHECK(taken > 0);
}

int main(void)
{
	CHECK_RUN(lines_come_out_in_order);
	CHECK_RUN(full_ring_drops_whole_lines);
	CHECK_RUN(no_partial_line_at_the_edge);
	CHECK_RUN(vmm_lines_use_the_reserve);
	CHECK_RUN(not_a_line_refused);
	CHECK_RUN(wraparound);
	CHECK_RUN(two_cpus);
	return check_done();
}
