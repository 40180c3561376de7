/* SPDX-License-Identifier: MIT */
/*
 * TPM 2.0 commands: PCR_Read and PCR_Extend on the SHA-256 bank, one
 * fixed property through GetCapability, the attestation key
 * (CreatePrimary) and Quote; for marks in NV, the index's public area,
 * NV_Read and NV_Write, a policy session with PolicyPCR and
 * PolicyAuthorize, the platform key loaded public-only, VerifySignature
 * and FlushContext (TPM 2.0 Library, Part 3). Numbers on the wire are
 * big-endian.
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
#define CC_NV_READ_PUBLIC 0x169u
#define CC_READ_PUBLIC 0x173u
#define CC_NV_READ 0x14eu
#define CC_NV_WRITE 0x137u
#define CC_START_AUTH_SESSION 0x176u
#define CC_POLICY_PCR 0x17fu
#define CC_POLICY_AUTHORIZE 0x16au
#define CC_LOAD_EXTERNAL 0x167u
#define CC_VERIFY_SIGNATURE 0x177u
#define CC_FLUSH_CONTEXT 0x165u
#define RH_ENDORSEMENT 0x4000000bu
#define ALG_ECC 0x0023u
#define ALG_ECDSA 0x0018u
#define ALG_NULL 0x0010u
#define ECC_NIST_P256 0x0003u
#define ECC_NIST_P384 0x0004u
#define GENERATED_VALUE 0xff544347u
#define ST_ATTEST_QUOTE 0x8018u
#define ST_VERIFIED 0x8022u
/* fixedTPM, fixedParent, sensitiveDataOrigin, userWithAuth, restricted, sign */
#define AK_ATTRIBUTES 0x00050072u
/* A key loaded public-only: sign, userWithAuth; nothing that claims the
 * TPM made or holds its private part. */
#define P384_ATTRIBUTES 0x00040040u
#define ALG_SHA1 0x0004u
#define ALG_SHA256 0x000bu
#define ALG_SHA384 0x000cu
#define ALG_SHA512 0x000du
#define RS_PW TPM2_RS_PW
#define SE_POLICY 0x01u
/* Handle types, a handle's top byte. */
#define HT_NV_INDEX 0x01u
#define HT_POLICY_SESSION 0x03u
#define HT_TRANSIENT 0x80u
#define P384_COORD 48
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

/* The empty password session: the authorization the VMM gives, but for
 * an NV write, which its policy session authorizes. */
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

/* A TPM2B of at most max bytes inside the response: its contents and, in
 * *n, their size; NULL (r marked bad, *n 0) otherwise. */
