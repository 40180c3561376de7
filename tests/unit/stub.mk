# Host unit tests of the UEFI stub's firmware-free parts (boot/), compiled
# from the real sources under ASan and UBSan.
UNIT_TESTS += elf_load stub_parts pci_scan tcglog
UNIT_SRCS_elf_load := boot/elf_load.c tests/unit/test_elf_load.c
UNIT_SRCS_stub_parts := boot/paging.c boot/memmap.c boot/dtb_scan.c boot/path.c \
	tests/unit/test_stub_parts.c
UNIT_SRCS_pci_scan := boot/pci_scan.c tests/unit/test_pci_scan.c
UNIT_SRCS_tcglog := boot/tcglog.c tests/unit/test_tcglog.c
