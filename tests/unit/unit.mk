# Unit-test tier: host tests that compile the REAL sources under ASan and
# UBSan, run by `make test-unit`. Each case prints "PASS <name>" or
# "FAIL <name>"; tests/unit/run.sh totals them ("N passed, N failed").
#
# Adding a test (here, or in a tests/unit/<name>.mk of its own):
#   UNIT_TESTS += npt
#   UNIT_SRCS_npt := arch/x86/npt.c tests/unit/test_npt.c
#   UNIT_CFLAGS_npt := ...   (optional, extra compiler flags)
#   UNIT_LIBS_npt := ...     (optional, archives or -l flags to link)
# Sources build with $(HOST_CFLAGS) $(SANITIZE) and the C library's headers
# (not include/libc). A test is any program printing PASS/FAIL lines and
# exiting non-zero on failure; tests/unit/check.h is a small harness for that.
# Shell tests: UNIT_SCRIPTS += tests/unit/test_x.sh (+ UNIT_SCRIPT_DEPS).

UNIT_DIR := $(B)/unit

UNIT_TESTS += sig sig_cavp
UNIT_SRCS_sig := $(CRYPTO_SRCS) tests/unit/test_sig.c
UNIT_CFLAGS_sig := $(CRYPTO_INC)
UNIT_LIBS_sig := $(MBEDTLS_HOST_LIB)
UNIT_SRCS_sig_cavp := $(CRYPTO_SRCS) tests/unit/test_sig_cavp.c
UNIT_CFLAGS_sig_cavp := $(CRYPTO_INC)
UNIT_LIBS_sig_cavp := $(MBEDTLS_HOST_LIB)

# The freestanding string functions, built with the freestanding flags and
# renamed k_* so the test can hold them beside the C library's.
UNIT_TESTS += string
UNIT_SRCS_string := tests/unit/test_string.c
UNIT_LIBS_string := $(UNIT_DIR)/string_k.o
$(UNIT_DIR)/string_k.o: $(LIBC_SRCS)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(FREESTANDING) $(WARN) -fPIE -c $< -o $@.tmp
	@$(OBJCOPY) --prefix-symbols=k_ $@.tmp $@ && rm -f $@.tmp

# The XCR0 rules and SVM's event re-injection (header-only, pure).
UNIT_TESTS += events
UNIT_SRCS_events := tests/unit/test_events.c

# vigilctl end to end: keys readable by openssl, sign/verify exit codes,
# signatures interoperable with openssl in both directions.
UNIT_SCRIPTS += tests/unit/test_sig_cli.sh
UNIT_SCRIPT_DEPS += $(VIGILCTL)

-include $(filter-out tests/unit/unit.mk,$(wildcard tests/unit/*.mk))

define unit_test
UNIT_OBJS_$(1) := $$(patsubst %.c,$(UNIT_DIR)/$(1).obj/%.o,$$(UNIT_SRCS_$(1)))
$(UNIT_DIR)/$(1).obj/%.o: %.c
	@mkdir -p $$(@D)
	@echo "  UNITCC  $$@"
	@$(HOSTCC) $(HOST_CFLAGS) $(SANITIZE) $$(UNIT_CFLAGS_$(1)) -MMD -MP -c $$< -o $$@
$(UNIT_DIR)/$(1): $$(UNIT_OBJS_$(1)) $$(filter-out -l%,$$(UNIT_LIBS_$(1)))
	@echo "  UNITLD  $$@"
	@$(HOSTCC) $(SANITIZE) -o $$@ $$(UNIT_OBJS_$(1)) $$(UNIT_LIBS_$(1))
-include $$(UNIT_OBJS_$(1):.o=.d)
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test,$(t))))

UNIT_BINS := $(addprefix $(UNIT_DIR)/,$(UNIT_TESTS))

# Found at run time, never hard-coded: the CAVP vectors' installed path.
SIGVER_RSP = $(shell dpkg -L python3-cryptography-vectors 2>/dev/null | \
	grep -m1 '/asymmetric/ECDSA/FIPS_186-3/SigVer.rsp$$')

# The VMM flavour of the verifier links with only calloc, free and
# __stack_chk_fail from its environment (tests/unit/sig_link_env.c): ld
# fails on any other undefined symbol, so this is checked when it is built.
SIG_LINK_ELF := $(UNIT_DIR)/sig_vmm_link.elf
SIG_LINK_OBJS := $(patsubst %.c,$(UNIT_DIR)/sig_vmm_link.obj/%.o,\
	$(CRYPTO_SRCS) $(LIBC_SRCS) tests/unit/sig_link_env.c)
$(UNIT_DIR)/sig_vmm_link.obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(VMM_CFLAGS) $(CRYPTO_INC) -MMD -MP -c $< -o $@
$(SIG_LINK_ELF): $(SIG_LINK_OBJS) $(MBEDTLS_VMM_LIB)
	@echo "  LD      $@"
	@$(LD) -static -nostdlib -e sig_link_entry -o $@ $^ $(LIBGCC)
-include $(SIG_LINK_OBJS:.o=.d)
UNIT_SCRIPTS += tests/unit/test_sig_link.sh
UNIT_SCRIPT_DEPS += $(SIG_LINK_ELF)

.PHONY: unit-build
unit-build: $(UNIT_BINS) $(UNIT_SCRIPT_DEPS)

test-unit: unit-build ## build and run the host unit tests (ASan + UBSan)
	@VIGILCTL=$(abspath $(VIGILCTL)) VIGIL_SIGVER_RSP='$(SIGVER_RSP)' \
		SIG_LINK_ELF=$(abspath $(SIG_LINK_ELF)) \
		tests/unit/run.sh $(UNIT_BINS) $(UNIT_SCRIPTS)
