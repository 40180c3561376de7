// SPDX-License-Identifier: MIT
/*
 * vigilctl patch build: a C file of replacement functions, compiled with
 * the VMM's own flags, linked at its load address against the exact VMM
 * image (ld -R: every reference resolves to that build's address), and
 * written as the content node of a live-patch bundle (docs/channel.md,
 * "Live patches"). Work files go to a directory beside the output.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tools/vigilctl/vc_chan.h"
#include "tools/vigilctl/vc_patch.h"
#include "tools/vigilctl/vc_run.h"
#include "tools/vigilctl/vigilctl.h"

#define VC_MAX_ARGS 128

/* The VMM's compiler flags: --cflags, or `make -s print-VMM_CFLAGS` run
 * in the current directory (the top of the tree). */
static int vc_patch_cflags(struct vc_patch_job *j)
{
	char *argv[] = { "make", "-s", "--no-print-directory", "print-VMM_CFLAGS", NULL };
	char path[VC_PATH_MAX];
	uint8_t *buf;
	size_t len;

	if (j->cflags_arg) {
		j->cflags = strdup(j->cflags_arg);
		return j->cflags ? 0 : -ENOMEM;
	}
	snprintf(path, sizeof(path), "%s/cflags", j->dir);
	if (vc_run(argv, path) || vc_file_read(path, &buf, &len)) {
		vc_err("cannot read the VMM's flags (run from the top of the tree, or pass --cflags)");
		return -EINVAL;
	}
	j->cflags = realloc(buf, len + 1);
	j->cflags[len] = 0;
	return 0;
}

static int vc_patch_compile(struct vc_patch_job *j)
{
	char *argv[VC_MAX_ARGS], obj[VC_PATH_MAX], *cc = getenv("CC") ? getenv("CC") : "gcc";
	int n;

	argv[0] = cc;
	n = vc_argv_split(j->cflags, argv + 1, VC_MAX_ARGS - 8);
	if (n < 0)
		return n;
	n++;
	snprintf(obj, sizeof(obj), "%s/patch.o", j->dir);
	/* A replacement has no header of its own to declare it in. */
	argv[n++] = "-Wno-missing-prototypes";
	argv[n++] = "-c";
	argv[n++] = (char *)j->src;
	argv[n++] = "-o";
	argv[n++] = obj;
	argv[n] = NULL;
	return vc_run(argv, NULL);
}

/* Text and read-only data at the load address; writable sections are
 * placed too, so that they can be found and refused. */
static int vc_patch_script(const struct vc_patch_job *j, const char *path)
{
	struct vc_text t = { 0 };

	vc_text_printf(&t,
		       "SECTIONS {\n"
		       "  . = 0x%lx;\n"
		       "  .text : { *(.text .text.*) *(.rodata .rodata.*) }\n"
		       "  .data : { *(.data .data.*) }\n"
		       "  .bss : { *(.bss .bss.*) *(COMMON) }\n"
		       "  /DISCARD/ : { *(.comment) *(.note.*) *(.eh_frame) }\n"
		       "}\n",
		       (unsigned long)j->at);
	return vc_text_emit(&t, path);
}

static int vc_patch_link(struct vc_patch_job *j)
{
	char script[VC_PATH_MAX], obj[VC_PATH_MAX];
	char *argv[] = { getenv("LD") ? getenv("LD") : "ld", "-nostdlib", "-static", "-z", "noexecstack",
			 "--build-id=none", "-T", script, "-R", (char *)j->vmm, "-o", j->elf, obj, NULL };

	snprintf(script, sizeof(script), "%s/patch.ld", j->dir);
	snprintf(obj, sizeof(obj), "%s/patch.o", j->dir);
	snprintf(j->elf, sizeof(j->elf), "%s/patch.elf", j->dir);
	if (vc_patch_script(j, script))
		return -EIO;
	if (vc_run(argv, NULL)) {
		vc_err("patch refused: %s does not link against %s (undefined or duplicate symbols?)",
		       j->src, j->vmm);
		return -EPERM;
	}
	return 0;
}

