/* SPDX-License-Identifier: MIT */
/*
 * What the stub promised about DMA (include/vigil/handoff.h): no PCI
 * function of segment 0 has bus mastering on when the VMM is entered.
 * Written apart from the stub's own pass (boot/pci_scan.c), so a mistake
 * there is not repeated here.
 */
#include <vigil/handoff.h>

#include "probe.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc

static uint16_t cfg16(unsigned bus, unsigned dev, unsigned fn, unsigned off)
{
	outl(PCI_ADDR, 0x80000000u | bus << 16 | dev << 11 | fn << 8 | (off & 0xfc));
	return inw((uint16_t)(PCI_DATA + (off & 2)));
}

static void bdf_put(unsigned bus, unsigned dev, unsigned fn)
{
	char s[9] = "00:00.0";

	s[0] = "0123456789abcdef"[bus >> 4];
	s[1] = "0123456789abcdef"[bus & 15];
	s[3] = (char)('0' + dev / 16);
	s[4] = "0123456789abcdef"[dev & 15];
	s[6] = (char)('0' + fn);
	con_puts(" ");
	con_puts(s);
}

/* Functions found; those mastering are printed as they are met. */
static unsigned pci_scan(unsigned *on)
{
	unsigned bus, dev, fn, last, found = 0;

	for (bus = 0; bus < 256; bus++)
		for (dev = 0; dev < 32; dev++) {
			if (cfg16(bus, dev, 0, 0) == 0xffff)
				continue;
			last = (cfg16(bus, dev, 0, 0x0e) & 0x80) ? 7 : 0;
			for (fn = 0; fn <= last; fn++) {
				if (cfg16(bus, dev, fn, 0) == 0xffff)
					continue;
				found++;
				if (cfg16(bus, dev, fn, 4) & 4) {
					bdf_put(bus, dev, fn);
					++*on;
				}
			}
		}
	return found;
}

const char *pci_report(const struct handoff *h)
{
	unsigned on = 0, found;

	con_puts("vigil: probe pci bus mastering on:");
	found = pci_scan(&on);
	con_puts(on ? "" : " none");
	con_puts("; ");
	con_num(found, 10);
	con_puts(" functions on segment 0\nvigil: probe handoff pci listed ");
	con_num(h->pci_functions, 10);
	con_puts(" cleared ");
	con_num(h->pci_bus_masters_cleared, 10);
	con_puts(", segment 0 ");
	con_num(h->pci_seg0_functions, 10);
	con_puts(" cleared ");
	con_num(h->pci_seg0_bus_masters_cleared, 10);
	con_puts(" kept ");
	con_num(h->pci_seg0_bus_masters_kept, 10);
	con_puts("\n");
	if (on)
		return "PCI bus mastering on at VMM entry";
	if (!(h->flags & HANDOFF_F_BUS_MASTER_OFF))
		return "HANDOFF_F_BUS_MASTER_OFF not set";
	if (h->pci_seg0_functions != found || h->pci_seg0_bus_masters_kept != on)
		return "the handoff's segment 0 counts";
	return NULL;
}
