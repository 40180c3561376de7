# Guest packages (docs/formats.md, "Guest packages"): every test guest and
# the Linux guest as a package signed by $(PUBLISHER_SIGN_KEYS) (the
# development publisher key unless given, docs/keys.md), under
# $(PKG_OUT)/<name>/, which configs name as package = "packages/<name>".
#
# $(call pkg_rule,NAME,OUT,FILES,ARGS): $(OUT)/packages/NAME/ built from
# FILES (its prerequisites) with `vigilctl package build ARGS`, version 1,
# security version 1, then signed. Built aside and swapped in whole; the
# stamp lives beside the directory so that nothing but the package is in it.

PKG_OUT := $(B)/packages
PUBLISHER_SIGN_KEYS ?= $(KEYS_DIR)/publisher.key
PKG_STAGE := tools/stage-guests.sh

define pkg_rule
$(2)/packages/$(1).stamp: $(3) $(PUBLISHER_SIGN_KEYS) mk/packages.mk | $(VIGILCTL)
	@echo "  PKG     $(2)/packages/$(1)"
	@rm -rf $(2)/packages/$(1).new
	@mkdir -p $(2)/packages
	@$(VIGILCTL) package build --name $(1) --version 1 --security-version 1 $(4) \
		-o $(2)/packages/$(1).new >/dev/null
	@$(VIGILCTL) package sign $(PUBLISHER_SIGN_KEYS:%=--key %) $(2)/packages/$(1).new >/dev/null
	@rm -rf $(2)/packages/$(1)
	@mv $(2)/packages/$(1).new $(2)/packages/$(1)
	@touch $$@
endef

# Test guests: 4 MiB and one vCPU unless PKG_ARGS_<name> says otherwise.
PKG_ARGS_smp-basic := --cpus 2
PKG_ARGS_attack-smp-decode := --cpus 2
PKG_ARGS_attack-smp-storm := --cpus 2
PKG_ARGS_attack-smp-triple := --cpus 2
pkg_guest_args = --image $(GUEST_OUT)/$(1).elf --memory 4M $(or $(PKG_ARGS_$(1)),--cpus 1)
$(foreach g,$(GUEST_NAMES),$(eval $(call pkg_rule,$(g),$(B),$(GUEST_OUT)/$(g).elf,$(call pkg_guest_args,$(g)))))
PKG_STAMPS := $(GUEST_NAMES:%=$(PKG_OUT)/%.stamp)

# Variants of test guests some configs need.
$(eval $(call pkg_rule,console-echo-input,$(B),$(GUEST_OUT)/console-echo.elf,\
	--image $(GUEST_OUT)/console-echo.elf --memory 4M --cpus 1 --console-input))
$(eval $(call pkg_rule,bench-smp,$(B),$(GUEST_OUT)/bench.elf,\
	--image $(GUEST_OUT)/bench.elf --memory 4M --cpus 2 --cmdline ipi))
$(eval $(call pkg_rule,start-info,$(B),$(GUEST_OUT)/attack-start-info.elf $(GUEST_OUT)/hello.elf \
	$(LINUX_GUEST_DIR)/acpi-1cpu.bin,--image $(GUEST_OUT)/attack-start-info.elf --initrd $(GUEST_OUT)/hello.elf \
	--acpi $(LINUX_GUEST_DIR)/acpi-1cpu.bin --memory 4M --cpus 1 \
	--cmdline "attack-start-info: a command line the VMM must keep"))
PKG_STAMPS += $(PKG_OUT)/console-echo-input.stamp $(PKG_OUT)/bench-smp.stamp $(PKG_OUT)/start-info.stamp

# The Linux guest (docs/linux-guest.md): two vCPUs, 256 MiB, the console's
# input; linux-lab the same in 128 MiB (the Bochs tier's).
PKG_LINUX_FILES := $(LINUX_GUEST_DIR)/vmlinux $(LINUX_GUEST_DIR)/initrd.cpio.gz $(LINUX_GUEST_DIR)/acpi-2cpu.bin
PKG_LINUX_ARGS := --image $(LINUX_GUEST_DIR)/vmlinux --initrd $(LINUX_GUEST_DIR)/initrd.cpio.gz \
	--acpi $(LINUX_GUEST_DIR)/acpi-2cpu.bin --cmdline "$(LINUX_CMDLINE) tsc=reliable" --cpus 2 --console-input
$(eval $(call pkg_rule,linux,$(B),$(PKG_LINUX_FILES),$(PKG_LINUX_ARGS) --memory 256M))
$(eval $(call pkg_rule,linux-lab,$(B),$(PKG_LINUX_FILES),$(PKG_LINUX_ARGS) --memory 128M))
PKG_LINUX_STAMPS := $(PKG_OUT)/linux.stamp $(PKG_OUT)/linux-lab.stamp
# linux-pci: the same kernel for a guest with assigned PCI functions (the
# IOMMU tier's NVMe guest): PCI through configuration mechanism 1 and bus 0
# scanned without ACPI (docs/linux-guest.md, "Assigned PCI devices").
PKG_LINUX_PCI_ARGS := --image $(LINUX_GUEST_DIR)/vmlinux --initrd $(LINUX_GUEST_DIR)/initrd.cpio.gz \
	--acpi $(LINUX_GUEST_DIR)/acpi-2cpu.bin --cmdline "$(LINUX_CMDLINE) tsc=reliable pci=conf1,lastbus=1" \
	--cpus 2 --console-input --memory 128M
$(eval $(call pkg_rule,linux-pci,$(B),$(PKG_LINUX_FILES),$(PKG_LINUX_PCI_ARGS)))

.PHONY: packages
packages: $(PKG_STAMPS) ## build the test guests' packages (build/packages/), signed by the publisher key

ALL_TARGETS += $(PKG_STAMPS)
