"""Host-side figures for `make bench`: crypto cost under callgrind, the VMM
image's sections, and `make cloc`."""
import os
import re
import subprocess

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
OUT = os.path.join(ROOT, "build", "bench")
WORK = os.path.join(OUT, "work")
SHA_BYTES = 1 << 20


def callgrind(args, function):
    """Instructions executed inside `function` (inclusive) for one run."""
    os.makedirs(WORK, exist_ok=True)
    out = os.path.join(WORK, "callgrind.%s.out" % function)
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out,
           "--toggle-collect=" + function] + args
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(cmd), p.stderr.strip().splitlines()[-1:]))
    with open(out) as f:
        for line in f:
            m = re.match(r"^(?:summary|totals): (\d+)", line)
            if m:
                return int(m.group(1)), " ".join(cmd[:4] + args)
    raise RuntimeError("no totals in " + out)


def crypto(crypto_host, signed, sig):
    """One P-384 verification (the stub's check of vmm.elf, same code and
    key) and SHA-256/384 instructions per byte, on the host."""
    data = os.path.join(WORK, "sha-input.bin")
    os.makedirs(WORK, exist_ok=True)
    with open(data, "wb") as f:  # deterministic content: the count does not depend on it
        f.write(bytes(i * 7 & 0xff for i in range(SHA_BYTES)))
    verify, verify_cmd = callgrind([crypto_host, "verify", signed, sig], "bench_p384_verify")
    sha256, sha256_cmd = callgrind([crypto_host, "sha256", data], "bench_sha256")
    sha384, sha384_cmd = callgrind([crypto_host, "sha384", data], "bench_sha384")
    return {
        "p384_verify": {"instructions": verify, "command": verify_cmd},
        "sha256_per_byte": {"value": sha256 / SHA_BYTES, "instructions": sha256,
                            "bytes": SHA_BYTES, "command": sha256_cmd},
        "sha384_per_byte": {"value": sha384 / SHA_BYTES, "instructions": sha384,
                            "bytes": SHA_BYTES, "command": sha384_cmd},
    }


def has_immediate(elf, value):
    """Whether any instruction of the ELF uses the immediate `value` (hex)."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", elf], capture_output=True,
                         text=True, check=True).stdout
    return re.search(r"\$%s\b" % value, out) is not None


def sections(elf):
    """Bytes of text, rodata, data (ro-after-init included) and bss, and the
    span the loaded image covers."""
    out = subprocess.run(["readelf", "-SW", elf], capture_output=True, text=True,
                         check=True).stdout
    sizes = {"text": 0, "rodata": 0, "data": 0, "bss": 0}
    for line in out.splitlines():
        m = re.match(r"^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)", line)
        if not m:
            continue
        name, size = m.group(1), int(m.group(3), 16)
        for kind in sizes:
            if name == "." + kind or name.startswith("." + kind + "."):
                sizes[kind] += size
    phdrs = subprocess.run(["readelf", "-lW", elf], capture_output=True, text=True,
                           check=True).stdout
    lo, hi = None, 0
    for line in phdrs.splitlines():
        parts = line.split()
        if parts and parts[0] == "LOAD":
            va, memsz = int(parts[2], 16), int(parts[5], 16)
            lo = va if lo is None else min(lo, va)
            hi = max(hi, va + memsz)
    sizes["image_span"] = hi - lo if lo is not None else 0
    sizes["file"] = os.path.getsize(elf)
    return sizes


def cloc():
    """`make cloc`: the VMM's own lines (mbedtls and libfdt excluded)."""
    p = subprocess.run(["make", "-s", "--no-print-directory", "cloc"], cwd=ROOT,
                       capture_output=True, text=True)
    m = re.search(r"^total\s+(\d+)$", p.stdout, re.M)
    if not m:
        raise RuntimeError("make cloc: no total line")
    parts = dict(re.findall(r"^(\S+)\s+(\d+)$", p.stdout, re.M))
    parts.pop("part", None)
    return {"total": int(m.group(1)), "parts": {k: int(v) for k, v in parts.items()}}
