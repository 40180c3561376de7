/* SPDX-License-Identifier: MIT */
/*
 * A deliberately small formatter: the stub prints a handful of fixed
 * messages and digests, nothing that needs width or precision.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "boot/boot.h"
#include "boot/print.h"

struct out {
	char buf[160];
	size_t n;
};

static void out_flush(struct out *o)
{
	o->buf[o->n] = 0;
	boot_puts(o->buf);
	o->n = 0;
}

static void out_char(struct out *o, char c)
{
	if (o->n == sizeof(o->buf) - 1)
		out_flush(o);
	o->buf[o->n++] = c;
}

static void out_str(struct out *o, const char *s)
{
	while (*s)
		out_char(o, *s++);
}

static void out_num(struct out *o, uint64_t v, unsigned base)
{
	char tmp[24];
	int i = 0;

	do {
		tmp[i++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	while (i)
		out_char(o, tmp[--i]);
}

void stub_hex(const uint8_t *p, size_t n, char *out)
{
	while (n--) {
		*out++ = "0123456789abcdef"[*p >> 4];
		*out++ = "0123456789abcdef"[*p++ & 15];
	}
	*out = 0;
}

/* One conversion at *fmt (just past '%'); returns the characters used. */
static int out_conv(struct out *o, const char *fmt, va_list *ap)
{
	int longs = 0, used = 0;
	uint64_t v;

	while (fmt[used] == 'l' || fmt[used] == 'z')
		longs += fmt[used++] == 'z' ? 2 : 1;
	switch (fmt[used]) {
	case 's': out_str(o, va_arg(*ap, const char *)); break;
	case 'c': out_char(o, (char)va_arg(*ap, int)); break;
	case 'd':
		v = longs ? (uint64_t)va_arg(*ap, long) : (uint64_t)(long)va_arg(*ap, int);
		if ((int64_t)v < 0) {
			out_char(o, '-');
			v = -v;
		}
		out_num(o, v, 10);
		break;
	case 'u':
	case 'x':
		v = longs ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned int);
		out_num(o, v, fmt[used] == 'u' ? 10 : 16);
		break;
	default: out_char(o, '%'); out_char(o, fmt[used]); break;
	}
	return used + 1;
}

void stub_printf(const char *fmt, ...)
{
	struct out o = { .n = 0 };
	va_list ap;

	va_start(ap, fmt);
	while (*fmt) {
		if (*fmt != '%' || fmt[1] == '%') {
			out_char(&o, *fmt);
			fmt += *fmt == '%' ? 2 : 1;
			continue;
		}
		fmt++;
		if (!*fmt)
			break;
		fmt += out_conv(&o, fmt, &ap);
	}
	va_end(ap);
	out_flush(&o);
}
