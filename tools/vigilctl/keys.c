// SPDX-License-Identifier: MIT
/* vigilctl: key pairs, key files, key ids. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/platform_util.h>

#include "tools/vigilctl/vigilctl.h"

/* Large enough for a P-384 private key or public key in PEM. */
#define VC_PEM_MAX 1024

static mbedtls_ctr_drbg_context vc_drbg;
static bool vc_drbg_ready;

/* CTR-DRBG's entropy source: the kernel's, blocking until it is seeded. */
static int vc_entropy(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	while (len) {
		ssize_t n = getrandom(buf, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int vc_rng_seed(void)
{
	static const unsigned char pers[] = "vigilctl";

	if (vc_drbg_ready)
		return 0;
	mbedtls_ctr_drbg_init(&vc_drbg);
	if (mbedtls_ctr_drbg_seed(&vc_drbg, vc_entropy, NULL, pers, sizeof(pers))) {
		vc_err("cannot seed the random generator");
		return -EIO;
	}
	vc_drbg_ready = true;
	return 0;
}

int vc_rng(void *ctx, unsigned char *buf, size_t len)
{
	(void)ctx;
	return mbedtls_ctr_drbg_random(&vc_drbg, buf, len);
}

static bool vc_pk_is_p384(const mbedtls_pk_context *pk)
{
	return mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY &&
	       mbedtls_pk_ec(*pk)->grp.id == MBEDTLS_ECP_DP_SECP384R1;
}

int vc_key_load_private(const char *path, mbedtls_pk_context *pk)
{
	mbedtls_pk_init(pk);
	if (mbedtls_pk_parse_keyfile(pk, path, NULL) != 0) {
		vc_err("%s: not a readable private key (PEM)", path);
		goto fail;
	}
	if (!vc_pk_is_p384(pk)) {
		vc_err("%s: not an ECDSA P-384 key", path);
		goto fail;
	}
	return 0;
fail:
	mbedtls_pk_free(pk);
	return -EINVAL;
}

int vc_key_point_of(const mbedtls_pk_context *pk, uint8_t point[SIG_POINT_LEN])
{
	const mbedtls_ecp_keypair *ec = mbedtls_pk_ec(*pk);
	size_t olen = 0;

	if (mbedtls_ecp_point_write_binary(&ec->grp, &ec->Q, MBEDTLS_ECP_PF_UNCOMPRESSED, &olen,
					   point, SIG_POINT_LEN) != 0 ||
	    olen != SIG_POINT_LEN)
		return -EINVAL;
	return 0;
}

/* A public key file, or failing that a private key file (its public half). */
int vc_key_load_point(const char *path, uint8_t point[SIG_POINT_LEN])
{
	mbedtls_pk_context pk;
	int ret;

	mbedtls_pk_init(&pk);
	if (mbedtls_pk_parse_public_keyfile(&pk, path) != 0) {
		mbedtls_pk_free(&pk);
		mbedtls_pk_init(&pk);
		if (mbedtls_pk_parse_keyfile(&pk, path, NULL) != 0) {
			vc_err("%s: not a readable public key (PEM)", path);
			ret = -EINVAL;
			goto out;
		}
	}
	ret = vc_pk_is_p384(&pk) ? vc_key_point_of(&pk, point) : -EINVAL;
	if (ret)
		vc_err("%s: not an ECDSA P-384 key", path);
out:
	mbedtls_pk_free(&pk);
	return ret;
}

int vc_keys_load_points(char *const *paths, unsigned n, uint8_t (*points)[SIG_POINT_LEN])
{
	for (unsigned i = 0; i < n; i++) {
		if (vc_key_load_point(paths[i], points[i]))
			return -EINVAL;
		for (unsigned j = 0; j < i; j++) {
			if (memcmp(points[i], points[j], SIG_POINT_LEN) == 0) {
				vc_err("%s and %s are the same key", paths[j], paths[i]);
				return -EINVAL;
			}
		}
	}
	return 0;
}

static int vc_keygen_write(mbedtls_pk_context *pk, const char *keyf, const char *pubf)
{
	unsigned char pem[VC_PEM_MAX];
	int ret;

	if (mbedtls_pk_write_pubkey_pem(pk, pem, sizeof(pem)) != 0)
		return -EIO;
	ret = vc_file_write(pubf, pem, strlen((char *)pem), 0644, true);
	if (ret)
		return ret;
	ret = mbedtls_pk_write_key_pem(pk, pem, sizeof(pem)) ? -EIO : 0;
	if (!ret)
		ret = vc_file_write(keyf, pem, strlen((char *)pem), 0600, true);
	mbedtls_platform_zeroize(pem, sizeof(pem));
	if (ret)
		unlink(pubf);
	return ret;
}

static int vc_keygen(const char *name)
{
	size_t n = strlen(name) + 5;
	char *keyf = malloc(n), *pubf = malloc(n);
	mbedtls_pk_context pk;
	int ret = VC_ERROR;

	mbedtls_pk_init(&pk);
	if (!keyf || !pubf)
		goto out;
	snprintf(keyf, n, "%s.key", name);
	snprintf(pubf, n, "%s.pub", name);
	if (vc_file_exists(keyf) || vc_file_exists(pubf)) {
		vc_err("%s or %s exists: refusing to overwrite a key", keyf, pubf);
		goto out;
	}
	if (vc_rng_seed() || mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY)) ||
	    mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP384R1, mbedtls_pk_ec(pk), vc_rng, NULL)) {
		vc_err("key generation failed");
		goto out;
	}
	if (vc_keygen_write(&pk, keyf, pubf) == 0)
		ret = VC_OK;
out:
	mbedtls_pk_free(&pk);
	free(keyf);
	free(pubf);
	return ret;
}

int vc_cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = { { "output", required_argument, NULL, 'o' }, { 0 } };
	const char *name = NULL;
	int c;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c != 'o')
			return vc_usage(false);
		name = optarg;
	}
	if (!name || optind != argc)
		return vc_usage(false);
	return vc_keygen(name);
}

int vc_cmd_key_id(int argc, char **argv)
{
	uint8_t point[SIG_POINT_LEN], id[SIG_KEYID_LEN];

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	if (argc < 2)
		return vc_usage(false);
	for (int i = 1; i < argc; i++) {
		if (vc_key_load_point(argv[i], point))
			return VC_ERROR;
		sig_key_id(point, id);
		vc_hex_print(id, sizeof(id));
		printf("  %s\n", argv[i]);
	}
	return VC_OK;
}
