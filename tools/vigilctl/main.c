// SPDX-License-Identifier: MIT
/* vigilctl: command table and dispatch. Adding a command = one table row. */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "tools/vigilctl/vigilctl.h"

static const struct vc_cmd vc_cmds[] = {
	{ "keygen", "make a P-384 key pair (NAME.key, NAME.pub)",
	  "keygen -o NAME\n"
	  "  Writes NAME.key (EC PRIVATE KEY PEM, mode 0600) and NAME.pub\n"
	  "  (PUBLIC KEY PEM). Refuses to overwrite either.\n",
	  vc_cmd_keygen },
	{ "key-id", "print the key id (SHA-256 of the 97-byte point) of keys",
	  "key-id KEY.pem...\n"
	  "  Prints '<hex id>  <file>' per key (public or private key file).\n",
	  vc_cmd_key_id },
	{ "sign", "sign a file into a detached signature file",
	  "sign --key K.key [--key K2.key...] [--append] FILE [-o FILE.sig]\n"
	  "  ECDSA P-384 over SHA-384 of the exact bytes of FILE. Output defaults\n"
	  "  to FILE.sig and is replaced; with --append the signatures are added\n"
	  "  to the existing file (another signer, another machine), refusing a\n"
	  "  key that already signed it.\n",
	  vc_cmd_sign },
	{ "verify", "verify a file against public keys and a threshold",
	  "verify --pub P.pub [--pub P2.pub...] [--threshold M] FILE [FILE.sig]\n"
	  "  Accepted when at least M distinct keys (default: all given) have a\n"
	  "  valid signature. Exit 0 accepted, 1 refused (reason printed), 2 error.\n",
	  vc_cmd_verify },
	{ "trust-c", "generate the stub's built-in platform key set as C",
	  "trust-c --threshold M [--name SYMBOL] P.pub... [-o OUT.c]\n"
	  "  Defines 'const struct sig_keyset SYMBOL' (default platform_keyset).\n",
	  vc_cmd_trust_c },
	{ "roles-dtsi", "generate the config's roles node from public keys",
	  "roles-dtsi --role NAME:M:P1.pub[,P2.pub...]... [--platform P.pub...] [-o OUT.dtsi]\n"
	  "  NAME is patch, operator or publisher. A key may serve one role only,\n"
	  "  and never be one of the --platform keys.\n",
	  vc_cmd_roles_dtsi },
	{ "config build", "compile and check a system config",
	  "config build IN.dts -o OUT.dtb [-i INCLUDE_DIR...]\n"
	  "  Runs dtc, then checks the result against docs/formats.md.\n"
	  "  Exit 1 when the config is invalid.\n",
	  vc_cmd_config_build },
	{ "config digests", "each guest's policy digest, as the inventory reports it",
	  "config digests SYSTEM.dtb\n"
	  "  Prints one line per guest of the config. Every guest is a package, so\n"
	  "  its policy digest depends on the package: 'package verify --config'\n"
	  "  prints it, as the inventory shows it until a policy bundle tightens\n"
	  "  the guest (docs/channel.md).\n",
	  vc_cmd_config_digests },
	{ "bundle build", "write a bundle payload (device tree) from options",
	  "bundle build --kind KIND --seq N (--build-id HEX | --vmm VMM.elf) -o PAYLOAD.dtb\n"
	  "             [--role ROLE] CONTENT\n"
	  "  KIND and its CONTENT options:\n"
	  "    live-patch     --patch PATCH.dtb (from 'patch build'; its build-id is the default)\n"
	  "    patch-revert   --name PATCH\n"
	  "    guest-control  --guest NAME --action stop|start|restart\n"
	  "    policy         --guest NAME --io-allow PORT:COUNT,... --msr-allow MSR,...\n"
	  "                   (the guest's new allow-lists; '' allows none; may only tighten)\n"
	  "  --role defaults to the role the kind needs (patch or operator). The payload\n"
	  "  is checked by the VMM's own decoder before it is written. Then sign it\n"
	  "  (bundle sign) and pack it (bundle pack).\n",
	  vc_cmd_bundle_build },
	{ "bundle sign", "sign a bundle payload (each signer in turn, --append)",
	  "bundle sign --key K.key [--key K2.key...] [--append] PAYLOAD [-o PAYLOAD.sig]\n"
	  "  The same as 'sign': ECDSA P-384 over SHA-384 of the exact payload bytes.\n"
	  "  Signers on other machines add theirs with --append.\n",
	  vc_cmd_sign },
	{ "bundle pack", "put a payload and its signature file into a bundle",
	  "bundle pack PAYLOAD [PAYLOAD.sig] -o BUNDLE\n"
	  "  Without a signature file the bundle is unsigned (the VMM refuses it).\n",
	  vc_cmd_bundle_pack },
	{ "bundle inspect", "show what a bundle or payload says",
	  "bundle inspect [-c SYSTEM.dtb] BUNDLE|PAYLOAD\n"
	  "  With -c, each signing key is named by its role in that config.\n"
	  "  Exit 1 when the bundle is malformed.\n",
	  vc_cmd_bundle_inspect },
	{ "bundle verify", "verify a bundle exactly as the VMM would",
	  "bundle verify BUNDLE --config SYSTEM.dtb (--build-id HEX | --vmm VMM.elf)\n"
	  "              [--seq-file FILE [--update]]\n"
	  "  The VMM's verifier: role from the kind, M of N keys of that role from the\n"
	  "  config, the build-id, and a sequence above the last accepted (from FILE,\n"
	  "  lines '<role> <sequence>'; none: 0). --update records an accepted bundle.\n"
	  "  Exit 0 accepted, 1 refused (reason and code printed), 2 error.\n",
	  vc_cmd_bundle_verify },
	{ "package build", "make a guest package: its files and a manifest with their digests and its needs",
	  "package build --name NAME --version N --security-version N --image FILE\n"
	  "              [--initrd FILE] [--acpi FILE] [--cmdline TEXT] --memory SIZE --cpus N\n"
	  "              [--io-allow PORT:COUNT,...] [--msr-allow MSR,...] [--devices CLASS,...]\n"
	  "              [--console-input] [--requires smt-isolated,iommu,tpm] -o DIR\n"
	  "  Writes DIR/manifest.dtb (docs/formats.md, \"Guest packages\") and copies the\n"
	  "  files into DIR under their own names. SIZE is bytes, or with K, M or G. The\n"
	  "  security version is the rollback floor: raise it only when older versions\n"
	  "  must never run again. The manifest is checked by the VMM's own decoder\n"
	  "  before it is written (exit 1 when it would be refused). Then sign it.\n",
	  vc_cmd_package_build },
	{ "package sign", "sign a package's manifest (each publisher in turn, --append)",
	  "package sign --key K.key [--key K2.key...] [--append] DIR\n"
	  "  Writes DIR/manifest.dtb.sig: ECDSA P-384 over SHA-384 of the manifest's exact\n"
	  "  bytes, as 'sign'. Publishers on other machines add theirs with --append.\n",
	  vc_cmd_package_sign },
	{ "package inspect", "show what a package's manifest says and who signed it",
	  "package inspect DIR\n"
	  "  Exit 1 when the manifest is malformed.\n",
	  vc_cmd_package_inspect },
	{ "package verify", "verify a package: publisher signatures, every file's size and digests",
	  "package verify (--pub P.pub [--pub P2.pub...] [--threshold M] |\n"
	  "                --config SYSTEM.dtb --guest NAME) DIR\n"
	  "  The VMM's checks: a well-formed manifest, signed by at least M distinct keys\n"
	  "  of those given (default: all), and each file it names with its size, SHA-256\n"
	  "  and SHA-384. With a config, the publishers, threshold and security floor are\n"
	  "  the guest's there, its needs must be within the guest's grant, and the\n"
	  "  effective policy's digest is printed: exactly the VMM's admission at boot.\n"
	  "  A second line gives the policy-sha256 the inventory will show for it.\n"
	  "  Exit 0 accepted, 1 refused (reason printed), 2 error.\n",
	  vc_cmd_package_verify },
	{ "package send", "update a running guest to this package over the channel, with progress",
	  "package send DIR --guest NAME [--socket PATH] [--timeout SECONDS] [--chunk BYTES] [--quiet]\n"
	  "  The VMM verifies the manifest and its signatures first (the guest's publishers,\n"
	  "  a version above the running one, the security floor, the grants), then takes\n"
	  "  the files in chunks (default 65536 bytes) and checks each against the manifest;\n"
	  "  the last request installs them and restarts the guest. Interrupted, the same\n"
	  "  command resumes where the VMM's upload stands. Progress on stderr (--quiet:\n"
	  "  none). Exit 0 installed, 1 refused (code and reason printed), 2 on error.\n",
	  vc_cmd_package_send },
	{ "patch build", "compile a C file of replacement functions into a live patch",
	  "patch build SRC.c --vmm VMM.elf --at ADDR -o PATCH.dtb [--name NAME] [--cflags FLAGS]\n"
	  "  Each function vigil_patch__NAME in SRC.c replaces the VMM's function NAME.\n"
	  "  Compiled with the VMM's flags (make -s print-VMM_CFLAGS from the top of the\n"
	  "  tree, or --cflags), linked at ADDR (a page of the patch area) against the\n"
	  "  exact VMM.elf (ld -R). Refused (exit 1): unresolved symbols, relocations\n"
	  "  left, writable data, an original shorter than 5 bytes or with a branch\n"
	  "  into its bytes 1..4. Then: bundle build --kind live-patch --patch PATCH.dtb.\n"
	  "  $CC, $LD and $OBJDUMP override the tools.\n",
	  vc_cmd_patch_build },
	{ "send", "send a bundle to the running VMM",
	  "send BUNDLE [--socket PATH] [--timeout SECONDS] [--json]\n"
	  "  Prints the VMM's verdict. Exit 0 applied, 1 refused (code and reason\n"
	  "  printed), 2 on a usage, I/O, timeout or protocol error.\n",
	  vc_cmd_send },
	{ "version", "the running VMM's version, build-id and backend",
	  "version "
	  "[--socket PATH] [--timeout SECONDS] [--json]\n"
	  "  Over the management channel (default socket build/channel.sock, or\n"
	  "  $VIGIL_CHANNEL). Exit 0, 1 if the VMM refused, 2 on error.\n",
	  vc_cmd_version },
	{ "inventory", "every guest: state, CPUs, memory, digests, uptime, exits, console lines dropped",
	  "inventory "
	  "[--socket PATH] [--timeout SECONDS] [--json]\n"
	  "  Over the management channel (default socket build/channel.sock, or\n"
	  "  $VIGIL_CHANNEL). Exit 0, 1 if the VMM refused, 2 on error.\n",
	  vc_cmd_inventory },
	{ "measurements", "boot measurements and the runtime log of applied bundles",
	  "measurements "
	  "[--socket PATH] [--timeout SECONDS] [--json]\n"
	  "  Over the management channel (default socket build/channel.sock, or\n"
	  "  $VIGIL_CHANNEL). Exit 0, 1 if the VMM refused, 2 on error.\n",
	  vc_cmd_measurements },
	{ "audit", "the audit log: every request, accepted or refused",
	  "audit "
	  "[--socket PATH] [--timeout SECONDS] [--json]\n"
	  "  Over the management channel (default socket build/channel.sock, or\n"
	  "  $VIGIL_CHANNEL). Exit 0, 1 if the VMM refused, 2 on error.\n",
	  vc_cmd_audit },
	{ "selfcheck", "the runtime text self-check's state",
	  "selfcheck "
	  "[--socket PATH] [--timeout SECONDS] [--json]\n"
	  "  Over the management channel (default socket build/channel.sock, or\n"
	  "  $VIGIL_CHANNEL). Exit 0, 1 if the VMM refused, 2 on error.\n",
	  vc_cmd_selfcheck },
	{ "crash", "the previous boot's crash record: reason, registers, last audit entries",
	  "crash "
	  "[--socket PATH] [--timeout SECONDS] [--json]\n"
	  "  What the VMM found of the previous boot's panic (docs/channel.md, CRASH):\n"
	  "  crashed 0 when that boot did not panic. Registers in hex; in --json as\n"
	  "  \"0x...\" strings. Exit 0, 1 if the VMM refused, 2 on error.\n",
	  vc_cmd_crash },
	{ "eventlog", "the runtime measurement log, as a TCG event log file",
	  "eventlog -o FILE [--socket PATH] [--timeout SECONDS]\n"
	  "  Fetches every runtime record page by page (EVENTS, docs/channel.md),\n"
	  "  checks each (in order, for PCR 11, digest = SHA-256 of its event) and\n"
	  "  writes a TCG PC Client crypto-agile log (a Spec ID event, then the\n"
	  "  records) that tpm2_eventlog reads. Prints the PCR 11 value the records\n"
	  "  replay to. Exit 0, 1 if the VMM refused, 2 on error.\n",
	  vc_cmd_eventlog },
	{ "attest verify", "check a quote directory: key, signature, nonce, PCRs, the whole log",
	  "attest verify --nonce HEX [--ak AK.pub] DIR\n"
	  "  Checks what `attest` wrote: ak.pub is a key of Vigil's AK template (and\n"
	  "  exactly --ak's, when given: the key enrolled for this host); the\n"
	  "  signature over quote.msg is that key's; quote.msg is a TPM-made quote\n"
	  "  carrying the nonce, of PCRs 0-7, 10, 11, 15, whose digest is pcrs.bin's;\n"
	  "  every event of eventlog.bin is well formed, every PCR 11 event a runtime\n"
	  "  record, whole, in order, its digest its event's, and the whole log\n"
	  "  replays to every quoted PCR. Exit 0 verified, 1 not (the reason\n"
	  "  printed), 2 on a usage or I/O error.\n",
	  vc_cmd_attest_verify },
	{ "tpm nv-policy", "the TPM marks' NV index policy for a policy key (provisioning)",
	  "tpm nv-policy --key POLICY.pub -o FILE\n"
	  "  Writes the 32-byte authPolicy of the anti-rollback marks' NV index:\n"
	  "  TPM2_PolicyAuthorize(the key, \"vigil-marks\") (docs/tpm.md), for\n"
	  "  tpm2_nvdefine -L, and prints the key's name and the tpm2_nvdefine\n"
	  "  command. Exit 0, 2 on error.\n",
	  vc_cmd_tpm_nv_policy },
	{ "tpm policy", "the approved write policy of the TPM marks, from a verified quote",
	  "tpm policy --quote DIR --nonce HEX [--ak AK.pub] -o FILE\n"
	  "  Checks DIR as attest verify does, then writes FILE: TPM2_PolicyPCR over\n"
	  "  the quote's SHA-256 PCRs 4, 7 and 10, and \"vigil-marks\" (43 bytes:\n"
	  "  vigil/tpm-policy.bin once signed by the platform keys, docs/tpm.md).\n"
	  "  Exit 0, 1 if the quote does not verify, 2 on error.\n",
	  vc_cmd_tpm_policy },
	{ "esp persist", "keep applied live patches and reverts on the ESP (vigil/patches)",
	  "esp persist ESPDIR BUNDLE...\n"
	  "  Copies each bundle, a live patch or a revert, to\n"
	  "  ESPDIR/vigil/patches/<sequence, 16 hex digits>.bundle, where the stub\n"
	  "  finds it at boot and the VMM applies it again (docs/tpm.md,\n"
	  "  \"Persistent live patches\"). Place a bundle before sending it. A\n"
	  "  file of the same name must hold the same bytes. Exit 0, 1 for a bundle\n"
	  "  that is not of the patch role, 2 on error.\n",
	  vc_cmd_esp_persist },
	{ "esp digest", "the persisted-set digest of an ESP's vigil/patches",
	  "esp digest [--upto SEQUENCE] ESPDIR\n"
	  "  Prints the digest the TPM's marks hold of the persisted live patches:\n"
	  "  SHA-256 chained, in sequence order, over each bundle's payload SHA-384\n"
	  "  (up to SEQUENCE); a recovery config names it (persisted-set).\n"
	  "  Exit 0, 1 for a file that is not a patch bundle, 2 on error.\n",
	  vc_cmd_esp_digest },
	{ "attest", "a TPM quote of the running VMM, with its event log, in tpm2-tools' formats",
	  "attest --nonce HEX -o DIR [--socket PATH] [--timeout SECONDS]\n"
	  "  Asks the VMM for a TPM2_Quote of PCRs 0-7, 10, 11 and 15 (SHA-256) with\n"
	  "  the nonce (1 to 64 bytes), signed by its attestation key, and writes\n"
	  "  DIR/quote.msg (TPMS_ATTEST), quote.sig (TPMT_SIGNATURE), ak.pub\n"
	  "  (TPM2B_PUBLIC), pcrs.bin (the values, as tpm2_quote -o writes them) and\n  eventlog.bin"
	  " (the firmware's log, the stub's events in it, then the runtime\n  records the quote covers). Prints the tpm2_checkquote\n"
	  "  command that checks them. Exit 0, 1 if the VMM refused, 2 on error.\n"
	  "  attest verify     checks what it wrote (vigilctl attest verify --help)\n",
	  vc_cmd_attest },
};

