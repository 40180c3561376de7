// SPDX-License-Identifier: MIT
/*
 * vigilctl eventlog, attest, attest verify (docs/tpm.md, "Attestation").
 *
 * eventlog: the running VMM's runtime measurement log, fetched
 * page by page (the EVENTS request, docs/channel.md) and written as a TCG
 * PC Client crypto-agile event log that tpm2-tools' tpm2_eventlog reads:
 * a Spec ID event (SHA-256 only), then every runtime record as the VMM
 * keeps it. Each page is checked before it is used: its first index is the
 * one asked for, its records are whole, numbered in order, for the runtime
 * PCR, and each digest is the SHA-256 of its event.
 *
 * attest: a quote (QUOTE) and the whole log it is checked against: the
 * firmware's log as the stub handed it over (FWLOG), the stub's events in
 * it, then the runtime records the quote covers. attest verify replays
 * that log into every PCR and compares each quoted one.
 */
#include <errno.h>
#include <getopt.h>
#include <libfdt.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ecdsa.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <vigil/handoff.h>

#include "boot/tcglog.h"
#include "kernel/crypto/hash.h"
#include "tools/vigilctl/vc_chan.h"
#include "tools/vigilctl/vigilctl.h"
#include "vmm/mlog.h"

#define SPEC_ID_LEN 65 /* the Spec ID event below, in bytes */

/* The log's first event: TCG_PCR_EVENT (SHA-1 form), EV_NO_ACTION, with a
 * TCG_EfiSpecIdEvent naming SHA-256 as the only algorithm. */
static size_t vc_spec_id_event(uint8_t *out)
{
	static const uint8_t spec[] = {
		'S', 'p', 'e', 'c', ' ', 'I', 'D', ' ', 'E', 'v', 'e', 'n', 't', '0', '3', 0,
		0, 0, 0, 0, /* platformClass: client */
		0, 2, 0, /* specVersionMinor 0, specVersionMajor 2, specErrata 0 */
		2, /* uintnSize: UINT64 */
		1, 0, 0, 0, /* numberOfAlgorithms */
		0x0b, 0x00, 32, 0x00, /* TPM_ALG_SHA256, 32 bytes */
		0, /* vendorInfoSize */
	};
	size_t n = 0;
	uint32_t v;

	v = 0; /* PCR 0 */
	memcpy(out + n, &v, 4), n += 4;
	v = 3; /* EV_NO_ACTION */
	memcpy(out + n, &v, 4), n += 4;
	memset(out + n, 0, 20), n += 20; /* the SHA-1 digest field: zero */
	v = sizeof(spec);
	memcpy(out + n, &v, 4), n += 4;
	memcpy(out + n, spec, sizeof(spec)), n += sizeof(spec);
	return n;
}

static int vc_prop_u64(const void *fdt, const char *name, uint64_t *v)
{
	int len;
	const fdt64_t *p = fdt_getprop(fdt, 0, name, &len);

	if (!p || len != 8)
		return -EBADMSG;
	*v = fdt64_to_cpu(*p);
	return 0;
}

static int vc_prop_u32(const void *fdt, const char *name, uint32_t *v)
{
	int len;
	const fdt32_t *p = fdt_getprop(fdt, 0, name, &len);

	if (!p || len != 4)
		return -EBADMSG;
	*v = fdt32_to_cpu(*p);
	return 0;
}

/* One page's records, checked, appended to *log. Returns how many, -2 when
 * the VMM refused, -1 on a malformed reply. */
