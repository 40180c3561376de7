/* SPDX-License-Identifier: MIT */
/*
 * The emulated 16550 every guest sees at 0x3f8 as its console. It runs on
 * the guest's own CPU and never prints: each finished line goes, prefixed
 * and cleaned, into the guest's console ring (out), which the VMM's CPU
 * drains to the real console (vmm/vm_console.c).
 */
#ifndef VMM_VUART_H
#define VMM_VUART_H

#include <stdbool.h>
#include <stdint.h>
#include "vmm/conring.h"

#define VUART_BASE 0x3f8
#define VUART_PORTS 8
#define VUART_LINE_MAX 160

struct vuart {
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	unsigned len;
	bool wrapped; /* the last line was printed because it was full */
	char line[VUART_LINE_MAX];
	struct conring out; /* finished lines, "[<name>] <line>\n", for the VMM's CPU */
};

/* Handle an access to port (VUART_BASE..+7); name prefixes queued lines. */
uint32_t vuart_read(struct vuart *u, uint16_t port);
void vuart_write(struct vuart *u, const char *name, uint16_t port, uint8_t value);
/* Queue what is buffered as a line (the guest stops or restarts mid-line). */
void vuart_flush(struct vuart *u, const char *name);
/* Back to the power-on state for a restart; the lines queued in out stay
 * queued, to be printed before anything the restarted guest writes. */
void vuart_reset(struct vuart *u);
/* The UART's interrupt output now (I/O APIC pin GP_UART_GSI). */
bool vuart_irq_line(const struct vuart *u);
/* Wake the CPU that prints the guests' lines (vmm/vm_console.c). */
void vuart_wake_console(void);

#endif
