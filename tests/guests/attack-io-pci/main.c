/* SPDX-License-Identifier: MIT */
/*
 * attack-io-pci: reads PCI configuration space through 0xcf8/0xcfc (the
 * host bridge's vendor/device ID, then a BAR), the way to find and
 * reprogram devices or move MMIO over the VMM. PCI configuration ports are
 * never granted: the address port must not latch, and data reads give all
 * ones.
 */
#include "attack.h"

#define PCI_ADDR 0xcf8
#define PCI_DATA 0xcfc
#define PCI_ENABLE 0x80000000u

static uint32_t pci_read(unsigned dev, unsigned reg)
{
	outl(PCI_ADDR, PCI_ENABLE | dev << 11 | reg);
	return inl(PCI_DATA);
}

int guest_main(const struct hvm_start_info *si)
{
	uint32_t v;

	(void)si;
	attack_begin("attack-io-pci");
	v = pci_read(0, 0);
	attack_check(v == 0xffffffffu, "bus 0 device 0 ID reads %#x, want all ones", v);
	v = inl(PCI_ADDR);
	attack_check(v == 0xffffffffu, "address port reads %#x, want all ones", v);
	v = pci_read(1, 0x10);
	attack_check(v == 0xffffffffu, "bus 0 device 1 BAR0 reads %#x, want all ones", v);
	outl(PCI_ADDR, PCI_ENABLE | 0x04); /* host bridge command register */
	outw(PCI_DATA, 0);		   /* would turn off memory decoding */
	v = inw(PCI_DATA + 2);
	attack_check(v == 0xffff, "16-bit data read %#x, want all ones", v);
	attack_end();
}