/* A patch name from the source file's name: [a-z0-9_-], at most 31. */
static void vc_patch_default_name(const char *src, char *name)
{
	const char *base = strrchr(src, '/') ? strrchr(src, '/') + 1 : src;
	size_t n = 0;

	for (; *base && *base != '.' && n < PATCH_NAME_LEN - 1; base++) {
		char c = *base >= 'A' && *base <= 'Z' ? (char)(*base - 'A' + 'a') : *base;

		name[n++] = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ? c : '_';
	}
	if (!n)
		name[n++] = 'p';
	name[n] = 0;
}

static void vc_patch_cleanup(struct vc_patch_job *j)
{
	static const char *const files[] = { "cflags", "patch.o", "patch.ld", "patch.elf", "objdump" };
	char path[VC_PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", j->dir, files[i]);
		unlink(path);
	}
	rmdir(j->dir);
	free(j->cflags);
}

static int vc_patch_build(struct vc_patch_job *j)
{
	static struct bundle_patch p;
	uint8_t build_id[VC_BUILD_ID_LEN];
	int ret;

	if (strlen(j->out) + sizeof(".work.XXXXXX") > sizeof(j->dir)) {
		vc_err("%s: path too long", j->out);
		return VC_ERROR;
	}
	snprintf(j->dir, sizeof(j->dir), "%s.work.XXXXXX", j->out);
	if (!mkdtemp(j->dir)) {
		vc_err("%s: cannot make a work directory: %s", j->dir, strerror(errno));
		return VC_ERROR;
	}
	memset(&p, 0, sizeof(p));
	if (j->name)
		snprintf(p.name, sizeof(p.name), "%s", j->name);
	else
		vc_patch_default_name(j->src, p.name);
	p.load_address = j->at;
	ret = vc_patch_cflags(j);
	if (!ret)
		ret = vc_patch_compile(j);
	if (!ret)
		ret = vc_patch_link(j);
	if (!ret)
		ret = vc_patch_extract(j, &p, build_id);
	if (!ret)
		ret = vc_patch_file_write(j->out, build_id, &p);
	if (!ret)
		printf("%s: patch %s, %u bytes at 0x%lx, %u redirect%s\n", j->out, p.name, p.code_len,
		       (unsigned long)p.load_address, p.redirect_count, p.redirect_count == 1 ? "" : "s");
	vc_patch_cleanup(j);
	return ret ? (ret == -EPERM ? VC_REFUSED : VC_ERROR) : VC_OK;
}

int vc_cmd_patch_build(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "vmm", required_argument, NULL, 'v' },    { "at", required_argument, NULL, 'a' },
		{ "output", required_argument, NULL, 'o' }, { "name", required_argument, NULL, 'n' },
		{ "cflags", required_argument, NULL, 'c' }, { 0 },
	};
	struct vc_patch_job j = { 0 };
	bool have_at = false;
	int c;

	if (vc_wants_help(argc, argv))
		return vc_usage(true);
	while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
		if (c == 'v')
			j.vmm = optarg;
		else if (c == 'a' && vc_u64_parse(optarg, &j.at) == 0)
			have_at = true;
		else if (c == 'o')
			j.out = optarg;
		else if (c == 'n')
			j.name = optarg;
		else if (c == 'c')
			j.cflags_arg = optarg;
		else
			return vc_usage(false);
	}
	if (!j.vmm || !have_at || !j.out || optind != argc - 1)
		return vc_usage(false);
	j.src = argv[optind];
	if (j.at < PATCH_AREA_BASE || j.at >= PATCH_AREA_BASE + PATCH_AREA_SIZE || j.at % PATCH_ALIGN) {
		vc_err("--at 0x%lx: must be a page of the patch area 0x%llx..0x%llx", (unsigned long)j.at,
		       PATCH_AREA_BASE, PATCH_AREA_BASE + PATCH_AREA_SIZE);
		return VC_ERROR;
	}
	return vc_patch_build(&j);
}
