/* SPDX-License-Identifier: MIT */
/*
 * TPM 2.0 commands: PCR_Read and PCR_Extend on the SHA-256 bank, and one
 * fixed property through GetCapability (TPM 2.0 Library, Part 3). Numbers
 * on the wire are big-endian.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include "drivers/tpm2.h"

#define ST_NO_SESSIONS 0x8001u
#define ST_SESSIONS 0x8002u
#define CC_PCR_EXTEND 0x182u
#define CC_PCR_READ 0x17eu
#define CC_GET_CAPABILITY 0x17au
#define ALG_SHA256 0x000bu
#define RS_PW 0x40000009u
#define CAP_TPM_PROPERTIES 6u
#define HDR 10
#define SELECT_BYTES 3 /* PCRs 0..23 */
#define TIMEOUT_MS 5000u

struct wbuf {
	uint8_t *p;
	size_t n;
};

static void put8(struct wbuf *w, uint8_t v)
{
	w->p[w->n++] = v;
}

static void put16(struct wbuf *w, uint16_t v)
{
	put8(w, (uint8_t)(v >> 8));
	put8(w, (uint8_t)v);
}

static void put32(struct wbuf *w, uint32_t v)
{
	put16(w, (uint16_t)(v >> 16));
	put16(w, (uint16_t)v);
}

/* Start a command: its header, the size filled in by end(). */
static struct wbuf begin(uint8_t *buf, uint16_t tag, uint32_t cc)
{
	struct wbuf w = { buf, 0 };

	put16(&w, tag);
	put32(&w, 0);
	put32(&w, cc);
	return w;
}

static size_t end(struct wbuf *w)
{
	size_t n = w->n;

	w->n = 2;
	put32(w, (uint32_t)n);
	return n;
}

/* A response read front to back; any read past its end marks it bad. */
struct rbuf {
	const uint8_t *p;
	size_t len, off;
	uint32_t params; /* with sessions: the parameters' size */
	bool bad;
};

static uint32_t get(struct rbuf *r, unsigned bytes)
{
	uint32_t v = 0;

	if (r->bad || r->len - r->off < bytes) {
		r->bad = true;
		return 0;
	}
	for (unsigned i = 0; i < bytes; i++)
		v = v << 8 | r->p[r->off++];
	return v;
}

/*
 * The header: its size equal to the bytes received, the tag the one
 * expected on success. Returns 0 and r past the header (and past the
 * parameter size when the command had sessions); the TPM's response code
 * when it is not success; -EIO when the header is malformed.
 */
static int header(struct rbuf *r, const uint8_t *rsp, size_t len, uint16_t tag)
{
	uint32_t got_tag, size, rc;

	*r = (struct rbuf){ rsp, len, 0, 0, false };
	got_tag = get(r, 2);
	size = get(r, 4);
	rc = get(r, 4);
	if (r->bad || size != len)
		return -EIO;
	if (rc)
		return got_tag == ST_NO_SESSIONS && len == HDR ? (int)(rc & 0x7fffffff) : -EIO;
	if (got_tag != tag)
		return -EIO;
	if (tag == ST_SESSIONS) {
		r->params = get(r, 4);
		if (r->bad || r->params > r->len - r->off)
			return -EIO;
	}
	return 0;
}

size_t tpm2_build_pcr_read(uint8_t *buf, unsigned pcr)
{
	struct wbuf w = begin(buf, ST_NO_SESSIONS, CC_PCR_READ);

	put32(&w, 1); /* one selection */
	put16(&w, ALG_SHA256);
	put8(&w, SELECT_BYTES);
	for (unsigned i = 0; i < SELECT_BYTES; i++)
		put8(&w, i == pcr / 8 ? (uint8_t)(1u << pcr % 8) : 0);
	return end(&w);
}

