// SPDX-License-Identifier: MIT
/* vigilctl: command table and dispatch. Adding a command = one table row. */
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
};

const struct vc_cmd *vc_current;

static void vc_help(FILE *f)
{
	fprintf(f, "usage: vigilctl COMMAND [ARGS]   (vigilctl COMMAND --help for details)\n\n");
	for (size_t i = 0; i < sizeof(vc_cmds) / sizeof(vc_cmds[0]); i++)
		fprintf(f, "  %-14s %s\n", vc_cmds[i].name, vc_cmds[i].summary);
	fprintf(f, "\nexit status: 0 success (verify: accepted), 1 refused (verify: signatures\n"
		   "not accepted; config build: config invalid), 2 usage, I/O or key error.\n");
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
	vc_err("unknown command '%s' (see vigilctl --help)", argv[1]);
	return VC_ERROR;
}
