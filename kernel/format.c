/* SPDX-License-Identifier: MIT */
/* vsnprintk: the one formatter of the VMM; bounded, always NUL-terminated.
 * str_escape: the one escaper of untrusted text. */
#include <stdint.h>
#include "kernel/console.h"

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void out_char(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void out_num(struct out *o, uint64_t v, unsigned base, int width, char pad, int neg)
{
	char tmp[24];
	int n = 0;

	do {
		unsigned d = (unsigned)(v % base);
		tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (n < width--)
		out_char(o, pad);
	while (n)
		out_char(o, tmp[--n]);
}

static void out_str(struct out *o, const char *s, int prec)
{
	if (!s)
		s = "(null)";
	for (int i = 0; (prec < 0 || i < prec) && s[i]; i++)
		out_char(o, s[i]);
}

static void out_arg(struct out *o, char conv, int lng, int width, char pad, va_list *ap)
{
	int64_t sv;

	switch (conv) {
	case 'd':
		sv = lng ? va_arg(*ap, int64_t) : va_arg(*ap, int);
		out_num(o, sv < 0 ? -(uint64_t)sv : (uint64_t)sv, 10, width, pad, sv < 0);
		break;
	case 'u':
		out_num(o, lng ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned), 10, width, pad, 0);
		break;
	case 'x':
		out_num(o, lng ? va_arg(*ap, uint64_t) : va_arg(*ap, unsigned), 16, width, pad, 0);
		break;
	case 'p':
		out_str(o, "0x", -1);
		out_num(o, (uint64_t)(uintptr_t)va_arg(*ap, void *), 16, 16, '0', 0);
		break;
	case 'c':
		out_char(o, (char)va_arg(*ap, int));
		break;
	default:
		out_char(o, '?');
	}
}

int vsnprintk(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args;

	va_copy(args, ap);
	for (; *fmt; fmt++) {
		int width = 0, prec = -1, lng = 0;
		char pad = ' ';

		if (*fmt != '%') {
			out_char(&o, *fmt);
			continue;
		}
		if (*++fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		if (fmt[0] == '.' && fmt[1] == '*') {
			prec = va_arg(args, int);
			fmt += 2;
		}
		while (*fmt == 'l' || *fmt == 'z') {
			lng = 1;
			fmt++;
		}
		if (*fmt == 's')
			out_str(&o, va_arg(args, const char *), prec);
		else if (*fmt == '%')
			out_char(&o, '%');
		else if (*fmt)
			out_arg(&o, *fmt, lng, width, pad, &args);
		else
			break;
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintk(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintk(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

size_t str_escape(char *out, size_t size, const char *in)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (!size)
		return 0;
	for (; *in; in++) {
		uint8_t c = (uint8_t)*in;
		int plain = c >= 0x20 && c <= 0x7e;

		if (n + (plain ? 1 : 4) >= size)
			break;
		if (plain) {
			out[n++] = (char)c;
			continue;
		}
		out[n++] = '\\';
		out[n++] = 'x';
		out[n++] = hex[c >> 4];
		out[n++] = hex[c & 15];
	}
	out[n] = '\0';
	return n;
}
