// SPDX-License-Identifier: MIT
/* vigilctl: messages, files and text helpers shared by the commands. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/vigilctl/vigilctl.h"

void vc_err(const char *fmt, ...)
{
	va_list ap;

	fputs("vigilctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int vc_usage(bool help)
{
	fprintf(help ? stdout : stderr, "usage: vigilctl %s", vc_current->usage);
	return help ? VC_OK : VC_ERROR;
}

bool vc_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

bool vc_file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int vc_file_read(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	size_t n = 0, cap = 0;
	int ret = 0;

	if (!f) {
		ret = -errno;
		vc_err("%s: %s", path, strerror(errno));
		return ret;
	}
	for (;;) {
		if (n == cap) {
			uint8_t *q = realloc(p, cap = cap ? cap * 2 : 65536);

			if (!q) {
				ret = -ENOMEM;
				goto fail;
			}
			p = q;
		}
		size_t got = fread(p + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		ret = -EIO;
		goto fail;
	}
	fclose(f);
	*buf = p;
	*len = n;
	return 0;
fail:
	vc_err("%s: %s", path, strerror(-ret));
	free(p);
	fclose(f);
	return ret;
}

static int vc_fd_write_all(int fd, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return fsync(fd) ? -errno : 0;
}

/* Create `path` (which must not exist) with exactly `mode`, whatever the umask. */
static int vc_file_create(const char *path, const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	int ret;

	if (fd < 0)
		return -errno;
	ret = fchmod(fd, mode) ? -errno : vc_fd_write_all(fd, buf, len);
	if (close(fd) && !ret)
		ret = -errno;
	if (ret)
		unlink(path);
	return ret;
}

/*
 * excl: create the file, refusing an existing one (keys; O_EXCL works on
 * every file system, hard links do not). Otherwise the file is replaced
 * atomically: written under a temporary name in the same directory, then
 * renamed, so readers see the old or the new file, never a partial one.
 */
int vc_file_write(const char *path, const void *buf, size_t len, mode_t mode, bool excl)
{
	size_t tlen = strlen(path) + 16;
	char *tmp = NULL;
	int ret;

	if (excl) {
		ret = vc_file_create(path, buf, len, mode);
		goto out;
	}
	tmp = malloc(tlen);
	if (!tmp) {
		ret = -ENOMEM;
		goto out;
	}
	snprintf(tmp, tlen, "%s.tmp%d", path, (int)getpid());
	ret = vc_file_create(tmp, buf, len, mode);
	if (!ret && rename(tmp, path)) {
		ret = -errno;
		unlink(tmp);
	}
out:
	if (ret)
		vc_err("%s: %s", path, strerror(-ret));
	free(tmp);
	return ret;
}

void vc_hex_print(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		printf("%02x", p[i]);
}

int vc_uint_parse(const char *s, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || v > 0xffffffffUL) {
		vc_err("'%s' is not a number", s);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

void vc_text_printf(struct vc_text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(t->buf ? t->buf + t->len : NULL, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n < 0)
			abort();
		if (t->len + (size_t)n < t->cap)
			break;
		t->cap = (t->cap + (size_t)n + 1) * 2;
		t->buf = realloc(t->buf, t->cap);
		if (!t->buf)
			abort();
	}
	t->len += (size_t)n;
}

void vc_text_bytes(struct vc_text *t, const uint8_t *p, size_t n, const char *fmt,
		   unsigned per_line, const char *indent)
{
	for (size_t i = 0; i < n; i++) {
		if (i % per_line == 0)
			vc_text_printf(t, "%s%s", i ? "\n" : "", indent);
		else
			vc_text_printf(t, " ");
		vc_text_printf(t, fmt, p[i]);
	}
	vc_text_printf(t, "\n");
}

int vc_text_emit(struct vc_text *t, const char *path)
{
	int ret = 0;

	if (path)
		ret = vc_file_write(path, t->buf, t->len, 0644, false);
	else if (fwrite(t->buf, 1, t->len, stdout) != t->len)
		ret = -EIO;
	free(t->buf);
	*t = (struct vc_text){ 0 };
	return ret;
}
