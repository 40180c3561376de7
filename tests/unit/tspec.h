// SPDX-License-Identifier: MIT
/* Test keys, device trees from property lists, signature entries
 * (tests/unit/tspec.c). */
#ifndef TESTS_UNIT_TSPEC_H
#define TESTS_UNIT_TSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/ecp.h>

#include "kernel/crypto/sig.h"

/* Keys 0..NKEYS-1: which role or publisher each plays is the test's choice. */
#define NKEYS 6
extern mbedtls_ecp_keypair kp[NKEYS];
extern uint8_t kpoint[NKEYS][SIG_POINT_LEN];
extern uint8_t kid[NKEYS][SIG_KEYID_LEN];

#define MAXP 32
struct tprop {
	char node[24]; /* "" for the root, "control", "control/sub" */
	char name[24];
	uint8_t *val;
	int len;
};
struct tspec {
	struct tprop p[MAXP];
	unsigned n;
};

int test_rng(void *ctx, unsigned char *out, size_t len);
__attribute__((noreturn)) void die(const char *what);
void keys_make(void);
void spec_add(struct tspec *s, const char *node, const char *name, const void *val, int len);
struct tprop *spec_find(struct tspec *s, const char *node, const char *name);
void spec_set(struct tspec *s, const char *node, const char *name, const void *val, int len);
void spec_str(struct tspec *s, const char *node, const char *name, const char *v);
void put_be64(uint8_t *p, uint64_t v);
void spec_u64(struct tspec *s, const char *node, const char *name, uint64_t v);
void spec_cells(struct tspec *s, const char *node, const char *name, const uint32_t *c, int n);
void spec_del(struct tspec *s, const char *node, const char *name);
void spec_free(struct tspec *s);
void spec_emit(const struct tspec *s, void *fdt, const char *path);
size_t spec_build(const struct tspec *s, uint8_t *out, size_t cap);
void entry_make(uint8_t *e, int k, const void *msg, size_t len);

#endif
