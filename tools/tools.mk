# Host tools: vigilctl, development keys, and the key material generated
# into the build (the stub's platform key set, the config's roles node).
# docs/keys.md explains how to build with production keys instead.

VIGILCTL := $(B)/tools/vigilctl
# The VMM's config validator and what it needs, built for the host so
# `vigilctl config build` refuses what the VMM would (mk/vmm.mk may own this list).
VMM_CONFIG_SRCS ?= kernel/config.c kernel/format.c vmm/policy.c
# The channel's frames and bundles: the VMM's own code (docs/channel.md).
VMM_CHANNEL_SRCS := kernel/crc32.c vmm/channel_frame.c vmm/bundle.c vmm/bundle_content.c \
	vmm/bundle_verify.c vmm/package.c
VIGILCTL_SRCS := $(wildcard tools/vigilctl/*.c) boot/tcglog.c drivers/tpm.c drivers/tpm2.c vmm/marks.c $(CRYPTO_SRCS) $(VMM_CONFIG_SRCS) $(VMM_CHANNEL_SRCS)
VIGILCTL_OBJS := $(patsubst %.c,$(B)/tools/obj/%.o,$(VIGILCTL_SRCS))
# Debian's libmbedtls-dev (PEM, pk, CTR-DRBG) and libfdt-dev.
VIGILCTL_LIBS := -lmbedcrypto -lfdt

$(B)/tools/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(HOST_CFLAGS) -MMD -MP -c $< -o $@

$(VIGILCTL): $(VIGILCTL_OBJS)
	@echo "  HOSTLD  $@"
	@$(HOSTCC) -o $@ $^ $(VIGILCTL_LIBS)

-include $(VIGILCTL_OBJS:.o=.d)

# --- keys -------------------------------------------------------------------
# Development keys: made on first build, never committed, never reused for a
# release. Each is made once; keygen refuses to overwrite.
KEYS_DIR := $(B)/keys
KEY_ROLES := patch operator publisher

$(KEYS_DIR)/%.key $(KEYS_DIR)/%.pub: | $(VIGILCTL)
	@mkdir -p $(@D)
	@echo "  KEYGEN  $(KEYS_DIR)/$* (development key)"
	@$(VIGILCTL) keygen -o $(KEYS_DIR)/$*

# Who may sign what. Override on the command line for a production build.
PLATFORM_PUBKEYS ?= $(KEYS_DIR)/platform.pub
PLATFORM_THRESHOLD ?= 1
ROLE_KEYS_patch ?= $(KEYS_DIR)/patch.pub
ROLE_KEYS_operator ?= $(KEYS_DIR)/operator.pub
ROLE_KEYS_publisher ?= $(KEYS_DIR)/publisher.pub
ROLE_THRESHOLD_patch ?= 1
ROLE_THRESHOLD_operator ?= 1
ROLE_THRESHOLD_publisher ?= 1

# Platform signatures for the ESP: given .sig files (made offline, see
# docs/keys.md), or, when empty, made by the build with these private keys.
VMM_SIG ?=
CONFIG_SIG ?=
PLATFORM_SIGN_KEYS ?= $(KEYS_DIR)/platform.key

# $(call platform_sig,FILE,GIVEN_SIG): recipe making $@, the platform
# signature file of FILE: a copy of GIVEN_SIG if set, else a fresh signature
# by $(PLATFORM_SIGN_KEYS). Either way it must verify against the key set
# built into the stub, or the build stops here rather than at boot.
define platform_sig
	@mkdir -p $(@D)
	@echo "  SIGN    $@$(if $(2), (given: $(2)))"
	@$(if $(2),cp $(2) $@.tmp,$(VIGILCTL) sign $(PLATFORM_SIGN_KEYS:%=--key %) $(1) -o $@.tmp)
	@$(VIGILCTL) verify $(PLATFORM_PUBKEYS:%=--pub %) --threshold $(PLATFORM_THRESHOLD) $(1) $@.tmp >/dev/null || \
		{ $(VIGILCTL) verify $(PLATFORM_PUBKEYS:%=--pub %) --threshold $(PLATFORM_THRESHOLD) $(1) $@.tmp; rm -f $@ $@.tmp; exit 1; }
	@mv $@.tmp $@
endef
# Prerequisites of a rule using platform_sig: a change of the given files,
# of the variables or of the key set redoes the signature files.
PLATFORM_SIG_DEPS = $(VIGILCTL) $(PLATFORM_PUBKEYS) $(GEN_DIR)/sig.vars $(VMM_SIG) $(CONFIG_SIG) \
	$(if $(VMM_SIG)$(CONFIG_SIG),,$(PLATFORM_SIGN_KEYS))

# --- generated key material -------------------------------------------------
GEN_DIR := $(B)/gen
PLATFORM_KEYS_C := $(GEN_DIR)/platform_keys.c
ROLES_DTSI := $(GEN_DIR)/roles.dtsi

_vc_comma := ,
_vc_empty :=
_vc_space := $(_vc_empty) $(_vc_empty)
ROLE_KEYS_ALL := $(foreach r,$(KEY_ROLES),$(ROLE_KEYS_$(r)))
ROLE_ARGS := $(foreach r,$(KEY_ROLES),--role \
	$(r):$(ROLE_THRESHOLD_$(r)):$(subst $(_vc_space),$(_vc_comma),$(strip $(ROLE_KEYS_$(r)))))

# Regenerate when the key variables change, not only when files do.
KEY_VARS := $(PLATFORM_PUBKEYS) $(PLATFORM_THRESHOLD) $(ROLE_ARGS)
$(GEN_DIR)/keys.vars: vigil-key-vars-check
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(KEY_VARS)" ] || echo "$(KEY_VARS)" > $@
.PHONY: vigil-key-vars-check
vigil-key-vars-check:

SIG_VARS := $(VMM_SIG) | $(CONFIG_SIG) | $(PLATFORM_SIGN_KEYS) | $(PLATFORM_PUBKEYS) | $(PLATFORM_THRESHOLD)
$(GEN_DIR)/sig.vars: vigil-key-vars-check
	@mkdir -p $(@D)
	@[ "$$(cat $@ 2>/dev/null)" = "$(SIG_VARS)" ] || echo "$(SIG_VARS)" > $@

$(PLATFORM_KEYS_C): $(PLATFORM_PUBKEYS) $(GEN_DIR)/keys.vars | $(VIGILCTL)
	@echo "  GEN     $@"
	@$(VIGILCTL) trust-c --threshold $(PLATFORM_THRESHOLD) $(PLATFORM_PUBKEYS) -o $@

$(ROLES_DTSI): $(ROLE_KEYS_ALL) $(PLATFORM_PUBKEYS) $(GEN_DIR)/keys.vars | $(VIGILCTL)
	@echo "  GEN     $@"
	@$(VIGILCTL) roles-dtsi $(ROLE_ARGS) $(PLATFORM_PUBKEYS:%=--platform %) -o $@

.PHONY: tools keys
tools: $(VIGILCTL) ## build vigilctl
keys: $(PLATFORM_KEYS_C) $(ROLES_DTSI) ## make development keys and the generated key material

ALL_TARGETS += $(VIGILCTL) $(PLATFORM_KEYS_C) $(ROLES_DTSI)
