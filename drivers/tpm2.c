/* SPDX-License-Identifier: MIT */
/*
 * TPM 2.0 commands: PCR_Read and PCR_Extend on the SHA-256 bank, one
 * fixed property through GetCapability, the attestation key
 * (CreatePrimary) and Quote (TPM 2.0 Library, Part 3). Numbers on the
 * wire are big-endian.
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
#define CC_CREATE_PRIMARY 0x131u
#define CC_QUOTE 0x158u
#define RH_ENDORSEMENT 0x4000000bu
#define ALG_ECC 0x0023u
#define ALG_ECDSA 0x0018u
#define ALG_NULL 0x0010u
#define ECC_NIST_P256 0x0003u
#define GENERATED_VALUE 0xff544347u
#define ST_ATTEST_QUOTE 0x8018u
/* fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, sign */
#define AK_ATTRIBUTES 0x00050072u
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

static void put_bytes(struct wbuf *w, const uint8_t *p, size_t n)
{
	if (n)
		memcpy(w->p + w->n, p, n);
	w->n += n;
}

/* A TPM2B: its size, then its contents. */
static void put_2b(struct wbuf *w, const uint8_t *p, size_t n)
{
	put16(w, (uint16_t)n);
	put_bytes(w, p, n);
}

/* One selection on the SHA-256 bank: the PCRs set in mask (bit n: PCR n). */
static void put_pcr_select(struct wbuf *w, uint32_t mask)
{
	put32(w, 1);
	put16(w, ALG_SHA256);
	put8(w, SELECT_BYTES);
	for (unsigned i = 0; i < SELECT_BYTES; i++)
		put8(w, (uint8_t)(mask >> (8 * i)));
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

/* One session, with an empty nonce, no attributes (so a policy session
 * ends with the command) and an empty hmac or password. */
static void put_session(struct wbuf *w, uint32_t handle)
{
	put32(w, 9);
	put32(w, handle);
	put16(w, 0); /* nonce */
	put8(w, 0);  /* attributes */
	put16(w, 0); /* hmac or password */
}

/* The empty password session: the only authorization the VMM gives. */
static void put_pw_session(struct wbuf *w)
{
	put_session(w, RS_PW);
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
 * when it is not success; -EIO when the header is malformed. handle: the
 * response's one handle, when it has one.
 */
static int header_h(struct rbuf *r, const uint8_t *rsp, size_t len, uint16_t tag, uint32_t *handle)
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
	if (handle)
		*handle = get(r, 4); /* a response handle comes before the parameters */
	if (tag == ST_SESSIONS) {
		r->params = get(r, 4);
		if (r->bad || r->params > r->len - r->off)
			return -EIO;
	}
	return 0;
}

static int header(struct rbuf *r, const uint8_t *rsp, size_t len, uint16_t tag)
{
	return header_h(r, rsp, len, tag, NULL);
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
	put_pw_session(&w); /* the PCR's own (empty) authorization value */
	put32(&w, 1); /* one digest */
	put16(&w, ALG_SHA256);
	memcpy(w.p + w.n, digest, 32);
	w.n += 32;
	return end(&w);
}

/* The password session's reply, right after the parameters: an empty
 * nonce, its attributes, an empty hmac; nothing after. */
static int pw_session_reply(struct rbuf *r)
{
	uint32_t nonce, hmac;

	nonce = get(r, 2);
	(void)get(r, 1);
	hmac = get(r, 2);
	return nonce || hmac || r->bad || r->off != r->len ? -EIO : 0;
}

int tpm2_parse_pcr_extend(const uint8_t *rsp, size_t len)
{
	struct rbuf r;
	int err = header(&r, rsp, len, ST_SESSIONS);

	if (err)
		return err;
	return r.params ? -EIO : pw_session_reply(&r); /* no parameters */
}

/* An ECDSA signing key's public area (TPMT_PUBLIC): hash is its nameAlg
 * and its scheme's; no policy; coordinates of coord bytes (0: none). */
static void put_ecc_public(struct wbuf *w, uint16_t hash, uint32_t attributes, uint16_t curve, const uint8_t *x,
			   const uint8_t *y, size_t coord)
{
	put16(w, ALG_ECC);
	put16(w, hash); /* nameAlg */
	put32(w, attributes);
	put16(w, 0);	    /* no policy */
	put16(w, ALG_NULL); /* no symmetric scheme: a signing key */
	put16(w, ALG_ECDSA);
	put16(w, hash);
	put16(w, curve);
	put16(w, ALG_NULL); /* kdf */
	put_2b(w, x, coord);
	put_2b(w, y, coord);
}

/* The attestation key's public area as the template gives it; unique (the
 * point) empty in the template, 32-byte coordinates in what the TPM
 * returns. */
static void put_ak_public(struct wbuf *w, bool with_point, const uint8_t *x, const uint8_t *y)
{
	put_ecc_public(w, ALG_SHA256, AK_ATTRIBUTES, ECC_NIST_P256, x, y, with_point ? 32 : 0);
}

size_t tpm2_build_create_ak(uint8_t *buf)
{
	struct wbuf w = begin(buf, ST_SESSIONS, CC_CREATE_PRIMARY);
	size_t at;

	put32(&w, RH_ENDORSEMENT);
	put_pw_session(&w); /* the endorsement hierarchy's authorization: empty */
	put16(&w, 4);	    /* inSensitive: empty userAuth and data */
	put16(&w, 0);
	put16(&w, 0);
	at = w.n;
	put16(&w, 0); /* inPublic's size, below */
	put_ak_public(&w, false, NULL, NULL);
	w.p[at] = (uint8_t)((w.n - at - 2) >> 8);
	w.p[at + 1] = (uint8_t)(w.n - at - 2);
	put16(&w, 0); /* outsideInfo */
	put32(&w, 0); /* no creation PCRs */
	return end(&w);
}

int tpm2_parse_create_ak(const uint8_t *rsp, size_t len, uint32_t *handle, uint8_t pub[TPM2_AK_PUBLIC_LEN])
{
	struct rbuf r;
	uint8_t want[TPM2_AK_PUBLIC_LEN];
	struct wbuf w = { want, 0 };
	size_t params_end;
	int err = header_h(&r, rsp, len, ST_SESSIONS, handle);

	if (err)
		return err;
	params_end = r.off + r.params;
	/* outPublic: exactly the template, with a 32-byte point. */
	if (get(&r, 2) != TPM2_AK_PUBLIC_LEN - 2 || r.len - r.off < TPM2_AK_PUBLIC_LEN - 2)
		return -EIO;
	put16(&w, TPM2_AK_PUBLIC_LEN - 2);
	put_ak_public(&w, true, r.p + r.off + 22, r.p + r.off + 56);
	if (memcmp(want, r.p + r.off - 2, TPM2_AK_PUBLIC_LEN))
		return -EIO;
	memcpy(pub, r.p + r.off - 2, TPM2_AK_PUBLIC_LEN);
	/* creationData, creationHash, creationTicket, name: not used; the
	 * parameters must hold them, and the session reply follow. */
	r.off = params_end;
	return pw_session_reply(&r);
}

size_t tpm2_build_quote(uint8_t *buf, uint32_t ak, const uint8_t *nonce, size_t nonce_len, uint32_t pcr_mask)
{
	struct wbuf w = begin(buf, ST_SESSIONS, CC_QUOTE);

	put32(&w, ak);
	put_pw_session(&w); /* the key's (empty) authorization value */
	put16(&w, (uint16_t)nonce_len);
	memcpy(w.p + w.n, nonce, nonce_len);
	w.n += nonce_len;
	put16(&w, ALG_NULL); /* the key's own scheme: ECDSA with SHA-256 */
	put_pcr_select(&w, pcr_mask);
	return end(&w);
}

int tpm2_parse_quote(const uint8_t *rsp, size_t len, const uint8_t *nonce, size_t nonce_len, struct tpm2_quote *q)
{
	struct rbuf r, a;
	int err = header(&r, rsp, len, ST_SESSIONS);
	size_t params_end, at;
	uint32_t n;

	if (err)
		return err;
	params_end = r.off + r.params;
	/* quoted: a TPMS_ATTEST that says it is the TPM's, a quote, and
	 * carries the nonce. */
	n = get(&r, 2);
	if (r.bad || n > r.len - r.off || n > sizeof(q->attest))
		return -EIO;
	a = (struct rbuf){ r.p + r.off, n, 0, 0, false };
	if (get(&a, 4) != GENERATED_VALUE || get(&a, 2) != ST_ATTEST_QUOTE)
		return -EIO;
	a.off += get(&a, 2); /* qualifiedSigner */
	if (get(&a, 2) != nonce_len || a.bad || a.len - a.off < nonce_len || memcmp(a.p + a.off, nonce, nonce_len))
		return -EIO;
	memcpy(q->attest, r.p + r.off, n);
	q->attest_len = n;
	r.off += n;
	/* signature: ECDSA with SHA-256, r and s of 32 bytes at most */
	at = r.off;
	if (get(&r, 2) != ALG_ECDSA || get(&r, 2) != ALG_SHA256)
		return -EIO;
	for (int i = 0; i < 2; i++) {
		n = get(&r, 2);
		if (r.bad || !n || n > 32 || n > r.len - r.off)
			return -EIO;
		r.off += n;
	}
	if (r.off != params_end || r.off - at > sizeof(q->sig))
		return -EIO;
	memcpy(q->sig, r.p + at, r.off - at);
	q->sig_len = r.off - at;
	return pw_session_reply(&r);
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

/* TPM_RC_RETRY, TPM_RC_YIELDED, TPM_RC_TESTING: the TPM did not start the
 * command and asks for it again later. */
static bool asks_retry(const uint8_t *rsp, int n)
{
	uint32_t rc;

	if (n != HDR)
		return false;
	rc = (uint32_t)rsp[6] << 24 | (uint32_t)rsp[7] << 16 | (uint32_t)rsp[8] << 8 | rsp[9];
	return rc == 0x922u || rc == 0x908u || rc == 0x90au;
}

/* Send a command, its response into rsp (max bytes); its length or an
 * error. A command the TPM asks to be sent again is, after a pause that
 * doubles from 1 ms, for at most about 2 s in all. */
static int send_for(struct tpm *t, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t max, uint32_t timeout_ms)
{
	uint64_t pause = 1000;
	int n;

	for (;;) {
		n = tpm_transmit(t, cmd, len, rsp, max, timeout_ms);
		if (!asks_retry(rsp, n) || pause > 1024000)
			return n;
		for (uint64_t t0 = t->io.now_us(t->io.ctx); t->io.now_us(t->io.ctx) - t0 < pause;)
			;
		pause *= 2;
	}
}

static int send(struct tpm *t, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t max)
{
	return send_for(t, cmd, len, rsp, max, TIMEOUT_MS);
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

int tpm2_create_ak(struct tpm *t, uint32_t *handle, uint8_t pub[TPM2_AK_PUBLIC_LEN])
{
	uint8_t cmd[TPM2_CMD_MAX], rsp[1024];
	int n = send_for(t, cmd, tpm2_build_create_ak(cmd), rsp, sizeof(rsp), TIMEOUT_MS * 12);

	return n < 0 ? n : tpm2_parse_create_ak(rsp, (size_t)n, handle, pub);
}

int tpm2_quote(struct tpm *t, uint32_t ak, const uint8_t *nonce, size_t nonce_len, uint32_t pcr_mask,
	       struct tpm2_quote *q)
{
	uint8_t cmd[TPM2_CMD_MAX], rsp[1024];
	int n;

	if (nonce_len > TPM2_NONCE_MAX)
		return -EINVAL;
	n = send_for(t, cmd, tpm2_build_quote(cmd, ak, nonce, nonce_len, pcr_mask), rsp, sizeof(rsp),
		     TIMEOUT_MS * 4);
	return n < 0 ? n : tpm2_parse_quote(rsp, (size_t)n, nonce, nonce_len, q);
}

int tpm2_get_property(struct tpm *t, uint32_t property, uint32_t *value)
{
	uint8_t cmd[TPM2_CMD_MAX], rsp[64];
	int n = send(t, cmd, tpm2_build_get_property(cmd, property), rsp, sizeof(rsp));

	return n < 0 ? n : tpm2_parse_get_property(rsp, (size_t)n, property, value);
}
