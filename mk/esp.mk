# The EFI system partition (build/esp/) and a bootable disk image of it
# (build/vigil.img), from $(CONFIG) (default configs/default.dts).
#
#   build/esp/EFI/BOOT/BOOTX64.EFI      the stub
#   build/esp/vigil/vmm.elf[.sig]       the VMM and its platform signature
#   build/esp/vigil/system.dtb[.sig]    $(CONFIG), compiled and checked
#   build/esp/vigil/packages/<name>/    every guest package the config names
#
# A config's `package = "packages/x"` is taken from build/packages/x/
# (mk/packages.mk): every guest is a package.
# Signatures: made with $(PLATFORM_SIGN_KEYS), or copied from VMM_SIG= and
# CONFIG_SIG= (tools/tools.mk, docs/keys.md); either way they are checked
# against the platform key set before they land on the ESP.
#
# `make run` boots the ESP with tools/qemu-run.sh; RUN_ARGS adds options
# (e.g. RUN_ARGS="--smp 2 --no-tpm").

ESP := $(B)/esp
# The boot and channel tiers' ESP: the test guests alone (tests/integration/).
TEST_ESP := $(B)/test/esp
ESP_VIGIL := $(ESP)/vigil
ESP_FILES := $(ESP)/EFI/BOOT/BOOTX64.EFI $(ESP_VIGIL)/vmm.elf $(ESP_VIGIL)/vmm.elf.sig \
	$(ESP_VIGIL)/system.dtb $(ESP_VIGIL)/system.dtb.sig $(ESP)/.guests
VIGIL_IMG := $(B)/vigil.img
IMG_MKDISK := tools/mkdisk.py
RUN_ARGS ?=

# Rebuild the config when CONFIG names another file, not only on edits.
$(B)/gen/esp.vars: vigil-esp-vars-check
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(CONFIG)" ] || echo "$(CONFIG)" > $@
.PHONY: vigil-esp-vars-check
vigil-esp-vars-check:

$(ESP)/EFI/BOOT/BOOTX64.EFI: $(STUB_EFI)
	@mkdir -p $(@D)
	@cp $< $@

$(ESP_VIGIL)/vmm.elf: $(VMM)
	@mkdir -p $(@D)
	@cp $< $@

$(ESP_VIGIL)/system.dtb: $(CONFIG) $(B)/gen/esp.vars $(ROLES_DTSI) $(wildcard configs/*.dtsi) | $(VIGILCTL)
	@mkdir -p $(@D)
	@echo "  CONFIG  $@ ($(CONFIG))"
	@$(VIGILCTL) config build $(CONFIG) -o $@ -i $(GEN_DIR)

$(ESP_VIGIL)/vmm.elf.sig: $(ESP_VIGIL)/vmm.elf $(PLATFORM_SIG_DEPS)
	$(call platform_sig,$<,$(VMM_SIG))

$(ESP_VIGIL)/system.dtb.sig: $(ESP_VIGIL)/system.dtb $(PLATFORM_SIG_DEPS)
	$(call platform_sig,$<,$(CONFIG_SIG))

# Exactly what the config names (each guest's package: tools/stage-guests.sh):
# the packages directory is rebuilt from scratch so a guest dropped from the
# config leaves nothing behind (and guests/, where guests that named their
# files once lay, is cleared). GUEST_FILES lists the non-ELF files the
# build makes (mk/linux.mk), PKG_STAMPS the packages (mk/packages.mk).
$(ESP)/.guests: $(ESP_VIGIL)/system.dtb $(GUEST_ELFS) $(GUEST_FILES) $(PKG_STAMPS) $(PKG_LINUX_STAMPS) $(PKG_STAGE)
	@rm -rf $(ESP_VIGIL)/guests $(ESP_VIGIL)/packages $@
	@$(PKG_STAGE) $< $(ESP_VIGIL) $(B)
	@tools/linux/check-guest-acpi.sh $(ESP_VIGIL)
	@touch $@

# A GPT disk with one FAT32 EFI system partition holding the ESP.
$(VIGIL_IMG): $(ESP_FILES) $(IMG_MKDISK)
	@echo "  IMG     $@"
	@python3 $(IMG_MKDISK) $(ESP) $@

.PHONY: esp image run
esp: $(ESP_FILES) ## build the EFI system partition, build/esp/
image: $(VIGIL_IMG) ## build build/vigil.img (GPT + FAT32 ESP, for a USB disk)
CHANNEL_SOCK := $(B)/channel.sock

run: $(ESP_FILES) $(VIGILCTL) ## boot build/esp in QEMU (q35, OVMF, swtpm, channel on build/channel.sock); quit with Ctrl-A X
	@tools/qemu-run.sh --channel $(CHANNEL_SOCK) $(RUN_ARGS) $(ESP)

ALL_TARGETS += $(ESP_FILES) $(VIGIL_IMG)
