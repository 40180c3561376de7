# The IOMMU tier (`make test-iommu`): Vigil under QEMU with Intel VT-d,
# then AMD-Vi, beside the SVM CPU (Bochs has neither), and QEMU's `edu`
# devices: one driven through qtest, one assigned to a guest, and an NVMe
# controller that a bare-metal guest, then Debian's Linux, drives by MSI-X
# (tests/iommu/t_*.py; docs/dma.md).

IOMMU_TESTS = $(sort $(wildcard tests/iommu/t_*.py))

.PHONY: test-iommu
test-iommu: $(TEST_ESP)/.stamp $(PKG_OUT)/dma-edu.stamp $(PKG_OUT)/nvme-probe.stamp \
		$(PKG_OUT)/linux-pci.stamp $(PKG_OUT)/ticker.stamp ## DMA protection: VT-d and AMD-Vi confine an assigned device to its guest, block the rest (QEMU + edu)
	@python3 tests/integration/vigiltest.py run $(IOMMU_TESTS)
