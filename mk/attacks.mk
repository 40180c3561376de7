# The attack tier (`make test-attacks`): attack guests (tests/guests/attack-*)
# run beside two victim guests under the real VMM; docs/attacks.md lists
# the attacks, their defences and how each test decides.
#
# Each tests/attacks/<boot>.dts is one boot: its ESP is built under
# $(ATTACK_OUT)/<boot>/ from the same stub, VMM and guest images as
# build/esp, with that config signed by the development platform key.
# tests/attacks/run.py boots them one at a time and checks every attack.
# ATTACK_BOOTS="boot-1 boot-flood" runs a subset.

ATTACK_SRC := tests/attacks
ATTACK_OUT := $(B)/test/attacks
ATTACK_ALL_BOOTS := $(sort $(basename $(notdir $(wildcard $(ATTACK_SRC)/*.dts))))
ATTACK_BOOTS ?= $(ATTACK_ALL_BOOTS)
ATTACK_ESPS := $(ATTACK_ALL_BOOTS:%=$(ATTACK_OUT)/%/.stamp)

# The same files as build/esp, with the boot's own config. The guests
# directory holds exactly the images the config names.
$(ATTACK_OUT)/%/.stamp: $(ATTACK_SRC)/%.dts $(ATTACK_SRC)/victims.dtsi $(STUB_EFI) $(VMM) \
		$(GUEST_ELFS) $(ROLES_DTSI) $(PLATFORM_SIG_DEPS)
	@echo "  ESP     $(@D)"
	@rm -rf $(@D)
	@mkdir -p $(@D)/EFI/BOOT $(@D)/vigil/guests
	@cp $(STUB_EFI) $(@D)/EFI/BOOT/BOOTX64.EFI
	@cp $(VMM) $(@D)/vigil/vmm.elf
	@$(VIGILCTL) config build $< -o $(@D)/vigil/system.dtb -i $(GEN_DIR) >/dev/null
	@for g in $$(fdtget -l $(@D)/vigil/system.dtb /guests); do \
		p=$$(fdtget -ts $(@D)/vigil/system.dtb /guests/$$g image) || exit 1; \
		cp "$(B)/$$p" "$(@D)/vigil/$$p" || exit 1; \
	done
	@for f in vmm.elf system.dtb; do \
		$(VIGILCTL) sign $(PLATFORM_SIGN_KEYS:%=--key %) $(@D)/vigil/$$f \
			-o $(@D)/vigil/$$f.sig >/dev/null || exit 1; done
	@touch $@

.PHONY: test-attacks attack-esps
attack-esps: $(ATTACK_ESPS)

test-attacks: $(ATTACK_ESPS) ## run the attack suite (QEMU + OVMF; one emulator at a time)
	@python3 $(ATTACK_SRC)/run.py $(ATTACK_BOOTS)