int tpm2_parse_pcr_read(const uint8_t *rsp, size_t len, unsigned pcr, uint8_t digest[32])
{
	struct rbuf r;
	int err = header(&r, rsp, len, ST_NO_SESSIONS);
	uint32_t count;

	if (err)
		return err;
	(void)get(&r, 4); /* the update counter */
	count = get(&r, 4);
	/* The selection it read: exactly the PCR asked for, on SHA-256. */
	if (count != 1 || get(&r, 2) != ALG_SHA256 || get(&r, 1) != SELECT_BYTES)
		return -EIO;
	for (unsigned i = 0; i < SELECT_BYTES; i++)
		if (get(&r, 1) != (i == pcr / 8 ? 1u << pcr % 8 : 0))
			return -EIO;
	if (get(&r, 4) != 1 || get(&r, 2) != 32 || r.bad || r.len - r.off != 32)
		return -EIO;
	memcpy(digest, r.p + r.off, 32);
	return 0;
}

size_t tpm2_build_pcr_extend(uint8_t *buf, unsigned pcr, const uint8_t digest[32])
{
	struct wbuf w = begin(buf, ST_SESSIONS, CC_PCR_EXTEND);

	put32(&w, pcr);
	/* One password session with the empty password: the PCR's own (empty)
	 * authorization value. */
	put32(&w, 9);
	put32(&w, RS_PW);
	put16(&w, 0); /* nonce */
	put8(&w, 0);  /* attributes */
	put16(&w, 0); /* password */
	put32(&w, 1); /* one digest */
	put16(&w, ALG_SHA256);
	memcpy(w.p + w.n, digest, 32);
	w.n += 32;
	return end(&w);
}

int tpm2_parse_pcr_extend(const uint8_t *rsp, size_t len)
{
	struct rbuf r;
	int err = header(&r, rsp, len, ST_SESSIONS);
	uint32_t nonce, hmac;

	if (err)
		return err;
	/* No parameters; the password session's reply: an empty nonce, its
	 * attributes, an empty hmac; nothing after. */
	nonce = get(&r, 2);
	(void)get(&r, 1);
	hmac = get(&r, 2);
	return r.params || nonce || hmac || r.bad || r.off != r.len ? -EIO : 0;
}

size_t tpm2_build_get_property(uint8_t *buf, uint32_t property)
{
	struct wbuf w = begin(buf, ST_NO_SESSIONS, CC_GET_CAPABILITY);

	put32(&w, CAP_TPM_PROPERTIES);
	put32(&w, property);
	put32(&w, 1);
	return end(&w);
}

int tpm2_parse_get_property(const uint8_t *rsp, size_t len, uint32_t property, uint32_t *value)
{
	struct rbuf r;
	int err = header(&r, rsp, len, ST_NO_SESSIONS);

	if (err)
		return err;
	(void)get(&r, 1); /* more data */
	if (get(&r, 4) != CAP_TPM_PROPERTIES || get(&r, 4) != 1 || get(&r, 4) != property)
		return -EIO;
	*value = get(&r, 4);
	return r.bad || r.off != r.len ? -EIO : 0;
}

/* Send a command, its response into rsp (max bytes); its length or an error. */
static int send(struct tpm *t, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t max)
{
	return tpm_transmit(t, cmd, len, rsp, max, TIMEOUT_MS);
}

int tpm2_pcr_read(struct tpm *t, unsigned pcr, uint8_t digest[32])
{
	uint8_t cmd[TPM2_CMD_MAX], rsp[256];
	int n;

	if (pcr >= TPM2_PCRS)
		return -EINVAL;
	n = send(t, cmd, tpm2_build_pcr_read(cmd, pcr), rsp, sizeof(rsp));
	return n < 0 ? n : tpm2_parse_pcr_read(rsp, (size_t)n, pcr, digest);
}

int tpm2_pcr_extend(struct tpm *t, unsigned pcr, const uint8_t digest[32])
{
	uint8_t cmd[TPM2_CMD_MAX], rsp[64];
	int n;

	if (pcr >= TPM2_PCRS)
		return -EINVAL;
	n = send(t, cmd, tpm2_build_pcr_extend(cmd, pcr, digest), rsp, sizeof(rsp));
	return n < 0 ? n : tpm2_parse_pcr_extend(rsp, (size_t)n);
}

int tpm2_get_property(struct tpm *t, uint32_t property, uint32_t *value)
{
	uint8_t cmd[TPM2_CMD_MAX], rsp[64];
	int n = send(t, cmd, tpm2_build_get_property(cmd, property), rsp, sizeof(rsp));

	return n < 0 ? n : tpm2_parse_get_property(rsp, (size_t)n, property, value);
}
