# Unit tests of the Intel VMX backend's pure parts. First, the EPT entry format
# through the shared page-table builder.
UNIT_TESTS += ept
UNIT_SRCS_ept := arch/x86/pt.c tests/unit/test_ept.c

# The VMCS field allow-list and checked writes, and the capability decisions
# (control adjustment, feature control, refusals naming what is missing).
UNIT_TESTS += vmx
UNIT_SRCS_vmx := arch/x86/vmx/vmcs.c arch/x86/vmx/caps.c tests/unit/test_vmcs.c
