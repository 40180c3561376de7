# Host unit tests of the VMM's pure logic: each compiles the real sources
# (never a copy) with the test under ASan and UBSan. Where a source needs a
# symbol from a part of the VMM that cannot run on the host, a small shim
# under tests/unit/ stands in for it (shim_*.c; each says what it replaces).

# The config validator, with the VMM's own formatter and Debian's libfdt.
UNIT_TESTS += config
UNIT_SRCS_config := kernel/config.c kernel/format.c vmm/policy.c tests/unit/test_config.c
UNIT_LIBS_config := -lfdt

UNIT_TESTS += policy
UNIT_SRCS_policy := vmm/policy.c tests/unit/test_policy.c

UNIT_TESTS += pt
UNIT_SRCS_pt := arch/x86/pt.c tests/unit/test_pt.c

UNIT_TESTS += pt_audit
UNIT_SRCS_pt_audit := arch/x86/pt.c arch/x86/pt_audit.c tests/unit/test_pt_audit.c

UNIT_TESTS += insn
UNIT_SRCS_insn := arch/x86/insn.c tests/unit/test_insn.c

UNIT_TESTS += handoff
UNIT_SRCS_handoff := kernel/handoff.c tests/unit/test_handoff.c

# The crash record's check: the next boot's defence against whatever the
# page holds.
UNIT_TESTS += crash
UNIT_SRCS_crash := kernel/crash_record.c kernel/crc32.c tests/unit/test_crash.c

# The loader and the guest-memory walker reach guest memory through the
# real vm_gpa_to_hva (vmm/vm_mem.c); shim_vm.c makes malloc'd regions its
# "host-physical" memory.
UNIT_TESTS += loader
UNIT_SRCS_loader := vmm/loader.c vmm/vm_mem.c tests/unit/shim_vm.c tests/unit/test_loader.c

UNIT_TESTS += gmem
UNIT_SRCS_gmem := vmm/gmem.c vmm/vm_mem.c tests/unit/shim_vm.c tests/unit/test_gmem.c

# The guests' UART: its console stream read back from its ring, its
# receive FIFO filled by a second thread as the VMM's CPU fills it.
UNIT_TESTS += vuart
UNIT_SRCS_vuart := vmm/vuart.c vmm/conring.c tests/unit/test_vuart.c
UNIT_LIBS_vuart := -lpthread

# The guests' console ring alone, and with a producer and a consumer thread.
UNIT_TESTS += conring
UNIT_SRCS_conring := vmm/conring.c tests/unit/test_conring.c
UNIT_LIBS_conring := -lpthread

# The CPUID filter (vmm/cpuid.c) as a pure function of the host's answer,
# and the speculation controls it must agree with (vmm/spec.c). The exit
# handler in cpuid.c reaches the backend; shim_vcpu.c stands in for it.
UNIT_TESTS += cpuid
UNIT_SRCS_cpuid := vmm/cpuid.c vmm/spec.c vmm/spec_policy.c kernel/format.c tests/unit/shim_vcpu.c \
	tests/unit/test_cpuid.c

# The speculation policy (vmm/spec_policy.c): CPUs' enumerations in, the
# VMM's measures out; the SMT topology (arch/x86/topology.c) and the
# refusal of guests on sibling threads.
UNIT_TESTS += spec
UNIT_SRCS_spec := vmm/spec_policy.c arch/x86/topology.c kernel/format.c tests/unit/test_spec.c

# The guest's legacy and ACPI ports (PIT channel 2, RTC, PM timer, sleep
# and reset registers) against made-up clocks.
UNIT_TESTS += vplatform
UNIT_SRCS_vplatform := vmm/vplatform.c tests/unit/test_vplatform.c

# The decoder of the guest's MMIO instructions (MOV, MOVZX) for the
# emulated APIC pages.
UNIT_TESTS += mmio_decode
UNIT_SRCS_mmio_decode := arch/x86/mmio_decode.c tests/unit/test_mmio_decode.c

# The virtual local APIC: registers, priority, EOI, ICR decoding and the
# timer under a fake TSC.
UNIT_TESTS += vlapic
UNIT_SRCS_vlapic := vmm/vlapic.c vmm/vlapic_timer.c tests/unit/test_vlapic.c

# The virtual I/O APIC: registers, edge and level pins, remote IRR and EOI,
# with a recording callback in place of the local APICs.
UNIT_TESTS += vioapic
UNIT_SRCS_vioapic := vmm/vioapic.c tests/unit/test_vioapic.c
# The guests' consoles on the VMM's CPU, end to end on the host: guest
# bytes through the vuart, the renderer (vm_console.c) and the console's
# open-line rules (kernel/console.c) to what reaches COM1, and the
# operator's input from COM1 through the focus (vm_input.c) to the vuarts.
# shim_console.c stands in for the UART, the APICs and the VMM's globals.
UNIT_TESTS += vm_console
UNIT_SRCS_vm_console := vmm/vm_console.c vmm/vm_input.c kernel/console.c kernel/format.c vmm/vuart.c \
	vmm/conring.c tests/unit/shim_console.c tests/unit/test_vm_console.c

