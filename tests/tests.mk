# Test tiers. Each tier is `make test-<tier>`; its last line is
# "N passed, N failed". `make test` builds everything, runs every tier and
# prints the total in the same form. The attack tier runs before test-vmx,
# whose vendor matrix shows the attack tier's verdicts for both vendors.

TEST_TIERS := unit boot channel attest iommu attacks vmx linux

.PHONY: test $(addprefix test-,$(TEST_TIERS))
test: all ## build everything and run every test tier
	@tests/run-tiers.sh $(TEST_TIERS)

include tests/unit/unit.mk
include tests/integration/integration.mk
include tests/channel/channel.mk
include tests/attest/attest.mk
include tests/iommu/iommu.mk
include tests/linux/linux.mk

# `make mutate` (docs/mutate.md): every defence removal in
# tests/mutate/mutations.py, applied one at a time in a scratch copy of the
# committed tree, must make its test fail. Not part of `make test`.
# ONLY=name[,name...] runs those alone; MUTATE_ARGS passes more options.
.PHONY: mutate
mutate: ## remove each listed defence in a scratch copy and check a test fails (not in make test; ONLY=name)
	@python3 -B tests/mutate/run.py $(if $(ONLY),--only "$(ONLY)") $(MUTATE_ARGS)
