/* SPDX-License-Identifier: MIT */
/* The emulated 16550 every guest sees at 0x3f8 as its console. */
#ifndef VMM_VUART_H
#define VMM_VUART_H

#include <stdbool.h>
#include <stdint.h>

#define VUART_BASE 0x3f8
#define VUART_PORTS 8
#define VUART_LINE_MAX 160

struct vuart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	unsigned len;
	bool wrapped; /* the last line was printed because it was full */
	char line[VUART_LINE_MAX];
};

/* Handle an access to port (VUART_BASE..+7); name prefixes printed lines. */
uint32_t vuart_read(struct vuart *u, uint16_t port);
void vuart_write(struct vuart *u, const char *name, uint16_t port, uint8_t value);
/* Print what is buffered (used when the guest stops mid-line). */
void vuart_flush(struct vuart *u, const char *name);

#endif
