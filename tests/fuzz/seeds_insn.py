# SPDX-License-Identifier: MIT
"""Instruction seeds from `objdump -d -w` on stdin (tests/fuzz/seeds.sh).

insn-*: each distinct intercepted instruction (the ones arch/x86/insn.c
decodes), and as many other instructions, in 64-bit mode (byte 0 = 1) and
as 32-bit code (byte 0 = 0). mmio-*: each distinct MOV or MOVZX with a
memory operand, in 64-bit mode (byte 0 = 0, see fuzz_mmio.c). The bytes are
followed by the next instruction's, as the guest's page holds them.
"""
import re
import sys

INTERCEPTED = ("cpuid", "rdmsr", "wrmsr", "vmmcall", "vmcall", "hlt", "in", "out", "ins", "outs",
               "invd", "wbinvd", "int1", "icebp")
CAP = 200  # per kind: plenty for a seed corpus

line_re = re.compile(r"^\s*[0-9a-f]+:\s+((?:[0-9a-f]{2} )+)\s*(\S+)\s*(.*)$")


def parse(stream):
    for line in stream:
        m = line_re.match(line)
        if m:
            yield bytes.fromhex(m.group(1)), m.group(2), m.group(3)


def main():
    out = sys.argv[1]
    insns = list(parse(sys.stdin))
    intercepted, other, mmio = {}, {}, {}
    for i, (raw, mnem, ops) in enumerate(insns):
        nxt = insns[i + 1][0] if i + 1 < len(insns) else b""
        base = mnem.split(".")[0]
        if base.rstrip("bwlq") in INTERCEPTED or base in INTERCEPTED:
            intercepted.setdefault(raw, raw + nxt)
        elif len(other) < CAP:
            other.setdefault(raw, raw + nxt)
        if re.match(r"^mov(z[bw][lwq]?|[bwlq]|zx)?$", base) and "(" in ops and len(mmio) < CAP:
            mmio.setdefault(raw, raw + nxt)
    n = 0
    for group in (intercepted, other):
        for seq in group.values():
            for mode in (1, 0):
                with open("%s/insn-%d" % (out, n), "wb") as f:
                    f.write(bytes([mode]) + seq[:16])
                n += 1
    for k, seq in enumerate(mmio.values()):
        with open("%s/mmio-obj-%d" % (out, k), "wb") as f:
            f.write(bytes([0]) + seq[:16])
    print("seeds: %d intercepted, %d other, %d mmio instructions" % (len(intercepted), len(other), len(mmio)),
          file=sys.stderr)


main()
