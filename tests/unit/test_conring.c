// SPDX-License-Identifier: MIT
/*
 * Unit tests of vmm/conring.c, a guest's console ring: bytes come out in
 * the order they went in; a peek leaves them queued until consumed; a
 * push that does not fit queues nothing; the byte counters wrap around.
 * Last, a producer and a consumer thread run it as the guest's CPU and
 * the VMM's CPU do, the producer writing lines byte by byte and dropping
 * those that find no room, the consumer printing unfinished lines too.
 */
#define CHECK_SUITE "conring"
#include "tests/unit/check.h"

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

/* Line number n: "line <n> <padding to len>\n", len bytes in all. */
static size_t make_line(char *buf, unsigned n, size_t len)
{
	size_t k = (size_t)snprintf(buf, len, "line %u ", n);

	memset(buf + k, 'a' + n % 26, len - 1 - k);
	buf[len - 1] = '\n';
	return len;
}

static void bytes_in_order(void)
{
	char out[64];

	ring_reset(0);
	CHECK(conring_empty(&ring));
	CHECK_EQ(conring_peek(&ring, out, sizeof(out)), 0);
	conring_push(&ring, "hello ", 6);
	conring_push(&ring, "world", 5);
	CHECK(!conring_empty(&ring));
	CHECK_EQ(conring_peek(&ring, out, 4), 4); /* a peek takes nothing */
	CHECK_EQ(conring_peek(&ring, out, sizeof(out)), 11);
	CHECK(!memcmp(out, "hello world", 11));
	conring_consume(&ring, 6);
	CHECK_EQ(conring_peek(&ring, out, sizeof(out)), 5);
	CHECK(!memcmp(out, "world", 5));
	conring_consume(&ring, 100); /* never more than is queued */
	CHECK(conring_empty(&ring));
	CHECK_EQ(conring_head(&ring), 11);
	CHECK_EQ(conring_tail(&ring), 11);
}

static void push_fits_or_nothing(void)
{
	static char big[CONRING_SIZE + 1];
	char out[8];

	ring_reset(0);
	CHECK_EQ(conring_room(&ring), CONRING_SIZE);
	conring_push(&ring, big, sizeof(big));
	CHECK(conring_empty(&ring));
	conring_push(&ring, big, CONRING_SIZE - 3);
	CHECK_EQ(conring_room(&ring), 3);
	conring_push(&ring, "abcd", 4); /* does not fit: nothing of it */
	CHECK_EQ(conring_room(&ring), 3);
	conring_push(&ring, "abc", 3);
	CHECK_EQ(conring_room(&ring), 0);
	conring_consume(&ring, CONRING_SIZE - 3);
	CHECK_EQ(conring_peek(&ring, out, sizeof(out)), 3);
	CHECK(!memcmp(out, "abc", 3));
	CHECK_EQ(conring_dropped(&ring), 0);
	conring_count_drop(&ring);
	conring_count_drop(&ring);
	CHECK_EQ(conring_dropped(&ring), 2);
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
			char line[CONRING_LINE_MAX], got[CONRING_LINE_MAX];
			size_t len = 20 + (n * 37) % (CONRING_LINE_MAX - 20);

			conring_push(&ring, line, make_line(line, n, len));
			if (n % 3 != 2) /* keep a few lines queued */
				continue;
			for (; next_out + 1 < n; next_out++) {
				size_t want = make_line(line, next_out, 20 + (next_out * 37) % (CONRING_LINE_MAX - 20));

				if (!CHECK(conring_peek(&ring, got, want) == want && !memcmp(got, line, want)))
					return;
				conring_consume(&ring, want);
			}
		}
	}
}

/*
 * The guest's CPU and the VMM's CPU: one thread writes numbered lines a
 * byte at a time, letting a line in only when the ring has room for all
 * of it (as the vuart does) and counting it dropped otherwise (one line in
 * eight; the others wait for room, but while the reader holds back, none
 * does, and the writer drops one line and waits for the hold to end); the other takes whatever is there, unfinished lines included, and
 * puts the lines back together. Every few thousand lines the reader holds
 * back until the writer has dropped one, so that drops happen however fast
 * either thread runs. Every line taken is whole, the numbers only grow,
 * and taken + dropped = written.
 */
#define STRESS_LINES 200000u

static int producer_done;
static int consumer_holds; /* the reader takes nothing: no line waits for room */

static void *stress_producer(void *arg)
{
	(void)arg;
	for (unsigned n = 0; n < STRESS_LINES; n++) {
		char line[CONRING_LINE_MAX];
		size_t len = make_line(line, n, 20 + n % 200);

		/* Most lines wait for room, so that many go through. */
		while (n % 8 && conring_room(&ring) < len && !__atomic_load_n(&consumer_holds, __ATOMIC_ACQUIRE))
			;
		if (conring_room(&ring) < len) {
			conring_count_drop(&ring);
			/* One drop per hold: a reader held back (or descheduled on a
			 * busy machine) while holding must not cost more lines. */
			while (__atomic_load_n(&consumer_holds, __ATOMIC_ACQUIRE))
				;
			continue;
		}
		for (size_t i = 0; i < len; i++)
			conring_push(&ring, line + i, 1);
	}
	__atomic_store_n(&producer_done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void two_cpus(void)
{
	char line[CONRING_LINE_MAX + 1];
	size_t have = 0;
	unsigned taken = 0, bad = 0;
	long last = -1;
	int done = 0;
	pthread_t t;

	ring_reset(UINT32_MAX - 5000);
	if (!CHECK(pthread_create(&t, NULL, stress_producer, NULL) == 0))
		return;
	for (;;) {
		char want[CONRING_LINE_MAX];
		size_t k = conring_peek(&ring, line + have, CONRING_LINE_MAX - have), end;
		unsigned n;

		if (!k) {
			if (done)
				break;
			/* Read before the last look: every byte put is then visible. */
			done = __atomic_load_n(&producer_done, __ATOMIC_ACQUIRE);
			continue;
		}
		for (end = have; end < have + k && line[end] != '\n'; end++)
			;
		if (end == have + k) { /* unfinished: take it all, as a partial print */
			conring_consume(&ring, k);
			have += k;
			continue;
		}
		conring_consume(&ring, end + 1 - have);
		taken++;
		if (taken % 5000 == 0 && !done) { /* hold back until a line is dropped */
			uint64_t dropped = conring_dropped(&ring);

			__atomic_store_n(&consumer_holds, 1, __ATOMIC_RELEASE);
			while (conring_dropped(&ring) == dropped && !__atomic_load_n(&producer_done, __ATOMIC_ACQUIRE))
				;
			__atomic_store_n(&consumer_holds, 0, __ATOMIC_RELEASE);
		}
		if (sscanf(line, "line %u ", &n) != 1 || (long)n <= last || end + 1 != 20 + n % 200 ||
		    memcmp(line, want, make_line(want, n, end + 1)) != 0) {
			if (bad++ < 3)
				printf("    bad line after %ld: \"%.*s\"\n", last, (int)end, line);
		} else {
			last = n;
		}
		have = 0;
	}
	pthread_join(t, NULL);
	CHECK_EQ(bad, 0);
	CHECK_EQ(have, 0);
	CHECK_EQ(taken + conring_dropped(&ring), STRESS_LINES);
	CHECK(taken > STRESS_LINES / 2 && conring_dropped(&ring) > 0);
}

int main(void)
{
	CHECK_RUN(bytes_in_order);
	CHECK_RUN(push_fits_or_nothing);
	CHECK_RUN(wraparound);
	CHECK_RUN(two_cpus);
	return check_done();
}
