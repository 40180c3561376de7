#!/usr/bin/env bash
# Seed inputs for the libFuzzer targets (mk/fuzz.mk), made by the tools:
# frames of each request type (framed here with zlib's CRC-32, as the
# protocol says), and bundle payloads and containers from vigilctl.
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
