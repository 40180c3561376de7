#!/usr/bin/env bash
# Extract the uncompressed vmlinux (an ELF with a PVH entry note) from an
# LZ4-compressed x86 bzImage, as docs/linux-guest.md describes.
#
# The bzImage's payload is an LZ4 stream in the legacy frame format (magic
# 02 21 4c 18). The magic bytes can also occur by chance elsewhere in the
# image, so every occurrence is tried in order and the first one that
# decompresses to a complete ELF carrying XEN_ELFNOTE_PHYS32_ENTRY wins.
#
# Usage: tools/linux/extract-vmlinux.sh BZIMAGE OUT
set -euo pipefail

die() { echo "extract-vmlinux: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: $0 BZIMAGE OUT"
img=$1
out=$2
[ -f "$img" ] || die "no such file: $img"
command -v lz4 >/dev/null || die "lz4 not found (Debian package lz4; run tools/deps.sh)"
command -v readelf >/dev/null || die "readelf not found (Debian package binutils)"

tmp=$(mktemp "${out}.XXXXXX")
trap 'rm -f "$tmp"' EXIT

# is_elf FILE: the file starts with the ELF magic and is an executable.
is_elf() {
	local hdr
	[ "$(head -c 4 "$1" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] || return 1
	hdr=$(readelf -h "$1" 2>/dev/null) || return 1
	[[ $hdr =~ Type:[[:space:]]*EXEC ]]
}

# is_complete FILE: every program header's file bytes lie inside the file
# (a stream cut short still starts with a valid ELF header).
is_complete() {
	local off filesz end need=0 size
	while read -r off filesz; do
		end=$((off + filesz))
		[ "$end" -gt "$need" ] && need=$end
	done < <(readelf -lW "$1" 2>/dev/null | awk '$1 == "LOAD" || $1 == "NOTE" { print $2, $5 }')
	size=$(stat -c %s "$1")
	[ "$need" -gt 0 ] && [ "$need" -le "$size" ]
}

# pvh_entry FILE: the 32-bit PVH entry point from the Xen note of type 18
# (XEN_ELFNOTE_PHYS32_ENTRY), as 0x-hex; fails when there is none.
pvh_entry() {
	local -a b
	# readelf -nW prints each note on one line, its bytes after "data:".
	read -r -a b < <(readelf -nW "$1" 2>/dev/null |
		sed -n 's/^ *Xen .*(0x00000012).*description data: *\(\([0-9a-f]\{2\} *\)\{4\}\).*/\1/p' |
		head -n 1)
	[ ${#b[@]} -eq 4 ] || return 1
	printf '0x%x\n' $((0x${b[3]} << 24 | 0x${b[2]} << 16 | 0x${b[1]} << 8 | 0x${b[0]}))
}

# Byte offsets of every LZ4 legacy-frame magic in the image.
mapfile -t offsets < <(LC_ALL=C grep -obUaP '\x02\x21\x4c\x18' "$img" | cut -d: -f1)
[ ${#offsets[@]} -gt 0 ] || die "$img: no LZ4 legacy stream (magic 02 21 4c 18); not an LZ4 bzImage?"

for off in "${offsets[@]}"; do
	# lz4 exits non-zero on the bytes after the stream (the bzImage
	# appends the uncompressed size and more); the checks below judge
	# the result instead of its exit status.
	tail -c "+$((off + 1))" "$img" | lz4 -dc >"$tmp" 2>/dev/null || true
	if is_elf "$tmp" && is_complete "$tmp" && entry=$(pvh_entry "$tmp"); then
		chmod 644 "$tmp"
		mv "$tmp" "$out"
		echo "extract-vmlinux: $img: LZ4 stream at offset $off, PVH entry $entry" >&2
		exit 0
	fi
done
die "$img: none of the ${#offsets[@]} LZ4 streams decompresses to an ELF with a PVH entry note"
