# mbedtls, built from Debian's source package (fetched by tools/deps.sh into
# $(B)/deps/mbedtls) with the project's own configuration,
# kernel/crypto/mbedtls_config.h. Nothing of mbedtls is committed.
#
# Exports:
#   CRYPTO_INC        -I/-D flags every user of mbedtls headers needs (VMM, stub, tests)
#   EFI_CFLAGS_BASE   the UEFI stub's base flags (PIC gnu-efi application)
#   MBEDTLS_VMM_LIB   archive for the VMM    ($(VMM_CFLAGS))
#   MBEDTLS_EFI_LIB   archive for the stub   ($(EFI_CFLAGS_BASE))
#   MBEDTLS_HOST_LIB  archive for unit tests ($(HOST_CFLAGS) $(SANITIZE)), same config
#   LIBGCC            libgcc.a (mbedtls's 128-bit division needs __udivti3)
#   CRYPTO_SRCS       our crypto sources, compiled by each user with its flags
#   LIBC_SRCS         the freestanding string functions (VMM and stub)

MBEDTLS_DIR := $(B)/deps/mbedtls
MBEDTLS_CONFIG := kernel/crypto/mbedtls_config.h

CRYPTO_INC := -I$(MBEDTLS_DIR)/include -DMBEDTLS_CONFIG_FILE='"$(MBEDTLS_CONFIG)"'
EFI_CFLAGS_BASE := $(FREESTANDING) -fpic -fshort-wchar -fno-stack-protector
LIBGCC := $(shell $(CC) -print-libgcc-file-name)

CRYPTO_SRCS := kernel/crypto/sig.c kernel/crypto/hash.c
LIBC_SRCS := kernel/lib/string.c

# Only what ECDSA P-384 verification with SHA-256/384 pulls in.
MBEDTLS_MODULES := asn1parse asn1write bignum constant_time ecdsa ecp ecp_curves \
	platform platform_util sha256 sha512

# mbedtls 2.28.3 builds warning-free under $(WARN) with this config; should
# a later version not, relax the specific warning here, for its objects only.
MBEDTLS_RELAX :=

define mbedtls_lib # 1: flavour, 2: compiler flags
MBEDTLS_$(1)_OBJS := $$(patsubst %,$(B)/mbedtls-$(1)/%.o,$(MBEDTLS_MODULES))
$(B)/mbedtls-$(1)/%.o: $(MBEDTLS_DIR)/library/%.c $(MBEDTLS_CONFIG) mk/mbedtls.mk
	@mkdir -p $$(@D)
	@echo "  CC      $$@"
	@$(CC) $(2) $(MBEDTLS_RELAX) $(CRYPTO_INC) -I$(MBEDTLS_DIR)/library -c $$< -o $$@
$(B)/mbedtls-$(1)/libmbedcrypto.a: $$(MBEDTLS_$(1)_OBJS)
	@rm -f $$@
	@echo "  AR      $$@"
	@ar rcs $$@ $$^
endef

$(eval $(call mbedtls_lib,vmm,$(VMM_CFLAGS)))
$(eval $(call mbedtls_lib,efi,$(EFI_CFLAGS_BASE) $(WARN)))
$(eval $(call mbedtls_lib,host,$(HOST_CFLAGS) $(SANITIZE)))

MBEDTLS_VMM_LIB := $(B)/mbedtls-vmm/libmbedcrypto.a
MBEDTLS_EFI_LIB := $(B)/mbedtls-efi/libmbedcrypto.a
MBEDTLS_HOST_LIB := $(B)/mbedtls-host/libmbedcrypto.a

.PHONY: mbedtls
mbedtls: $(MBEDTLS_VMM_LIB) $(MBEDTLS_EFI_LIB) ## build the freestanding mbedtls archives
