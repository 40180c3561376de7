// SPDX-License-Identifier: MIT
/*
 * vigilctl eventlog: the running VMM's runtime measurement log, fetched
 * page by page (the EVENTS request, docs/channel.md) and written as a TCG
 * PC Client crypto-agile event log that tpm2-tools' tpm2_eventlog reads:
 * a Spec ID event (SHA-256 only), then every runtime record as the VMM
 * keeps it. Each page is checked before it is used: its first index is the
 * one asked for, its records are whole, numbered in order, for the runtime
 * PCR, and each digest is the SHA-256 of its event.
 */
#include <errno.h>
#include <getopt.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/crypto/hash.h"
#include "tools/vigilctl/vc_chan.h"
#include "tools/vigilctl/vigilctl.h"
#include "vmm/mlog.h"

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
	uint64_t first = 0, total = 0;
	uint8_t pcr[32] = { 0 }, *log = NULL;
	size_t len = 0;
	FILE *f;
	int c;

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
	log = malloc(128);
	if (!log)
		return VC_ERROR;
	len = vc_spec_id_event(log);
	for (;;) {
		struct vc_reply r;
		uint8_t idx[8];
		long n;

		memcpy(idx, &first, 8);
		if (vc_chan_request(sock, CHANNEL_REQ_EVENTS, idx, sizeof(idx), timeout, &r)) {
			free(log);
			return VC_ERROR;
		}
		n = vc_eventlog_page(&r, first, &total, &log, &len);
		free(r.payload);
		if (n < 0) {
			free(log);
			return n == -2 ? VC_REFUSED : VC_ERROR;
		}
		first += (uint64_t)n;
		if (!n || first >= total)
			break;
	}
	if (first != total) {
		vc_err("the VMM says %llu records but gave %llu", (unsigned long long)total, (unsigned long long)first);
		free(log);
		return VC_ERROR;
	}
	for (size_t off = len - first * sizeof(struct mlog_record); off < len; off += sizeof(struct mlog_record)) {
		uint8_t buf[64];

		memcpy(buf, pcr, 32);
		memcpy(buf + 32, log + off + offsetof(struct mlog_record, digest), 32);
		crypto_sha256(buf, sizeof(buf), pcr);
	}
	f = fopen(out, "wb");
	if (!f || fwrite(log, 1, len, f) != len || fclose(f)) {
		vc_err("%s: %s", out, strerror(errno));
		free(log);
		return VC_ERROR;
	}
	free(log);
	printf("%llu runtime events written to %s; PCR %u replays to ", (unsigned long long)first, out, MLOG_PCR);
	for (int i = 0; i < 32; i++)
		printf("%02x", pcr[i]);
	printf("\n");
	return VC_OK;
}
