// SPDX-License-Identifier: MIT
/*
 * Test inputs shared by the unit tests of signed device trees (bundles,
 * guest package manifests): deterministic P-384 test keys, device trees
 * built from a property list the tests mutate, and signature entries made
 * with mbedtls, so no code under test builds its own input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>
#include <mbedtls/ecdsa.h>

#include "kernel/crypto/hash.h"
#include "tests/unit/tspec.h"

mbedtls_ecp_keypair kp[NKEYS];
uint8_t kpoint[NKEYS][SIG_POINT_LEN];
uint8_t kid[NKEYS][SIG_KEYID_LEN];

/* Deterministic bytes: SHA-256 over a counter. Tests need repeatability, not secrecy. */
int test_rng(void *ctx, unsigned char *out, size_t len)
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

void die(const char *what)
{
	printf("test set-up failed: %s\n", what);
	exit(2);
}

void keys_make(void)
{
	for (int i = 0; i < NKEYS; i++) {
		size_t olen = 0;

		mbedtls_ecp_keypair_init(&kp[i]);
		if (mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP384R1, &kp[i], test_rng, NULL) ||
		    mbedtls_ecp_point_write_binary(&kp[i].grp, &kp[i].Q, MBEDTLS_ECP_PF_UNCOMPRESSED,
						   &olen, kpoint[i], SIG_POINT_LEN) ||
		    olen != SIG_POINT_LEN)
			die("keys");
		sig_key_id(kpoint[i], kid[i]);
	}
}

/* --- payloads: a property list, built into a device tree -------------- */

void spec_add(struct tspec *s, const char *node, const char *name, const void *val, int len)
{
	struct tprop *p = &s->p[s->n++];

	if (s->n > MAXP)
		die("too many properties");
	snprintf(p->node, sizeof(p->node), "%s", node);
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->val = malloc((size_t)len + 1);
	memcpy(p->val, val, (size_t)len);
	p->len = len;
}

struct tprop *spec_find(struct tspec *s, const char *node, const char *name)
{
	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->p[i].node, node) && !strcmp(s->p[i].name, name))
			return &s->p[i];
	return NULL;
}

void spec_set(struct tspec *s, const char *node, const char *name, const void *val, int len)
{
	struct tprop *p = spec_find(s, node, name);

	if (!p) {
		spec_add(s, node, name, val, len);
		return;
	}
	free(p->val);
	p->val = malloc((size_t)len + 1);
	memcpy(p->val, val, (size_t)len);
	p->len = len;
}

void spec_str(struct tspec *s, const char *node, const char *name, const char *v)
{
	spec_set(s, node, name, v, (int)strlen(v) + 1);
}

void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

void spec_u64(struct tspec *s, const char *node, const char *name, uint64_t v)
{
	uint8_t b[8];

	put_be64(b, v);
	spec_set(s, node, name, b, 8);
}

void spec_cells(struct tspec *s, const char *node, const char *name, const uint32_t *c, int n)
{
	uint8_t b[4 * 64];

	for (int i = 0; i < n; i++) {
		fdt32_t be = cpu_to_fdt32(c[i]);

		memcpy(b + 4 * i, &be, 4);
	}
	spec_set(s, node, name, b, 4 * n);
}

void spec_del(struct tspec *s, const char *node, const char *name)
{
	struct tprop *p = spec_find(s, node, name);

	if (p) {
		free(p->val);
		*p = s->p[--s->n];
	}
}

void spec_free(struct tspec *s)
{
	for (unsigned i = 0; i < s->n; i++)
		free(s->p[i].val);
	s->n = 0;
}

/* Emit node `path`'s properties and its children (one level deeper). */
void spec_emit(const struct tspec *s, void *fdt, const char *path)
{
	size_t plen = strlen(path);

	for (unsigned i = 0; i < s->n; i++)
		if (!strcmp(s->p[i].node, path) && s->p[i].name[0] &&
		    fdt_property(fdt, s->p[i].name, s->p[i].val, s->p[i].len))
			die("fdt_property");
	for (unsigned i = 0; i < s->n; i++) {
		const char *n = s->p[i].node, *child;
		bool first = true;

		if (plen ? strncmp(n, path, plen) || n[plen] != '/' : !n[0])
			continue;
		child = plen ? n + plen + 1 : n;
		if (strchr(child, '/'))
			continue;
		for (unsigned j = 0; j < i; j++)
			first &= strcmp(s->p[j].node, n) != 0;
		if (!first)
			continue;
		if (fdt_begin_node(fdt, child))
			die("fdt_begin_node");
		spec_emit(s, fdt, n);
		if (fdt_end_node(fdt))
			die("fdt_end_node");
	}
}

size_t spec_build(const struct tspec *s, uint8_t *out, size_t cap)
{
	if (fdt_create(out, (int)cap) || fdt_finish_reservemap(out) || fdt_begin_node(out, ""))
		die("fdt_create");
	spec_emit(s, out, "");
	if (fdt_end_node(out) || fdt_finish(out))
		die("fdt_finish");
	return fdt_totalsize(out);
}

/* One entry by key k over msg; as = the key id it is filed under. */
void entry_make(uint8_t *e, int k, const void *msg, size_t len)
{
	uint8_t digest[CRYPTO_SHA384_LEN];
	mbedtls_mpi r, s;

	crypto_sha384(msg, len, digest);
	mbedtls_mpi_init(&r);
	mbedtls_mpi_init(&s);
	if (mbedtls_ecdsa_sign(&kp[k].grp, &r, &s, &kp[k].d, digest, sizeof(digest), test_rng, NULL) ||
	    mbedtls_mpi_write_binary(&r, e + SIG_KEYID_LEN, SIG_SCALAR_LEN) ||
	    mbedtls_mpi_write_binary(&s, e + SIG_KEYID_LEN + SIG_SCALAR_LEN, SIG_SCALAR_LEN))
		die("sign");
	memcpy(e, kid[k], SIG_KEYID_LEN);
	mbedtls_mpi_free(&r);
	mbedtls_mpi_free(&s);
}
