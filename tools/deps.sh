#!/usr/bin/env bash
# Install what building and testing Vigil needs, from Debian's packages only.
# Idempotent: a stamp under build/ records success; rerunning is cheap.
# Usage: tools/deps.sh [--force]
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
stamp="$top/build/.deps-ok"
mbedtls_dir="$top/build/deps"

packages=(
	build-essential gnu-efi libfdt-dev device-tree-compiler libmbedtls-dev
	qemu-system-x86 qemu-utils ovmf swtpm swtpm-tools tpm2-tools libtss2-tcti-swtpm0 sbsigntool
	mtools dosfstools python3 python3-cryptography-vectors socat
	clang libclang-rt-14-dev llvm lld bochs bochsbios vgabios bochs-term grub-pc-bin grub-common
	xorriso valgrind openssl
	busybox-static acpica-tools lz4 cpio e2fsprogs
)

# The Linux guest's kernel: Debian's cloud flavour, fetched as a package and
# unpacked under build/ (never installed on the host). The metapackage is
# resolved to the concrete image package it depends on, so the version is
# whatever the archive currently offers; nothing pins it.
linux_meta=linux-image-cloud-amd64
linux_dir="$top/build/deps/linux"

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps: installing packages needs root (run: sudo $0)" >&2
		exit 1
	fi
}

have_all_packages() {
	local p
	for p in "${packages[@]}"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' || return 1
	done
}

have_deb_src() {
	grep -rqsE '^(Types:.*deb-src|deb-src )' /etc/apt/sources.list /etc/apt/sources.list.d/
}

add_deb_src() {
	# Source entries for the machine's own Debian archives: every deb822
	# stanza (or one-line "deb" entry) of the binary sources that serves
	# Debian's main archive, repeated as deb-src. No mirror is named here.
	local f out=/etc/apt/sources.list.d/vigil-deb-src.sources
	: > "$out.tmp"
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] && [ "$f" != "$out" ] || continue
		awk 'BEGIN { RS = ""; ORS = "\n\n" }
			/(^|\n)Types:[^\n]*deb/ && /debian-archive-keyring|Suites:[^\n]*(bookworm|bullseye|trixie)/ &&
			!/debian-security/ { sub(/Types:[^\n]*/, "Types: deb-src"); print }' "$f" >> "$out.tmp"
	done
	if [ -f /etc/apt/sources.list ]; then
		awk '$1 == "deb" && $0 !~ /security/ { $1 = "deb-src"; print }' /etc/apt/sources.list \
			> /etc/apt/sources.list.d/vigil-deb-src.list
		[ -s /etc/apt/sources.list.d/vigil-deb-src.list ] || rm -f /etc/apt/sources.list.d/vigil-deb-src.list
	fi
	if [ -s "$out.tmp" ]; then mv "$out.tmp" "$out"; else rm -f "$out.tmp"; fi
	have_deb_src || { echo "deps: no Debian source found in the apt sources to add deb-src for" >&2; exit 1; }
}

fetch_mbedtls() {
	# The source package is built freestanding by the Makefile with
	# kernel/crypto/mbedtls_config.h; nothing of it is committed.
	local dir
	dir=$(ls -d "$mbedtls_dir"/mbedtls-*/ 2>/dev/null | head -n 1 || true)
	[ -n "$dir" ] && [ -f "$dir/library/ecdsa.c" ] && return 0
	mkdir -p "$mbedtls_dir"
	(cd "$mbedtls_dir" && apt-get source --download-only -qq mbedtls >/dev/null &&
		dpkg-source -x --skip-patches mbedtls_*.dsc >/dev/null 2>&1 ||
		(cd "$mbedtls_dir" && dpkg-source -x mbedtls_*.dsc >/dev/null))
	dir=$(ls -d "$mbedtls_dir"/mbedtls-*/ | head -n 1)
	ln -sfn "$(basename "$dir")" "$mbedtls_dir/mbedtls"
}

have_linux() {
	compgen -G "$linux_dir/boot/vmlinuz-*" >/dev/null
}

linux_image_package() {
	# apt-cache depends lists the candidate version's dependencies.
	apt-cache depends "$linux_meta" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-.*-cloud-amd64$/ { print $2; exit }'
}

fetch_linux() {
	local pkg deb
	have_linux && return 0
	pkg=$(linux_image_package)
	if [ -z "$pkg" ]; then
		apt-get update -qq
		pkg=$(linux_image_package)
	fi
	if [ -z "$pkg" ]; then
		echo "deps: cannot resolve $linux_meta to a kernel image package" >&2
		exit 1
	fi
	mkdir -p "$linux_dir"
	rm -f "$linux_dir"/linux-image-*.deb
	# As root, apt's download sandbox user cannot write here; download as root.
	(cd "$linux_dir" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >/dev/null)
	deb=$(compgen -G "$linux_dir/$pkg"_'*.deb' | head -n 1) || true
	if [ -z "$deb" ]; then
		echo "deps: apt-get download $pkg left no .deb in $linux_dir" >&2
		exit 1
	fi
	dpkg-deb -x "$deb" "$linux_dir"
	have_linux || { echo "deps: $deb holds no boot/vmlinuz-*" >&2; exit 1; }
}

main() {
	# Fast path: the stamp records the package list it installed.
	if [ "${1:-}" != "--force" ] && [ -f "$stamp" ] &&
		[ "$(cat "$stamp")" = "${packages[*]}" ] && [ -d "$mbedtls_dir/mbedtls/library" ] &&
		have_linux; then
		exit 0
	fi
	if ! have_all_packages || ! have_deb_src; then
		need_root
		export DEBIAN_FRONTEND=noninteractive
		have_deb_src || add_deb_src
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
	fi
	fetch_mbedtls
	fetch_linux
	mkdir -p "$(dirname "$stamp")"
	echo "${packages[*]}" > "$stamp"
	echo "deps: ready" >&2
}

main "$@"
