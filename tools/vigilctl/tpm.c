// SPDX-License-Identifier: MIT
/*
 * vigilctl tpm nv-policy, tpm policy (docs/tpm.md, "Anti-rollback across
 * reboots"): what provisioning and the platform's signers need for the
 * TPM's anti-rollback marks.
 *
 * nv-policy: the NV index's authPolicy, TPM2_PolicyAuthorize(the policy
 * key, "vigil-marks") from an empty policy, for tpm2_nvdefine -L.
 * policy: the approved policy a platform signs, TPM2_PolicyPCR over the
 * SHA-256 PCRs 4, 7 and 10 of a quote that attest verify accepts, and
 * "vigil-marks": the 43 bytes of vigil/tpm-policy.bin.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "drivers/tpm2.h"
#include "kernel/crypto/hash.h"
#include "vmm/marks.h"
#include "tools/vigilctl/vc_chan.h"
#include "tools/vigilctl/vigilctl.h"

#define CC_POLICY_AUTHORIZE 0x0000016au
#define CC_POLICY_PCR 0x0000017fu
static const char vc_policy_ref[] = "vigil-marks";
#define VC_REF_LEN (sizeof(vc_policy_ref) - 1)
/* Where PCRs 4, 7 and 10 are among a quote's 11 values (0-7, 10, 11, 15). */
static const unsigned vc_policy_at[] = { 4, 7, 8 };

static void vc_put32be(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void vc_hex_line(const char *label, const uint8_t *p, size_t n)
{
	printf("%s", label);
	vc_hex_print(p, n);
	printf("\n");
}

int vc_cmd_tpm_nv_policy(int argc, char **argv)
{
	static const struct option opts[] = { { "key", required_argument, NULL, 'k' },
					      { "out", required_argument, NULL, 'o' },
					      { 0 } };
	const char *key = NULL, *out = NULL;
	uint8_t point[SIG_POINT_LEN], pub[TPM2_P384_PUBLIC_LEN], name[TPM2_P384_NAME_LEN];
	uint8_t a[32 + 4 + TPM2_P384_NAME_LEN] = { 0 }, b[32 + VC_REF_LEN], policy[32];
	int c;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 'k')
			key = optarg;
		else if (c == 'o')
			out = optarg;
		else
			return vc_usage(false);
	}
	if (!key || !out || optind != argc)
		return vc_usage(false);
	if (vc_key_load_point(key, point))
		return VC_ERROR;
	/* The key's name as the TPM computes it: nameAlg SHA-384, then the
	 * SHA-384 of the public area LoadExternal is given. */
	tpm2_p384_public(point, pub);
	name[0] = 0x00;
	name[1] = 0x0c;
	crypto_sha384(pub, sizeof(pub), name + 2);
	vc_put32be(a + 32, CC_POLICY_AUTHORIZE);
	memcpy(a + 36, name, sizeof(name));
	crypto_sha256(a, sizeof(a), b);
	memcpy(b + 32, vc_policy_ref, VC_REF_LEN);
	crypto_sha256(b, sizeof(b), policy);
	if (vc_file_write(out, policy, sizeof(policy), 0644, false))
		return VC_ERROR;
	vc_hex_line("policy key name: ", name, sizeof(name));
	vc_hex_line("index authPolicy: ", policy, sizeof(policy));
	printf("define the index on the host's TPM (docs/tpm.md):\n  tpm2_nvdefine 0x01800056 -C o -s %u "
	       "-a \"policywrite|writeall|authread|ownerread|no_da\" -L %s\n", MARKS_SIZE, out);
	return VC_OK;
}

int vc_cmd_tpm_policy(int argc, char **argv)
{
	static const struct option opts[] = { { "quote", required_argument, NULL, 'q' },
					      { "nonce", required_argument, NULL, 'n' },
					      { "ak", required_argument, NULL, 'a' },
					      { "out", required_argument, NULL, 'o' },
					      { 0 } };
	const char *dir = NULL, *hex = NULL, *ak = NULL, *out = NULL;
	uint8_t nonce[64], values[VC_QUOTE_VALUES * 32], pcrs[3 * 32], a[32 + 4 + 10 + 32] = { 0 },
		file[32 + VC_REF_LEN];
	/* TPML_PCR_SELECTION: one bank, SHA-256, 3 select bytes: PCRs 4, 7 (0x90) and 10 (0x04). */
	static const uint8_t sel[10] = { 0, 0, 0, 1, 0x00, 0x0b, 3, 0x90, 0x04, 0x00 };
	uint64_t records;
	size_t n;
	int c, ret;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 'q')
			dir = optarg;
		else if (c == 'n')
			hex = optarg;
		else if (c == 'a')
			ak = optarg;
		else if (c == 'o')
			out = optarg;
		else
			return vc_usage(false);
	}
	if (!dir || !hex || !out || optind != argc)
		return vc_usage(false);
	n = strlen(hex) / 2;
	if (strlen(hex) % 2 || n < 1 || n > sizeof(nonce) || vc_hex_parse(hex, nonce, n)) {
		vc_err("--nonce: 1 to 64 bytes in hex");
		return vc_usage(false);
	}
	/* Only values a verified quote shows: the whole log replays to them. */
	ret = vc_attest_check(dir, nonce, n, ak, values, &records);
	if (ret != VC_OK)
		return ret;
	for (unsigned i = 0; i < 3; i++)
		memcpy(pcrs + 32 * i, values + 32 * vc_policy_at[i], 32);
	vc_put32be(a + 32, CC_POLICY_PCR);
	memcpy(a + 36, sel, sizeof(sel));
	crypto_sha256(pcrs, sizeof(pcrs), a + 46);
	crypto_sha256(a, sizeof(a), file);
	memcpy(file + 32, vc_policy_ref, VC_REF_LEN);
	if (vc_file_write(out, file, sizeof(file), 0644, false))
		return VC_ERROR;
	vc_hex_line("approved policy (PCR 4, 7, 10): ", file, 32);
	vc_hex_line("  pcr  4: ", pcrs, 32);
	vc_hex_line("  pcr  7: ", pcrs + 32, 32);
	vc_hex_line("  pcr 10: ", pcrs + 64, 32);
	printf("sign it with the platform keys, the policy key among them:\n  vigilctl sign --key ... %s -o %s.sig\n",
	       out, out);
	return VC_OK;
}
