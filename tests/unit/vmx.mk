# Unit tests of the Intel VMX backend's pure parts: the EPT entry format
# through the shared page-table builder.
UNIT_TESTS += ept
UNIT_SRCS_ept := arch/x86/pt.c tests/unit/test_ept.c
