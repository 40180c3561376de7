# Test tiers. Each tier is `make test-<tier>`; its last line is
# "N passed, N failed". `make test` builds everything, runs every tier and
# prints the total in the same form. The attack tier runs before test-vmx,
# whose vendor matrix shows the attack tier's verdicts for both vendors.

TEST_TIERS := unit boot channel attacks vmx linux

.PHONY: test $(addprefix test-,$(TEST_TIERS))
test: all ## build everything and run every test tier
	@tests/run-tiers.sh $(TEST_TIERS)

include tests/unit/unit.mk
include tests/integration/integration.mk
include tests/channel/channel.mk
include tests/linux/linux.mk
