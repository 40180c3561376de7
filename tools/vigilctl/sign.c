// SPDX-License-Identifier: MIT
/*
 * vigilctl sign / verify: detached signature files (docs/formats.md).
 * Verification goes through kernel/crypto/sig.c, the code the stub and the
 * VMM run.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ecdsa.h>

#include "kernel/crypto/hash.h"
#include "tools/vigilctl/vigilctl.h"

struct vc_sign_args {
	char *keys[SIG_MAX_ENTRIES];
	unsigned nkeys;
	bool append;
	const char *file;
	const char *out;
};

/* Deterministic ECDSA (RFC 6979): no signing nonce depends on the RNG. */
static int vc_sign_entry(const char *keyf, const uint8_t *digest, uint8_t entry[SIG_ENTRY_LEN])
{
	uint8_t point[SIG_POINT_LEN];
	mbedtls_pk_context pk;
	mbedtls_ecp_keypair *ec;
	mbedtls_mpi r, s;
	int ret;

	if (vc_key_load_private(keyf, &pk))
		return -EINVAL;
	ec = mbedtls_pk_ec(pk);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	ret = vc_key_point_of(&pk, point) ||
	      mbedtls_ecdsa_sign_det_ext(&ec->grp, &r, &s, &ec->d, digest, CRYPTO_SHA384_LEN,
					 MBEDTLS_MD_SHA384, vc_rng, NULL) ||
	      mbedtls_mpi_write_binary(&r, entry + SIG_KEYID_LEN, SIG_SCALAR_LEN) ||
	      mbedtls_mpi_write_binary(&s, entry + SIG_KEYID_LEN + SIG_SCALAR_LEN, SIG_SCALAR_LEN);
	if (!ret) {
		sig_key_id(point, entry);
		/* Never hand out a signature the verifier would not accept. */
		ret = sig_verify_digest(point, digest, entry + SIG_KEYID_LEN,
					entry + SIG_KEYID_LEN + SIG_SCALAR_LEN);
	}
	if (ret)
		vc_err("%s: signing failed", keyf);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
	mbedtls_pk_free(&pk);
	return ret ? -EIO : 0;
}

/* Load the existing file for --append: its entries go first. */
static int vc_sign_existing(const char *path, uint8_t *out, unsigned *count)
{
	struct sig_file f;
	const char *why = NULL;
	uint8_t *buf;
	size_t len;
	int ret;

	if (vc_file_read(path, &buf, &len))
		return -EIO;
	ret = sig_file_decode(buf, len, &f, &why);
	if (ret)
		vc_err("%s: %s", path, why);
	else
		memcpy(out, buf + SIG_HEADER_LEN, (size_t)f.count * SIG_ENTRY_LEN);
	*count = ret ? 0 : f.count;
	free(buf);
	return ret;
}

static bool vc_entry_has_id(const uint8_t *entries, unsigned count, const uint8_t *id)
{
	for (unsigned i = 0; i < count; i++)
		if (memcmp(entries + (size_t)i * SIG_ENTRY_LEN, id, SIG_KEYID_LEN) == 0)
			return true;
	return false;
}

static int vc_sign(const struct vc_sign_args *a)
{
	uint8_t file[SIG_FILE_LEN(SIG_MAX_ENTRIES)] = SIG_MAGIC;
	uint8_t *entries = file + SIG_HEADER_LEN;
	uint8_t digest[CRYPTO_SHA384_LEN];
	unsigned count = 0;
	uint8_t *payload;
	size_t len;

	if (a->append && vc_sign_existing(a->out, entries, &count))
		return VC_ERROR;
	if (count + a->nkeys > SIG_MAX_ENTRIES) {
		vc_err("%s: a signature file holds at most %d signatures", a->out, SIG_MAX_ENTRIES);
		return VC_ERROR;
	}
	if (vc_file_read(a->file, &payload, &len) || vc_rng_seed())
		return VC_ERROR;
	crypto_sha384(payload, len, digest);
	free(payload);
	for (unsigned i = 0; i < a->nkeys; i++, count++) {
		uint8_t *e = entries + (size_t)count * SIG_ENTRY_LEN;

		if (vc_sign_entry(a->keys[i], digest, e))
			return VC_ERROR;
		if (vc_entry_has_id(entries, count, e)) {
			vc_err("%s: this key already signed %s", a->keys[i], a->out);
			return VC_ERROR;
		}
	}
	file[8] = (uint8_t)count; /* little-endian count <= 16; reserved stays 0 */
	return vc_file_write(a->out, file, SIG_FILE_LEN(count), 0644, false) ? VC_ERROR : VC_OK;
}

