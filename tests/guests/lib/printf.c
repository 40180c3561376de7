/* SPDX-License-Identifier: MIT */
/*
 * printf-lite: flags '-', '0', '#'; a width (digits or '*'); lengths
 * 'hh', 'h', 'l', 'll', 'z'; conversions d i u x X p s c %.
 * No precision, no floating point.
 */
#include "guest.h"

struct fmt_sink {
	char *buf;    /* NULL: write to the console */
	size_t size;  /* capacity of buf, terminator included */
	size_t count; /* characters produced, as snprintf counts them */
};

struct fmt_spec {
	int left;  /* '-' */
	int zero;  /* '0' */
	int alt;   /* '#' */
	int width;
	int len;   /* 0 int, 1 long, 2 long long, -1 short, -2 char */
};

static void sink_putc(struct fmt_sink *s, char c)
{
	if (!s->buf)
		con_putc(c);
	else if (s->count + 1 < s->size)
		s->buf[s->count] = c;
	s->count++;
}

static void sink_pad(struct fmt_sink *s, char c, int n)
{
	while (n-- > 0)
		sink_putc(s, c);
}

/* Emit `str` (with an optional prefix kept left of any zero padding). */
static void emit_field(struct fmt_sink *s, const struct fmt_spec *sp, const char *prefix,
		       const char *str, size_t len)
{
	size_t plen = 0;

	while (prefix[plen])
		plen++;
	int pad = sp->width - (int)(plen + len);

	if (!sp->left && !sp->zero)
		sink_pad(s, ' ', pad);
	for (size_t i = 0; i < plen; i++)
		sink_putc(s, prefix[i]);
	if (!sp->left && sp->zero)
		sink_pad(s, '0', pad);
	for (size_t i = 0; i < len; i++)
		sink_putc(s, str[i]);
	if (sp->left)
		sink_pad(s, ' ', pad);
}

static void emit_number(struct fmt_sink *s, const struct fmt_spec *sp, uint64_t v,
			int negative, unsigned base, int upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	size_t n = sizeof(tmp);
	const char *prefix = "";

	do {
		tmp[--n] = digits[v % base];
		v /= base;
	} while (v);
	if (negative)
		prefix = "-";
	else if (sp->alt && base == 16)
		prefix = upper ? "0X" : "0x";
	emit_field(s, sp, prefix, tmp + n, sizeof(tmp) - n);
}

static const char *parse_spec(const char *f, struct fmt_spec *sp, va_list *ap)
{
	*sp = (struct fmt_spec){ 0 };
	for (;; f++) {
		if (*f == '-')
			sp->left = 1;
		else if (*f == '0')
			sp->zero = 1;
		else if (*f == '#')
			sp->alt = 1;
		else
			break;
	}
	if (*f == '*') {
		sp->width = va_arg(*ap, int);
		f++;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	for (; *f == 'l' || *f == 'z' || *f == 'h'; f++)
		sp->len += *f == 'h' ? -1 : 1;
	return f;
}

static uint64_t arg_unsigned(const struct fmt_spec *sp, va_list *ap)
{
	if (sp->len >= 1)
		return sp->len == 1 ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned long long);
	unsigned v = va_arg(*ap, unsigned);
	return sp->len == -1 ? (uint16_t)v : sp->len <= -2 ? (uint8_t)v : v;
}

static int64_t arg_signed(const struct fmt_spec *sp, va_list *ap)
{
	if (sp->len >= 1)
		return sp->len == 1 ? va_arg(*ap, long) : va_arg(*ap, long long);
	int v = va_arg(*ap, int);
	return sp->len == -1 ? (int16_t)v : sp->len <= -2 ? (int8_t)v : v;
}

static void emit_conversion(struct fmt_sink *s, struct fmt_spec *sp, char conv, va_list *ap)
{
	switch (conv) {
	case 'd':
	case 'i': {
		int64_t v = arg_signed(sp, ap);
		emit_number(s, sp, v < 0 ? -(uint64_t)v : (uint64_t)v, v < 0, 10, 0);
		break;
	}
	case 'u':
		emit_number(s, sp, arg_unsigned(sp, ap), 0, 10, 0);
		break;
	case 'x':
	case 'X':
		emit_number(s, sp, arg_unsigned(sp, ap), 0, 16, conv == 'X');
		break;
	case 'p':
		sp->alt = 1;
		emit_number(s, sp, (uintptr_t)va_arg(*ap, void *), 0, 16, 0);
		break;
	case 's': {
		const char *str = va_arg(*ap, const char *);
		size_t len = 0;

		if (!str)
			str = "(null)";
		while (str[len])
			len++;
		sp->zero = 0;
		emit_field(s, sp, "", str, len);
		break;
	}
	case 'c': {
		char c = (char)va_arg(*ap, int);

		sp->zero = 0;
		emit_field(s, sp, "", &c, 1);
		break;
	}
	default: /* '%' and anything unknown print literally */
		sink_putc(s, '%');
		if (conv != '%')
			sink_putc(s, conv);
	}
}

static int fmt_format(struct fmt_sink *s, const char *fmt, va_list ap)
{
	va_list args;
	struct fmt_spec sp;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			sink_putc(s, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		if (!*fmt)
			break;
		emit_conversion(s, &sp, *fmt++, &args);
	}
	va_end(args);
	if (s->buf && s->size)
		s->buf[s->count < s->size ? s->count : s->size - 1] = '\0';
	return (int)s->count;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct fmt_sink s = { .buf = buf, .size = size };
	static char dummy;

	/* size 0 only counts; keep buf non-NULL so nothing reaches the console. */
	if (!size)
		s.buf = &dummy;
	return fmt_format(&s, fmt, ap);
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int vprintf(const char *fmt, va_list ap)
{
	struct fmt_sink s = { 0 };

	return fmt_format(&s, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
