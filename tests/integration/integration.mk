# The boot tier (`make test-boot`): whole-system tests that boot QEMU and
# read the serial console. tests/integration/vigiltest.py is the harness and
# the runner; every tests/integration/t_*.py and t_*.sh is a test.
#
# The stub's own tests boot a probe ESP ($(PROBE_ESP)): the real stub, with
# a small stand-in VMM (tests/integration/probe/) that checks the handoff
# and ends the run, so they do not depend on the VMM's progress.

PROBE_SRC := tests/integration/probe
PROBE_OUT := $(B)/test/probe
PROBE_ELF := $(PROBE_OUT)/probe.elf
PROBE_ESP := $(B)/test/probe-esp
PROBE_OBJS := $(patsubst $(PROBE_SRC)/%.c,$(PROBE_OUT)/%.o,$(wildcard $(PROBE_SRC)/*.c))
PROBE_CFLAGS := $(FREESTANDING) $(WARN) -mcmodel=kernel -fno-pic -fno-pie -fno-stack-protector
OTHER_KEY := $(B)/test/keys/other.key
SECBOOT_STUB := $(B)/test/secboot/BOOTX64.EFI
SNAKEOIL := /usr/share/ovmf/PkKek-1-snakeoil

# The test guests' ESP ($(TEST_ESP), named in mk/esp.mk): the real stub,
# VMM and test guests with tests/integration/guests.dts, the boot and
# channel tiers' base (the default config, what `make run` boots, also runs
# Linux).

$(TEST_ESP)/.stamp: tests/integration/guests.dts $(ATTACK_STAGE_DEPS) $(STUB_EFI)
	@echo "  ESP     $(@D)"
	$(call attack_stage,$<,$(@D),)
	@mkdir -p $(@D)/EFI/BOOT
	@cp $(STUB_EFI) $(@D)/EFI/BOOT/BOOTX64.EFI
	@touch $@

INTEGRATION_TESTS = $(sort $(wildcard tests/integration/t_*.py tests/integration/t_*.sh))

$(PROBE_OUT)/%.o: $(PROBE_SRC)/%.c $(PROBE_SRC)/probe.h include/vigil/handoff.h include/vigil/tpm_tis.h
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(PROBE_CFLAGS) -c $< -o $@

$(PROBE_ELF): $(PROBE_OBJS) $(PROBE_SRC)/probe.ld
	@echo "  LD      $@"
	@$(LD) -nostdlib -static -z max-page-size=4096 --build-id=none -T $(PROBE_SRC)/probe.ld \
		$(PROBE_OBJS) -o $@

# The probe ESP's guests are packages, as every guest is (mk/packages.mk's
# pkg_rule, signed by the publisher key), staged as on any ESP
# (tools/stage-guests.sh). Their "images" are fixed filler (the stub
# measures and hands them on without looking inside), so a rebuild changes
# no image digest.
PROBE_GUESTS := $(PROBE_OUT)/guests
$(PROBE_GUESTS)/alpha.elf: tests/integration/integration.mk
	@mkdir -p $(@D)
	@seq 1 2000 | head -c 5000 >$@
$(PROBE_GUESTS)/beta.elf: tests/integration/integration.mk
	@mkdir -p $(@D)
	@seq 1 20000 | head -c 77777 >$@
$(foreach g,alpha beta,$(eval $(call pkg_rule,$(g),$(PROBE_OUT),$(PROBE_GUESTS)/$(g).elf,\
	--image $(PROBE_GUESTS)/$(g).elf --memory 4M --cpus 1)))
PROBE_PKG_STAMPS := $(PROBE_OUT)/packages/alpha.stamp $(PROBE_OUT)/packages/beta.stamp

# Built aside and swapped in, so a test copying the ESP while it is rebuilt
# sees the old one or the new one, never half.
$(PROBE_ESP)/.stamp: $(STUB_EFI) $(PROBE_ELF) $(PROBE_SRC)/system.dts $(PLATFORM_SIG_DEPS) \
		$(PROBE_PKG_STAMPS) $(PKG_STAGE) tests/integration/integration.mk
	@echo "  ESP     $(PROBE_ESP)"
	@rm -rf $(PROBE_ESP).new $(PROBE_ESP).old
	@mkdir -p $(PROBE_ESP).new/EFI/BOOT $(PROBE_ESP).new/vigil
	@cp $(STUB_EFI) $(PROBE_ESP).new/EFI/BOOT/BOOTX64.EFI
	@cp $(PROBE_ELF) $(PROBE_ESP).new/vigil/vmm.elf
	@dtc -q -I dts -O dtb -o $(PROBE_ESP).new/vigil/system.dtb $(PROBE_SRC)/system.dts
	@$(PKG_STAGE) $(PROBE_ESP).new/vigil/system.dtb $(PROBE_ESP).new/vigil $(PROBE_OUT)
	@for f in vmm.elf system.dtb; do \
		$(VIGILCTL) sign $(PLATFORM_SIGN_KEYS:%=--key %) $(PROBE_ESP).new/vigil/$$f \
			-o $(PROBE_ESP).new/vigil/$$f.sig >/dev/null || exit 1; done
	@touch $(PROBE_ESP).new/.stamp
	@if [ -d $(PROBE_ESP) ]; then mv $(PROBE_ESP) $(PROBE_ESP).old; fi
	@mv $(PROBE_ESP).new $(PROBE_ESP)
	@rm -rf $(PROBE_ESP).old

# A key outside the platform key set, for the wrong-signer test.
$(OTHER_KEY): | $(VIGILCTL)
	@mkdir -p $(@D)
	@$(VIGILCTL) keygen -o $(basename $@) >/dev/null

# The stub signed for Secure Boot with the key OVMF's snakeoil variables
# enroll in db. Debian ships that test key encrypted, with the passphrase
# "snakeoil" (README.Debian of the ovmf package); sbsign wants it plain.
$(B)/test/secboot/snakeoil.key: $(SNAKEOIL).key
	@mkdir -p $(@D)
	@openssl pkey -in $< -passin pass:snakeoil -out $@

$(SECBOOT_STUB): $(STUB_EFI) $(B)/test/secboot/snakeoil.key
	@echo "  SBSIGN  $@"
	@sbsign --key $(B)/test/secboot/snakeoil.key --cert $(SNAKEOIL).pem --output $@ $< \
		>$@.log 2>&1 || { cat $@.log; exit 1; }

.PHONY: test-boot boot-test-build
boot-test-build: $(PROBE_ESP)/.stamp $(TEST_ESP)/.stamp $(OTHER_KEY) $(SECBOOT_STUB) $(ESP_FILES) $(VIGIL_IMG)

test-boot: boot-test-build ## run the boot tests (QEMU + OVMF + swtpm; one emulator at a time)
	@python3 tests/integration/vigiltest.py run $(INTEGRATION_TESTS)