static long vc_eventlog_page(const struct vc_reply *r, uint64_t first, uint64_t *total, uint8_t **log, size_t *len)
{
	uint64_t got_first;
	uint32_t count, pcr;
	int elen;
	const uint8_t *ev;
	uint8_t *grown;

	if (r->type == CHANNEL_TYPE_ERROR || !vc_resp_valid(r->payload, r->len) ||
	    vc_resp_status(r->payload, r->len)) {
		vc_resp_print(r->payload, r->len, false);
		vc_err("the VMM refused the EVENTS request");
		return -2;
	}
	ev = fdt_getprop(r->payload, 0, "events", &elen);
	if (vc_prop_u64(r->payload, "first", &got_first) || vc_prop_u32(r->payload, "count", &count) ||
	    vc_prop_u64(r->payload, "total", total) || vc_prop_u32(r->payload, "pcr", &pcr) || !ev ||
	    got_first != first || count > MLOG_PAGE_RECORDS || (size_t)elen != count * sizeof(struct mlog_record) ||
	    pcr != MLOG_PCR || (count && first + count > *total)) {
		vc_err("a malformed EVENTS reply for index %llu", (unsigned long long)first);
		return -1;
	}
	for (uint32_t i = 0; i < count; i++) {
		struct mlog_record rec;
		uint8_t d[32];

		memcpy(&rec, ev + i * sizeof(rec), sizeof(rec));
		crypto_sha256(ev + i * sizeof(rec) + offsetof(struct mlog_record, tag_id), 8 + sizeof(rec.data), d);
		if (rec.pcr != MLOG_PCR || rec.event_type != MLOG_EV_EVENT_TAG || rec.digest_count != 1 ||
		    rec.alg != MLOG_TPM_ALG_SHA256 || rec.event_size != 8 + sizeof(rec.data) ||
		    rec.tag_id != MLOG_TAG_ID || rec.tag_size != sizeof(rec.data) || rec.data.index != first + i + 1 ||
		    memcmp(d, rec.digest, 32)) {
			vc_err("runtime record %llu is not well formed, out of order, or its digest is not its event's",
			       (unsigned long long)(first + i));
			return -1;
		}
	}
	grown = realloc(*log, *len + (size_t)elen);
	if (!grown) {
		vc_err("out of memory");
		return -1;
	}
	*log = grown;
	memcpy(*log + *len, ev, (size_t)elen);
	*len += (size_t)elen;
	return count;
}

/* The Spec ID event and the first `limit` runtime records (all of them
 * when the log holds fewer), each page checked; *count: how many. */
static int vc_eventlog_fetch(const char *sock, unsigned timeout, uint64_t limit, uint8_t **log, size_t *len,
			     uint64_t *count)
{
	uint64_t first = 0, total = 0;

	*log = malloc(128);
	if (!*log)
		return VC_ERROR;
	*len = vc_spec_id_event(*log);
	while (first < limit) {
		struct vc_reply r;
		uint8_t idx[8];
		long n;

		memcpy(idx, &first, 8);
		if (vc_chan_request(sock, CHANNEL_REQ_EVENTS, idx, sizeof(idx), timeout, &r))
			return VC_ERROR;
		n = vc_eventlog_page(&r, first, &total, log, len);
		free(r.payload);
		if (n < 0)
			return n == -2 ? VC_REFUSED : VC_ERROR;
		if ((uint64_t)n > limit - first) { /* past the limit: drop the rest */
			*len -= (size_t)((uint64_t)n - (limit - first)) * sizeof(struct mlog_record);
			n = (long)(limit - first);
		}
		first += (uint64_t)n;
		if (!n || first >= total)
			break;
	}
	if (first != (limit < total ? limit : total)) {
		vc_err("the VMM says %llu records but gave %llu", (unsigned long long)total, (unsigned long long)first);
		return VC_ERROR;
	}
	*count = first;
	return VC_OK;
}

/* The firmware's log (FWLOG), page by page, into *log (NULL, 0 when the
 * stub handed none over); *partial: the VMM says events are missing. */
static int vc_fwlog_fetch(const char *sock, unsigned timeout, uint8_t **log, size_t *len, bool *partial)
{
	uint32_t total = 0, part = 0;

	*log = NULL;
	*len = 0;
	do {
		struct vc_reply r;
		uint8_t at[8];
		uint64_t off = *len, got_off;
		uint32_t t;
		const uint8_t *b;
		int blen;
		uint8_t *grown;

		memcpy(at, &off, 8);
		if (vc_chan_request(sock, CHANNEL_REQ_FWLOG, at, sizeof(at), timeout, &r))
			return VC_ERROR;
		if (r.type == CHANNEL_TYPE_ERROR || !vc_resp_valid(r.payload, r.len) ||
		    vc_resp_status(r.payload, r.len)) {
			vc_resp_print(r.payload, r.len, false);
			vc_err("the VMM refused the FWLOG request");
			free(r.payload);
			return VC_REFUSED;
		}
		b = fdt_getprop(r.payload, 0, "bytes", &blen);
		if (!b || vc_prop_u64(r.payload, "offset", &got_off) || vc_prop_u32(r.payload, "total", &t) ||
		    vc_prop_u32(r.payload, "partial", &part) || got_off != off || (off && t != total) ||
		    t > HANDOFF_FWLOG_MAX || (size_t)blen > CHANNEL_FWLOG_PAGE || off + (size_t)blen > t ||
		    (off < t && !blen)) {
			vc_err("a malformed FWLOG reply for offset %llu", (unsigned long long)off);
			free(r.payload);
			return VC_ERROR;
		}
		total = t;
		grown = realloc(*log, *len + (size_t)blen + 1);
		if (!grown) {
			free(r.payload);
			return VC_ERROR;
		}
		*log = grown;
		memcpy(*log + *len, b, (size_t)blen);
		*len += (size_t)blen;
		free(r.payload);
	} while (*len < total);
	*partial = part != 0;
	return VC_OK;
}

