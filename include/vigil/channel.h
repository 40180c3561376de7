/* SPDX-License-Identifier: MIT */
/*
 * The management channel's wire protocol (docs/channel.md), shared by the
 * VMM and vigilctl. Everything is little-endian.
 *
 * A frame:
 *   offset  0  'V' 'G'
 *           2  version (CHANNEL_VERSION)
 *           3  type (a request, request | CHANNEL_RESPONSE, or CHANNEL_TYPE_ERROR)
 *           4  id, u16: chosen by the requester, echoed by the response
 *           6  length, u32: payload bytes, <= CHANNEL_MAX_PAYLOAD
 *          10  header CRC-32 over bytes 0..9
 *          14  payload
 *  14+length   CRC-32 over the 14 header bytes and the payload
 * CRC-32 is IEEE 802.3 (reflected, polynomial 0xEDB88320, as zlib's crc32).
 */
#ifndef VIGIL_CHANNEL_H
#define VIGIL_CHANNEL_H

#define CHANNEL_MAGIC0 'V'
#define CHANNEL_MAGIC1 'G'
#define CHANNEL_VERSION 1
#define CHANNEL_HEADER_LEN 14
#define CHANNEL_TRAILER_LEN 4
#define CHANNEL_MAX_PAYLOAD (256u * 1024)
#define CHANNEL_MAX_FRAME (CHANNEL_HEADER_LEN + CHANNEL_MAX_PAYLOAD + CHANNEL_TRAILER_LEN)

/* How long a receiver waits for the next byte of a started frame. */
#define CHANNEL_BYTE_TIMEOUT_MS 2000

/*
 * Requests, from this one list: X(NAME, type, name). The queries carry no
 * payload; the VMM answers each with query_<name>() from a table made of
 * this list (vmm/channel_dispatch.c), so a query cannot be listed without
 * its handler. EVENTS carries an index, QUOTE a nonce, FWLOG an offset, BUNDLE a bundle
 * container. Any other type is
 * refused (CHANNEL_E_UNKNOWN_TYPE) and runs nothing.
 */
#define CHANNEL_QUERIES(X)                  \
	X(VERSION, 0x01, version)           \
	X(INVENTORY, 0x02, inventory)       \
	X(MEASUREMENTS, 0x03, measurements) \
	X(AUDIT, 0x04, audit)               \
	X(SELFCHECK, 0x05, selfcheck)       \
	X(CRASH, 0x06, crash)

enum channel_request {
#define CHANNEL_REQ_ENUM(NAME, type, name) CHANNEL_REQ_##NAME = type,
	CHANNEL_QUERIES(CHANNEL_REQ_ENUM)
#undef CHANNEL_REQ_ENUM
	/* A page of the runtime measurement log: the payload is the first
	 * record's index (u64, 0-based); the reply's `events` holds at most
	 * 128 records (docs/channel.md, docs/tpm.md). */
	CHANNEL_REQ_EVENTS = 0x07,
	/* A TPM quote: the payload is the verifier's nonce, 1 to 64 bytes
	 * (docs/channel.md, docs/tpm.md). */
	CHANNEL_REQ_QUOTE = 0x08,
	/* A page of the firmware's event log as the stub handed it over: the
	 * payload is the byte offset (u64); the reply's `bytes` holds at most
	 * CHANNEL_FWLOG_PAGE bytes from there (docs/channel.md, docs/tpm.md). */
	CHANNEL_REQ_FWLOG = 0x09,
	CHANNEL_REQ_BUNDLE = 0x10,
	/* A guest package update (docs/channel.md, "Guest updates"). */
	CHANNEL_REQ_PKG_BEGIN = 0x20,
	CHANNEL_REQ_PKG_CHUNK = 0x21,
	CHANNEL_REQ_PKG_COMMIT = 0x22,
	CHANNEL_REQ_PKG_ABORT = 0x23,
};

/*
 * PKG_BEGIN's payload: the guest, then the package's manifest and its
 * signature file, each as the package directory holds it:
 *   0  guest name, NUL-padded to CHANNEL_PKG_NAME_LEN bytes
 *  32  manifest length, u32;  36  signature file length, u32
 *  40  the manifest, zero-padded to a multiple of 8; then the signature file
 * and nothing after it. PKG_CHUNK's: the upload's id (the first
 * CHANNEL_PKG_ID_LEN bytes of the manifest's SHA-384), the file (u32: 0
 * image, 1 initrd, 2 acpi), a zero u32, the offset (u64), then the bytes.
 * PKG_COMMIT's and PKG_ABORT's: the upload's id alone.
 */
