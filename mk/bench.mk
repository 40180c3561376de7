# `make bench`: exit cost, boot cost, crypto cost and footprint, measured
# repeatably (docs/benchmarks.md). Everything lands under build/bench/;
# bench/run.py boots the ESPs below and prints the table.
#
#   build/bench/vmm-bench.elf     the VMM with the bench-only exit path
#                                 (VIGIL_BENCH_FASTPATH): never on the real ESP
#   build/bench/esp-vigil/        the real VMM, bench/bench.dts (bench guest on cpu 1)
#   build/bench/esp-fast/         vmm-bench.elf, the same config
#   build/bench/esp-mem/          the real VMM, bench/bench-mem.dts (a second guest)
#   build/bench/esp-linux/        the real VMM, bench/bench-linux.dts (Linux on cpu 1)
#   build/bench/esp-smp/          the real VMM, bench/bench-smp.dts (the IPI case)
#   build/bench/linux/            vigil-tsc and the bench initramfs (busybox + it)
#   build/bench/crypto-host       one P-384 verification and SHA-256 on the host
#   build/bench/results.json      what the last `make bench` measured
#
# The bench ESPs are signed like the real one, with $(PLATFORM_SIGN_KEYS).

BENCH_OUT := $(B)/bench
BENCH_GEN := $(BENCH_OUT)/gen
BENCH_VMM := $(BENCH_OUT)/vmm-bench.elf
BENCH_OFFSETS := $(BENCH_GEN)/bench-offsets.h
BENCH_ENTRY_OBJ := $(BENCH_OUT)/obj/svm_entry.S.o
BENCH_VMM_OBJS := $(subst $(B)/vmm/arch/x86/svm/svm_entry.S.o,$(BENCH_ENTRY_OBJ),$(VMM_OBJS))
# What mk/vmm.mk links after the objects; an archive nothing references
# adds nothing, so listing mbedtls here is harmless either way.
BENCH_VMM_LIBS := $(MBEDTLS_VMM_LIB) $(LIBFDT_A) $(LIBGCC)
BENCH_RUN_ARGS ?=
# The guests the bench configs name.
BENCH_GUESTS := $(PKG_OUT)/bench.stamp $(PKG_OUT)/bench-smp.stamp $(PKG_OUT)/hello.stamp

$(BENCH_OFFSETS): bench/offsets.c
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	@$(CC) $(VMM_CFLAGS) -MMD -MP -MF $(BENCH_GEN)/bench-offsets.d -MT $@ -S $< -o $(BENCH_GEN)/bench-offsets.s
	@{ echo "/* generated from bench/offsets.c: do not edit */"; \
	   sed -n 's/^[[:space:]]*->\([A-Z0-9_]*\) \$$\{0,1\}\([0-9-]*\).*/#define \1 \2/p' \
		$(BENCH_GEN)/bench-offsets.s; } > $@

$(BENCH_ENTRY_OBJ): arch/x86/svm/svm_entry.S $(ASM_OFFSETS) $(BENCH_OFFSETS)
	@mkdir -p $(@D)
	@echo "  AS      $@ (bench fast path)"
	@$(CC) $(VMM_ASFLAGS) -DVIGIL_BENCH_FASTPATH -I$(B) -I$(BENCH_GEN) -c $< -o $@

$(BENCH_VMM): $(BENCH_VMM_OBJS) linker.ld $(MBEDTLS_VMM_LIB)
	@echo "  LD      $@"
	@$(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack --build-id=sha1 \
		-T linker.ld -o $@ $(BENCH_VMM_OBJS) $(BENCH_VMM_LIBS)
	@python3 tools/text-digest.py $@ || { rm -f $@; exit 1; }

# $(call bench_esp,NAME,VMM ELF,CONFIG): build/bench/esp-NAME/, signed.
define bench_esp
$(BENCH_OUT)/esp-$(1)/vigil/vmm.elf: $(2)
	@mkdir -p $$(@D)
	@cp $$< $$@
$(BENCH_OUT)/esp-$(1)/vigil/system.dtb: $(3) $(ROLES_DTSI) | $(VIGILCTL)
	@mkdir -p $$(@D)
	@echo "  CONFIG  $$@ ($(3))"
	@$(VIGILCTL) config build $(3) -o $$@ -i $(GEN_DIR)
$(BENCH_OUT)/esp-$(1)/vigil/%.sig: $(BENCH_OUT)/esp-$(1)/vigil/% $(PLATFORM_SIG_DEPS)
	$$(call platform_sig,$$<,)
$(BENCH_OUT)/esp-$(1)/.stamp: $(STUB_EFI) $(BENCH_GUESTS) $(PKG_STAGE) \
		$(addprefix $(BENCH_OUT)/esp-$(1)/vigil/,vmm.elf vmm.elf.sig system.dtb system.dtb.sig)
	@mkdir -p $(BENCH_OUT)/esp-$(1)/EFI/BOOT
	@cp $(STUB_EFI) $(BENCH_OUT)/esp-$(1)/EFI/BOOT/BOOTX64.EFI
	@rm -rf $(BENCH_OUT)/esp-$(1)/vigil/guests $(BENCH_OUT)/esp-$(1)/vigil/packages
	@$(PKG_STAGE) $(BENCH_OUT)/esp-$(1)/vigil/system.dtb $(BENCH_OUT)/esp-$(1)/vigil $(B)
	@touch $$@
BENCH_ESPS += $(BENCH_OUT)/esp-$(1)/.stamp
endef

$(eval $(call bench_esp,vigil,$(VMM),bench/bench.dts))
$(eval $(call bench_esp,fast,$(BENCH_VMM),bench/bench.dts))
$(eval $(call bench_esp,mem,$(VMM),bench/bench-mem.dts))
$(eval $(call bench_esp,linux,$(VMM),bench/bench-linux.dts))
$(eval $(call bench_esp,smp,$(VMM),bench/bench-smp.dts))

# The Linux bench: the guest's own kernel and ACPI tables, and an initramfs
# that is the tested one plus vigil-tsc (tools/linux/vigil-tsc.c), a static
# program without a C library that /init runs first. It is linked at 1 TiB,
# where nothing else ever runs, so that a gdb-stub breakpoint on its entry
# stops at the start of userspace alone (by hand: a stop moves QEMU's
# clock, so make bench does not, docs/benchmarks.md).
BENCH_LINUX_TSC := $(BENCH_OUT)/linux/vigil-tsc
BENCH_LINUX_INITRD := $(LINUX_GUEST_DIR)/initrd-bench.cpio.gz
$(BENCH_LINUX_TSC): tools/linux/vigil-tsc.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOSTCC) -std=gnu11 -O2 $(WARN) -nostdlib -static -fno-stack-protector -fno-pie -no-pie \
		-mgeneral-regs-only -Wl,-Ttext-segment=0x10000000000 -o $@ $<
