#!/usr/bin/env bash
# Seed inputs for the libFuzzer targets (mk/fuzz.mk), made by the tools:
# frames of each request type (framed here with zlib's CRC-32, as the
# protocol says), bundle payloads and containers from vigilctl, and MMIO
# instructions (a mode byte: 0 64-bit, 1 32-bit, 2 16-bit code; then the
# bytes of a MOV or MOVZX as GNU as assembles it).
# Usage: tests/fuzz/seeds.sh VIGILCTL OUTDIR
set -euo pipefail
vc=$1
out=$2
mkdir -p "$out"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$out" <<'PY'
import struct, sys, zlib
out = sys.argv[1]
def frame(t, i, p):
    h = struct.pack("<2sBBHI", b"VG", 1, t, i, len(p))
    h += struct.pack("<I", zlib.crc32(h))
    return h + p + struct.pack("<I", zlib.crc32(h + p))
for n, (t, p) in enumerate([(1, b""), (2, b""), (0x10, b"VGBNDL01" + bytes(8)), (0x85, b"x" * 40)]):
    with open("%s/frame-%d" % (out, n), "wb") as f:
        f.write(frame(t, n + 1, p) + frame(1, 9, b"") + b"\xff\xfe" + frame(2, 10, b"abc")[:9])
mmio = ["0089 07", "00 45 89 81 b0 00 00 00", "00 4b c7 84 5c 78 56 34 12 fe ff ff ff",
        "00 8b 05 00 01 00 00", "00 44 0f b7 9f 90 03 00 00", "00 88 23", "01 67 8b 0e 34 12",
        "01 66 c7 46 04 34 12", "02 66 c7 87 34 12 78 56 34 12", "02 67 89 8c 58 78 56 34 12"]
for n, hexes in enumerate(mmio):
    with open("%s/mmio-%d" % (out, n), "wb") as f:
        f.write(bytes.fromhex(hexes))
PY
bid=00112233445566778899aabbccddeeff01234567
"$vc" bundle build --kind guest-control --guest ticker --action restart --seq 1 --build-id $bid \
	-o "$tmp/ctl.dtb"
"$vc" bundle build --kind policy --guest ticker --io-allow 0x80:1,0x100:8 --msr-allow 0x10 --seq 2 \
	--build-id $bid -o "$tmp/pol.dtb"
"$vc" bundle build --kind patch-revert --name fix --seq 3 --build-id $bid -o "$tmp/rev.dtb"
for p in ctl pol rev; do
	{ printf '\001'; cat "$tmp/$p.dtb"; } >"$out/bundle-payload-$p"
	"$vc" bundle pack "$tmp/$p.dtb" -o "$tmp/$p.bnd" 2>/dev/null
	{ printf '\000'; cat "$tmp/$p.bnd"; } >"$out/bundle-container-$p"
done
