#!/usr/bin/env bash
# Boot each test guest on plain QEMU (TCG, PVH loader, no Vigil) and check
# what the library promises there: the boot path, the console, one verdict
# line, SKIP where a guest needs Vigil, and a clean exit through
# isa-debug-exit. Also checks every image's ELF layout against the guest
# boot contract. Runs one QEMU at a time.
# Usage: tests/guests/check-native.sh [dir with <name>.elf, default build/guests]
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib.sh"
dir=${1:-build/guests}
qemu_timeout=${GUEST_QEMU_TIMEOUT:-20}

# Guest memory is 0..4 MiB and Vigil puts the start info in its last page.
region_end=$((0x400000 - 0x1000))

# run_guest NAME SECONDS: serial output in $out, QEMU's exit status in $rc.
run_guest() {
	out=$(timeout "$2" qemu-system-x86_64 -accel tcg -cpu qemu64 -m 64 \
		-kernel "$dir/$1.elf" -nographic -monitor none -serial stdio \
		-no-reboot -net none -device isa-debug-exit,iobase=0xf4,iosize=4 \
		</dev/null 2>&1 | tr -d '\r' | sed -e 's/^.*Booting from ROM\.\.//')
	rc=${PIPESTATUS[0]}
}

verdicts() { grep -E '^verdict: ' <<<"$out"; }
has_line() { grep -qxF -- "$1" <<<"$out"; }
# isa-debug-exit turns the guest's exit code c into QEMU status 2c+1.
# QEMU's own failures exit 1 too, so a verdict must have come first.
exited_with() { [ -n "$(verdicts)" ] && [ "$rc" -eq $((2 * $1 + 1)) ]; }

check_elf() {
	local elf=$dir/$1.elf entry note ok=true
	entry=$(readelf -h "$elf" | awk '/Entry point/ {print $4}')
	note=$(readelf -n "$elf" | awk '/^ *Xen .*0x00000012/ {f=1; next} f && /description data/ {print $3 $4 $5 $6; exit}')
	# The note holds the entry, little-endian: 00 00 10 00 -> 0x100000.
	[ -n "$note" ] && [ $((16#${note:6:2}${note:4:2}${note:2:2}${note:0:2})) -eq $((entry)) ] || ok=false
	while read -r paddr memsz; do
		[ $((paddr)) -ge $((0x100000)) ] && [ $((paddr + memsz)) -le $region_end ] || ok=false
	done < <(readelf -lW "$elf" | awk '$1 == "LOAD" {print $4, $6}')
	t_check "$1: PVH note names the entry, PT_LOADs inside 1 MiB..4 MiB-4 KiB" $ok
}

for elf in "$dir"/*.elf; do
	check_elf "$(basename "$elf" .elf)"
done

run_guest hello "$qemu_timeout"
t_check "hello: greeting in long mode" has_line "hello: Vigil test guest up in long mode"
t_check "hello: one verdict, SKIP natively" \
	[ "$(verdicts)" = "verdict: SKIP hello: not under Vigil (no CPUID 0x40000000 signature)" ]
t_check "hello: exits with code 0" exited_with 0

run_guest npt-probe "$qemu_timeout"
t_check "npt-probe: announces the touch" has_line "npt-probe: touching 0x40000000"
t_check "npt-probe: one verdict, SKIP natively, after the touch" \
	[ "$(verdicts | wc -l)" -eq 1 -a "$(grep -A1 -xF 'npt-probe: touching 0x40000000' <<<"$out" | tail -n 1 | cut -d' ' -f1-2)" = "verdict: SKIP" ]

run_guest libcheck "$qemu_timeout"
t_check "libcheck: one verdict, PASS" [ "$(verdicts)" = "verdict: PASS libcheck" ]
t_check "libcheck: exits with code 0" exited_with 0
grep -E '^libcheck: FAIL' <<<"$out"

run_guest hypercall-abi "$qemu_timeout"
t_check "hypercall-abi: one verdict, SKIP natively" \
	[ "$(verdicts)" = "verdict: SKIP hypercall-abi: not under Vigil" ]

# A victim never ends: give it a few seconds, then count its beats. The
# last one may have been cut short by the kill, so it does not count.
run_guest ticker 6
beats=$(grep -E '^beat [0-9]+$' <<<"$out" | head -n -1 | awk '{print $2}')
t_check "ticker: at least 3 beats in 6 s" [ "$(wc -l <<<"$beats")" -ge 3 ]
t_check "ticker: beats count up from 0" \
	[ "$(tr '\n' ' ' <<<"$beats")" = "$(seq -s ' ' 0 $(($(wc -l <<<"$beats") - 1))) " ]
t_check "ticker: beats and no verdict" [ -n "$beats" -a -z "$(verdicts)" ]

t_summary
