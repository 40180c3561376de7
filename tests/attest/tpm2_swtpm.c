// SPDX-License-Identifier: MIT
/*
 * The VMM's TPM commands for marks in NV (drivers/tpm2.c), run on the host
 * against swtpm's TCP server port, which takes raw TPM commands: this file
 * stands in for drivers/tpm.c's tpm_transmit(). Driven by
 * tests/attest/t_tpm2_policy.py, which checks what it prints.
 *
 *   tpm2_swtpm public POINT
 *       the TPMT_PUBLIC of the P-384 key at POINT (97 bytes, hex)
 *   tpm2_swtpm PORT readpublic INDEX
 *   tpm2_swtpm PORT read INDEX SIZE
 *   tpm2_swtpm PORT write INDEX PCRMASK HIERARCHY POINT APPROVED REF SIG DATA
 *       the policy write: a policy session, PolicyPCR (PCRMASK: bit n is
 *       PCR n), the key at POINT loaded into HIERARCHY (the VMM's is the
 *       owner's, 40000001), its signature SIG (r || s) over
 *       SHA-384(APPROVED || REF) verified, PolicyAuthorize, NV_Write of
 *       DATA; then what it loaded is flushed.
 *       SIG "-": no key, no PolicyAuthorize, the PCR policy alone
 *   tpm2_swtpm PORT write-password INDEX DATA
 *       NV_Write of DATA with the empty password session
 *
 * INDEX, PCRMASK and HIERARCHY are hex numbers, the other arguments hex bytes. Each
 * command prints one line per TPM command, "<command> <result> ...", the
 * result 0, a TPM response code (0x...) or a negative errno; the exit
 * status is 0 when every command came to 0.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "drivers/tpm2.h"
#include "kernel/crypto/hash.h"

static int tpm_fd = -1;

static uint64_t host_now_us(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int io_all(int fd, uint8_t *p, size_t n, int out)
{
	while (n) {
		ssize_t k = out ? write(fd, p, n) : read(fd, p, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? -ETIMEDOUT : -EIO;
		if (!k)
			return -EIO;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* tpm_transmit() as drivers/tpm.h states it, over swtpm's server socket. */
int tpm_transmit(struct tpm *t, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t max, unsigned timeout_ms)
{
	struct timeval tv = { (time_t)(timeout_ms / 1000), (suseconds_t)(timeout_ms % 1000) * 1000 };
	uint32_t size;
	int err;

	(void)t;
	if (len < 10 || len > TPM_BUF_MAX || (uint32_t)(cmd[2] << 24 | cmd[3] << 16 | cmd[4] << 8 | cmd[5]) != len)
		return -EINVAL;
	if (max < 10)
		return -EMSGSIZE;
	setsockopt(tpm_fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	err = io_all(tpm_fd, (uint8_t *)cmd, len, 1);
	if (!err)
		err = io_all(tpm_fd, rsp, 10, 0);
	if (err)
		return err;
	size = (uint32_t)rsp[2] << 24 | (uint32_t)rsp[3] << 16 | (uint32_t)rsp[4] << 8 | rsp[5];
	if (size < 10 || size > TPM_BUF_MAX)
		return -EIO;
	if (size > max)
		return -EMSGSIZE;
	err = io_all(tpm_fd, rsp + 10, size - 10, 0);
	return err ? err : (int)size;
}

static int tpm_connect(struct tpm *t, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };

	*t = (struct tpm){ .io = { .now_us = host_now_us } };
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	tpm_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (tpm_fd < 0 || connect(tpm_fd, (struct sockaddr *)&a, sizeof(a))) {
		perror("tpm2_swtpm: connect");
		return -1;
	}
	return 0;
}

/* Hex to bytes: exactly want bytes (any number up to want when exact is 0). */
static size_t unhex(const char *s, uint8_t *out, size_t want, int exact)
{
	size_t n = strlen(s) / 2;

	if (strlen(s) % 2 || n > want || (exact && n != want)) {
		fprintf(stderr, "tpm2_swtpm: %s: not %zu hex bytes\n", s, want);
		exit(2);
	}
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		if (sscanf(s + 2 * i, "%2x", &v) != 1) {
			fprintf(stderr, "tpm2_swtpm: %s: not hex\n", s);
			exit(2);
		}
		out[i] = (uint8_t)v;
	}
	return n;
}

