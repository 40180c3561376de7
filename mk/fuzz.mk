# libFuzzer targets (tests/fuzz/, docs/fuzz.md), built with clang under
# ASan and UBSan: the channel's frame receiver, the bundle decoder and
# verifier, the config validator, the two instruction decoders (lengths of
# the intercepted instructions, MMIO), the guest ELF loader, and the UEFI
# stub's VMM ELF check and config walker.
#
#   make fuzz                 run each target for FUZZ_SECONDS (default 60)
#                             and print a table (tests/fuzz/run.sh)
#   make fuzz FUZZ_TARGETS=x  the named targets only
#   make fuzz-build           build them only
# Corpora grow under $(B)/fuzz/corpus-<target>; crashes land in
# $(B)/fuzz/crash-*. The unit tier runs each target briefly, corpus-free
# (tests/fuzz/smoke.sh), so a crash on easy inputs fails `make test-unit`.

FUZZ_CC := clang
FUZZ_DIR := $(B)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Iinclude -I. -fno-omit-frame-pointer

FUZZ_ALL := frame bundle config insn mmio loader elfboot dtb
FUZZ_TARGETS ?= $(FUZZ_ALL)
FUZZ_SRCS_frame := kernel/crc32.c vmm/channel_frame.c tests/fuzz/fuzz_frame.c
FUZZ_SRCS_bundle := vmm/bundle.c vmm/bundle_content.c vmm/bundle_verify.c kernel/config.c \
	kernel/format.c vmm/policy.c $(CRYPTO_SRCS) tests/fuzz/fuzz_bundle.c
FUZZ_LIBS_bundle := $(FUZZ_DIR)/libmbedcrypto.a -lfdt
FUZZ_SRCS_mmio := arch/x86/mmio_decode.c tests/fuzz/fuzz_mmio.c
FUZZ_SRCS_config := kernel/config.c kernel/format.c vmm/policy.c boot/dtb_scan.c \
	tests/fuzz/fuzz_config.c
FUZZ_LIBS_config := -lfdt
FUZZ_SRCS_insn := arch/x86/insn.c tests/fuzz/fuzz_insn.c
FUZZ_SRCS_loader := vmm/loader.c vmm/vm_mem.c tests/unit/shim_vm.c tests/fuzz/fuzz_loader.c
FUZZ_SRCS_elfboot := boot/elf_load.c tests/fuzz/fuzz_elfboot.c
FUZZ_SRCS_dtb := boot/dtb_scan.c tests/fuzz/fuzz_dtb.c

# mbedtls with the VMM's configuration, built by clang without
# instrumentation: it is a dependency here, not the code under test.
FUZZ_MBEDTLS_OBJS := $(patsubst %,$(FUZZ_DIR)/mbedtls/%.o,$(MBEDTLS_MODULES))
$(FUZZ_DIR)/mbedtls/%.o: $(MBEDTLS_DIR)/library/%.c $(MBEDTLS_CONFIG) mk/fuzz.mk
	@mkdir -p $(@D)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) -O1 -g -I. $(CRYPTO_INC) -I$(MBEDTLS_DIR)/library -c $< -o $@
$(FUZZ_DIR)/libmbedcrypto.a: $(FUZZ_MBEDTLS_OBJS)
	@rm -f $@
	@ar rcs $@ $^

define fuzz_target
FUZZ_OBJS_$(1) := $$(patsubst %.c,$(FUZZ_DIR)/$(1).obj/%.o,$$(FUZZ_SRCS_$(1)))
$(FUZZ_DIR)/$(1).obj/%.o: %.c
	@mkdir -p $$(@D)
	@echo "  FUZZCC  $$@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link $(CRYPTO_INC) -MMD -MP -c $$< -o $$@
$(FUZZ_DIR)/fuzz-$(1): $$(FUZZ_OBJS_$(1)) $$(filter-out -l%,$$(FUZZ_LIBS_$(1)))
	@echo "  FUZZLD  $$@"
	@$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $$@ $$(FUZZ_OBJS_$(1)) $$(FUZZ_LIBS_$(1))
-include $$(FUZZ_OBJS_$(1):.o=.d)
endef
$(foreach t,$(FUZZ_ALL),$(eval $(call fuzz_target,$(t))))

FUZZ_BINS := $(addprefix $(FUZZ_DIR)/fuzz-,$(FUZZ_ALL))

# Seeds for `make fuzz`: well-formed inputs to start from, made by the
# tools (tests/fuzz/seeds.sh), so the fuzzers begin past the CRCs and the
# device tree header instead of having to discover them.
FUZZ_SEEDS := $(FUZZ_DIR)/seeds/.done
$(FUZZ_SEEDS): tests/fuzz/seeds.sh tests/fuzz/seeds_insn.py $(VIGILCTL) $(VMM) $(GUEST_ELFS) $(ROLES_DTSI)
	@echo "  SEEDS   $(@D)"
	@rm -rf $(@D) && tests/fuzz/seeds.sh $(VIGILCTL) $(@D) $(B)
	@touch $@

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS) ## build the libFuzzer targets (clang)

fuzz: $(FUZZ_BINS) $(FUZZ_SEEDS) ## run each libFuzzer target for FUZZ_SECONDS (default 60), print a table
	@python3 -B tests/fuzz/run.py $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The unit tier's smoke run.
UNIT_SCRIPTS += tests/fuzz/smoke.sh
UNIT_SCRIPT_DEPS += $(FUZZ_BINS)
