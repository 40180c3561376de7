/* SPDX-License-Identifier: MIT */
/*
 * Printing untrusted text (tools/vigilctl/escape.c): every name and string
 * of a response, and anything else vigilctl did not write itself, goes to
 * the terminal through these.
 */
#ifndef VIGILCTL_VC_ESCAPE_H
#define VIGILCTL_VC_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

/*
 * Print s[0..len) to f: printable ASCII (0x20..0x7e) as it is, any other
 * byte (NUL included) as \xHH; with json, as a quoted JSON string ('"' and
 * '\' escaped, any other non-printable byte as \u00HH). Returns the
 * characters written.
 */
size_t vc_put_escaped(FILE *f, const char *s, size_t len, bool json);
/* The same for a NUL-terminated string. */
size_t vc_put_escaped_str(FILE *f, const char *s, bool json);

#endif
