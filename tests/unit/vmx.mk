# Unit tests of the Intel VMX backend's pure parts. First, the EPT entry format
# through the shared page-table builder.
UNIT_TESTS += ept
UNIT_SRCS_ept := arch/x86/pt.c tests/unit/test_ept.c

# The VMCS field allow-list and checked writes, and the capability decisions
# (control adjustment, feature control, refusals naming what is missing).
UNIT_TESTS += vmx
UNIT_SRCS_vmx := arch/x86/vmx/vmcs.c arch/x86/vmx/caps.c tests/unit/test_vmcs.c

# The multiboot2 lab entry: boot information parser, page allocator and the
# memory map it hands over (boot/mb2/info.c, mem.c on boot/memmap.c).
UNIT_TESTS += mb2
UNIT_SRCS_mb2 := boot/mb2/info.c boot/mb2/mem.c boot/memmap.c tests/unit/test_mb2.c
