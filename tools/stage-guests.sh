#!/usr/bin/env bash
# Stage what a config's guests name into a vigil/ directory laid out as on
# the ESP (docs/formats.md, "The ESP"): each guest's package directory
# (manifest.dtb, manifest.dtb.sig when there, and exactly the files the
# manifest names). Each is taken from the first SOURCE directory that has
# it, so a tree of variants (the VMX tier's quick ticker) can shadow the
# build's. Every guest is a package: one that names none is refused, as
# the config parser refuses it.
# Usage: stage-guests.sh SYSTEM.dtb VIGIL_DIR SOURCE...
set -euo pipefail

[ $# -ge 3 ] || { echo "usage: $0 SYSTEM.dtb VIGIL_DIR SOURCE..." >&2; exit 2; }
cfg=$1 dest=$2
shift 2

find_src() { # find_src REL: the first source holding REL
	local s
	for s in "${sources[@]}"; do
		if [ -e "$s/$1" ]; then echo "$s/$1"; return 0; fi
	done
	echo "stage-guests: $1 is in none of: ${sources[*]}" >&2
	return 1
}
sources=("$@")

for g in $(fdtget -l "$cfg" /guests); do
	pkg=$(fdtget -ts "$cfg" "/guests/$g" package 2>/dev/null) || {
		echo "stage-guests: guest $g names no package: a guest is a signed package (package = ...)" >&2
		exit 1
	}
	src=$(find_src "$pkg/manifest.dtb")
	src=${src%/manifest.dtb}
	rm -rf "${dest:?}/$pkg"
	mkdir -p "$dest/$pkg"
	cp "$src/manifest.dtb" "$dest/$pkg/"
	[ ! -f "$src/manifest.dtb.sig" ] || cp "$src/manifest.dtb.sig" "$dest/$pkg/"
	for f in image initrd acpi; do
		name=$(fdtget -ts "$src/manifest.dtb" "/files/$f" path 2>/dev/null) || continue
		cp "$src/$name" "$dest/$pkg/$name"
	done
done
