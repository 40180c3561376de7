# The Intel VMX lab path (docs/vmx.md): the multiboot2 entry (boot/mb2/),
# GRUB rescue ISOs for Bochs, which has no UEFI, and the test-vmx tier.
#
#   build/vmx/vigil-mb2.elf   the multiboot2 entry (GRUB loads it at 1 MiB)
#   build/vmx/vigil.iso       the ESP's files behind GRUB: `make vmx-iso`
#   build/vmx/test/*.iso      the test tier's ISOs, one per tests/vmx/configs/*.dts
#
# Included after mk/esp.mk: prerequisites below name the stub's sources,
# the signed ESP files and the guests, which must be defined by then.

VMX_OUT := $(B)/vmx
MB2_ELF := $(VMX_OUT)/vigil-mb2.elf
MB2_OBJ := $(VMX_OUT)/obj
VMX_ISO := $(VMX_OUT)/vigil.iso
VMX_MKISO := tests/vmx/mkiso.sh

# The UEFI stub's story and helpers (boot/boot.mk's list) less the one file
# that speaks UEFI; boot/mb2/ implements boot/boot.h on multiboot2 instead.
MB2_SRCS := $(sort $(filter-out boot/efi.c,$(STUB_SRCS)) boot/mb2/info.c boot/mb2/mem.c \
	boot/mb2/firmware.c)
MB2_ASMS := boot/mb2/entry.S boot/enter.S
MB2_BASE_CFLAGS := $(FREESTANDING) $(WARN) -mcmodel=small -fno-pic -fno-pie -fno-stack-protector
MB2_CFLAGS := $(MB2_BASE_CFLAGS) $(CRYPTO_INC)
MB2_OBJS := $(patsubst %,$(MB2_OBJ)/%.o,$(MB2_SRCS) $(MB2_ASMS)) $(MB2_OBJ)/platform_keys.o

# mbedtls for this link: linked low, no stack protector (mk/mbedtls.mk).
$(eval $(call mbedtls_lib,mb2,$(MB2_BASE_CFLAGS)))
MBEDTLS_MB2_LIB := $(B)/mbedtls-mb2/libmbedcrypto.a

$(MB2_OBJ)/%.c.o: %.c mk/vmx.mk
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(MB2_CFLAGS) -MMD -MP -c $< -o $@

$(MB2_OBJ)/%.S.o: %.S mk/vmx.mk
	@mkdir -p $(@D)
	@echo "  AS      $@"
	@$(CC) $(MB2_CFLAGS) -D__ASSEMBLY__ -MMD -MP -c $< -o $@

$(MB2_OBJ)/platform_keys.o: $(PLATFORM_KEYS_C)
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(MB2_CFLAGS) -c $< -o $@

