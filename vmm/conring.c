/* SPDX-License-Identifier: MIT */
#include "vmm/conring.h"

size_t conring_room(const struct conring *r)
{
	return CONRING_SIZE - (r->head - __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE));
}

void conring_push(struct conring *r, const char *s, size_t len)
{
	uint32_t head = r->head;

	if (len > conring_room(r))
		return;
	for (size_t i = 0; i < len; i++)
		r->buf[(head + i) % CONRING_SIZE] = s[i];
	__atomic_store_n(&r->head, head + (uint32_t)len, __ATOMIC_RELEASE);
}

void conring_count_drop(struct conring *r)
{
	__atomic_store_n(&r->dropped, r->dropped + 1, __ATOMIC_RELAXED);
}

size_t conring_peek(const struct conring *r, char *out, size_t cap)
{
	uint32_t tail = r->tail, n = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) - tail;

	if (n > cap)
		n = (uint32_t)cap;
	for (uint32_t i = 0; i < n; i++)
		out[i] = r->buf[(tail + i) % CONRING_SIZE];
	return n;
}

void conring_consume(struct conring *r, size_t n)
{
	uint32_t queued = __atomic_load_n(&r->head, __ATOMIC_ACQUIRE) - r->tail;

	__atomic_store_n(&r->tail, r->tail + (uint32_t)(n < queued ? n : queued), __ATOMIC_RELEASE);
}

uint32_t conring_head(const struct conring *r)
{
	return __atomic_load_n(&r->head, __ATOMIC_ACQUIRE);
}

uint32_t conring_tail(const struct conring *r)
{
	return __atomic_load_n(&r->tail, __ATOMIC_ACQUIRE);
}

bool conring_empty(const struct conring *r)
{
	return conring_tail(r) == conring_head(r);
}

uint64_t conring_dropped(const struct conring *r)
{
	return __atomic_load_n(&r->dropped, __ATOMIC_RELAXED);
}
