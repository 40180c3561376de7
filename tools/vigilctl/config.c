// SPDX-License-Identifier: MIT
/*
 * vigilctl config build: dtc, then a check of the compiled blob, then the
 * output appears (never an unchecked .dtb under the output name).
 *
 * The check is vc_config_check() (config_check.c): the VMM's own validator
 * (kernel/config.c) compiled for the host, plus key checks of its own.
 */
#include <errno.h>
#include <getopt.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tools/vigilctl/vigilctl.h"

#define VC_MAX_INCLUDES 8

extern char **environ;

struct vc_config_args {
	const char *in, *out;
	char *includes[VC_MAX_INCLUDES];
	unsigned nincludes;
};

/* Run dtc (or $DTC) to compile a->in into `tmp`. */
static int vc_dtc_run(const struct vc_config_args *a, const char *tmp)
{
	const char *dtc = getenv("DTC") ? getenv("DTC") : "dtc";
	char *argv[8 + 2 * VC_MAX_INCLUDES];
	unsigned n = 0;
	pid_t pid;
	int status;

	argv[n++] = (char *)dtc;
	argv[n++] = "-q";
	argv[n++] = "-I";
	argv[n++] = "dts";
	argv[n++] = "-O";
	argv[n++] = "dtb";
	argv[n++] = "-o";
	argv[n++] = (char *)tmp;
	for (unsigned i = 0; i < a->nincludes; i++) {
		argv[n++] = "-i";
		argv[n++] = a->includes[i];
	}
	argv[n++] = (char *)a->in;
	argv[n] = NULL;
	if (posix_spawnp(&pid, dtc, NULL, NULL, argv, environ) != 0) {
		vc_err("cannot run %s", dtc);
		return -ENOENT;
	}
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		vc_err("%s: dtc failed", a->in);
		return -EINVAL;
	}
	return 0;
}

static int vc_config_build(const struct vc_config_args *a)
{
	size_t tlen = strlen(a->out) + 16;
	char *tmp = malloc(tlen);
	uint8_t *dtb = NULL;
	size_t len;
	int ret = VC_ERROR;

	if (!tmp)
		return VC_ERROR;
	snprintf(tmp, tlen, "%s.dtc%d", a->out, (int)getpid());
	if (vc_dtc_run(a, tmp) || vc_file_read(tmp, &dtb, &len))
		goto out;
	if (vc_config_check(dtb, len)) {
		vc_err("%s: invalid config, %s not written", a->in, a->out);
		ret = VC_REFUSED;
		goto out;
	}
	ret = vc_file_write(a->out, dtb, len, 0644, false) ? VC_ERROR : VC_OK;
out:
	unlink(tmp);
	free(tmp);
	free(dtb);
	return ret;
}

int vc_cmd_config_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "include", required_argument, NULL, 'i' },
		{ 0 },
	};
	struct vc_config_args a = { 0 };
	int c;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	while ((c = getopt_long(argc, argv, "o:i:", opts, NULL)) != -1) {
		if (c == 'o')
			a.out = optarg;
		else if (c == 'i' && a.nincludes < VC_MAX_INCLUDES)
			a.includes[a.nincludes++] = optarg;
		else
			return vc_usage(false);
	}
	if (!a.out || optind != argc - 1)
		return vc_usage(false);
	a.in = argv[optind];
	return vc_config_build(&a);
}