$(MB2_ELF): $(MB2_OBJS) $(MBEDTLS_MB2_LIB) boot/mb2/mb2.ld
	@echo "  LD      $@"
	@$(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack --build-id=none \
		-T boot/mb2/mb2.ld -o $@ $(MB2_OBJS) $(MBEDTLS_MB2_LIB) $(LIBGCC)
	@grub-file --is-x86-multiboot2 $@ || { echo "$@: not a multiboot2 image" >&2; rm -f $@; exit 1; }

# The lab ISO: exactly the ESP's vigil/ directory, behind GRUB.
$(VMX_ISO): $(MB2_ELF) $(ESP_FILES) $(VMX_MKISO)
	@echo "  ISO     $@"
	@$(VMX_MKISO) --mb2 $(MB2_ELF) --vigil $(ESP_VIGIL) --out $@

.PHONY: mb2 vmx-iso
mb2: $(MB2_ELF) ## build the multiboot2 lab entry, build/vmx/vigil-mb2.elf
vmx-iso: $(VMX_ISO) ## build build/vmx/vigil.iso: the ESP's files behind GRUB (Bochs, lab)
ALL_TARGETS += $(MB2_ELF)

-include $(MB2_OBJS:.o=.d)

# --- the test-vmx tier (tests/vmx/) -----------------------------------------
# Each tests/vmx/configs/<name>.dts is one boot: its vigil/ directory (the
# ESP's layout) is staged under build/vmx/test/<name>/ with the same VMM
# and guest images as build/esp, that config signed by the development
# platform key, and made into build/vmx/test/<name>.iso. Bochs is slow
# (about 100 MIPS): the ticker there beats every VMX_TICKER_SPIN spins.

VMX_TEST := $(VMX_OUT)/test
VMX_CONFIGS := $(sort $(basename $(notdir $(wildcard tests/vmx/configs/*.dts))))
VMX_TEST_ISOS := $(VMX_CONFIGS:%=$(VMX_TEST)/%.iso) $(VMX_TEST)/guests-tampered-vmm.iso \
	$(VMX_TEST)/guests-tampered-dtb.iso $(VMX_TEST)/guests-no-vmm-sig.iso \
	$(VMX_TEST)/guests-no-dtb-sig.iso $(VMX_TEST)/guests-no-image.iso
VMX_TICKER_SPIN ?= 3000000
VMX_GUESTS := $(VMX_OUT)/guests

# The guests that beat (the ticker; patchwatch for the channel tests) with
# the short beat.
$(VMX_GUESTS)/ticker.o $(VMX_GUESTS)/patchwatch.o: $(VMX_GUESTS)/%.o: tests/guests/%/main.c mk/vmx.mk
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(GUEST_CFLAGS) -DTICKER_SPIN_LOOPS=$(VMX_TICKER_SPIN)ull -c $< -o $@

$(VMX_GUESTS)/ticker.elf $(VMX_GUESTS)/patchwatch.elf: $(VMX_GUESTS)/%.elf: $(VMX_GUESTS)/%.o \
		$(GUEST_LIB_OBJS) $(GUEST_SRC)/lib/guest.ld
	@echo "  LD      $@"
	@$(LD) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIB_OBJS)

# The VMX counterparts of the SVM-specific attacks: tests/vmx/guests/<name>/,
# built like every test guest (tests/guests/guests.mk) with its library.
VMX_GUEST_NAMES := $(notdir $(wildcard tests/vmx/guests/*))
VMX_GUEST_ELFS := $(VMX_GUEST_NAMES:%=$(VMX_GUESTS)/%.elf)

$(VMX_GUESTS)/obj/%.o: tests/vmx/guests/%.c mk/vmx.mk
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(GUEST_CFLAGS) -c $< -o $@

define VMX_GUEST_template
$(VMX_GUESTS)/$(1).elf: $$(patsubst tests/vmx/guests/%.c,$(VMX_GUESTS)/obj/%.o,$$(wildcard tests/vmx/guests/$(1)/*.c)) \
		$(GUEST_LIB_OBJS) $(GUEST_SRC)/lib/guest.ld
	@echo "  LD      $$@"
	@$(LD) $(GUEST_LDFLAGS) -o $$@ $$(filter %.o,$$^)
endef
$(foreach g,$(VMX_GUEST_NAMES),$(eval $(call VMX_GUEST_template,$(g))))
ALL_TARGETS += $(VMX_GUEST_ELFS)

# Their packages (mk/packages.mk), under build/vmx/packages/: staged before
# build/packages/, so the quick ticker shadows the build's.
VMX_PKG_NAMES := ticker patchwatch $(VMX_GUEST_NAMES)
$(foreach g,$(VMX_PKG_NAMES),$(eval $(call pkg_rule,$(g),$(VMX_OUT),$(VMX_GUESTS)/$(g).elf,\
	--image $(VMX_GUESTS)/$(g).elf --memory 4M --cpus 1)))
VMX_PKG_STAMPS := $(VMX_PKG_NAMES:%=$(VMX_OUT)/packages/%.stamp)

# Packages come from build/vmx/packages/ when built there (the quick
# ticker, the VMX attacks), else from build/packages/.
$(VMX_TEST)/%/.stamp: tests/vmx/configs/%.dts $(VMM) $(GUEST_ELFS) $(VMX_GUESTS)/ticker.elf \
		$(VMX_GUEST_ELFS) $(ROLES_DTSI) $(PLATFORM_SIG_DEPS) $(PKG_STAMPS) $(VMX_PKG_STAMPS) $(PKG_STAGE)
	@echo "  STAGE   $(@D)"
	@rm -rf $(@D)
	@mkdir -p $(@D)/vigil
	@cp $(VMM) $(@D)/vigil/vmm.elf
	@$(VIGILCTL) config build $< -o $(@D)/vigil/system.dtb -i $(GEN_DIR) >/dev/null
	@$(PKG_STAGE) $(@D)/vigil/system.dtb $(@D)/vigil $(VMX_OUT) $(B)
	@for f in vmm.elf system.dtb; do \
		$(VIGILCTL) sign $(PLATFORM_SIGN_KEYS:%=--key %) $(@D)/vigil/$$f \
			-o $(@D)/vigil/$$f.sig >/dev/null || exit 1; done
	@touch $@

$(VMX_TEST)/%.iso: $(VMX_TEST)/%/.stamp $(MB2_ELF) $(VMX_MKISO)
	@echo "  ISO     $@"
	@$(VMX_MKISO) --mb2 $(MB2_ELF) --vigil $(VMX_TEST)/$*/vigil --out $@

# The guests boot with one byte of vmm.elf, or of system.dtb, flipped after signing.
$(VMX_TEST)/guests-tampered-vmm.iso: $(VMX_TEST)/guests/.stamp $(MB2_ELF) $(VMX_MKISO)
	@echo "  ISO     $@ (vmm.elf tampered)"
	@$(VMX_MKISO) --mb2 $(MB2_ELF) --vigil $(VMX_TEST)/guests/vigil --tamper vmm.elf --out $@

$(VMX_TEST)/guests-tampered-dtb.iso: $(VMX_TEST)/guests/.stamp $(MB2_ELF) $(VMX_MKISO)
	@echo "  ISO     $@ (system.dtb tampered)"
	@$(VMX_MKISO) --mb2 $(MB2_ELF) --vigil $(VMX_TEST)/guests/vigil --tamper system.dtb --out $@

# ... or with a file the stub needs left out of the ISO.
$(VMX_TEST)/guests-no-vmm-sig.iso: REMOVE := vmm.elf.sig
$(VMX_TEST)/guests-no-dtb-sig.iso: REMOVE := system.dtb.sig
$(VMX_TEST)/guests-no-image.iso: REMOVE := packages/npt-probe/npt-probe.elf
$(VMX_TEST)/guests-no-vmm-sig.iso $(VMX_TEST)/guests-no-dtb-sig.iso $(VMX_TEST)/guests-no-image.iso: \
		$(VMX_TEST)/guests/.stamp $(MB2_ELF) $(VMX_MKISO)
	@echo "  ISO     $@ (no $(REMOVE))"
	@$(VMX_MKISO) --mb2 $(MB2_ELF) --vigil $(VMX_TEST)/guests/vigil --remove $(REMOVE) --out $@

.PHONY: test-vmx vmx-test-build
# The channel and self-check tests on VMX (tests/vmx/run.py runs them) make
# their ISOs at test time from the ESP's files, the entry and these guests.
vmx-test-build: $(VMX_TEST_ISOS) $(VMX_CONFIGS:%=$(VMX_TEST)/%/.stamp) $(TEST_ESP)/.stamp $(VIGILCTL) \
	$(MB2_ELF) $(VMX_PKG_STAMPS)

test-vmx: vmx-test-build ## run the Intel VMX tests under Bochs (one emulator at a time)
	@python3 tests/vmx/run.py
