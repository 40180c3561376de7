/* SPDX-License-Identifier: MIT */
/*
 * The firmware's TCG event log, as the stub copies it into the handoff
 * (docs/tpm.md, "The firmware's log"). The crypto-agile format of the TCG
 * PC Client Platform Firmware Profile: one SHA-1-format header event whose
 * data is the "Spec ID Event03" structure naming every algorithm and its
 * digest size, then TCG_PCR_EVENT2 records:
 *   u32 pcr, u32 type, u32 count, count x { u16 alg, digest }, u32 size, data.
 * The stub only measures lengths with this walker; it copies bytes and
 * never trusts a digest. The firmware's memory is input: every read stays
 * inside the bound the caller gives.
 * No firmware types, no firmware calls, no allocation.
 */
#ifndef BOOT_TCGLOG_H
#define BOOT_TCGLOG_H

#include <stddef.h>
#include <stdint.h>

#define TCGLOG_MAX_ALGS 8
/* An event's data larger than this is taken for a corrupt length. */
#define TCGLOG_EVENT_DATA_MAX (1u << 20)

struct tcglog_algs {
	uint32_t count;
	uint16_t id[TCGLOG_MAX_ALGS];
	uint16_t size[TCGLOG_MAX_ALGS];
};

/*
 * The header event at p, at most len bytes readable: PCR 0, EV_NO_ACTION,
 * a zero SHA-1 digest, and a Spec ID Event03 structure that names 1 to
 * TCGLOG_MAX_ALGS algorithms, each of a digest size of 1 to 64 bytes,
 * none twice. Fills *a and *hdr_len (the header's bytes).
 * Returns 0 or -EINVAL.
 */
int tcglog_header(const uint8_t *p, size_t len, struct tcglog_algs *a, size_t *hdr_len);

/*
 * The TCG_PCR_EVENT2 at p, at most len bytes readable: its digests are of
 * algorithms the header named, none twice, and its data is at most
 * TCGLOG_EVENT_DATA_MAX bytes. Fills *ev_len. Returns 0 or -EINVAL.
 */
int tcglog_event(const uint8_t *p, size_t len, const struct tcglog_algs *a, size_t *ev_len);

/*
 * count events from p on, at most len bytes readable: *bytes is their total
 * length. Returns 0 or -EINVAL (one of them malformed or past len).
 */
int tcglog_events(const uint8_t *p, size_t len, uint64_t count, const struct tcglog_algs *a, size_t *bytes);

/*
 * The whole log as EFI_TCG2_PROTOCOL.GetEventLog describes it: it starts at
 * p, and its last event starts last bytes in (0 when the header is the only
 * event). Walks every event from the header to that one, so a last-entry
 * pointer that is not on an event boundary is refused. At most len bytes
 * readable. Fills *a and *log_len. Returns 0 or -EINVAL.
 */
int tcglog_measure(const uint8_t *p, size_t len, size_t last, struct tcglog_algs *a, size_t *log_len);

#endif