static void print_hex(const char *label, const uint8_t *p, size_t n)
{
	printf(" %s=", label);
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

/* A command's name and its result, starting its line; the result. */
static int said(const char *what, int err)
{
	if (err > 0)
		printf("%s 0x%x", what, (unsigned)err);
	else
		printf("%s %d", what, err);
	return err;
}

/* The same, as a whole line. */
static int line(const char *what, int err)
{
	said(what, err);
	printf("\n");
	return err;
}

static int readpublic(struct tpm *t, uint32_t index)
{
	struct tpm2_nv_public pub;
	int err = said("nv_readpublic", tpm2_nv_read_public(t, index, &pub));

	if (!err) {
		printf(" index=0x%08x name_alg=0x%04x attributes=0x%08x size=%u", pub.index, pub.name_alg,
		       pub.attributes, pub.size);
		print_hex("policy", pub.policy, pub.policy_len);
		print_hex("name", pub.name, pub.name_len);
	}
	printf("\n");
	return err;
}

static int nv_read(struct tpm *t, uint32_t index, size_t size)
{
	static uint8_t data[TPM2_NV_DATA_MAX];
	int err = said("nv_read", tpm2_nv_read(t, index, 0, data, size));

	if (!err)
		print_hex("data", data, size);
	printf("\n");
	return err;
}

struct policy_write {
	uint32_t index, pcr_mask, hierarchy;
	uint8_t point[TPM2_P384_POINT_LEN];
	uint8_t approved[32], ref[TPM2_POLICY_REF_MAX], sig[96], data[TPM2_NV_DATA_MAX];
	size_t ref_len, data_len;
	int authorized; /* 0: the PCR policy alone */
};

/* The key loaded, its signature checked, PolicyAuthorize: 0 or the first
 * error. */
static int authorize(struct tpm *t, const struct policy_write *w, uint32_t session, uint32_t *key)
{
	uint8_t name[TPM2_P384_NAME_LEN], msg[32 + TPM2_POLICY_REF_MAX], digest[48];
	struct tpm2_ticket ticket;
	int err;

	err = said("load_external", tpm2_load_external_p384(t, w->point, w->hierarchy, key, name));
	if (!err) {
		printf(" handle=0x%08x", *key);
		print_hex("name", name, sizeof(name));
	}
	printf("\n");
	if (err)
		return err;
	memcpy(msg, w->approved, 32);
	memcpy(msg + 32, w->ref, w->ref_len);
	crypto_sha384(msg, 32 + w->ref_len, digest); /* aHash, with the key's nameAlg */
	err = said("verify_signature", tpm2_verify_signature(t, *key, digest, w->sig, w->sig + 48, &ticket));
	if (!err) {
		printf(" hierarchy=0x%08x", ticket.hierarchy);
		print_hex("ticket", ticket.raw, ticket.len);
	}
	printf("\n");
	if (!err)
		err = line("policy_authorize",
			   tpm2_policy_authorize(t, session, w->approved, w->ref, w->ref_len, name, &ticket));
	return err;
}

static int policy_write(struct tpm *t, const struct policy_write *w)
{
	uint8_t nonce[TPM2_SESSION_NONCE];
	uint32_t session = 0, key = 0;
	int err, written = 0;

	if (getrandom(nonce, sizeof(nonce), 0) != sizeof(nonce))
		return -EIO;
	err = said("start_auth_session", tpm2_start_policy_session(t, nonce, &session));
	if (!err)
		printf(" handle=0x%08x", session);
	printf("\n");
	if (!err)
		err = line("policy_pcr", tpm2_policy_pcr(t, session, w->pcr_mask));
	if (!err && w->authorized)
		err = authorize(t, w, session, &key);
	if (!err) {
		err = line("nv_write", tpm2_nv_write(t, w->index, session, w->data, w->data_len));
		written = !err;
	}
	/* The session ends with a write that succeeded (continueSession
	 * clear): flushing it then must fail. */
	if (key)
		(void)line("flush_key", tpm2_flush_context(t, key));
	if (session)
		(void)line(written ? "flush_ended_session" : "flush_session", tpm2_flush_context(t, session));
	return err;
}

static int usage(void)
{
	fprintf(stderr, "usage: tpm2_swtpm public POINT\n"
			"       tpm2_swtpm PORT readpublic INDEX\n"
			"       tpm2_swtpm PORT read INDEX SIZE\n"
			"       tpm2_swtpm PORT write INDEX PCRMASK HIERARCHY POINT APPROVED REF SIG DATA\n"
			"       tpm2_swtpm PORT write-password INDEX DATA\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct policy_write w;
	struct tpm t;
	uint8_t pub[TPM2_P384_PUBLIC_LEN];
	int err;

	if (argc == 3 && !strcmp(argv[1], "public")) {
		unhex(argv[2], w.point, sizeof(w.point), 1);
		if (tpm2_p384_public(w.point, pub) != sizeof(pub))
			return usage();
		print_hex("public", pub, sizeof(pub));
		printf("\n");
		return 0;
	}
	if (argc < 4)
		return usage();
	w.index = (uint32_t)strtoul(argv[3], NULL, 16);
	if (!strcmp(argv[2], "readpublic") && argc == 4)
		err = tpm_connect(&t, argv[1]) ? -EIO : readpublic(&t, w.index);
	else if (!strcmp(argv[2], "read") && argc == 5)
		err = tpm_connect(&t, argv[1]) ? -EIO : nv_read(&t, w.index, strtoul(argv[4], NULL, 0));
	else if (!strcmp(argv[2], "write") && argc == 11) {
		w.pcr_mask = (uint32_t)strtoul(argv[4], NULL, 16);
		w.hierarchy = (uint32_t)strtoul(argv[5], NULL, 16);
		unhex(argv[6], w.point, sizeof(w.point), 1);
		unhex(argv[7], w.approved, sizeof(w.approved), 1);
		w.ref_len = unhex(argv[8], w.ref, sizeof(w.ref), 0);
		w.authorized = strcmp(argv[9], "-") != 0;
		if (w.authorized)
			unhex(argv[9], w.sig, sizeof(w.sig), 1);
		w.data_len = unhex(argv[10], w.data, sizeof(w.data), 0);
		err = tpm_connect(&t, argv[1]) ? -EIO : policy_write(&t, &w);
	} else if (!strcmp(argv[2], "write-password") && argc == 5) {
		w.data_len = unhex(argv[4], w.data, sizeof(w.data), 0);
		err = tpm_connect(&t, argv[1]) ? -EIO
					       : line("nv_write", tpm2_nv_write(&t, w.index, TPM2_RS_PW, w.data, w.data_len));
	} else
		return usage();
	if (tpm_fd >= 0)
		close(tpm_fd);
	return err ? 1 : 0;
}
