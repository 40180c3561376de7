# The Linux tier (`make test-linux`): Debian's cloud kernel under Vigil,
# booted once per backend with every check in that boot
# (tests/linux/t_linux.py): SVM under QEMU from an ESP staged like the
# attack tier's, VMX under Bochs from a GRUB ISO.

LINUX_TEST_OUT := $(B)/test/linux
LINUX_TEST_DEPS := $(ATTACK_STAGE_DEPS) $(GUEST_FILES) $(PKG_LINUX_STAMPS)

$(LINUX_TEST_OUT)/svm/.stamp: tests/linux/svm.dts $(LINUX_TEST_DEPS) $(STUB_EFI)
	@echo "  ESP     $(@D)"
	$(call attack_stage,$<,$(@D),)
	@mkdir -p $(@D)/EFI/BOOT
	@cp $(STUB_EFI) $(@D)/EFI/BOOT/BOOTX64.EFI
	@touch $@

$(LINUX_TEST_OUT)/vmx/.stamp: tests/linux/vmx.dts $(LINUX_TEST_DEPS) $(VMX_PKG_STAMPS)
	@echo "  STAGE   $(@D)"
	$(call attack_stage,$<,$(@D),$(VMX_OUT))
	@touch $@

$(LINUX_TEST_OUT)/vmx.iso: $(LINUX_TEST_OUT)/vmx/.stamp $(MB2_ELF) $(VMX_MKISO)
	@echo "  ISO     $@"
	@$(VMX_MKISO) --mb2 $(MB2_ELF) --vigil $(LINUX_TEST_OUT)/vmx/vigil --out $@

.PHONY: test-linux linux-test-build
linux-test-build: $(LINUX_TEST_OUT)/svm/.stamp $(LINUX_TEST_OUT)/vmx.iso $(VIGILCTL)

test-linux: linux-test-build ## boot Debian's Linux under Vigil on SVM (QEMU) and VMX (Bochs) and check it
	@python3 tests/integration/vigiltest.py run tests/linux/t_linux.py