#define CHANNEL_FWLOG_PAGE (24u * 1024)

#define CHANNEL_PKG_NAME_LEN 32
#define CHANNEL_PKG_BEGIN_HEADER 40
#define CHANNEL_PKG_ID_LEN 16
#define CHANNEL_PKG_CHUNK_HEADER 32

/* A response's type is its request's type with this bit set. */
#define CHANNEL_RESPONSE 0x80
/* The response to a frame whose type could not be trusted (bad header). */
#define CHANNEL_TYPE_ERROR 0xff

/*
 * Why a request was refused: the `error` property of a response, beside
 * `status` (a negative errno) and `message`. Stable numbers: tools match
 * on them. 0 (CHANNEL_OK) means no refusal. One list, X(NAME, code,
 * meaning): the enum (CHANNEL_E_<NAME>) and vigilctl's names are made of
 * it, and a unit test holds docs/channel.md's table to it.
 */
#define CHANNEL_REFUSALS(X)                                                    \
	/* framing */                                                          \
	X(FRAME_VERSION, 1, "unknown protocol version")                        \
	X(FRAME_HCRC, 2, "header CRC mismatch")                                \
	X(FRAME_OVERSIZE, 3, "length above the limit")                         \
	X(FRAME_CRC, 4, "frame CRC mismatch")                                  \
	X(FRAME_TIMEOUT, 5, "the frame stopped arriving")                      \
	X(UNKNOWN_TYPE, 6, "no such request")                                  \
	X(BAD_REQUEST, 7, "a query with a payload, and the like")              \
	/* bundle container and payload */                                    \
	X(MALFORMED, 16, "not a well-formed container or payload")             \
	X(TRUNCATED, 17, "shorter than its lengths say")                       \
	X(OVERSIZED, 18, "a length above its limit")                           \
	X(TRAILING, 19, "bytes after the signature file")                      \
	/* signatures and authority */                                         \
	X(NO_SIGNATURE, 32, "empty signature file")                            \
	X(SIG_MALFORMED, 33, "signature file not well formed")                 \
	X(BAD_SIGNATURE, 34, "keys of the role signed, none validly")          \
	X(TOO_FEW, 35, "valid, but fewer than the threshold")                  \
	X(UNKNOWN_KEY, 36, "signed only by keys the config lacks")             \
	X(WRONG_ROLE, 37, "the payload's role does not fit its kind")          \
	X(KEY_ROLE, 38, "signed only by keys of another role")                 \
	X(BUILD_ID, 39, "made for another VMM build")                          \
	X(REPLAY, 40, "sequence equal to the last accepted")                   \
	X(ROLLBACK, 41, "sequence below the last accepted")                    \
	X(KEYSET, 42, "the config's key set is unusable")                      \
	X(NOMEM, 43, "out of memory while verifying")                          \
	/* applying (the VMM's checks after verification) */                   \
	X(APPLY, 48, "verified, but the VMM could not apply it")              \
	/* guest package updates */                                            \
	X(PKG_GUEST, 56, "no such guest, or it runs no package")               \
	X(PKG_NAME, 57, "the package is not the one the guest runs")           \
	X(PKG_VERSION, 58, "version not above the one running")                \
	X(PKG_SECURITY, 59, "security version below the guest's floor")        \
	X(PKG_GRANT, 60, "more than granted, or another shape")                \
	X(PKG_UPLOAD, 61, "no such upload, or a chunk out of order")           \
	X(PKG_FILE, 62, "a file does not match the manifest")                  \
	X(PKG_NOMEM, 63, "no room to stage the files")                         \
	X(PKG_BUSY, 64, "the guest is restarting")                             \
	/* attestation */                                                      \
	X(NO_TPM, 72, "no TPM or no attestation key in use")                  \
	X(TPM, 73, "the TPM failed the command")                               \
	X(MARKS, 74, "the anti-rollback mark could not be recorded")

enum channel_refusal {
	CHANNEL_OK = 0,
#define CHANNEL_REFUSAL_ENUM(NAME, code, meaning) CHANNEL_E_##NAME = code,
	CHANNEL_REFUSALS(CHANNEL_REFUSAL_ENUM)
#undef CHANNEL_REFUSAL_ENUM
};

#endif
