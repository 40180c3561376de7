#!/usr/bin/env bash
# Build the Linux test guest's initramfs: Debian's static busybox as
# /bin/busybox with a link for each applet, tools/linux/init as /init, and
# the directories and /dev/console node the kernel and init need. A newc
# cpio archive, gzip-compressed when OUT ends in .gz; reproducible (owner
# root, mtime 0) and built without root privileges.
#
# Usage: tools/linux/mkinitramfs.sh [--tsc PROGRAM] OUT
#   --tsc PROGRAM  add PROGRAM as /bin/vigil-tsc, which /init runs first
#                  thing when present (the bench initramfs: make bench,
#                  tools/linux/vigil-tsc.c); the tested initramfs has none
# BUSYBOX=FILE overrides the busybox binary (default: busybox-static's).
set -euo pipefail

die() { echo "mkinitramfs: $*" >&2; exit 1; }

tsc=''
if [ $# -ge 2 ] && [ "$1" = --tsc ]; then
	tsc=$2
	shift 2
	[ -x "$tsc" ] || die "$tsc: not an executable"
	# Like busybox: a program that needs a C library cannot run here.
	if readelf -lW "$tsc" | grep -q 'INTERP'; then
		die "$tsc is dynamically linked"
	fi
fi
[ $# -eq 1 ] || die "usage: $0 [--tsc PROGRAM] OUT"
out=$1
here=$(cd "$(dirname "$0")" && pwd)

busybox=${BUSYBOX:-$(dpkg -L busybox-static 2>/dev/null | grep -m1 '/bin/busybox$' || true)}
if [ -z "$busybox" ] || [ ! -x "$busybox" ]; then
	die "no static busybox (Debian package busybox-static; run tools/deps.sh)"
fi
# The initramfs has no C library: a dynamically linked busybox cannot run.
if readelf -lW "$busybox" | grep -q 'INTERP'; then
	die "$busybox is dynamically linked; the initramfs needs busybox-static's"
fi

list() {
	local d applet
	for d in bin sbin usr usr/bin usr/sbin dev proc sys tmp root; do
		echo "dir /$d 755"
	done
	echo "nod /dev/console 600 c 5 1"
	echo "file /bin/busybox 755 $busybox"
	echo "file /init 755 $here/init"
	[ -z "$tsc" ] || echo "file /bin/vigil-tsc 755 $tsc"
	# --list-full names each applet with its directory (bin/sh,
	# usr/bin/[); linuxrc has none and is not wanted beside /init.
	"$busybox" --list-full | while IFS= read -r applet; do
		case $applet in
		*/*) [ "$applet" = bin/busybox ] || echo "slink /$applet /bin/busybox" ;;
		esac
	done
}

tmp=$(mktemp "${out}.XXXXXX")
trap 'rm -f "$tmp" "$tmp.cpio"' EXIT
list | "$here/cpio-newc.py" "$tmp.cpio"
case $out in
*.gz) gzip -n -9 <"$tmp.cpio" >"$tmp" ;;
*) mv "$tmp.cpio" "$tmp" ;;
esac
chmod 644 "$tmp"
mv "$tmp" "$out"
