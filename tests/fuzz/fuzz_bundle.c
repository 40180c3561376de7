// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the bundle decoder and verifier (vmm/bundle*.c).
 *
 * Input byte 0 chooses the entry point: even = a whole container through
 * bundle_check() (container, payload, signatures, build-id, sequence), odd
 * = the rest as a payload device tree through bundle_payload_decode(), the
 * deepest parser.
 *
 * The role keys: with FUZZ_BUNDLE_CONFIG naming a config blob (`make fuzz`
 * passes the one built from configs/default.dts, holding the development
 * role keys), that config's, so the seeds signed with those keys
 * (tests/fuzz/seeds.sh) and their mutations reach the P-384 verification
 * and the checks after it; the build-id is FUZZ_BUILD_ID, the seeds'.
 * Without it (the unit tier's smoke run), keys made once from a fixed
 * seed, which nothing here can sign for.
 *
 * Checked: no memory error (ASan, UBSan), every refusal carries a code and
 * a message, a failed decode leaves the struct zeroed; without the
 * config, no input is accepted; with it, an accepted bundle had enough
 * valid signatures of the role its kind needs.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecp.h>

#include "kernel/crypto/hash.h"
#include "vmm/bundle.h"

static struct config cfg;
static bool cfg_real; /* cfg came from FUZZ_BUNDLE_CONFIG */
static struct bundle bnd;
static const uint8_t build_id[BUNDLE_BUILD_ID_LEN] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99,
	0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x23, 0x45, 0x67,
}; /* FUZZ_BUILD_ID: the seeds' (tests/fuzz/seeds.sh) */
static const uint8_t zero_bundle_probe[64];

static int fuzz_rng(void *ctx, unsigned char *out, size_t len)
{
	static uint64_t counter;
	uint8_t block[CRYPTO_SHA256_LEN];

	(void)ctx;
	while (len) {
		size_t n = len < sizeof(block) ? len : sizeof(block);

		counter++;
		crypto_sha256(&counter, sizeof(counter), block);
		memcpy(out, block, n);
		out += n;
		len -= n;
	}
	return 0;
}

static void fuzz_key(uint8_t point[CONFIG_KEY_LEN])
{
	mbedtls_ecp_keypair kp;
	size_t olen = 0;

	mbedtls_ecp_keypair_init(&kp);
	if (mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP384R1, &kp, fuzz_rng, NULL) ||
	    mbedtls_ecp_point_write_binary(&kp.grp, &kp.Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, point,
					   CONFIG_KEY_LEN) ||
	    olen != CONFIG_KEY_LEN)
		abort();
	mbedtls_ecp_keypair_free(&kp);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The config named by FUZZ_BUNDLE_CONFIG, parsed as the VMM parses it. */
static void fuzz_config_load(const char *path)
{
	static uint8_t blob[64 * 1024];
	char err[160];
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f) {
		perror(path);
		abort();
	}
	n = fread(blob, 1, sizeof(blob), f);
	fclose(f);
	if (config_parse(blob, n, &cfg, err, sizeof(err))) {
		fprintf(stderr, "fuzz-bundle: %s: %s\n", path, err);
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("FUZZ_BUNDLE_CONFIG");

	(void)argc;
	(void)argv;
	cfg_real = path && *path;
	if (cfg_real)
		fuzz_config_load(path);
	for (int r = 0; !cfg_real && r < ROLE_COUNT; r++) {
		fuzz_key(cfg.roles[r].keys[0]);
		fuzz_key(cfg.roles[r].keys[1]);
		cfg.roles[r].key_count = 2;
		cfg.roles[r].threshold = 1;
	}
	return 0;
}

static void fuzz_verdict_check(int ret, const struct bundle_verdict *v)
{
	if (ret != v->err || !v->message[0] || (ret != 0) != (v->code != CHANNEL_OK))
		abort();
	if (!memchr(v->message, 0, sizeof(v->message)))
		abort();
}

/* Refusals of the decoder (as opposed to the verifier's, after a decode). */
static bool fuzz_decode_refusal(enum channel_refusal code)
{
	return code == CHANNEL_E_MALFORMED || code == CHANNEL_E_TRUNCATED ||
	       code == CHANNEL_E_OVERSIZED || code == CHANNEL_E_TRAILING;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bundle_verdict v;
	struct bundle_seq seq = { { 0 } };
	uint8_t *copy;
	int ret;

	if (size < 1)
		return 0;
	/* An exact-size, aligned copy: ASan sees any read past the end. */
	copy = malloc(size - 1 ? size - 1 : 1);
	memcpy(copy, data + 1, size - 1);
	if (data[0] & 1)
		ret = bundle_payload_decode(copy, size - 1, &bnd, &v);
	else
		ret = bundle_check(copy, size - 1, &cfg, build_id, &seq, &bnd, &v);
	fuzz_verdict_check(ret, &v);
	if (ret == 0 && !(data[0] & 1) &&
	    (!cfg_real || !v.needed || v.valid < v.needed || bnd.role != bundle_kind_role(bnd.kind)))
		abort(); /* accepted without the signatures its role needs */
	if (fuzz_decode_refusal(v.code) && memcmp(&bnd, zero_bundle_probe, sizeof(zero_bundle_probe)))
		abort(); /* a refused decode must leave nothing behind */
	free(copy);
	return 0;
}
