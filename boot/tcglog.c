/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "boot/tcglog.h"

#define EV_NO_ACTION 3u
#define SHA1_LEN 20u
#define HEADER_DATA_AT (8u + SHA1_LEN + 4u) /* pcr, type, SHA-1 digest, size */
#define SPEC_ID_ALGS_AT 28u		    /* signature[16], class, 4 version bytes, count */
#define DIGEST_MAX 64u

static const char spec_id_signature[16] = "Spec ID Event03";

static uint32_t le16(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | le16(p + 2) << 16;
}

int tcglog_header(const uint8_t *p, size_t len, struct tcglog_algs *a, size_t *hdr_len)
{
	static const uint8_t zero[SHA1_LEN];
	const uint8_t *d = p + HEADER_DATA_AT;
	uint32_t size, n;
	size_t need;

	if (len < HEADER_DATA_AT + SPEC_ID_ALGS_AT || le32(p) != 0 || le32(p + 4) != EV_NO_ACTION ||
	    memcmp(p + 8, zero, SHA1_LEN))
		return -EINVAL;
	size = le32(p + 8 + SHA1_LEN);
	if (size > len - HEADER_DATA_AT || size < SPEC_ID_ALGS_AT ||
	    memcmp(d, spec_id_signature, sizeof(spec_id_signature)))
		return -EINVAL;
	n = le32(d + SPEC_ID_ALGS_AT - 4);
	if (n < 1 || n > TCGLOG_MAX_ALGS)
		return -EINVAL;
	need = SPEC_ID_ALGS_AT + 4u * n + 1u; /* the algorithms, then vendorInfoSize */
	if (size < need || size < need + d[need - 1])
		return -EINVAL;
	a->count = n;
	for (uint32_t i = 0; i < n; i++) {
		a->id[i] = (uint16_t)le16(d + SPEC_ID_ALGS_AT + 4 * i);
		a->size[i] = (uint16_t)le16(d + SPEC_ID_ALGS_AT + 4 * i + 2);
		if (a->size[i] < 1 || a->size[i] > DIGEST_MAX)
			return -EINVAL;
		for (uint32_t j = 0; j < i; j++)
			if (a->id[j] == a->id[i])
				return -EINVAL;
	}
	*hdr_len = HEADER_DATA_AT + size;
	return 0;
}

/* The digest size of alg, or 0 when the header did not name it. */
static uint32_t alg_size(const struct tcglog_algs *a, uint32_t alg)
{
	for (uint32_t i = 0; i < a->count; i++)
		if (a->id[i] == alg)
			return a->size[i];
	return 0;
}

int tcglog_event(const uint8_t *p, size_t len, const struct tcglog_algs *a, size_t *ev_len)
{
	size_t at = 12; /* pcr, type, digest count */
	uint32_t seen = 0, count, size;

	if (len < at)
		return -EINVAL;
	count = le32(p + 8);
	if (count < 1 || count > a->count)
		return -EINVAL;
	for (uint32_t i = 0; i < count; i++) {
		uint32_t alg, dlen, bit = 0;

		if (len - at < 2)
			return -EINVAL;
		alg = le16(p + at);
		dlen = alg_size(a, alg);
		for (uint32_t j = 0; j < a->count; j++)
			if (a->id[j] == alg)
				bit = 1u << j;
		if (!dlen || (seen & bit) || len - at - 2 < dlen)
			return -EINVAL;
		seen |= bit;
		at += 2 + dlen;
	}
	if (len - at < 4)
		return -EINVAL;
	size = le32(p + at);
	at += 4;
	if (size > TCGLOG_EVENT_DATA_MAX || size > len - at)
		return -EINVAL;
	*ev_len = at + size;
	return 0;
}

int tcglog_events(const uint8_t *p, size_t len, uint64_t count, const struct tcglog_algs *a, size_t *bytes)
{
	size_t at = 0, n;

	for (uint64_t i = 0; i < count; i++) {
		if (tcglog_event(p + at, len - at, a, &n))
			return -EINVAL;
		at += n;
	}
	*bytes = at;
	return 0;
}

int tcglog_measure(const uint8_t *p, size_t len, size_t last, struct tcglog_algs *a, size_t *log_len)
{
	size_t at, n;

	if (tcglog_header(p, len, a, &at))
		return -EINVAL;
	if (!last) {
		*log_len = at;
		return 0;
	}
	if (last < at || last >= len)
		return -EINVAL;
	while (at < last) {
		if (tcglog_event(p + at, len - at, a, &n))
			return -EINVAL;
		at += n;
	}
	/* The last entry must start where an event does, not inside one. */
	if (at != last || tcglog_event(p + last, len - last, a, &n))
		return -EINVAL;
	*log_len = last + n;
	return 0;
}
