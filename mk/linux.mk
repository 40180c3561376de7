# The Linux guest (docs/linux-guest.md): Debian's cloud kernel as a PVH
# vmlinux, a busybox initramfs and the guest's ACPI tables, all made on the
# host. tools/deps.sh fetches and unpacks the kernel package (never
# installed, version not pinned) into $(B)/deps/linux.
#
#   $(LINUX_VMLINUX)   the uncompressed kernel with its PVH entry note
#   $(LINUX_INITRD)    busybox + tools/linux/init, a gzip'd newc cpio
#   $(LINUX_ACPI_1)    ACPI tables for one vCPU, for guest-physical GP_ACPI_GPA
#                      ($(B)/linux/acpi-<N>cpu.bin for N vCPUs)
#   $(LINUX_CMDLINE)   the kernel command line the Vigil guest uses

LINUX_OUT := $(B)/linux
LINUX_VMLINUX := $(LINUX_OUT)/vmlinux
LINUX_INITRD := $(LINUX_OUT)/initrd.cpio.gz
LINUX_ACPI_1 := $(LINUX_OUT)/acpi-1cpu.bin
# Each parameter's reason is in docs/linux-guest.md.
LINUX_CMDLINE := console=ttyS0 panic=-1 reboot=acpi
export LINUX_VMLINUX LINUX_INITRD LINUX_ACPI_1 LINUX_CMDLINE

# Found when used, never named: whichever image the package unpacked.
LINUX_BZIMAGE = $(firstword $(wildcard $(B)/deps/linux/boot/vmlinuz-*))
LINUX_BUSYBOX = $(shell dpkg -L busybox-static 2>/dev/null | grep -m1 '/bin/busybox$$')
# Extra options for `make linux-qemu` (e.g. --icount, --smp 2 with --acpi ...).
LINUX_QEMU_ARGS ?=

$(LINUX_VMLINUX): tools/linux/extract-vmlinux.sh $(LINUX_BZIMAGE)
	$(if $(LINUX_BZIMAGE),,$(error no $(B)/deps/linux/boot/vmlinuz-*: run tools/deps.sh))
	@mkdir -p $(@D)
	@echo "  VMLINUX $@"
	@tools/linux/extract-vmlinux.sh $(LINUX_BZIMAGE) $@

$(LINUX_INITRD): tools/linux/mkinitramfs.sh tools/linux/cpio-newc.py tools/linux/init $(LINUX_BUSYBOX)
	@mkdir -p $(@D)
	@echo "  CPIO    $@"
	@tools/linux/mkinitramfs.sh $@

# Every blob is checked as it is made; one that fails is not kept.
$(LINUX_OUT)/acpi-%cpu.bin: tools/linux/mkacpi.sh tools/linux/check-acpi.py include/vigil/guest_platform.h
	@mkdir -p $(@D)
	@echo "  ACPI    $@"
	@tools/linux/mkacpi.sh --cpus $* --out $@
	@tools/linux/check-acpi.py --cpus $* $@ >/dev/null

# As guest files: a config names them guests/linux/<file>, found under
# $(B)/guests/ like every test guest's image (mk/esp.mk, mk/attacks.mk).
LINUX_GUEST_DIR := $(GUEST_OUT)/linux
GUEST_FILES += $(LINUX_GUEST_DIR)/vmlinux $(LINUX_GUEST_DIR)/initrd.cpio.gz $(LINUX_GUEST_DIR)/acpi-1cpu.bin \
	$(LINUX_GUEST_DIR)/acpi-2cpu.bin

$(LINUX_GUEST_DIR)/%: $(LINUX_OUT)/%
	@mkdir -p $(@D)
	@cp $< $@

.PHONY: linux-guest linux-qemu
linux-guest: $(LINUX_VMLINUX) $(LINUX_INITRD) $(LINUX_ACPI_1) ## the Linux guest's kernel, initramfs and ACPI tables

linux-qemu: linux-guest ## boot the Linux guest's files directly under QEMU (microvm, TCG) and check its shell
	@tools/linux/qemu-direct.sh --acpi $(LINUX_ACPI_1) --cmdline "$(LINUX_CMDLINE)" \
		$(LINUX_QEMU_ARGS) $(LINUX_VMLINUX) $(LINUX_INITRD)
