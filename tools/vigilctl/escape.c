// SPDX-License-Identifier: MIT
/*
 * vigilctl prints text it did not write (a response's names and strings,
 * which a VMM or anything on the line may have filled) only through here:
 * printable ASCII as it is, every other byte escaped, so that text cannot
 * start a line of its own or drive the terminal. The text form is the
 * VMM's (str_escape(), kernel/console.h): \xHH, and text the VMM already
 * escaped prints unchanged. The JSON form is a valid JSON string whatever
 * the bytes: \" \\ and \u00HH.
 */
#include "tools/vigilctl/vc_escape.h"

static bool vc_plain(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e;
}

size_t vc_put_escaped(FILE *f, const char *s, size_t len, bool json)
{
	size_t n = 0;

	if (json)
		n += (size_t)fprintf(f, "\"");
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (json && (c == '"' || c == '\\'))
			n += (size_t)fprintf(f, "\\%c", c);
		else if (vc_plain(c))
			n += (size_t)fprintf(f, "%c", c);
		else
			n += (size_t)fprintf(f, json ? "\\u%04x" : "\\x%02x", c);
	}
	if (json)
		n += (size_t)fprintf(f, "\"");
	return n;
}

size_t vc_put_escaped_str(FILE *f, const char *s, bool json)
{
	return vc_put_escaped(f, s, strlen(s), json);
}