static char *vc_sig_name(const char *file)
{
	size_t n = strlen(file) + 5;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s.sig", file);
	return s;
}

int vc_cmd_sign(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "append", no_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' },
		{ 0 },
	};
	struct vc_sign_args a = { 0 };
	char *def = NULL;
	int c, ret;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	while ((c = getopt_long(argc, argv, "k:ao:", opts, NULL)) != -1) {
		if (c == 'k' && a.nkeys < SIG_MAX_ENTRIES)
			a.keys[a.nkeys++] = optarg;
		else if (c == 'a')
			a.append = true;
		else if (c == 'o')
			a.out = optarg;
		else
			return vc_usage(false);
	}
	if (a.nkeys == 0 || optind != argc - 1)
		return vc_usage(false);
	a.file = argv[optind];
	if (!a.out)
		a.out = def = vc_sig_name(a.file);
	ret = a.out ? vc_sign(&a) : VC_ERROR;
	free(def);
	return ret;
}

struct vc_verify_args {
	char *pubs[SIG_MAX_KEYS];
	unsigned npubs;
	unsigned threshold; /* 0: all given keys */
	const char *file;
	const char *sig;
};

static int vc_verify(const struct vc_verify_args *a)
{
	uint8_t points[SIG_MAX_KEYS][SIG_POINT_LEN];
	struct sig_keyset keys = { points, a->npubs, a->threshold ? a->threshold : a->npubs };
	struct sig_verdict v;
	uint8_t *payload = NULL, *sig = NULL;
	size_t len, siglen;
	int ret = VC_ERROR;

	if (vc_keys_load_points(a->pubs, a->npubs, points))
		return VC_ERROR;
	if (vc_file_read(a->file, &payload, &len) || vc_file_read(a->sig, &sig, &siglen))
		goto out;
	ret = sig_verify_set(payload, len, sig, siglen, &keys, &v);
	if (ret == 0) {
		printf("accepted: %u of %u keys signed %s (threshold %u)\n", v.valid, a->npubs,
		       a->file, v.needed);
	} else if (ret == -EPERM || ret == -EBADMSG) {
		printf("refused: %s: %s (%u valid, %u needed; %u signatures, %u by other keys)\n",
		       a->sig, v.why, v.valid, v.needed, v.entries, v.unknown);
	} else {
		vc_err("%s", v.why);
	}
	ret = ret == 0 ? VC_OK : (ret == -EPERM || ret == -EBADMSG) ? VC_REFUSED : VC_ERROR;
out:
	free(payload);
	free(sig);
	return ret;
}

int vc_cmd_verify(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pub", required_argument, NULL, 'p' },
		{ "threshold", required_argument, NULL, 't' },
		{ 0 },
	};
	struct vc_verify_args a = { 0 };
	char *def = NULL;
	int c, ret;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	while ((c = getopt_long(argc, argv, "p:t:", opts, NULL)) != -1) {
		if (c == 'p' && a.npubs < SIG_MAX_KEYS)
			a.pubs[a.npubs++] = optarg;
		else if (c == 't' && vc_uint_parse(optarg, &a.threshold) == 0 && a.threshold)
			continue;
		else
			return vc_usage(false);
	}
	if (a.npubs == 0 || optind >= argc || argc - optind > 2)
		return vc_usage(false);
	a.file = argv[optind];
	a.sig = optind + 1 < argc ? argv[optind + 1] : (def = vc_sig_name(a.file));
	ret = a.sig ? vc_verify(&a) : VC_ERROR;
	free(def);
	return ret;
}
