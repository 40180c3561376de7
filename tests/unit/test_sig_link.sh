#!/usr/bin/env bash
# The VMM flavour of the verifier (sig.c, hash.c, string.c, mbedtls built
# with VMM_CFLAGS) linked against an environment of calloc, free and
# __stack_chk_fail only: the link itself (tests/unit/unit.mk) proves no
# other symbol is needed; here, check that it really happened and kept the
# verifier.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
elf=${SIG_LINK_ELF:-$top/build/unit/sig_vmm_link.elf}

t_check sig_link.vmm_flavour_linked test -s "$elf"
t_check sig_link.no_undefined_symbols test -z "$(nm -u "$elf" 2>/dev/null)"
t_check sig_link.verifier_linked bash -c "nm '$elf' | grep -q ' T mbedtls_ecdsa_verify$'"
[ "$t_failed" -eq 0 ]
