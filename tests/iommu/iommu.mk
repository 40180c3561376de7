# The IOMMU tier (`make test-iommu`): Vigil under QEMU with Intel VT-d,
# then AMD-Vi, beside the SVM CPU (Bochs has neither), and QEMU's `edu`
# device driven through qtest (tests/iommu/t_*.py; docs/dma.md).

IOMMU_TESTS = $(sort $(wildcard tests/iommu/t_*.py))

.PHONY: test-iommu
test-iommu: $(TEST_ESP)/.stamp ## DMA protection: VT-d and AMD-Vi block what no guest owns (QEMU + edu)
	@python3 tests/integration/vigiltest.py run $(IOMMU_TESTS)
