# libFuzzer targets (tests/fuzz/): the channel's frame receiver, the
# bundle decoder/verifier and the MMIO instruction decoder, built with clang
# under ASan and UBSan.
#
#   make fuzz                 run each target for FUZZ_SECONDS (default 60)
#   make fuzz-build           build them only
# Corpora grow under $(B)/fuzz/corpus-<target>; crashes land in
# $(B)/fuzz/crash-*. The unit tier runs each target briefly, corpus-free
# (tests/fuzz/smoke.sh), so a crash on easy inputs fails `make test-unit`.

FUZZ_CC := clang
FUZZ_DIR := $(B)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=gnu11 -O1 -g $(WARN) -Iinclude -I. -fno-omit-frame-pointer

FUZZ_TARGETS := frame bundle mmio
FUZZ_SRCS_frame := kernel/crc32.c vmm/channel_frame.c tests/fuzz/fuzz_frame.c
FUZZ_SRCS_bundle := vmm/bundle.c vmm/bundle_content.c vmm/bundle_verify.c kernel/config.c \
	kernel/format.c vmm/policy.c $(CRYPTO_SRCS) tests/fuzz/fuzz_bundle.c
FUZZ_LIBS_bundle := $(FUZZ_DIR)/libmbedcrypto.a -lfdt
FUZZ_SRCS_mmio := arch/x86/mmio_decode.c tests/fuzz/fuzz_mmio.c

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
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_target,$(t))))

FUZZ_BINS := $(addprefix $(FUZZ_DIR)/fuzz-,$(FUZZ_TARGETS))

# Seeds for `make fuzz`: well-formed inputs to start from, made by the
# tools (tests/fuzz/seeds.sh), so the fuzzers begin past the CRCs and the
# device tree header instead of having to discover them.
FUZZ_SEEDS := $(FUZZ_DIR)/seeds/.done
$(FUZZ_SEEDS): tests/fuzz/seeds.sh $(VIGILCTL)
	@echo "  SEEDS   $(@D)"
	@tests/fuzz/seeds.sh $(VIGILCTL) $(@D)
	@touch $@

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS) ## build the libFuzzer targets (clang)

fuzz: $(FUZZ_BINS) $(FUZZ_SEEDS) ## run each libFuzzer target for FUZZ_SECONDS (default 60)
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_DIR)/corpus-$$t; \
		cp -n $(FUZZ_DIR)/seeds/$$t-* $(FUZZ_DIR)/corpus-$$t/ 2>/dev/null || true; \
		echo "  FUZZ    $$t for $(FUZZ_SECONDS) s"; \
		$(FUZZ_DIR)/fuzz-$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
			-artifact_prefix=$(FUZZ_DIR)/crash-$$t- $(FUZZ_DIR)/corpus-$$t 2>&1 | \
			grep -E '^(#[0-9]+ *DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY)' || true; \
		test -z "$$(ls $(FUZZ_DIR)/crash-$$t-* 2>/dev/null)" || { echo "fuzz: $$t crashed"; exit 1; }; \
	done

# The unit tier's smoke run.
UNIT_SCRIPTS += tests/fuzz/smoke.sh
UNIT_SCRIPT_DEPS += $(FUZZ_BINS)
