# Test guests: tiny freestanding kernels, one directory each, sharing lib/.
# Each tests/guests/<name>/*.{c,S} links with the library into
# build/guests/<name>.elf. Other fragments use $(GUEST_ELFS) and
# $(GUEST_NAMES); docs/guests.md describes the guest ABI.

GUEST_SRC := tests/guests
GUEST_OUT := $(B)/guests
GUEST_NAMES := hello ticker npt-probe libcheck hypercall-abi bench patchwatch console-flood \
	console-echo apic-timer smp-basic dma-edu nvme-probe
# The attack guests (docs/attacks.md), one directory each.
GUEST_NAMES += $(sort $(notdir $(wildcard $(GUEST_SRC)/attack-*)))
GUEST_ELFS := $(GUEST_NAMES:%=$(GUEST_OUT)/%.elf)

# Beat pace of the ticker victim: busy-loop iterations between beats.
TICKER_SPIN ?= 300000000

# No stack protector: the guest has no canary source, and nothing to guard
# that a VMM test depends on.
GUEST_CFLAGS := $(FREESTANDING) $(WARN) -fno-pic -fno-pie -mcmodel=small \
	-fno-stack-protector -I$(GUEST_SRC)/lib
GUEST_ASFLAGS := $(GUEST_CFLAGS) -D__ASSEMBLY__
GUEST_LDFLAGS := -m elf_x86_64 -nostdlib -static -no-pie --build-id=none \
	-z max-page-size=0x1000 -z noexecstack -T $(GUEST_SRC)/lib/guest.ld
GUEST_CFLAGS_ticker := -DTICKER_SPIN_LOOPS=$(TICKER_SPIN)ull
GUEST_CFLAGS_patchwatch := -DTICKER_SPIN_LOOPS=$(TICKER_SPIN)ull

GUEST_LIB_SRCS := $(wildcard $(GUEST_SRC)/lib/*.c $(GUEST_SRC)/lib/*.S)
GUEST_LIB_OBJS := $(GUEST_LIB_SRCS:$(GUEST_SRC)/%=$(GUEST_OUT)/%.o)

ALL_TARGETS += $(GUEST_ELFS)

.PHONY: guests guests-native
guests: $(GUEST_ELFS) ## build the test guests (build/guests/*.elf)

guests-native: $(GUEST_ELFS) ## boot each test guest on plain QEMU (no Vigil) and check its lines
	@tests/guests/check-native.sh $(GUEST_OUT)

$(GUEST_OUT)/lib/%.c.o: $(GUEST_SRC)/lib/%.c $(MAKEFILE_LIST)
	@mkdir -p $(@D)
	$(CC) $(GUEST_CFLAGS) -MMD -MP -c $< -o $@

$(GUEST_OUT)/lib/%.S.o: $(GUEST_SRC)/lib/%.S $(MAKEFILE_LIST)
	@mkdir -p $(@D)
	$(CC) $(GUEST_ASFLAGS) -MMD -MP -c $< -o $@

# One compile rule and one link rule per guest, so each may add flags
# through GUEST_CFLAGS_<name>.
define GUEST_template
$(1)_GUEST_OBJS := $$(patsubst $(GUEST_SRC)/%,$(GUEST_OUT)/%.o,$$(wildcard $(GUEST_SRC)/$(1)/*.c $(GUEST_SRC)/$(1)/*.S))

$(GUEST_OUT)/$(1)/%.c.o: $(GUEST_SRC)/$(1)/%.c $(MAKEFILE_LIST)
	@mkdir -p $$(@D)
	$$(CC) $$(GUEST_CFLAGS) $$(GUEST_CFLAGS_$(1)) -MMD -MP -c $$< -o $$@

$(GUEST_OUT)/$(1)/%.S.o: $(GUEST_SRC)/$(1)/%.S $(MAKEFILE_LIST)
	@mkdir -p $$(@D)
	$$(CC) $$(GUEST_ASFLAGS) $$(GUEST_CFLAGS_$(1)) -MMD -MP -c $$< -o $$@

$(GUEST_OUT)/$(1).elf: $$($(1)_GUEST_OBJS) $(GUEST_LIB_OBJS) $(GUEST_SRC)/lib/guest.ld
	$$(LD) $$(GUEST_LDFLAGS) -o $$@ $$($(1)_GUEST_OBJS) $(GUEST_LIB_OBJS)
endef
$(foreach g,$(GUEST_NAMES),$(eval $(call GUEST_template,$(g))))

-include $(GUEST_LIB_OBJS:.o=.d) $(foreach g,$(GUEST_NAMES),$($(g)_GUEST_OBJS:.o=.d))
