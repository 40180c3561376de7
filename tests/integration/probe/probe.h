/* SPDX-License-Identifier: MIT */
/*
 * A stand-in for the VMM in the stub's boot tests: it enters the way the VMM
 * does (include/vigil/handoff.h), checks what the stub promised, prints what
 * it found as `vigil: probe ...` lines on COM1, and ends the QEMU run
 * through isa-debug-exit. Test code, not part of Vigil.
 */
#ifndef PROBE_H
#define PROBE_H

#include <stddef.h>
#include <stdint.h>

void sha256(const void *data, uint64_t n, uint8_t out[32]);

void con_puts(const char *s);
void con_hex(const uint8_t *p, size_t n);
void con_num(uint64_t v, unsigned base);

/* Read PCRs 10 and 15 (SHA-256 bank) through the TIS at 0xfed40000.
 * Returns 0, or -1 if no TPM answered. */
int tpm_pcrs_read(uint8_t pcr10[32], uint8_t pcr15[32]);

struct handoff;

/* Segment 0's PCI functions through ports 0xcf8/0xcfc: one line naming
 * those with bus mastering on, one with the handoff's counts. Returns the
 * failure to report, or NULL. */
const char *pci_report(const struct handoff *h);

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

#endif
