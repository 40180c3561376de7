/* SPDX-License-Identifier: MIT */
/*
 * Internals shared by the bundle decoder's files (bundle.c: container and
 * root; bundle_content.c: the content nodes; bundle_verify.c). Not an
 * interface: use vmm/bundle.h.
 */
#ifndef VMM_BUNDLE_PRIV_H
#define VMM_BUNDLE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/bundle.h"

struct bnd_ctx {
	const void *fdt;
	struct bundle *out;
	struct bundle_verdict *v;
	const char *node; /* for messages: "" (the root), "patch" */
};

/* Set the verdict (err and its refusal code) and return err. */
int bnd_refuse(struct bundle_verdict *v, int err, enum channel_refusal code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A malformed payload: -EBADMSG, CHANNEL_E_MALFORMED, message naming the node. */
int bnd_bad(struct bnd_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Only properties in `allowed` (NULL-terminated, at most 32), each once,
 * those marked in `required` (bit i: allowed[i]) present; the mask of
 * those present, or a negative errno. */
int bnd_props(struct bnd_ctx *c, int node, const char *const *allowed, uint32_t required);
/* Exactly the properties in `allowed` (NULL-terminated, at most 32), each once. */
int bnd_props_only(struct bnd_ctx *c, int node, const char *const *allowed)
	__attribute__((warn_unused_result));
/* A property's bytes and length (-1 when absent). */
const void *bnd_prop(struct bnd_ctx *c, int node, const char *name, int *len);
/* One string of 1..cap-1 characters, copied into out. */
int bnd_string(struct bnd_ctx *c, int node, const char *name, char *out, size_t cap)
	__attribute__((warn_unused_result));
/* One 64-bit value in two big-endian cells. */
int bnd_u64(struct bnd_ctx *c, int node, const char *name, uint64_t *out)
	__attribute__((warn_unused_result));
uint64_t bnd_be64(const void *p);
/* Index of s in names[0..n), or -1. */
int bnd_lookup(const char *s, const char *const *names, int n);
/* 1.. characters of [a-z0-9-], and '_' when underscore is set. */
bool bnd_name_ok(const char *s, bool underscore);

/* The kind's content node (bundle_content.c). */
int bnd_content_decode(struct bnd_ctx *c, int node) __attribute__((warn_unused_result));

#endif
