# The attack tier (`make test-attacks`): attack guests (tests/guests/attack-*)
# run beside two victim guests under the real VMM, on every vendor backend;
# docs/attacks.md lists the attacks, their defences and how each test
# decides.
#
# Each tests/attacks/<boot>.dts is one boot. For AMD SVM (QEMU + OVMF) its
# ESP is built under $(ATTACK_OUT)/svm/<boot>/; for Intel VMX (Bochs, the
# multiboot2 lab entry, docs/vmx.md) a GRUB ISO $(ATTACK_OUT)/vmx/<boot>.iso.
# Both carry the same VMM and attack guests as build/esp, with that config
# signed by the development platform key; on Bochs the victims and the exit
# flood are built with shorter loops (Bochs runs about 100 MIPS), and the
# VMM's ELF goes without its debug sections (ATTACK_VMX_VMM).
# tests/attacks/run.py boots them one at a time and checks every attack.
# ATTACK_BOOTS="boot-01 boot-flood" runs a subset, ATTACK_VENDORS="svm"
# one backend.
#
# Included after mk/vmx.mk: the VMX rules use its MB2_ELF, VMX_MKISO and
# quick ticker.

ATTACK_SRC := tests/attacks
ATTACK_OUT := $(B)/test/attacks
ATTACK_ALL_BOOTS := $(sort $(basename $(notdir $(wildcard $(ATTACK_SRC)/*.dts))))
ATTACK_BOOTS ?= $(ATTACK_ALL_BOOTS)
ATTACK_VENDORS ?= svm vmx
ATTACK_SVM_ESPS := $(ATTACK_ALL_BOOTS:%=$(ATTACK_OUT)/svm/%/.stamp)
ATTACK_VMX_ISOS := $(ATTACK_ALL_BOOTS:%=$(ATTACK_OUT)/vmx/%.iso)
ATTACK_VMX_GUESTS := $(ATTACK_OUT)/vmx-guests
# The flood on Bochs: a spin phase and a flood phase of about ten seconds
# each on its 8 CPUs, as under QEMU (docs/attacks.md, "The exit flood").
ATTACK_VMX_FLOOD := -DFLOOD_SPIN_LOOPS=35000000ull -DFLOOD_EXITS=75000ull

$(ATTACK_VMX_GUESTS)/attack-exit-flood.o: $(GUEST_SRC)/attack-exit-flood/main.c mk/attacks.mk
	@mkdir -p $(@D)
	@echo "  CC      $@"
	@$(CC) $(GUEST_CFLAGS) $(ATTACK_VMX_FLOOD) -c $< -o $@

$(ATTACK_VMX_GUESTS)/guests/attack-exit-flood.elf: $(ATTACK_VMX_GUESTS)/attack-exit-flood.o \
		$(GUEST_LIB_OBJS) $(GUEST_SRC)/lib/guest.ld
	@mkdir -p $(@D)
	@echo "  LD      $@"
	@$(LD) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_LIB_OBJS)

$(ATTACK_VMX_GUESTS)/guests/ticker.elf: $(VMX_GUESTS)/ticker.elf
	@mkdir -p $(@D)
	@cp $< $@

# $(call attack_stage,DTS,DIR,IMAGES[,VMM]): DIR/vigil/ as on an ESP: the
# VMM (the build's, or the ELF given), the config DTS compiled and checked,
# what it names (each guest's package: from IMAGES, else from build/; its
# ACPI tables checked against the guest's vCPUs), both platform signatures.
# The Linux tier (tests/linux/linux.mk) stages alike.
define attack_stage
	@rm -rf $(2)
	@mkdir -p $(2)/vigil
	@cp $(or $(4),$(VMM)) $(2)/vigil/vmm.elf
	@$(VIGILCTL) config build $(1) -o $(2)/vigil/system.dtb -i $(GEN_DIR) >/dev/null
	@$(PKG_STAGE) $(2)/vigil/system.dtb $(2)/vigil $(3) $(B)
	@tools/linux/check-guest-acpi.sh $(2)/vigil
	@for f in vmm.elf system.dtb; do \
		$(VIGILCTL) sign $(PLATFORM_SIGN_KEYS:%=--key %) $(2)/vigil/$$f \
			-o $(2)/vigil/$$f.sig >/dev/null || exit 1; done
endef

# attack-start-info boots with the Linux guest's ACPI tables for one vCPU.
ATTACK_STAGE_DEPS = $(ATTACK_SRC)/victims.dtsi $(VMM) $(GUEST_ELFS) $(ROLES_DTSI) $(PLATFORM_SIG_DEPS) \
	$(LINUX_GUEST_DIR)/acpi-1cpu.bin $(PKG_STAMPS) $(PKG_STAGE)

$(ATTACK_OUT)/svm/%/.stamp: $(ATTACK_SRC)/%.dts $(ATTACK_STAGE_DEPS) $(STUB_EFI)
	@echo "  ESP     $(@D)"
	$(call attack_stage,$<,$(@D),)
	@mkdir -p $(@D)/EFI/BOOT
	@cp $(STUB_EFI) $(@D)/EFI/BOOT/BOOTX64.EFI
	@touch $@

# Their packages, found before the build's when staged.
$(foreach g,ticker attack-exit-flood,$(eval $(call pkg_rule,$(g),$(ATTACK_VMX_GUESTS),\
	$(ATTACK_VMX_GUESTS)/guests/$(g).elf,--image $(ATTACK_VMX_GUESTS)/guests/$(g).elf --memory 4M --cpus 1)))

# The VMM for Bochs: the build's without its debug sections, which are
# most of the file and never loaded. Its loaded bytes and symbol table are
# the build's; GRUB reads the file, and the stub verifies and measures it,
# at Bochs's pace.
ATTACK_VMX_VMM := $(ATTACK_OUT)/vmx/vmm.elf

$(ATTACK_VMX_VMM): $(VMM)
	@mkdir -p $(@D)
	@echo "  STRIP   $@"
	@$(OBJCOPY) --strip-debug $< $@

$(ATTACK_OUT)/vmx/%/.stamp: $(ATTACK_SRC)/%.dts $(ATTACK_STAGE_DEPS) $(ATTACK_VMX_VMM) \
		$(ATTACK_VMX_GUESTS)/packages/ticker.stamp $(ATTACK_VMX_GUESTS)/packages/attack-exit-flood.stamp
	@echo "  STAGE   $(@D)"
	$(call attack_stage,$<,$(@D),$(ATTACK_VMX_GUESTS),$(ATTACK_VMX_VMM))
	@touch $@

$(ATTACK_OUT)/vmx/%.iso: $(ATTACK_OUT)/vmx/%/.stamp $(MB2_ELF) $(VMX_MKISO)
	@echo "  ISO     $@"
	@$(VMX_MKISO) --mb2 $(MB2_ELF) --vigil $(ATTACK_OUT)/vmx/$*/vigil --out $@

.PHONY: test-attacks attack-build
attack-build: $(if $(filter svm,$(ATTACK_VENDORS)),$(ATTACK_SVM_ESPS)) \
	$(if $(filter vmx,$(ATTACK_VENDORS)),$(ATTACK_VMX_ISOS))

test-attacks: attack-build ## run the attack suite on SVM (QEMU) and VMX (Bochs), one emulator at a time
	@python3 $(ATTACK_SRC)/run.py --vendors "$(ATTACK_VENDORS)" $(ATTACK_BOOTS)