/* PCR 11 from zero through the records at the end of a log. */
static void vc_replay(const uint8_t *records, uint64_t count, uint8_t pcr[32])
{
	memset(pcr, 0, 32);
	for (uint64_t i = 0; i < count; i++) {
		uint8_t buf[64];

		memcpy(buf, pcr, 32);
		memcpy(buf + 32, records + i * sizeof(struct mlog_record) + offsetof(struct mlog_record, digest), 32);
		crypto_sha256(buf, sizeof(buf), pcr);
	}
}

int vc_cmd_eventlog(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ "out", required_argument, NULL, 'o' },
		{ 0 },
	};
	const char *sock = getenv("VIGIL_CHANNEL") ? getenv("VIGIL_CHANNEL") : VC_SOCKET_DEFAULT, *out = NULL;
	unsigned timeout = 30;
	uint64_t count = 0;
	uint8_t pcr[32], *log = NULL;
	size_t len = 0;
	int c, ret;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 's')
			sock = optarg;
		else if (c == 'o')
			out = optarg;
		else if (c != 't' || vc_uint_parse(optarg, &timeout) || !timeout)
			return vc_usage(false);
	}
	if (!out || optind != argc)
		return vc_usage(false);
	ret = vc_eventlog_fetch(sock, timeout, UINT64_MAX, &log, &len, &count);
	if (ret == VC_OK && vc_file_write(out, log, len, 0644, false))
		ret = VC_ERROR;
	if (ret == VC_OK) {
		vc_replay(log + len - count * sizeof(struct mlog_record), count, pcr);
		printf("%llu runtime events written to %s; PCR %u replays to ", (unsigned long long)count, out,
		       MLOG_PCR);
		for (int i = 0; i < 32; i++)
			printf("%02x", pcr[i]);
		printf("\n");
	}
	free(log);
	return ret;
}

/* --- attest ------------------------------------------------------------ */

/* What a quote covers, in the order its values are given. */
static const unsigned vc_quote_pcrs[] = { 0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 15 };
#define VC_QUOTE_COUNT (sizeof(vc_quote_pcrs) / sizeof(vc_quote_pcrs[0]))
#define VC_QUOTE_MASK 0x8cffu
#define VC_PCR11_AT 9 /* PCR 11's place among them */
#define VC_AK_PUBLIC_LEN 90

/*
 * pcrs.bin in the form tpm2_quote -o writes and tpm2_checkquote -f reads
 * (tpm2-tools 5.4, "serialized": its C structures, little-endian): a
 * TPML_PCR_SELECTION (u32 count, then 16 selections of 8 bytes: u16 hash,
 * u8 sizeofSelect, 4 select bytes, a pad byte), a u32 count of lists, then
 * each TPML_DIGEST (u32 count, 8 TPM2B_DIGESTs of a u16 size and 64
 * bytes). The 11 values go 8 in the first list, 3 in the second.
 */
#define VC_SEL_LEN (4 + 16 * 8)
#define VC_LIST_LEN (4 + 8 * 66)
#define VC_PCRS_LEN (VC_SEL_LEN + 4 + 2 * VC_LIST_LEN)

