/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include "vmm/conring.h"

int conring_put(struct conring *r, const char *line, size_t len, bool vmm_line)
{
	uint32_t head = r->head, tail = __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
	size_t room = CONRING_SIZE - (head - tail), keep = vmm_line ? 0 : CONRING_RESERVE;

	if (!len || len > CONRING_LINE_MAX || line[len - 1] != '\n')
		return -EINVAL;
	if (len + keep > room) {
		if (!vmm_line)
			__atomic_store_n(&r->dropped, r->dropped + 1, __ATOMIC_RELAXED);
		return -ENOSPC;
	}
	for (size_t i = 0; i < len; i++)
		r->buf[(head + i) % CONRING_SIZE] = line[i];
	__atomic_store_n(&r->head, head + (uint32_t)len, __ATOMIC_RELEASE);
	return 0;
}

size_t conring_take(struct conring *r, char *out, size_t cap)
{
	uint32_t head = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE), tail = r->tail;
	size_t n = 0;

	while (tail != head && n < cap) {
		char c = r->buf[tail++ % CONRING_SIZE];

		out[n++] = c;
		if (c == '\n')
			break;
	}
	__atomic_store_n(&r->tail, tail, __ATOMIC_RELEASE);
	return n;
}

bool conring_empty(const struct conring *r)
{
	return __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE) == __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
}

uint64_t conring_dropped(const struct conring *r)
{
	return __atomic_load_n(&r->dropped, __ATOMIC_RELAXED);
}
