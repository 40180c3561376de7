#!/usr/bin/env bash
# Seed inputs for the libFuzzer targets (mk/fuzz.mk, docs/fuzz.md), real
# inputs made by the tools and the build, named <target>-*:
#   frame    frames of each request type (framed here with zlib's CRC-32,
#            as the protocol says)
#   bundle   payloads and containers from vigilctl, each signed with the
#            development role keys (so the verifier runs P-384 to the end
#            when the target loads config-default, see fuzz_bundle.c), one
#            live patch built from tests/channel/bump.c, and unsigned ones
#   config, dtb  every config the tree has (configs/, tests/), compiled by
#            vigilctl config build against the development roles
#   loader, elfboot  every guest image the build made, and the VMM's own
#            image, stripped of symbols and debug sections (the loaders read
#            program headers and segments only)
#   insn, mmio   instructions as the compiler emitted them, taken from
#            objdump of the built guests and VMM: each intercepted one, and
#            each MOV/MOVZX with a memory operand (a mode byte first, see
#            fuzz_insn.c and fuzz_mmio.c), plus MOVs as GNU as assembles them
# The Linux guest's vmlinux (50 MB) is left out: far above any useful
# fuzzing input size.
# Usage: tests/fuzz/seeds.sh VIGILCTL OUTDIR BUILDDIR
set -euo pipefail
vc=$1
out=$2
b=$3
top=$(cd "$(dirname "$0")/../.." && pwd)
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
# The build-id fuzz_bundle.c expects (FUZZ_BUILD_ID there).
bid=00112233445566778899aabbccddeeff01234567
"$vc" bundle build --kind guest-control --guest ticker --action restart --seq 1 --build-id $bid \
	-o "$tmp/ctl.dtb"
"$vc" bundle build --kind policy --guest ticker --io-allow 0x80:1,0x100:8 --msr-allow 0x10 --seq 2 \
	--build-id $bid -o "$tmp/pol.dtb"
"$vc" bundle build --kind patch-revert --name fix --seq 3 --build-id $bid -o "$tmp/rev.dtb"
"$vc" patch build "$top/tests/channel/bump.c" --vmm "$b/vmm.elf" --at 0xffffffffc0000000 \
	--name bump -o "$tmp/bump.patch.dtb" >/dev/null
# (made for the real VMM: its build-id is not FUZZ_BUILD_ID, so the
# verifier refuses it after the signatures)
"$vc" bundle build --kind live-patch --patch "$tmp/bump.patch.dtb" --seq 4 -o "$tmp/lp.dtb"
declare -A signer=([ctl]=operator [pol]=operator [rev]=patch [lp]=patch)
for p in ctl pol rev lp; do
	{ printf '\001'; cat "$tmp/$p.dtb"; } >"$out/bundle-payload-$p"
	"$vc" bundle pack "$tmp/$p.dtb" -o "$tmp/$p.bnd" 2>/dev/null
	{ printf '\000'; cat "$tmp/$p.bnd"; } >"$out/bundle-container-$p"
	"$vc" bundle sign --key "$b/keys/${signer[$p]}.key" "$tmp/$p.dtb" -o "$tmp/$p.sig" >/dev/null
	"$vc" bundle pack "$tmp/$p.dtb" "$tmp/$p.sig" -o "$tmp/$p.signed.bnd" 2>/dev/null
	{ printf '\000'; cat "$tmp/$p.signed.bnd"; } >"$out/bundle-signed-$p"
done

# Configs. One that is not a whole system config (the stub tests' probe
# config, which only the stub reads) is compiled by plain dtc for dtb alone.
for dts in "$top"/configs/*.dts $(find "$top/tests" -name '*.dts' | sort); do
	name=$(echo "${dts#"$top"/}" | tr '/' '_')
	name=${name%.dts}
	if "$vc" config build "$dts" -o "$out/config-$name" -i "$b/gen" >/dev/null 2>&1; then
		cp "$out/config-$name" "$out/dtb-$name"
	else
		rm -f "$out/config-$name"
		dtc -q -I dts -O dtb -i "$b/gen" -o "$out/dtb-$name" "$dts"
	fi
done

# Images, stripped: the loaders read only program headers and segments.
for elf in "$b"/guests/*.elf; do
	name=$(basename "$elf" .elf)
	objcopy --strip-all "$elf" "$out/loader-$name"
done
objcopy --strip-all "$b/vmm.elf" "$out/elfboot-vmm"
for g in hello ticker patchwatch bench; do
	cp "$out/loader-$g" "$out/elfboot-guest-$g"
done

# Instructions as compiled: objdump -w prints each on one line.
for elf in "$b"/guests/*.elf "$b/vmm.elf"; do
	objdump -d -w "$elf"
done | python3 "$top/tests/fuzz/seeds_insn.py" "$out"