$(BENCH_LINUX_INITRD): $(BENCH_LINUX_TSC) tools/linux/mkinitramfs.sh tools/linux/cpio-newc.py \
		tools/linux/init $(LINUX_BUSYBOX)
	@mkdir -p $(@D)
	@echo "  CPIO    $@"
	@tools/linux/mkinitramfs.sh --tsc $(BENCH_LINUX_TSC) $@
# As a package: one vCPU, 256 MiB, no tsc=reliable (docs/benchmarks.md).
$(eval $(call pkg_rule,linux-bench,$(B),$(BENCH_LINUX_INITRD) $(LINUX_GUEST_DIR)/vmlinux \
	$(LINUX_GUEST_DIR)/acpi-1cpu.bin,--image $(LINUX_GUEST_DIR)/vmlinux --initrd $(BENCH_LINUX_INITRD) \
	--acpi $(LINUX_GUEST_DIR)/acpi-1cpu.bin --cmdline "$(LINUX_CMDLINE)" --cpus 1 --memory 256M --console-input))
$(BENCH_OUT)/esp-linux/.stamp: $(PKG_OUT)/linux-bench.stamp

# The stub's entry time: a stand-in boot application on an ESP that is the
# bench ESP but for it (bench/tsc_app.c), padded to the stub's size so that
# the firmware reads as many bytes before starting it.
BENCH_TSC_SO := $(BENCH_OUT)/obj/tsc_app.so
BENCH_TSC_ESP := $(BENCH_OUT)/esp-tsc
$(BENCH_OUT)/obj/tsc_app.o: bench/tsc_app.c
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(EFI_CFLAGS_BASE) $(WARN) -c $< -o $@
$(BENCH_TSC_SO): $(BENCH_OUT)/obj/tsc_app.o $(EFI_LDS) $(EFI_CRT0)
	@echo "  LD      $@"
	@$(LD) -nostdlib -shared -Bsymbolic -znocombreloc --no-undefined -T $(EFI_LDS) \
		$(EFI_CRT0) $< -L$(EFI_LIBDIR) -lgnuefi -o $@
$(BENCH_TSC_ESP)/.stamp: $(BENCH_TSC_SO) $(STUB_EFI) $(BENCH_OUT)/esp-vigil/.stamp
	@rm -rf $(BENCH_TSC_ESP)
	@mkdir -p $(BENCH_TSC_ESP)/EFI/BOOT
	@cp -r $(BENCH_OUT)/esp-vigil/vigil $(BENCH_TSC_ESP)/vigil
	@$(OBJCOPY) -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel \
		-j .rela -j .rel.* -j .rela.* -j .reloc --target efi-app-x86_64 \
		--subsystem=10 --strip-all $(BENCH_TSC_SO) $(BENCH_TSC_ESP)/EFI/BOOT/BOOTX64.EFI
	@truncate -s $$(stat -c %s $(STUB_EFI)) $(BENCH_TSC_ESP)/EFI/BOOT/BOOTX64.EFI
	@touch $@
BENCH_ESPS += $(BENCH_TSC_ESP)/.stamp

# The host reference for crypto cost: the project's own sig.c/hash.c over
# mbedtls built with the same configuration, -O2, no sanitizers, so that
# callgrind counts what the VMM's code would execute.
BENCH_HOST_CFLAGS := -std=gnu11 -O2 -g $(WARN) -Iinclude -I.
$(eval $(call mbedtls_lib,bench,$(BENCH_HOST_CFLAGS)))
BENCH_CRYPTO := $(BENCH_OUT)/crypto-host
BENCH_CRYPTO_SRCS := bench/crypto_host.c $(CRYPTO_SRCS) $(PLATFORM_KEYS_C)

$(BENCH_CRYPTO): $(BENCH_CRYPTO_SRCS) $(B)/mbedtls-bench/libmbedcrypto.a
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(HOSTCC) $(BENCH_HOST_CFLAGS) $(CRYPTO_INC) -o $@ $(BENCH_CRYPTO_SRCS) \
		$(B)/mbedtls-bench/libmbedcrypto.a

.PHONY: bench bench-build
bench-build: $(BENCH_ESPS) $(BENCH_CRYPTO)

bench: bench-build ## measure exit, boot and crypto cost and footprint (QEMU -icount, Xen reference)
	@python3 -B bench/run.py $(BENCH_RUN_ARGS)

-include $(BENCH_GEN)/bench-offsets.d