static void vc_pcrs_serialize(const uint8_t *values, uint8_t out[VC_PCRS_LEN])
{
	memset(out, 0, VC_PCRS_LEN);
	out[0] = 1;				/* one selection */
	out[4] = 0x0b;				/* SHA-256 */
	out[6] = 3;				/* sizeofSelect */
	out[7] = VC_QUOTE_MASK & 0xff;
	out[8] = VC_QUOTE_MASK >> 8;
	out[VC_SEL_LEN] = 2;			/* two lists */
	for (size_t i = 0; i < VC_QUOTE_COUNT; i++) {
		uint8_t *list = out + VC_SEL_LEN + 4 + (i / 8) * VC_LIST_LEN;

		list[0] = i < 8 ? 8 : VC_QUOTE_COUNT - 8;
		list[4 + (i % 8) * 66] = 32;
		memcpy(list + 4 + (i % 8) * 66 + 2, values + 32 * i, 32);
	}
}

/* The 11 values of a pcrs.bin that is exactly what vc_pcrs_serialize()
 * writes for them; false otherwise. */
static bool vc_pcrs_parse(const uint8_t *buf, size_t len, uint8_t values[VC_QUOTE_COUNT * 32])
{
	uint8_t again[VC_PCRS_LEN];

	if (len != VC_PCRS_LEN)
		return false;
	for (size_t i = 0; i < VC_QUOTE_COUNT; i++)
		memcpy(values + 32 * i, buf + VC_SEL_LEN + 4 + (i / 8) * VC_LIST_LEN + 4 + (i % 8) * 66 + 2, 32);
	vc_pcrs_serialize(values, again);
	return !memcmp(again, buf, VC_PCRS_LEN);
}

/* A quote directory's files, as tpm2-tools names its own. */
static const char *const vc_attest_files[] = { "quote.msg", "quote.sig", "ak.pub", "pcrs.bin", "eventlog.bin" };

static int vc_attest_opts(int argc, char **argv, const char **sock, unsigned *timeout, uint8_t *nonce,
			  size_t *nonce_len, const char **dir, const char **ak)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' }, { "timeout", required_argument, NULL, 't' },
		{ "nonce", required_argument, NULL, 'n' },  { "out", required_argument, NULL, 'o' },
		{ "ak", required_argument, NULL, 'a' },	    { 0 },
	};
	const char *hex = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 's' && sock)
			*sock = optarg;
		else if (c == 'n')
			hex = optarg;
		else if (c == 'o' && !ak)
			*dir = optarg;
		else if (c == 'a' && ak)
			*ak = optarg;
		else if (c != 't' || !timeout || vc_uint_parse(optarg, timeout) || !*timeout)
			return -EINVAL;
	}
	if (ak) { /* verify: the directory is the argument */
		if (argc - optind != 1)
			return -EINVAL;
		*dir = argv[optind];
	} else if (optind != argc || !*dir) {
		return -EINVAL;
	}
	if (!hex || strlen(hex) % 2 || strlen(hex) < 2 || strlen(hex) > 128 ||
	    vc_hex_parse(hex, nonce, strlen(hex) / 2)) {
		vc_err("--nonce: 1 to 64 bytes in hex");
		return -EINVAL;
	}
	*nonce_len = strlen(hex) / 2;
	return 0;
}

static const void *vc_prop(const struct vc_reply *r, const char *name, size_t want, int *len)
{
	const void *p = fdt_getprop(r->payload, 0, name, len);

	return p && (!want || (size_t)*len == want) ? p : NULL;
}

