# The UEFI stub: build/boot/BOOTX64.EFI, a gnu-efi application (PE32+).
#
# Uses from mk/mbedtls.mk: EFI_CFLAGS_BASE, CRYPTO_INC, MBEDTLS_EFI_LIB,
# LIBGCC, CRYPTO_SRCS, LIBC_SRCS; from tools/tools.mk: the generated
# platform key set $(B)/gen/platform_keys.c (const struct sig_keyset
# platform_keyset). Exports STUB_EFI.
#
# Only gnu-efi's crt0 and its self-relocator (libgnuefi.a) are linked, not
# libefi.a: the stub calls the firmware directly, and libefi's memset/memcpy
# would clash with kernel/lib/string.c.

EFI_LIBDIR := /usr/lib
EFI_INC := -isystem /usr/include/efi -isystem /usr/include/efi/x86_64
EFI_CRT0 := $(EFI_LIBDIR)/crt0-efi-x86_64.o
EFI_LDS := $(EFI_LIBDIR)/elf_x86_64_efi.lds

STUB_DIR := $(B)/boot
STUB_EFI := $(STUB_DIR)/BOOTX64.EFI
STUB_SO := $(STUB_DIR)/stub.so

# Plain C (no firmware types), also compiled by tests/unit/.
STUB_PURE_SRCS := boot/elf_load.c boot/paging.c boot/memmap.c boot/dtb_scan.c boot/path.c \
	boot/pci_scan.c boot/tcglog.c
STUB_SRCS := boot/efi.c boot/stub.c boot/measure.c boot/print.c boot/pci_port.c $(STUB_PURE_SRCS) \
	$(CRYPTO_SRCS) kernel/crypto/hash.c $(LIBC_SRCS)

STUB_CFLAGS := $(EFI_CFLAGS_BASE) $(WARN) $(CRYPTO_INC) -DGNU_EFI_USE_MS_ABI
STUB_OBJS := $(patsubst %.c,$(STUB_DIR)/obj/%.o,$(sort $(STUB_SRCS))) \
	$(STUB_DIR)/obj/boot/enter.o $(STUB_DIR)/obj/platform_keys.o

# EFI headers are for boot/efi.c alone.
$(STUB_DIR)/obj/boot/efi.o: STUB_CFLAGS += $(EFI_INC)

$(STUB_DIR)/obj/%.o: %.c boot/boot.mk mk/flags.mk
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(STUB_CFLAGS) -MMD -MP -c $< -o $@

$(STUB_DIR)/obj/boot/enter.o: boot/enter.S
	@mkdir -p $(@D)
	@echo "  AS      $@"
	@$(CC) $(STUB_CFLAGS) -c $< -o $@

$(STUB_DIR)/obj/platform_keys.o: $(PLATFORM_KEYS_C)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(STUB_CFLAGS) -c $< -o $@

# -shared links happily with undefined symbols, which in a PE would be
# silent null calls: --no-undefined makes every one an error.
$(STUB_SO): $(STUB_OBJS) $(MBEDTLS_EFI_LIB) $(EFI_LDS) $(EFI_CRT0)
	@echo "  LD      $@"
	@$(LD) -nostdlib -shared -Bsymbolic -znocombreloc --no-undefined -T $(EFI_LDS) \
		$(EFI_CRT0) $(STUB_OBJS) $(MBEDTLS_EFI_LIB) $(LIBGCC) \
		-L$(EFI_LIBDIR) -lgnuefi -o $@

$(STUB_EFI): $(STUB_SO)
	@echo "  EFI     $@"
	@$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .rel.* -j .rela.* -j .reloc --target efi-app-x86_64 \
		--subsystem=10 --strip-all $< $@

.PHONY: stub
stub: $(STUB_EFI) ## build the UEFI stub, build/boot/BOOTX64.EFI

ALL_TARGETS += $(STUB_EFI)

-include $(STUB_OBJS:.o=.d)