static const uint8_t *get_2b(struct rbuf *r, size_t max, size_t *n)
{
	uint32_t size = get(r, 2);
	const uint8_t *p = r->p + r->off;

	*n = 0;
	if (r->bad || size > max || size > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	r->off += size;
	*n = size;
	return p;
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

/* A digest's size, by its algorithm; 0 for one not used here. */
static size_t digest_len(uint16_t alg)
{
	switch (alg) {
	case ALG_SHA1:
		return 20;
	case ALG_SHA256:
		return 32;
	case ALG_SHA384:
		return 48;
	case ALG_SHA512:
		return 64;
	default:
		return 0;
	}
}

/* A response of only a header: PolicyPCR, PolicyAuthorize, FlushContext. */
int tpm2_parse_empty(const uint8_t *rsp, size_t len)
{
	struct rbuf r;
	int err = header(&r, rsp, len, ST_NO_SESSIONS);

	if (err)
		return err;
	return r.off != r.len ? -EIO : 0;
}

size_t tpm2_build_nv_read_public(uint8_t *buf, uint32_t index)
{
	struct wbuf w = begin(buf, ST_NO_SESSIONS, CC_NV_READ_PUBLIC);

	put32(&w, index);
	return end(&w);
}

int tpm2_parse_nv_read_public(const uint8_t *rsp, size_t len, uint32_t index, struct tpm2_nv_public *pub)
{
	struct rbuf r;
	const uint8_t *policy, *name;
	size_t size, at, dlen;
	int err = header(&r, rsp, len, ST_NO_SESSIONS);

	if (err)
		return err;
	/* nvPublic: a TPMS_NV_PUBLIC exactly as long as its size says, about
	 * the index asked for; a policy empty or of the name algorithm's size. */
	size = get(&r, 2);
	at = r.off;
	pub->index = get(&r, 4);
	pub->name_alg = (uint16_t)get(&r, 2);
	pub->attributes = get(&r, 4);
	policy = get_2b(&r, sizeof(pub->policy), &pub->policy_len);
	pub->size = (uint16_t)get(&r, 2);
	dlen = digest_len(pub->name_alg);
	if (r.bad || r.off - at != size || pub->index != index || !dlen || (pub->policy_len && pub->policy_len != dlen))
		return -EIO;
	/* nvName: the name algorithm and a digest of its size; nothing after. */
	name = get_2b(&r, sizeof(pub->name), &pub->name_len);
	if (r.bad || r.off != r.len || pub->name_len != 2 + dlen || (name[0] << 8 | name[1]) != pub->name_alg)
		return -EIO;
	memcpy(pub->policy, policy, pub->policy_len);
	memcpy(pub->name, name, pub->name_len);
	return 0;
}

size_t tpm2_build_nv_read(uint8_t *buf, uint32_t index, uint16_t offset, uint16_t size)
{
	struct wbuf w = begin(buf, ST_SESSIONS, CC_NV_READ);

	put32(&w, index); /* authHandle: the index itself (AUTHREAD) */
	put32(&w, index);
	put_pw_session(&w); /* its (empty) authorization value */
	put16(&w, size);
	put16(&w, offset);
	return end(&w);
}

int tpm2_parse_nv_read(const uint8_t *rsp, size_t len, uint8_t *data, size_t size)
{
	struct rbuf r;
	const uint8_t *got;
	size_t n;
	int err = header(&r, rsp, len, ST_SESSIONS);

	if (err)
		return err;
	/* data: exactly the bytes asked for, and all of the parameters */
	got = get_2b(&r, TPM2_NV_DATA_MAX, &n);
	if (r.bad || n != size || r.params != 2 + size)
		return -EIO;
	err = pw_session_reply(&r);
	if (!err)
		memcpy(data, got, n);
	return err;
}

size_t tpm2_build_nv_write(uint8_t *buf, uint32_t index, uint32_t session, const uint8_t *data, size_t len)
{
	struct wbuf w = begin(buf, ST_SESSIONS, CC_NV_WRITE);

	put32(&w, index); /* authHandle: the index itself (its policy) */
	put32(&w, index);
	put_session(&w, session);
	put_2b(&w, data, len);
	put16(&w, 0); /* offset */
	return end(&w);
}

/* A policy session's reply, right after the parameters: the TPM's next
 * nonce, the attributes, an empty hmac (no policy here asks for the
 * authorization value); nothing after. */
static int policy_session_reply(struct rbuf *r)
{
	size_t nonce, hmac;

	(void)get_2b(r, TPM2_SESSION_NONCE, &nonce);
	(void)get(r, 1);
	(void)get_2b(r, 0, &hmac);
	return nonce != TPM2_SESSION_NONCE || r->bad || r->off != r->len ? -EIO : 0;
}

int tpm2_parse_nv_write(const uint8_t *rsp, size_t len, uint32_t session)
{
	struct rbuf r;
	int err = header(&r, rsp, len, ST_SESSIONS);

	if (err)
		return err;
	if (r.params) /* no parameters */
		return -EIO;
	return session == RS_PW ? pw_session_reply(&r) : policy_session_reply(&r);
}

size_t tpm2_build_start_policy_session(uint8_t *buf, const uint8_t nonce[TPM2_SESSION_NONCE])
{
	struct wbuf w = begin(buf, ST_NO_SESSIONS, CC_START_AUTH_SESSION);

	put32(&w, TPM2_RH_NULL); /* tpmKey: no salt */
	put32(&w, TPM2_RH_NULL); /* bind: none */
	put_2b(&w, nonce, TPM2_SESSION_NONCE);
	put16(&w, 0); /* encryptedSalt */
	put8(&w, SE_POLICY);
	put16(&w, ALG_NULL); /* symmetric: no parameter encryption */
	put16(&w, ALG_SHA256);
	return end(&w);
}

int tpm2_parse_start_policy_session(const uint8_t *rsp, size_t len, uint32_t *session)
{
	struct rbuf r;
	size_t n;
	int err = header_h(&r, rsp, len, ST_NO_SESSIONS, session);

	if (err)
		return err;
	/* a policy session's handle; nonceTPM as long as a SHA-256 digest */
	(void)get_2b(&r, TPM2_SESSION_NONCE, &n);
	return r.bad || r.off != r.len || n != TPM2_SESSION_NONCE || *session >> 24 != HT_POLICY_SESSION ? -EIO
													     : 0;
}

size_t tpm2_build_policy_pcr(uint8_t *buf, uint32_t session, uint32_t pcr_mask)
{
	struct wbuf w = begin(buf, ST_NO_SESSIONS, CC_POLICY_PCR);

	put32(&w, session);
	put16(&w, 0); /* pcrDigest empty: the TPM takes the PCRs' values now */
	put_pcr_select(&w, pcr_mask);
	return end(&w);
}

size_t tpm2_p384_public(const uint8_t point[TPM2_P384_POINT_LEN], uint8_t *out)
{
	struct wbuf w = { out, 0 };

	if (point[0] != 0x04) /* uncompressed: 04 || X || Y */
		return 0;
	put_ecc_public(&w, ALG_SHA384, P384_ATTRIBUTES, ECC_NIST_P384, point + 1, point + 1 + P384_COORD, P384_COORD);
	return w.n;
}

size_t tpm2_build_load_external(uint8_t *buf, const uint8_t point[TPM2_P384_POINT_LEN], uint32_t hierarchy)
{
	struct wbuf w = begin(buf, ST_NO_SESSIONS, CC_LOAD_EXTERNAL);

	put16(&w, 0); /* inPrivate: none, the public part alone */
	put16(&w, TPM2_P384_PUBLIC_LEN);
	w.n += tpm2_p384_public(point, w.p + w.n);
	put32(&w, hierarchy);
	return end(&w);
}

int tpm2_parse_load_external(const uint8_t *rsp, size_t len, uint32_t *handle, uint8_t name[TPM2_P384_NAME_LEN])
{
	struct rbuf r;
	const uint8_t *got;
	size_t n;
	int err = header_h(&r, rsp, len, ST_NO_SESSIONS, handle);

	if (err)
		return err;
	/* a transient object; its name SHA-384 (the nameAlg) and 48 bytes */
	got = get_2b(&r, TPM2_P384_NAME_LEN, &n);
	if (r.bad || r.off != r.len || *handle >> 24 != HT_TRANSIENT || n != TPM2_P384_NAME_LEN ||
	    (got[0] << 8 | got[1]) != ALG_SHA384)
		return -EIO;
	memcpy(name, got, n);
	return 0;
}

size_t tpm2_build_verify_signature(uint8_t *buf, uint32_t key, const uint8_t digest[48], const uint8_t r[48],
				   const uint8_t s[48])
{
	struct wbuf w = begin(buf, ST_NO_SESSIONS, CC_VERIFY_SIGNATURE);

	put32(&w, key);
	put_2b(&w, digest, 48);
	put16(&w, ALG_ECDSA);
	put16(&w, ALG_SHA384);
	put_2b(&w, r, P384_COORD);
	put_2b(&w, s, P384_COORD);
	return end(&w);
}

int tpm2_parse_verify_signature(const uint8_t *rsp, size_t len, struct tpm2_ticket *ticket)
{
	struct rbuf r;
	size_t at, n;
	int err = header(&r, rsp, len, ST_NO_SESSIONS);

	if (err)
		return err;
	/* validation: a TPMT_TK_VERIFIED, kept as it came for PolicyAuthorize */
	at = r.off;
	if (get(&r, 2) != ST_VERIFIED)
		return -EIO;
	ticket->hierarchy = get(&r, 4);
	(void)get_2b(&r, TPM2_DIGEST_MAX, &n);
	if (r.bad || r.off != r.len)
		return -EIO;
	memcpy(ticket->raw, r.p + at, r.off - at);
	ticket->len = r.off - at;
	return 0;
}

size_t tpm2_build_policy_authorize(uint8_t *buf, uint32_t session, const uint8_t approved[32], const uint8_t *ref,
				   size_t ref_len, const uint8_t key_name[TPM2_P384_NAME_LEN],
				   const struct tpm2_ticket *ticket)
{
	struct wbuf w = begin(buf, ST_NO_SESSIONS, CC_POLICY_AUTHORIZE);

	put32(&w, session);
	put_2b(&w, approved, 32);
	put_2b(&w, ref, ref_len);
	put_2b(&w, key_name, TPM2_P384_NAME_LEN);
	put_bytes(&w, ticket->raw, ticket->len);
	return end(&w);
}

size_t tpm2_build_flush_context(uint8_t *buf, uint32_t handle)
{
	struct wbuf w = begin(buf, ST_NO_SESSIONS, CC_FLUSH_CONTEXT);

	put32(&w, handle);
	return end(&w);
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

int tpm2_nv_read_public(struct tpm *t, uint32_t index, struct tpm2_nv_public *pub)
{
	uint8_t cmd[TPM2_CMD_MAX], rsp[256];
	int n;

	if (index >> 24 != HT_NV_INDEX)
		return -EINVAL;
	n = send(t, cmd, tpm2_build_nv_read_public(cmd, index), rsp, sizeof(rsp));
	return n < 0 ? n : tpm2_parse_nv_read_public(rsp, (size_t)n, index, pub);
}

int tpm2_nv_read(struct tpm *t, uint32_t index, uint16_t offset, uint8_t *data, size_t size)
{
	uint8_t cmd[TPM2_CMD_MAX], rsp[TPM2_NV_DATA_MAX + 32];
	int n;

	if (index >> 24 != HT_NV_INDEX || !size || size > TPM2_NV_DATA_MAX)
		return -EINVAL;
	n = send(t, cmd, tpm2_build_nv_read(cmd, index, offset, (uint16_t)size), rsp, sizeof(rsp));
	return n < 0 ? n : tpm2_parse_nv_read(rsp, (size_t)n, data, size);
}

int tpm2_nv_write(struct tpm *t, uint32_t index, uint32_t session, const uint8_t *data, size_t len)
{
	uint8_t cmd[TPM2_NV_WRITE_CMD_MAX], rsp[64];
	int n;

	if (index >> 24 != HT_NV_INDEX || (session != RS_PW && session >> 24 != HT_POLICY_SESSION) ||
	    len > TPM2_NV_DATA_MAX)
		return -EINVAL;
	n = send(t, cmd, tpm2_build_nv_write(cmd, index, session, data, len), rsp, sizeof(rsp));
	return n < 0 ? n : tpm2_parse_nv_write(rsp, (size_t)n, session);
}

int tpm2_start_policy_session(struct tpm *t, const uint8_t nonce[TPM2_SESSION_NONCE], uint32_t *session)
{
	uint8_t cmd[TPM2_CMD_MAX], rsp[64];
	int n = send(t, cmd, tpm2_build_start_policy_session(cmd, nonce), rsp, sizeof(rsp));

	return n < 0 ? n : tpm2_parse_start_policy_session(rsp, (size_t)n, session);
}

int tpm2_policy_pcr(struct tpm *t, uint32_t session, uint32_t pcr_mask)
{
	uint8_t cmd[TPM2_CMD_MAX], rsp[64];
	int n;

	if (pcr_mask >> TPM2_PCRS)
		return -EINVAL;
	n = send(t, cmd, tpm2_build_policy_pcr(cmd, session, pcr_mask), rsp, sizeof(rsp));
	return n < 0 ? n : tpm2_parse_empty(rsp, (size_t)n);
}

int tpm2_load_external_p384(struct tpm *t, const uint8_t point[TPM2_P384_POINT_LEN], uint32_t hierarchy,
			    uint32_t *handle, uint8_t name[TPM2_P384_NAME_LEN])
{
	uint8_t cmd[TPM2_CMD_MAX], rsp[128];
	int n;

	if (point[0] != 0x04)
		return -EINVAL;
	n = send(t, cmd, tpm2_build_load_external(cmd, point, hierarchy), rsp, sizeof(rsp));
	return n < 0 ? n : tpm2_parse_load_external(rsp, (size_t)n, handle, name);
}

int tpm2_verify_signature(struct tpm *t, uint32_t key, const uint8_t digest[48], const uint8_t r[48],
			  const uint8_t s[48], struct tpm2_ticket *ticket)
{
	uint8_t cmd[TPM2_CMD_MAX], rsp[128];
	int n = send_for(t, cmd, tpm2_build_verify_signature(cmd, key, digest, r, s), rsp, sizeof(rsp),
			 TIMEOUT_MS * 4);

	return n < 0 ? n : tpm2_parse_verify_signature(rsp, (size_t)n, ticket);
}

int tpm2_policy_authorize(struct tpm *t, uint32_t session, const uint8_t approved[32], const uint8_t *ref,
			  size_t ref_len, const uint8_t key_name[TPM2_P384_NAME_LEN], const struct tpm2_ticket *ticket)
{
	uint8_t cmd[TPM2_CMD_MAX], rsp[64];
	int n;

	if (ref_len > TPM2_POLICY_REF_MAX || ticket->len > sizeof(ticket->raw))
		return -EINVAL;
	n = send(t, cmd, tpm2_build_policy_authorize(cmd, session, approved, ref, ref_len, key_name, ticket), rsp,
		 sizeof(rsp));
	return n < 0 ? n : tpm2_parse_empty(rsp, (size_t)n);
}

int tpm2_flush_context(struct tpm *t, uint32_t handle)
{
	uint8_t cmd[TPM2_CMD_MAX], rsp[64];
	int n = send(t, cmd, tpm2_build_flush_context(cmd, handle), rsp, sizeof(rsp));

	return n < 0 ? n : tpm2_parse_empty(rsp, (size_t)n);
}

/* ReadPublic: an object's name (a persistent key's, here), checked to be
 * of its own name algorithm; the public area and the qualified name are
 * skipped whole. */
size_t tpm2_build_read_public(uint8_t *buf, uint32_t handle)
{
	struct wbuf w = begin(buf, ST_NO_SESSIONS, CC_READ_PUBLIC);

	put32(&w, handle);
	return end(&w);
}

int tpm2_parse_read_public(const uint8_t *rsp, size_t len, uint8_t name[TPM2_NAME_MAX], size_t *name_len)
{
	struct rbuf r;
	const uint8_t *pub, *n;
	size_t pub_len, qlen;
	int err = header(&r, rsp, len, ST_NO_SESSIONS);

	if (err)
		return err;
	pub = get_2b(&r, TPM_BUF_MAX, &pub_len);
	n = get_2b(&r, TPM2_NAME_MAX, name_len);
	get_2b(&r, TPM2_NAME_MAX, &qlen);
	if (r.bad || r.off != r.len || pub_len < 4 || *name_len < 2 || n[0] != pub[2] || n[1] != pub[3] ||
	    *name_len != 2 + digest_len((uint16_t)(n[0] << 8 | n[1])))
		return -EIO;
	memcpy(name, n, *name_len);
	return 0;
}

int tpm2_read_public_name(struct tpm *t, uint32_t handle, uint8_t name[TPM2_NAME_MAX], size_t *name_len)
{
	static uint8_t rsp[1024];
	uint8_t cmd[TPM2_CMD_MAX];
	int n = send(t, cmd, tpm2_build_read_public(cmd, handle), rsp, sizeof(rsp));

	return n < 0 ? n : tpm2_parse_read_public(rsp, (size_t)n, name, name_len);
}