int vc_cmd_attest(int argc, char **argv)
{
	const char *sock = getenv("VIGIL_CHANNEL") ? getenv("VIGIL_CHANNEL") : VC_SOCKET_DEFAULT, *dir = NULL;
	unsigned timeout = 30;
	uint8_t nonce[64], *log = NULL, *fw = NULL;
	size_t nonce_len, len = 0, fwlen = 0;
	bool partial = false;
	struct vc_reply r;
	uint64_t covered = 0, got = 0;
	uint32_t mask = 0;
	int plen[5], ret;
	const void *p[5];
	uint8_t pcrs[VC_PCRS_LEN];
	char path[4096];

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	if (vc_attest_opts(argc, argv, &sock, &timeout, nonce, &nonce_len, &dir, NULL))
		return vc_usage(false);
	if (vc_chan_request(sock, CHANNEL_REQ_QUOTE, nonce, nonce_len, timeout, &r))
		return VC_ERROR;
	if (r.type == CHANNEL_TYPE_ERROR || !vc_resp_valid(r.payload, r.len) || vc_resp_status(r.payload, r.len)) {
		vc_resp_print(r.payload, r.len, false);
		free(r.payload);
		return VC_REFUSED;
	}
	p[0] = vc_prop(&r, "attest", 0, &plen[0]);
	p[1] = vc_prop(&r, "signature", 0, &plen[1]);
	p[2] = vc_prop(&r, "ak-public", VC_AK_PUBLIC_LEN, &plen[2]);
	p[3] = vc_prop(&r, "pcrs", VC_QUOTE_COUNT * 32, &plen[3]);
	if (!p[0] || !p[1] || !p[2] || !p[3] || vc_prop_u64(r.payload, "runtime-count", &covered) ||
	    vc_prop_u32(r.payload, "pcr-mask", &mask) || mask != VC_QUOTE_MASK) {
		vc_err("a malformed QUOTE reply");
		free(r.payload);
		return VC_ERROR;
	}
	vc_pcrs_serialize(p[3], pcrs);
	p[3] = pcrs;
	plen[3] = VC_PCRS_LEN;
	/* The records the quote covers: the log may have grown since. */
	ret = vc_eventlog_fetch(sock, timeout, covered, &log, &len, &got);
	if (ret == VC_OK && got != covered) {
		vc_err("the quote covers %llu runtime records, the log gave %llu", (unsigned long long)covered,
		       (unsigned long long)got);
		ret = VC_ERROR;
	}
	/* The whole log: the firmware's (its own Spec ID event first, the
	 * stub's events in it) and then the runtime records; without one,
	 * this tool's Spec ID event heads the runtime records alone. */
	if (ret == VC_OK)
		ret = vc_fwlog_fetch(sock, timeout, &fw, &fwlen, &partial);
	if (ret == VC_OK && fwlen) {
		uint8_t *whole = realloc(fw, fwlen + len - SPEC_ID_LEN);

		if (!whole) {
			ret = VC_ERROR;
		} else {
			memcpy(whole + fwlen, log + SPEC_ID_LEN, len - SPEC_ID_LEN);
			fw = NULL;
			free(log);
			log = whole;
			len += fwlen - SPEC_ID_LEN;
		}
	}
	p[4] = log;
	plen[4] = (int)len;
	if (ret == VC_OK && mkdir(dir, 0755) && errno != EEXIST) {
		vc_err("%s: %s", dir, strerror(errno));
		ret = VC_ERROR;
	}
	for (int i = 0; ret == VC_OK && i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, vc_attest_files[i]);
		if (vc_file_write(path, p[i], (size_t)plen[i], 0644, false))
			ret = VC_ERROR;
	}
	if (ret == VC_OK) {
		printf("quote of PCRs 0-7, 10, 11, 15 (sha256), the firmware's log (%zu bytes) and %llu runtime records "
		       "written to %s/\n", fwlen, (unsigned long long)covered, dir);
		if (!fwlen || partial)
			printf("warning: %s: PCRs 0-7, 10 and 15 cannot be replayed from this log\n",
			       fwlen ? "the VMM says events are missing from the firmware's log"
				     : "the VMM has no firmware log to give");
		printf("check it with tpm2-tools alone:\n  tpm2_checkquote -u %s/ak.pub -m %s/quote.msg -s %s/quote.sig "
		       "-f %s/pcrs.bin -e %s/eventlog.bin -g sha256 -q ", dir, dir, dir, dir, dir);
		for (size_t i = 0; i < nonce_len; i++)
			printf("%02x", nonce[i]);
		printf("\n  tpm2_eventlog %s/eventlog.bin\nor with vigilctl attest verify --nonce HEX %s\n", dir, dir);
	}
	free(fw);
	free(log);
	free(r.payload);
	return ret;
}

/* --- attest verify ------------------------------------------------------ */

struct vc_rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static uint64_t vc_be(struct vc_rd *r, unsigned n)
{
	uint64_t v = 0;

	if (r->bad || r->len - r->off < n) {
		r->bad = true;
		return 0;
	}
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | r->p[r->off++];
	return v;
}

/* The AK's public area: the template Vigil's VMM creates (drivers/tpm2.h),
 * big-endian, with a 32-byte point. */
