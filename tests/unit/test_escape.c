// SPDX-License-Identifier: MIT
/*
 * Unit tests of the two escapers of untrusted text: the VMM's str_escape()
 * (kernel/format.c), used for the console, the audit log and every
 * verdict message, and vigilctl's vc_put_escaped() (tools/vigilctl/escape.c),
 * used for every name and string of a response. Whatever the bytes, what
 * comes out is printable ASCII: no line break to forge a "vigil:" line
 * with, no escape sequence for the terminal.
 */
#define CHECK_SUITE "escape"
#include "tests/unit/check.h"

#include <stdint.h>
#include <stdlib.h>
#include "kernel/console.h"
#include "tools/vigilctl/vc_escape.h"

#define FORGED "\nvigil: forged line\x1b[2J\r\t\x7f\x80\xff"
#define FORGED_ESCAPED "\\x0avigil: forged line\\x1b[2J\\x0d\\x09\\x7f\\x80\\xff"

static int all_printable(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

/* What vc_put_escaped writes, as a malloc'd string. */
static char *vc_escaped(const char *s, size_t len, bool json, size_t *n)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		abort();
	*n = vc_put_escaped(f, s, len, json);
	fclose(f);
	return buf;
}

static void printable_text_unchanged(void)
{
	char out[128];
	const char *s = "vigil: bundle refused: unknown kind 'x' \"q\" ~ \\";

	CHECK_EQ(str_escape(out, sizeof(out), s), strlen(s));
	CHECK(!strcmp(out, s));
}

static void line_breaks_and_escapes_escaped(void)
{
	char out[128];
	size_t n = str_escape(out, sizeof(out), FORGED);

	CHECK(!strcmp(out, FORGED_ESCAPED));
	CHECK_EQ(n, strlen(FORGED_ESCAPED));
	CHECK(all_printable(out, n));
}

/* Every byte value alone, and its escape escaped again: no change. */
static void every_byte_printable_and_idempotent(void)
{
	for (int c = 1; c < 256; c++) {
		char in[2] = { (char)c, 0 }, out[8], again[8];
		size_t n = str_escape(out, sizeof(out), in);
		int plain = c >= 0x20 && c <= 0x7e;
		char want[8];

		snprintf(want, sizeof(want), plain ? "%c" : "\\x%02x", c);
		if (!CHECK(!strcmp(out, want) && n == strlen(want) && all_printable(out, n)))
			printf("    byte 0x%02x -> \"%s\"\n", c, out);
		str_escape(again, sizeof(again), out);
		CHECK(!strcmp(again, out));
	}
}

/* A short buffer holds whole escapes only, and is always terminated. */
static void truncates_between_whole_escapes(void)
{
	char out[16];

	memset(out, 'Z', sizeof(out));
	CHECK_EQ(str_escape(out, 6, "ab\x1b" "cd"), 2); /* "ab" + "\x1b" would need 7 */
	CHECK(!strcmp(out, "ab"));
	CHECK_EQ(str_escape(out, 7, "ab\x1b" "cd"), 6);
	CHECK(!strcmp(out, "ab\\x1b"));
	CHECK_EQ(str_escape(out, 1, "abc"), 0);
	CHECK(out[0] == '\0');
	out[0] = 'Z';
	CHECK_EQ(str_escape(out, 0, "abc"), 0);
	CHECK(out[0] == 'Z'); /* size 0: nothing written */
}

/* vigilctl's text form is the VMM's, byte for byte, NUL included. */
static void vigilctl_text_form_is_the_vmms(void)
{
	size_t n;
	char *got = vc_escaped(FORGED, sizeof(FORGED) - 1, false, &n);

	CHECK(!strcmp(got, FORGED_ESCAPED));
	CHECK_EQ(n, strlen(FORGED_ESCAPED));
	free(got);
	got = vc_escaped("a\0b", 3, false, &n);
	CHECK(!strcmp(got, "a\\x00b"));
	free(got);
	for (int c = 1; c < 256; c++) {
		char in[2] = { (char)c, 0 }, vmm[8];

		str_escape(vmm, sizeof(vmm), in);
		got = vc_escaped(in, 1, false, &n);
		CHECK(!strcmp(got, vmm) && n == strlen(vmm));
		free(got);
	}
}

/* JSON: a valid string literal whatever the bytes. */
static void vigilctl_json_form(void)
{
	size_t n;
	char *got = vc_escaped("q\"b\\\n\x1b[2J\xff", 10, true, &n);

	CHECK(!strcmp(got, "\"q\\\"b\\\\\\u000a\\u001b[2J\\u00ff\""));
	CHECK_EQ(n, strlen(got));
	CHECK(all_printable(got, n));
	free(got);
}

int main(void)
{
	CHECK_RUN(printable_text_unchanged);
	CHECK_RUN(line_breaks_and_escapes_escaped);
	CHECK_RUN(every_byte_printable_and_idempotent);
	CHECK_RUN(truncates_between_whole_escapes);
	CHECK_RUN(vigilctl_text_form_is_the_vmms);
	CHECK_RUN(vigilctl_json_form);
	return check_done();
}
