/* SPDX-License-Identifier: MIT */
/*
 * vigilctl: the host CLI for Vigil's keys, signatures and configs.
 *
 * Each command is one entry in the table in main.c: a name (one or more
 * words, "config build"), a one-line summary, a usage text for --help and a
 * function that receives the arguments after the name (argv[0] is the name).
 */
#ifndef VIGILCTL_H
#define VIGILCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <mbedtls/pk.h>

#include "kernel/crypto/sig.h"

/* Exit codes, for every command. */
enum {
	VC_OK = 0,	/* done; for verify: accepted */
	VC_REFUSED = 1, /* verify refused the signatures; config check failed */
	VC_ERROR = 2,	/* usage, I/O or key error */
};

struct vc_cmd {
	const char *name;
	const char *summary;
	const char *usage;
	int (*run)(int argc, char **argv);
};

/* Commands (one file per family). */
int vc_cmd_keygen(int argc, char **argv);
int vc_cmd_key_id(int argc, char **argv);
int vc_cmd_sign(int argc, char **argv);
int vc_cmd_verify(int argc, char **argv);
int vc_cmd_trust_c(int argc, char **argv);
int vc_cmd_roles_dtsi(int argc, char **argv);
int vc_cmd_config_build(int argc, char **argv);
/* The management channel's commands (docs/channel.md; helpers in vc_chan.h). */
int vc_cmd_bundle_build(int argc, char **argv);
int vc_cmd_bundle_pack(int argc, char **argv);
int vc_cmd_bundle_inspect(int argc, char **argv);
int vc_cmd_bundle_verify(int argc, char **argv);
int vc_cmd_config_digests(int argc, char **argv);
int vc_cmd_patch_build(int argc, char **argv);
int vc_cmd_send(int argc, char **argv);
int vc_cmd_version(int argc, char **argv);
int vc_cmd_inventory(int argc, char **argv);
int vc_cmd_measurements(int argc, char **argv);
int vc_cmd_audit(int argc, char **argv);
int vc_cmd_selfcheck(int argc, char **argv);
int vc_cmd_crash(int argc, char **argv);
int vc_cmd_eventlog(int argc, char **argv);
int vc_cmd_attest(int argc, char **argv);
int vc_cmd_attest_verify(int argc, char **argv);
int vc_cmd_tpm_nv_policy(int argc, char **argv);
int vc_cmd_tpm_policy(int argc, char **argv);
int vc_cmd_esp_persist(int argc, char **argv);
int vc_cmd_esp_digest(int argc, char **argv);
/* What attest verify checks, silently but for the reason it refuses: 0
 * with the 11 quoted values (PCRs 0-7, 10, 11, 15) and the runtime
 * records' count; 1 not verified (the reason printed); 2 on I/O error. */
#define VC_QUOTE_VALUES 11
int vc_attest_check(const char *dir, const uint8_t *nonce, size_t nonce_len, const char *ak,
		    uint8_t values[VC_QUOTE_VALUES * 32], uint64_t *records);
/* Signed guest packages (package.c, docs/formats.md). */
int vc_cmd_package_build(int argc, char **argv);
int vc_cmd_package_sign(int argc, char **argv);
int vc_cmd_package_inspect(int argc, char **argv);
int vc_cmd_package_verify(int argc, char **argv);
int vc_cmd_package_send(int argc, char **argv);

/* Device trees written with libfdt's sequential-write calls (fdtw.c):
 * every call after the first error does nothing; vc_fdt_end reports it. */
struct vc_fdt {
	void *buf;
	int err;
};
int vc_fdt_start(struct vc_fdt *f, size_t cap);
void vc_fdt_prop(struct vc_fdt *f, const char *name, const void *val, int len);
void vc_fdt_string(struct vc_fdt *f, const char *name, const char *s);
void vc_fdt_u64(struct vc_fdt *f, const char *name, uint64_t v);
/* Begin a node named `name`, or end the current one (NULL). */
void vc_fdt_node(struct vc_fdt *f, const char *name);
/* Finish; *len is the blob's size. On error f->buf is freed and NULL. */
int vc_fdt_end(struct vc_fdt *f, size_t *len) __attribute__((warn_unused_result));
/* "PORT:COUNT,..." (pairs) or "N,..." into big-endian cells; "" is none. */
int vc_cells_parse(const char *list, bool pairs, uint32_t *cells, int max, int *n)
	__attribute__((warn_unused_result));

/* The running command, for messages and --help. */
extern const struct vc_cmd *vc_current;

/* Messages: "vigilctl: <text>" on stderr. */
void vc_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the running command's usage; returns VC_ERROR or VC_OK for --help. */
int vc_usage(bool help);
/* True (and usage printed) when argv asks for --help / -h. */
bool vc_wants_help(int argc, char **argv);

/* Files. Errors are reported; the return is 0 or a negative errno. */
int vc_file_read(const char *path, uint8_t **buf, size_t *len) __attribute__((warn_unused_result));
/* Write atomically (temp file + rename); excl: refuse if path exists. */
int vc_file_write(const char *path, const void *buf, size_t len, mode_t mode, bool excl)
	__attribute__((warn_unused_result));
bool vc_file_exists(const char *path);

/* Text. */
void vc_hex_print(const uint8_t *p, size_t n);
int vc_uint_parse(const char *s, unsigned *out) __attribute__((warn_unused_result));
/* A growable text buffer for generated files; aborts on exhaustion. */
struct vc_text {
	char *buf;
	size_t len, cap;
};
void vc_text_printf(struct vc_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vc_text_bytes(struct vc_text *t, const uint8_t *p, size_t n, const char *fmt,
		   unsigned per_line, const char *indent);
/* Write t to path, or to stdout when path is NULL. Frees t. */
int vc_text_emit(struct vc_text *t, const char *path) __attribute__((warn_unused_result));

/* Keys. */
int vc_rng_seed(void) __attribute__((warn_unused_result));
int vc_rng(void *ctx, unsigned char *buf, size_t len);
int vc_key_load_private(const char *path, mbedtls_pk_context *pk) __attribute__((warn_unused_result));
/* The 97-byte point of a public key file (or of a private key file). */
int vc_key_load_point(const char *path, uint8_t point[SIG_POINT_LEN]) __attribute__((warn_unused_result));
int vc_key_point_of(const mbedtls_pk_context *pk, uint8_t point[SIG_POINT_LEN])
	__attribute__((warn_unused_result));
/* Load n key points, refusing the same key twice. */
int vc_keys_load_points(char *const *paths, unsigned n, uint8_t (*points)[SIG_POINT_LEN])
	__attribute__((warn_unused_result));

/* The config check (config_check.c): kernel/config.c and key checks. 0 or -EINVAL. */
int vc_config_check(const void *dtb, size_t len) __attribute__((warn_unused_result));

#endif
