/* SPDX-License-Identifier: MIT */
/*
 * The host reference for crypto cost (make bench): the stub's own check of
 * a signed file, with the project's sig.c and hash.c over mbedtls, run under
 * callgrind. Each measured call sits in a function of its own so that
 * `--toggle-collect=<function>` counts exactly that call.
 *
 * usage: crypto-host verify FILE FILE.sig   one ECDSA P-384 verification
 *        crypto-host sha256 FILE            SHA-256 over FILE
 *        crypto-host sha384 FILE            SHA-384 over FILE
 * The file is signed by a platform key (the build's own, platform_keys.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kernel/crypto/hash.h"
#include "kernel/crypto/sig.h"

extern const struct sig_keyset platform_keyset;

static int file_read(const char *path, unsigned char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;
	int err = -1;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET))
		goto out;
	*buf = malloc((size_t)n + 1);
	if (!*buf)
		goto out;
	*len = (size_t)n;
	err = fread(*buf, 1, *len, f) == *len ? 0 : -1;
out:
	fclose(f);
	return err;
}

/* The measured calls: never inlined, so callgrind can toggle on them. */
__attribute__((noinline)) int bench_p384_verify(const uint8_t *point, const uint8_t *digest,
						const struct sig_entry *e);
__attribute__((noinline)) int bench_p384_verify(const uint8_t *point, const uint8_t *digest,
						const struct sig_entry *e)
{
	return sig_verify_digest(point, digest, e->r, e->s);
}

__attribute__((noinline)) void bench_sha256(const void *p, size_t n, uint8_t *out);
__attribute__((noinline)) void bench_sha256(const void *p, size_t n, uint8_t *out)
{
	crypto_sha256(p, n, out);
}

__attribute__((noinline)) void bench_sha384(const void *p, size_t n, uint8_t *out);
__attribute__((noinline)) void bench_sha384(const void *p, size_t n, uint8_t *out)
{
	crypto_sha384(p, n, out);
}

static int verify(const char *path, const char *sig_path)
{
	unsigned char *buf, *sig;
	size_t len, sig_len;
	struct sig_file sf;
	uint8_t digest[CRYPTO_SHA384_LEN], id[SIG_KEYID_LEN];
	const char *why = "";

	if (file_read(path, &buf, &len) || file_read(sig_path, &sig, &sig_len)) {
		fprintf(stderr, "crypto-host: cannot read %s or %s\n", path, sig_path);
		return 2;
	}
	if (sig_file_decode(sig, sig_len, &sf, &why)) {
		fprintf(stderr, "crypto-host: %s: %s\n", sig_path, why);
		return 2;
	}
	crypto_sha384(buf, len, digest);
	sig_key_id(platform_keyset.points[0], id);
	for (unsigned i = 0; i < sf.count; i++) {
		if (memcmp(sf.entries[i].key_id, id, SIG_KEYID_LEN))
			continue;
		if (bench_p384_verify(platform_keyset.points[0], digest, &sf.entries[i]))
			break;
		printf("verified %s (%zu bytes)\n", path, len);
		return 0;
	}
	fprintf(stderr, "crypto-host: %s: no valid signature by the platform key\n", path);
	return 1;
}

static int digest(const char *algo, const char *path)
{
	unsigned char *buf;
	uint8_t out[CRYPTO_SHA384_LEN];
	size_t len;

	if (file_read(path, &buf, &len)) {
		fprintf(stderr, "crypto-host: cannot read %s\n", path);
		return 2;
	}
	if (!strcmp(algo, "sha256"))
		bench_sha256(buf, len, out);
	else
		bench_sha384(buf, len, out);
	printf("%s %zu bytes\n", algo, len);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "verify"))
		return verify(argv[2], argv[3]);
	if (argc == 3 && (!strcmp(argv[1], "sha256") || !strcmp(argv[1], "sha384")))
		return digest(argv[1], argv[2]);
	fprintf(stderr, "usage: crypto-host verify FILE FILE.sig | sha256 FILE | sha384 FILE\n");
	return 2;
}
