# The VMM image: build/vmm.elf.

VMM_SOURCES := \
	arch/x86/entry.S arch/x86/isr.S arch/x86/wait.S arch/x86/trampoline.S arch/x86/svm/svm_entry.S \
	arch/x86/gdt.c arch/x86/idt.c arch/x86/trap.c arch/x86/pt.c arch/x86/pt_audit.c arch/x86/apic.c \
	arch/x86/smp.c arch/x86/topology.c arch/x86/insn.c arch/x86/fpu.c arch/x86/mce.c arch/x86/vendor.c arch/x86/svm/svm.c \
	kernel/init.c kernel/clock.c kernel/console.c kernel/format.c kernel/panic.c kernel/crash.c kernel/crash_record.c kernel/handoff.c \
	kernel/palloc.c kernel/vmspace.c kernel/config.c kernel/selfcheck.c kernel/rendezvous.c kernel/time.c kernel/patch.c \
	kernel/patch_area.S kernel/buildid.c kernel/heap.c kernel/crc32.c kernel/lib/string.c kernel/crypto/hash.c kernel/crypto/sig.c \
	drivers/uart.c drivers/acpi.c drivers/ioapic.c drivers/cmos_rtc.c drivers/pci.c drivers/iommu.c drivers/iommu_acpi.c drivers/vtd.c drivers/amdvi.c \
	drivers/tpm.c drivers/tpm2.c drivers/tpm_vmm.c drivers/tpm_marks.c \
	kernel/console_select.c \
	vmm/vm.c vmm/vm_mem.c vmm/vcpu.c vmm/exit.c vmm/cpuid.c vmm/msr.c vmm/spec.c vmm/spec_policy.c vmm/io.c vmm/vpci.c vmm/vpci_irq.c vmm/vplatform.c vmm/hypercall.c \
	vmm/virq.c vmm/watchdog.c vmm/vlapic.c vmm/vlapic_timer.c vmm/vioapic.c arch/x86/mmio_decode.c \
	vmm/vuart.c vmm/conring.c vmm/vm_console.c vmm/vm_input.c vmm/loader.c vmm/gmem.c vmm/policy.c vmm/audit.c vmm/mlog.c vmm/marks.c vmm/persist.c vmm/channel.c \
	vmm/channel_reply.c vmm/channel_dispatch.c vmm/channel_query.c vmm/channel_bundle.c \
	vmm/bundle_apply.c vmm/channel_frame.c vmm/vm_update.c \
	vmm/bundle.c vmm/bundle_content.c vmm/bundle_verify.c vmm/package.c vmm/vm_package.c
VMM_SOURCES += arch/x86/vmx/vmx_entry.S arch/x86/vmx/vmx.c arch/x86/vmx/caps.c \
	arch/x86/vmx/vmcs.c arch/x86/vmx/vmcs_init.c arch/x86/vmx/vmx_exit.c arch/x86/vmx/vmx_cr.c

VMM := $(B)/vmm.elf
VMM_OBJS := $(patsubst %,$(B)/vmm/%.o,$(VMM_SOURCES))
ASM_OFFSETS := $(B)/gen/asm-offsets.h
LIBFDT_A := /usr/lib/x86_64-linux-gnu/libfdt.a
LIBGCC := $(shell $(CC) -print-libgcc-file-name)


# libfdt.h (from /usr/include, searched last) pulls <stdint.h>, <string.h>...:
# ours (include/libc) and GCC's come first, so the C library's are never used.
$(B)/vmm/%.c.o: %.c $(ASM_OFFSETS)
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	@$(CC) $(VMM_CFLAGS) $(CRYPTO_INC) -I$(B) -idirafter /usr/include -MMD -MP -c $< -o $@

$(B)/vmm/%.S.o: %.S $(ASM_OFFSETS)
	@mkdir -p $(dir $@)
	@echo "  AS      $@"
	@$(CC) $(VMM_ASFLAGS) -I$(B) -MMD -MP -c $< -o $@

# Every header the offsets come from is a dependency (-MMD): a struct that
# changes shape regenerates them.
$(ASM_OFFSETS): arch/x86/asm-offsets.c
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@$(CC) $(VMM_CFLAGS) -MMD -MP -MF $(B)/gen/asm-offsets.d -MT $@ -S $< -o $(B)/gen/asm-offsets.s
	@{ echo "/* generated from arch/x86/asm-offsets.c: do not edit */"; \
	   sed -n 's/^[[:space:]]*->\([A-Z0-9_]*\) \$$\{0,1\}\([0-9-]*\).*/#define \1 \2/p' $(B)/gen/asm-offsets.s; } > $@

$(VMM): $(VMM_OBJS) linker.ld $(MBEDTLS_VMM_LIB) tools/text-digest.py
	@echo "  LD      $@"
	@$(LD) -nostdlib -static -z max-page-size=4096 -z noexecstack --build-id=sha1 \
		-T linker.ld -o $@ $(VMM_OBJS) $(MBEDTLS_VMM_LIB) $(LIBFDT_A) $(LIBGCC)
	@python3 tools/text-digest.py $@ || { rm -f $@; exit 1; }

vmm: $(VMM) ## build the VMM image
.PHONY: vmm
ALL_TARGETS += $(VMM)

-include $(VMM_OBJS:.o=.d) $(B)/gen/asm-offsets.d