# The TLB-flush decisions through a guest's life (vmm/vcpu.h): which
# entries of which vCPU drop its guest's translations.
UNIT_TESTS += tlb
UNIT_SRCS_tlb := tests/unit/test_tlb.c

# The watchdog: kicks, misses, the stuck report (once) and the recovery,
# under a made-up TSC; the test answers for the kicked CPUs.
UNIT_TESTS += watchdog
UNIT_SRCS_watchdog := vmm/watchdog.c tests/unit/test_watchdog.c

# The clock sources: the TSC rate CPUID states, the choice between it and a
# timer's measurement (kernel/clock.c), and the FADT's PM timer and the HPET
# table as drivers/acpi.c reads them.
UNIT_TESTS += clock
UNIT_SRCS_clock := kernel/clock.c drivers/acpi.c tests/unit/test_clock.c

# The processors the MADT lists: both entry types, duplicates, more than
# the VMM takes with the boot CPU among them, malformed entries.
UNIT_TESTS += madt
UNIT_SRCS_madt := drivers/acpi.c tests/unit/test_madt.c

# The physical page allocator on a firmware map of hundreds of usable
# ranges with holes (kernel/palloc.c).
UNIT_TESTS += palloc
UNIT_SRCS_palloc := kernel/palloc.c tests/unit/test_palloc.c

# The SPCR parser (drivers/acpi.c) on tables Debian's iasl compiles at
# build time from its own SPCR template (tests/unit/spcr-tables.sh), and
# on every refusal, truncation and flipped bit of them.
UNIT_TESTS += spcr
UNIT_SRCS_spcr := drivers/acpi.c tests/unit/test_spcr.c
UNIT_CFLAGS_spcr := -I$(UNIT_DIR)/spcr-tables
$(UNIT_DIR)/spcr-tables/spcr_tables.h: tests/unit/spcr-tables.sh
	@echo "  IASL    $@"
	@tests/unit/spcr-tables.sh $(@D)
$(UNIT_DIR)/spcr.obj/tests/unit/test_spcr.o: $(UNIT_DIR)/spcr-tables/spcr_tables.h

# The UART driver's memory-mapped registers (stride and access width),
# its bounded waits, and the divisor arithmetic; a malloc'd block stands
# in for the device (mm_map_mmio in the test).
UNIT_TESTS += uart
UNIT_SRCS_uart := drivers/uart.c tests/unit/test_uart.c

# Device assignment's refusals and the guest's configuration space, on a
# model of PCI segment 0 (the interrupt parts stood in for).
UNIT_TESTS += vpci
UNIT_SRCS_vpci := vmm/vpci.c arch/x86/pt.c kernel/format.c tests/unit/test_vpci.c

# The TPM transport against models of its two interfaces, broken ones too.
UNIT_TESTS += tpm
UNIT_SRCS_tpm := drivers/tpm.c tests/unit/test_tpm.c
# The TPM 2.0 commands' bytes, and their responses' checks; SHA-384 for
# a P-384 key's name.
UNIT_TESTS += tpm2
UNIT_SRCS_tpm2 := drivers/tpm.c drivers/tpm2.c $(CRYPTO_SRCS) tests/unit/test_tpm2.c
UNIT_CFLAGS_tpm2 := $(CRYPTO_INC)
UNIT_LIBS_tpm2 := $(MBEDTLS_HOST_LIB)
# The runtime measurement log: records, digests, what reaches PCR 11.
UNIT_TESTS += mlog
UNIT_SRCS_mlog := vmm/mlog.c $(CRYPTO_SRCS) tests/unit/test_mlog.c
UNIT_CFLAGS_mlog := $(CRYPTO_INC)
UNIT_LIBS_mlog := $(MBEDTLS_HOST_LIB)
# The anti-rollback marks' bytes and rules.
UNIT_TESTS += marks
UNIT_SRCS_marks := vmm/marks.c $(CRYPTO_SRCS) tests/unit/test_marks.c
UNIT_CFLAGS_marks := $(CRYPTO_INC)
UNIT_LIBS_marks := $(MBEDTLS_HOST_LIB)

# The firmware's IOMMU tables (DMAR, IVRS), built byte by byte.
UNIT_TESTS += iommu_acpi
UNIT_SRCS_iommu_acpi := drivers/iommu_acpi.c tests/unit/test_iommu_acpi.c

# The VT-d second-level format (a device's DMA window) through the shared builder.
UNIT_TESTS += iommu_pt
UNIT_SRCS_iommu_pt := arch/x86/pt.c tests/unit/test_iommu_pt.c
