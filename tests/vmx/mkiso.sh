#!/usr/bin/env bash
# Make a GRUB rescue ISO that boots the multiboot2 lab entry with every file
# of a vigil/ directory (laid out as on the ESP) as a module named by its
# path: module2 --nounzip /vigil/vmm.elf vigil/vmm.elf, and so on. Without
# --nounzip GRUB hands a gzip'd file (the Linux initramfs) on decompressed:
# its bytes would not be the ones its package's manifest signs.
# Usage: mkiso.sh --mb2 ELF --vigil DIR --out ISO [--tamper REL]... [--remove REL]...
#   --tamper REL  flip the bits of the middle byte of vigil/REL in the ISO
#   --remove REL  leave vigil/REL out of the ISO
set -euo pipefail

mb2= vigil= out=
tamper=()
remove=()
while [ $# -gt 0 ]; do
	case $1 in
	--mb2) mb2=$2; shift 2 ;;
	--vigil) vigil=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--tamper) tamper+=("$2"); shift 2 ;;
	--remove) remove+=("$2"); shift 2 ;;
	*) echo "mkiso: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$mb2" ] && [ -d "$vigil" ] && [ -n "$out" ] || { echo "usage: $0 --mb2 ELF --vigil DIR --out ISO" >&2; exit 2; }

stage=$(mktemp -d "${out%.iso}.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub"
cp "$mb2" "$stage/boot/vigil-mb2.elf"
cp -r "$vigil" "$stage/vigil"
for rel in "${tamper[@]}"; do
	python3 - "$stage/vigil/$rel" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, "rb").read())
d[len(d) // 2] ^= 0xff
open(p, "wb").write(bytes(d))
PY
done
for rel in "${remove[@]}"; do
	rm "$stage/vigil/$rel"
done
{
	echo "set timeout=0"
	echo "set default=0"
	echo 'menuentry "Vigil (multiboot2 lab entry)" {'
	echo "	multiboot2 /boot/vigil-mb2.elf"
	(cd "$stage" && find vigil -type f | LC_ALL=C sort) | while read -r f; do
		echo "	module2 --nounzip /$f $f"
	done
	echo "	boot"
	echo "}"
} > "$stage/boot/grub/grub.cfg"
grub-mkrescue -o "$out.tmp" "$stage" >/dev/null 2>&1 || { grub-mkrescue -o "$out.tmp" "$stage"; exit 1; }
mv "$out.tmp" "$out"
