/* SPDX-License-Identifier: MIT */
/*
 * vigilctl's management-channel side: bundles, live patches and queries
 * (docs/channel.md). Helpers shared by bundle.c, bundle_build.c, patch.c,
 * elf.c, chan.c and resp.c; the commands are declared in vigilctl.h.
 */
#ifndef VIGILCTL_VC_CHAN_H
#define VIGILCTL_VC_CHAN_H

#include <elf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/config.h"
#include "vmm/bundle.h"

#define VC_BUILD_ID_LEN BUNDLE_BUILD_ID_LEN
#define VC_SOCKET_DEFAULT "build/channel.sock"

/* --- ELF (elf.c) --- */
struct vc_elf {
	uint8_t *buf;
	size_t len;
	unsigned shnum;
	const Elf64_Sym *syms;
	size_t nsyms;
	const char *strtab;
	size_t strtab_len;
};

int vc_elf_open(const char *path, struct vc_elf *e) __attribute__((warn_unused_result));
void vc_elf_close(struct vc_elf *e);
const Elf64_Shdr *vc_elf_section(const struct vc_elf *e, unsigned i);
const char *vc_elf_section_name(const struct vc_elf *e, unsigned i);
const char *vc_elf_sym_name(const struct vc_elf *e, const Elf64_Sym *s);
/* A defined symbol of `type` (STT_FUNC...): 0, -ENOENT, or -EEXIST when
 * two different symbols share the name (static functions of two files). */
int vc_elf_symbol(const struct vc_elf *e, const char *name, int type, uint64_t *value,
		  uint64_t *size) __attribute__((warn_unused_result));
/* n bytes at virtual address addr, from the file's allocated sections. */
int vc_elf_read(const struct vc_elf *e, uint64_t addr, void *out, size_t n)
	__attribute__((warn_unused_result));
int vc_elf_build_id(const struct vc_elf *e, uint8_t id[VC_BUILD_ID_LEN])
	__attribute__((warn_unused_result));
/* --build-id HEX, or else the build-id note of the ELF file vmm. */
int vc_build_id_get(const char *hex, const char *vmm, uint8_t id[VC_BUILD_ID_LEN])
	__attribute__((warn_unused_result));

/* --- text (bundle.c) --- */
/* Exactly n bytes of hex (optionally 0x-prefixed, ':' ignored). */
int vc_hex_parse(const char *s, uint8_t *out, size_t n) __attribute__((warn_unused_result));
int vc_u64_parse(const char *s, uint64_t *out) __attribute__((warn_unused_result));
/* A system config blob, validated by the VMM's parser. */
int vc_config_load(const char *path, struct config *cfg) __attribute__((warn_unused_result));
/* Print a decoded bundle for people (inspect, verify). */
void vc_bundle_print(const struct bundle *b);

/* --- payload encoding (bundle_build.c) --- */
/* The content node of a live patch, as `patch build` writes it. */
int vc_patch_file_write(const char *path, const uint8_t build_id[VC_BUILD_ID_LEN],
			const struct bundle_patch *p) __attribute__((warn_unused_result));
/* Container bytes: header, payload, signature file (may be empty). */
int vc_bundle_pack(const uint8_t *payload, size_t plen, const uint8_t *sig, size_t slen,
		   uint8_t **out, size_t *len) __attribute__((warn_unused_result));

/* --- channel client (chan.c) --- */
struct vc_reply {
	uint8_t type;
	uint8_t *payload; /* a device tree, malloc'd */
	size_t len;
};

/* Send one request over the unix socket and wait for its response. */
int vc_chan_request(const char *socket_path, uint8_t type, const void *payload, size_t len,
		    unsigned timeout_s, struct vc_reply *reply) __attribute__((warn_unused_result));

/* --- responses (resp.c) --- */
/* Print a response tree as indented text, or as JSON. Returns its status. */
int vc_resp_print(const void *fdt, size_t len, bool json);
/* The inventory as a table of guests. Returns its status. */
int vc_resp_inventory_table(const void *fdt, size_t len);
/* The name of a refusal code (CHANNEL_REFUSALS: "KEY_ROLE"), or NULL. */
const char *vc_refusal_name(uint32_t code);
/* Whether a response is a whole, valid device tree. */
bool vc_resp_valid(const void *fdt, size_t len);
/* The root's status (s32), or -EBADMSG if the response is not a valid tree. */
int vc_resp_status(const void *fdt, size_t len);

#endif