const struct vc_cmd *vc_current;

static void vc_help(FILE *f)
{
	fprintf(f, "usage: vigilctl COMMAND [ARGS]   (vigilctl COMMAND --help for details)\n\n");
	for (size_t i = 0; i < sizeof(vc_cmds) / sizeof(vc_cmds[0]); i++)
		fprintf(f, "  %-17s %s\n", vc_cmds[i].name, vc_cmds[i].summary);
	fprintf(f, "\nexit status: 0 success (verify: accepted), 1 refused (verify: signatures\n"
		   "not accepted; config build: config invalid), 2 usage, I/O or key error.\n");
}

/* `vigilctl GROUP` or `vigilctl GROUP --help` for a group of commands
 * (bundle, config, package, patch): its commands and their summaries.
 * Returns -1 when `group` names no group. */
static int vc_group_help(const char *group, bool asked)
{
	size_t n = strlen(group);
	bool any = false;

	for (size_t i = 0; i < sizeof(vc_cmds) / sizeof(vc_cmds[0]); i++) {
		const char *name = vc_cmds[i].name;

		if (strncmp(name, group, n) || name[n] != ' ')
			continue;
		if (!any)
			fprintf(asked ? stdout : stderr, "usage: vigilctl %s COMMAND [ARGS]   (vigilctl %s COMMAND --help for details)\n\n",
				group, group);
		any = true;
		fprintf(asked ? stdout : stderr, "  %-17s %s\n", name, vc_cmds[i].summary);
	}
	if (!any)
		return -1;
	return asked ? VC_OK : VC_ERROR;
}

/* Number of leading argv words that spell `name`, or 0 if they do not. */
static int vc_cmd_match(const char *name, int argc, char **argv)
{
	int words = 0;

	while (*name) {
		size_t n = strcspn(name, " ");

		if (words >= argc || strlen(argv[words]) != n || strncmp(argv[words], name, n) != 0)
			return 0;
		words++;
		name += n;
		name += *name == ' ';
	}
	return words;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		vc_help(argc < 2 ? stderr : stdout);
		return argc < 2 ? VC_ERROR : VC_OK;
	}
	for (size_t i = 0; i < sizeof(vc_cmds) / sizeof(vc_cmds[0]); i++) {
		int words = vc_cmd_match(vc_cmds[i].name, argc - 1, argv + 1);

		if (!words)
			continue;
		vc_current = &vc_cmds[i];
		/* argv[0] of the command is its last name word, as getopt expects. */
		return vc_cmds[i].run(argc - words, argv + words);
	}
	if (argc == 2 || (argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")))) {
		int ret = vc_group_help(argv[1], argc > 2);

		if (ret >= 0)
			return ret;
	}
	vc_err("unknown command '%s' (see vigilctl --help)", argv[1]);
	return VC_ERROR;
}
