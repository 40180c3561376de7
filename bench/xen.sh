#!/usr/bin/env bash
# The Xen reference for `make bench`: Debian's Xen 4.17 hypervisor, unpacked
# (apt-get download + dpkg -x, never installed), and a GRUB rescue ISO that
# boots it by multiboot2 with the bench guest as its PVH dom0.
#
# usage: bench/xen.sh OUT_DIR GUEST_ELF
# Prints the ISO's path. Cached: the .deb and the unpacked tree are kept in
# OUT_DIR; the ISO is remade when the guest or this script changes.
set -euo pipefail

out=$1 guest=$2
pkg=xen-hypervisor-4.17-amd64
# The options of issue 6: a PVH dom0 of 32 MiB with one vCPU and no IOMMU;
# Xen's console on COM1, where dom0's port 0xE9 lines appear as "(d0) ...".
xen_args="console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all noreboot \
dom0=pvh dom0-iommu=none dom0_mem=32M,max:32M dom0_max_vcpus=1"

mkdir -p "$out"
out=$(cd "$out" && pwd)
if ! ls "$out"/"$pkg"_*.deb >/dev/null 2>&1; then
	(cd "$out" && apt-get download -qq "$pkg" 2>/dev/null) || {
		echo "xen.sh: apt-get download $pkg failed (run apt-get update?)" >&2
		exit 1
	}
fi
deb=$(ls "$out"/"$pkg"_*.deb | head -n 1)
if [ ! -d "$out/root/boot" ] || [ "$deb" -nt "$out/root/boot" ]; then
	rm -rf "$out/root"
	dpkg -x "$deb" "$out/root"
	touch "$out/root/boot"
fi
xen_gz=$(ls "$out"/root/boot/xen-*.gz | head -n 1)

iso=$out/xen-bench.iso
if [ ! -f "$iso" ] || [ "$guest" -nt "$iso" ] || [ "$0" -nt "$iso" ] || [ "$xen_gz" -nt "$iso" ]; then
	tree=$out/iso
	rm -rf "$tree"
	mkdir -p "$tree/boot/grub"
	cp "$xen_gz" "$tree/boot/xen.gz"
	cp "$guest" "$tree/boot/bench.elf"
	cat > "$tree/boot/grub/grub.cfg" <<CFG
set timeout=0
set default=0
serial --unit=0 --speed=115200
terminal_output serial
menuentry "Xen 4.17, bench guest as PVH dom0" {
	multiboot2 /boot/xen.gz $xen_args
	module2 /boot/bench.elf
}
CFG
	grub-mkrescue -o "$iso.tmp" "$tree" >/dev/null 2>&1 || {
		echo "xen.sh: grub-mkrescue failed" >&2
		exit 1
	}
	mv "$iso.tmp" "$iso"
fi
echo "$iso"
