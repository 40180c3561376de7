# Vigil: one top-level build. `make help` lists the targets.
#
# Each part of the tree owns one fragment, included below; this file only
# ties them together. Everything built lands under build/.

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:
SHELL := /bin/bash

B := build
CONFIG ?= configs/default.dts

# Install build dependencies (Debian packages, mbedtls source) on first use.
# tools/deps.sh is idempotent and returns at once when nothing changed.
ifeq ($(filter clean distclean help cloc,$(MAKECMDGOALS)),)
ifneq ($(shell tools/deps.sh >&2 && echo ok),ok)
$(error tools/deps.sh failed: dependencies are missing)
endif
endif

include mk/flags.mk
include mk/mbedtls.mk
include mk/vmm.mk
include tools/tools.mk
include boot/boot.mk
include tests/guests/guests.mk
include mk/linux.mk
include mk/packages.mk
include mk/esp.mk
include mk/vmx.mk
include mk/bench.mk
include mk/attacks.mk
include mk/fuzz.mk
include tests/tests.mk

.PHONY: all clean distclean help cloc
all: $(ALL_TARGETS)

cloc: ## count the VMM's own lines (what is linked into vmm.elf, less mbedtls/libfdt)
	@tools/cloc.sh $(VMM_SOURCES)

clean: ## remove build outputs (keeps the fetched mbedtls source)
	@find $(B) -mindepth 1 -maxdepth 1 ! -name deps ! -name .deps-ok -exec rm -rf {} + 2>/dev/null || true

distclean: ## remove everything under build/
	rm -rf $(B)

# `make -s print-VAR` prints a variable's value (vigilctl patch build reads
# VMM_CFLAGS this way, so patches compile exactly as the VMM does).
print-%:
	@:$(info $($*))

help: ## list the targets
	@grep -hE '^[a-z][a-z0-9-]*:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([^:]*):.*## /  \1\t/' | expand -t 20
