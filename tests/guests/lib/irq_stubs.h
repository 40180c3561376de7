/* SPDX-License-Identifier: MIT */
/* The interrupt stubs' layout, shared by vectors.S and irq.c. */
#ifndef GUEST_IRQ_STUBS_H
#define GUEST_IRQ_STUBS_H

#define IRQ_FIRST 32	     /* the first vector past the exceptions */
#define IRQ_STUB_COUNT 224   /* vectors 32..255 */
#define IRQ_STUB_SIZE 16     /* bytes from one stub to the next */

#endif
