/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include "vmm/marks.h"
#include "kernel/crypto/hash.h"

static const char marks_magic[8] = { 'V', 'G', 'L', 'M', 'A', 'R', 'K', '1' };

#define AT_GENERATION 8
#define AT_CONFIG 16
#define AT_ROLES 24
#define AT_PERSISTED (AT_ROLES + 8 * MARKS_ROLES)
#define AT_GUESTS (AT_PERSISTED + 32)
#define GUEST_LEN (MARKS_GUEST_ID_LEN + 16)
#define AT_END (AT_GUESTS + GUEST_LEN * MARKS_GUESTS)

_Static_assert(AT_END <= MARKS_SIZE, "the marks outgrow their index");

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 8; i--;)
		v = v << 8 | p[i];
	return v;
}

void marks_encode(const struct marks *m, uint8_t out[MARKS_SIZE])
{
	memset(out, 0, MARKS_SIZE);
	memcpy(out, marks_magic, sizeof(marks_magic));
	put64(out + AT_GENERATION, m->generation);
	put64(out + AT_CONFIG, m->config_version);
	for (unsigned i = 0; i < MARKS_ROLES; i++)
		put64(out + AT_ROLES + 8 * i, m->role_seq[i]);
	memcpy(out + AT_PERSISTED, m->persisted, 32);
	for (unsigned i = 0; i < MARKS_GUESTS; i++) {
		memcpy(out + AT_GUESTS + GUEST_LEN * i, m->guest[i].id, MARKS_GUEST_ID_LEN);
		put64(out + AT_GUESTS + GUEST_LEN * i + MARKS_GUEST_ID_LEN, m->guest[i].security_version);
		put64(out + AT_GUESTS + GUEST_LEN * i + MARKS_GUEST_ID_LEN + 8, m->guest[i].version);
	}
}

static bool id_empty(const uint8_t *id)
{
	static const uint8_t zero[MARKS_GUEST_ID_LEN];

	return !memcmp(id, zero, MARKS_GUEST_ID_LEN);
}

int marks_decode(const uint8_t in[MARKS_SIZE], struct marks *m)
{
	memset(m, 0, sizeof(*m));
	if (memcmp(in, marks_magic, sizeof(marks_magic)))
		return -EINVAL;
	for (unsigned i = AT_END; i < MARKS_SIZE; i++)
		if (in[i])
			return -EINVAL;
	m->generation = get64(in + AT_GENERATION);
	m->config_version = get64(in + AT_CONFIG);
	for (unsigned i = 0; i < MARKS_ROLES; i++) {
		m->role_seq[i] = get64(in + AT_ROLES + 8 * i);
		if (i >= ROLE_COUNT && m->role_seq[i])
			return -EINVAL;
	}
	memcpy(m->persisted, in + AT_PERSISTED, 32);
	for (unsigned i = 0; i < MARKS_GUESTS; i++) {
		struct marks_guest *g = &m->guest[i];

		memcpy(g->id, in + AT_GUESTS + GUEST_LEN * i, MARKS_GUEST_ID_LEN);
		g->security_version = get64(in + AT_GUESTS + GUEST_LEN * i + MARKS_GUEST_ID_LEN);
		g->version = get64(in + AT_GUESTS + GUEST_LEN * i + MARKS_GUEST_ID_LEN + 8);
		if (id_empty(g->id) != !(g->security_version | g->version))
			return -EINVAL;
		for (unsigned j = 0; j < i && !id_empty(g->id); j++)
			if (!memcmp(m->guest[j].id, g->id, MARKS_GUEST_ID_LEN))
				return -EINVAL;
	}
	return 0;
}

/* The first 8 bytes of the name's SHA-256; never all zero (a free slot). */
static void guest_id(const char *guest, uint8_t id[MARKS_GUEST_ID_LEN])
{
	uint8_t d[32];

	crypto_sha256(guest, strlen(guest), d);
	memcpy(id, d, MARKS_GUEST_ID_LEN);
	if (id_empty(id))
		id[0] = 1;
}

static struct marks_guest *marks_find(struct marks *m, const uint8_t id[MARKS_GUEST_ID_LEN])
{
	for (unsigned i = 0; i < MARKS_GUESTS; i++)
		if (!memcmp(m->guest[i].id, id, MARKS_GUEST_ID_LEN))
			return &m->guest[i];
	return NULL;
}

static const struct marks_guest *marks_of_guest(const struct marks *m, const char *guest)
{
	uint8_t id[MARKS_GUEST_ID_LEN];

	guest_id(guest, id);
	return marks_find((struct marks *)m, id);
}

uint64_t marks_guest(const struct marks *m, const char *guest)
{
	const struct marks_guest *g = marks_of_guest(m, guest);

	return g ? g->security_version : 0;
}

uint64_t marks_guest_version(const struct marks *m, const char *guest)
{
	const struct marks_guest *g = marks_of_guest(m, guest);

	return g ? g->version : 0;
}

void marks_persist_next(uint8_t digest[32], const uint8_t payload_sha384[48])
{
	uint8_t b[32 + 48];

	memcpy(b, digest, 32);
	memcpy(b + 32, payload_sha384, 48);
	crypto_sha256(b, sizeof(b), digest);
}

int marks_raise_guest(struct marks *m, const char *guest, uint64_t v, uint64_t version)
{
	static const uint8_t free_id[MARKS_GUEST_ID_LEN];
	uint8_t id[MARKS_GUEST_ID_LEN];
	struct marks_guest *g;

	if (!(v | version))
		return 0;
	guest_id(guest, id);
	g = marks_find(m, id);
	if (!g) {
		g = marks_find(m, free_id);
		if (!g)
			return -ENOSPC;
		memcpy(g->id, id, MARKS_GUEST_ID_LEN);
	}
	if (v > g->security_version)
		g->security_version = v;
	if (version > g->version)
		g->version = version;
	return 0;
}