static bool vc_ak_public_ok(const uint8_t *pub, size_t len)
{
	static const uint8_t tmpl[] = {
		0x00, 0x58,		/* TPM2B size: 88 */
		0x00, 0x23, 0x00, 0x0b, /* ECC, nameAlg SHA-256 */
		0x00, 0x05, 0x00, 0x72, /* fixedTPM fixedParent sensitiveDataOrigin userWithAuth restricted sign */
		0x00, 0x00,		/* no policy */
		0x00, 0x10,		/* no symmetric */
		0x00, 0x18, 0x00, 0x0b, /* ECDSA, SHA-256 */
		0x00, 0x03,		/* NIST P-256 */
		0x00, 0x10,		/* no kdf */
		0x00, 0x20,		/* x: 32 bytes */
	};

	return len == VC_AK_PUBLIC_LEN && !memcmp(pub, tmpl, sizeof(tmpl)) && pub[56] == 0x00 && pub[57] == 0x20;
}

static int vc_verify_fail(const char *why)
{
	printf("NOT VERIFIED: %s\n", why);
	return VC_REFUSED;
}

static bool vc_ecdsa_ok(const uint8_t *pub, const uint8_t *attest, size_t attest_len, const uint8_t *sig,
			size_t sig_len)
{
	struct vc_rd r = { sig, sig_len, 0, false };
	uint8_t point[65], hash[32];
	mbedtls_ecp_group grp;
	mbedtls_ecp_point q;
	mbedtls_mpi mr, ms;
	size_t rl, sl, ro, so;
	bool ok = false;

	if (vc_be(&r, 2) != 0x0018 || vc_be(&r, 2) != 0x000b)
		return false;
	rl = vc_be(&r, 2);
	ro = r.off;
	r.off += rl;
	sl = vc_be(&r, 2);
	so = r.off;
	r.off += sl;
	if (r.bad || r.off != sig_len || !rl || rl > 32 || !sl || sl > 32)
		return false;
	point[0] = 0x04;
	memcpy(point + 1, pub + 24, 32);
	memcpy(point + 33, pub + 58, 32);
	crypto_sha256(attest, attest_len, hash);
	mbedtls_ecp_group_init(&grp);
	mbedtls_ecp_point_init(&q);
	mbedtls_mpi_init(&mr);
	mbedtls_mpi_init(&ms);
	if (!mbedtls_ecp_group_load(&grp, MBEDTLS_ECP_DP_SECP256R1) &&
	    !mbedtls_ecp_point_read_binary(&grp, &q, point, sizeof(point)) && !mbedtls_ecp_check_pubkey(&grp, &q) &&
	    !mbedtls_mpi_read_binary(&mr, sig + ro, rl) && !mbedtls_mpi_read_binary(&ms, sig + so, sl))
		ok = !mbedtls_ecdsa_verify(&grp, hash, sizeof(hash), &q, &mr, &ms);
	mbedtls_mpi_free(&mr);
	mbedtls_mpi_free(&ms);
	mbedtls_ecp_point_free(&q);
	mbedtls_ecp_group_free(&grp);
	return ok;
}

#define VC_PCRS 24
#define VC_EV_NO_ACTION 3u

static uint32_t vc_le(const uint8_t *p, unsigned n)
{
	uint32_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* A PCR 11 event: a runtime record, whole, numbered next, its digest the
 * SHA-256 of its tagged event. */
static bool vc_record_ok(const uint8_t *ev, size_t n, uint64_t index)
{
	struct mlog_record rec;
	uint8_t d[32];

	if (n != sizeof(rec))
		return false;
	memcpy(&rec, ev, sizeof(rec));
	crypto_sha256(ev + offsetof(struct mlog_record, tag_id), 8 + sizeof(rec.data), d);
	return rec.pcr == MLOG_PCR && rec.event_type == MLOG_EV_EVENT_TAG && rec.digest_count == 1 &&
	       rec.alg == MLOG_TPM_ALG_SHA256 && rec.event_size == 8 + sizeof(rec.data) && rec.tag_id == MLOG_TAG_ID &&
	       rec.tag_size == sizeof(rec.data) && rec.data.index == index && !memcmp(d, rec.digest, 32);
}

/*
 * The whole log replayed into the SHA-256 bank of all 24 PCRs from zero:
 * its Spec ID event must name SHA-256, every event must be well formed
 * (boot/tcglog.c, the stub's own walker) and carry a SHA-256 digest, which
 * is extended as it stands: a firmware event's digest covers data the log
 * need not hold. EV_NO_ACTION events extend nothing; the StartupLocality
 * one gives PCR 0 its starting value. Every PCR 11 event must be a
 * runtime record, in order (*records counts them; *others the events of
 * other PCRs). NULL, or why not.
 */
static const char *vc_log_replay(const uint8_t *log, size_t len, uint8_t pcrs[VC_PCRS][32], uint64_t *records,
				 uint64_t *others)
{
	static const char locality[16] = "StartupLocality";
	static char why[96];
	struct tcglog_algs a;
	size_t at, n;
	bool sha256 = false;

	memset(pcrs, 0, VC_PCRS * 32);
	*records = *others = 0;
	if (tcglog_header(log, len, &a, &at))
		return "eventlog.bin does not start with a crypto-agile Spec ID event";
	for (uint32_t i = 0; i < a.count; i++)
		sha256 |= a.id[i] == MLOG_TPM_ALG_SHA256;
	if (!sha256)
		return "eventlog.bin's events carry no SHA-256 digests";
	for (uint64_t k = 1; at < len; k++, at += n) {
		const uint8_t *ev = log + at, *d = NULL, *data;
		uint32_t pcr = vc_le(ev, 4), type = vc_le(ev + 4, 4), size;
		size_t off = 12;
		uint8_t buf[64];

		if (tcglog_event(ev, len - at, &a, &n) || pcr >= VC_PCRS) {
			snprintf(why, sizeof(why), "event %llu of eventlog.bin is malformed", (unsigned long long)k);
			return why;
		}
		for (uint32_t i = vc_le(ev + 8, 4); i; i--) {
			uint32_t alg = vc_le(ev + off, 2);

			for (uint32_t j = 0; j < a.count; j++)
				if (a.id[j] == alg) {
					if (alg == MLOG_TPM_ALG_SHA256)
						d = ev + off + 2;
					off += 2u + a.size[j];
				}
		}
		size = vc_le(ev + off, 4);
		data = ev + off + 4;
		if (type == VC_EV_NO_ACTION) {
			if (pcr == 0 && size == 17 && !memcmp(data, locality, 16))
				pcrs[0][31] = data[16];
			continue;
		}
		if (!d) {
			snprintf(why, sizeof(why), "event %llu of eventlog.bin has no SHA-256 digest", (unsigned long long)k);
			return why;
		}
		*others += pcr != MLOG_PCR;
		if (pcr == MLOG_PCR && !vc_record_ok(ev, n, ++*records)) {
			snprintf(why, sizeof(why), "runtime record %llu is edited or out of order",
				 (unsigned long long)*records);
			return why;
		}
		memcpy(buf, pcrs[pcr], 32);
		memcpy(buf + 32, d, 32);
		crypto_sha256(buf, sizeof(buf), pcrs[pcr]);
	}
	return NULL;
}

int vc_attest_check(const char *dir, const uint8_t *nonce, size_t nonce_len, const char *ak,
		    uint8_t values[VC_QUOTE_COUNT * 32], uint64_t *records)
{
	uint8_t *f[5] = { 0 }, digest[32], replayed[VC_PCRS][32];
	size_t flen[5] = { 0 };
	const char *why;
	char path[4096];
	struct vc_rd a;
	uint64_t n, others;
	int ret = VC_ERROR;

	for (int i = 0; i < 5; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, vc_attest_files[i]);
		if (vc_file_read(path, &f[i], &flen[i]))
			goto out;
	}
	ret = VC_REFUSED;
	/* The key: Vigil's AK template; when --ak names a key enrolled before
	 * (docs/tpm.md), exactly that key. */
	if (!vc_ak_public_ok(f[2], flen[2])) {
		ret = vc_verify_fail("ak.pub is not an attestation key of Vigil's template (restricted ECC P-256 signing)");
		goto out;
	}
	if (ak) {
		uint8_t *k = NULL;
		size_t klen = 0;

		if (vc_file_read(ak, &k, &klen)) {
			ret = VC_ERROR;
			goto out;
		}
		if (klen != flen[2] || memcmp(k, f[2], klen)) {
			free(k);
			ret = vc_verify_fail("the quote's key is not the enrolled one (--ak)");
			goto out;
		}
		free(k);
	}
	if (!vc_ecdsa_ok(f[2], f[0], flen[0], f[1], flen[1])) {
		ret = vc_verify_fail("the signature over quote.msg is not the key's");
		goto out;
	}
	/* The signed attestation: a quote the TPM made, with this nonce, of
	 * these PCRs, whose digest is that of pcrs.bin. */
	a = (struct vc_rd){ f[0], flen[0], 0, false };
	if (vc_be(&a, 4) != 0xff544347u || vc_be(&a, 2) != 0x8018) {
		ret = vc_verify_fail("quote.msg is not a TPM-generated quote");
		goto out;
	}
	a.off += vc_be(&a, 2); /* qualifiedSigner */
	n = vc_be(&a, 2);
	if (a.bad || n != nonce_len || a.len - a.off < n || memcmp(a.p + a.off, nonce, n)) {
		ret = vc_verify_fail("the quote does not carry this nonce (an old or replayed quote)");
		goto out;
	}
	a.off += n + 17 + 8; /* clockInfo, firmwareVersion */
	if (vc_be(&a, 4) != 1 || vc_be(&a, 2) != 0x000b || vc_be(&a, 1) != 3 || vc_be(&a, 1) != (VC_QUOTE_MASK & 0xff) ||
	    vc_be(&a, 1) != (VC_QUOTE_MASK >> 8) || vc_be(&a, 1) != 0 || vc_be(&a, 2) != 32 || a.bad ||
	    a.len - a.off != 32) {
		ret = vc_verify_fail("the quote is not of the SHA-256 PCRs 0-7, 10, 11, 15");
		goto out;
	}
	if (!vc_pcrs_parse(f[3], flen[3], values)) {
		ret = vc_verify_fail("pcrs.bin is not the 11 SHA-256 values in tpm2-tools' form");
		goto out;
	}
	crypto_sha256(values, VC_QUOTE_COUNT * 32, digest);
	if (memcmp(digest, a.p + a.off, 32)) {
		ret = vc_verify_fail("pcrs.bin is not what the TPM quoted");
		goto out;
	}
	/* The log: every event, replayed into every PCR; each quoted PCR is
	 * what its events give. */
	why = vc_log_replay(f[4], flen[4], replayed, records, &others);
	if (why) {
		ret = vc_verify_fail(why);
		goto out;
	}
	for (size_t i = 0; i < VC_QUOTE_COUNT; i++) {
		if (!memcmp(replayed[vc_quote_pcrs[i]], values + 32 * i, 32))
			continue;
		if (i == VC_PCR11_AT)
			snprintf(path, sizeof(path), "the runtime log does not replay to the quoted PCR 11");
		else
			snprintf(path, sizeof(path), "the log does not replay to the quoted PCR %u%s", vc_quote_pcrs[i],
				 others ? "" : " (the log holds runtime records only: no firmware log was handed over)");
		ret = vc_verify_fail(path);
		goto out;
	}
	ret = VC_OK;
out:
	for (int i = 0; i < 5; i++)
		free(f[i]);
	return ret;
}

int vc_cmd_attest_verify(int argc, char **argv)
{
	const char *dir = NULL, *ak = NULL;
	uint8_t nonce[64], values[VC_QUOTE_COUNT * 32];
	size_t nonce_len;
	uint64_t records;
	int ret;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	if (vc_attest_opts(argc, argv, NULL, NULL, nonce, &nonce_len, &dir, &ak))
		return vc_usage(false);
	ret = vc_attest_check(dir, nonce, nonce_len, ak, values, &records);
	if (ret != VC_OK)
		return ret;
	printf("verified: a quote by the attestation key%s with this nonce; the whole log replays to every quoted "
	       "PCR; the %llu runtime records replay to PCR 11\n", ak ? " enrolled" : "", (unsigned long long)records);
	for (size_t i = 0; i < VC_QUOTE_COUNT; i++) {
		printf("  pcr %2u: ", vc_quote_pcrs[i]);
		for (int j = 0; j < 32; j++)
			printf("%02x", values[i * 32 + j]);
		printf("\n");
	}
	return VC_OK;
}
