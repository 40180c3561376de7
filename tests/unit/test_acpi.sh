#!/usr/bin/env bash
# The Linux guest's ACPI tables (tools/linux/mkacpi.sh, docs/linux-guest.md):
# built for several vCPU counts and each passed by tools/linux/check-acpi.py;
# the checker shown to refuse broken blobs (so a broken table fails this
# tier); mkacpi refusing bad vCPU counts; the output reproducible.
# Prints one PASS/FAIL line per check (tests/unit/run.sh counts them).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
. "$top/tests/lib.sh"
mk=$top/tools/linux/mkacpi.sh
ck=$top/tools/linux/check-acpi.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

quiet() { "$@" >/dev/null 2>&1; }
refused() { ! "$@" >/dev/null 2>&1; }

# --- good tables, and the checker passes them
for n in 1 2 4 64 254; do
	if quiet "$mk" --cpus "$n" --out "$tmp/acpi-$n.bin"; then
		t_check "acpi.cpus_$n.passes_check" quiet "$ck" --cpus "$n" "$tmp/acpi-$n.bin"
	else
		t_fail "acpi.cpus_$n.builds"
	fi
done
good=$tmp/acpi-2.bin
[ -f "$good" ] || { t_fail acpi.no_blob_to_corrupt; t_summary; exit 1; }
quiet "$mk" --cpus 2 --out "$tmp/again.bin"
t_check acpi.reproducible cmp -s "$good" "$tmp/again.bin"
t_check acpi.rsdp_at_offset_0 test "$(head -c 8 "$good")" = "RSD PTR "
t_check acpi.refuses_0_cpus refused "$mk" --cpus 0 --out "$tmp/x.bin"
t_check acpi.refuses_255_cpus refused "$mk" --cpus 255 --out "$tmp/x.bin"
t_check acpi.refuses_no_count refused "$mk" --out "$tmp/x.bin"

# --- broken tables, and the checker refuses them
# corrupt NAME SIG OFFSET VALUE [fix]: a copy of the good blob with byte
# OFFSET of table SIG (RSDP: the blob's start) set to VALUE; with "fix",
# the table's checksum is corrected so only the content is wrong.
corrupt() {
	python3 - "$good" "$tmp/$1.bin" "$2" "$3" "$4" "${5:-}" <<-'EOF'
	import struct, sys
	src, dst, sig, off, val, fix = sys.argv[1:]
	b = bytearray(open(src, "rb").read())
	start = 0 if sig == "RSDP" else b.index(sig.encode())
	b[start + int(off, 0)] = int(val, 0)
	if fix:
	    length = struct.unpack_from("<I", b, start + 4)[0]
	    b[start + 9] = 0
	    b[start + 9] = -sum(b[start:start + length]) & 0xff
	open(dst, "wb").write(b)
	EOF
}
# must_refuse NAME: the checker fails on $tmp/NAME.bin
must_refuse() { t_check "acpi.check_refuses.$1" refused "$ck" --cpus 2 "$tmp/$1.bin"; }

corrupt rsdp_checksum RSDP 8 0x00 && must_refuse rsdp_checksum
corrupt rsdp_ext_checksum RSDP 32 0x00 && must_refuse rsdp_ext_checksum
corrupt rsdp_revision RSDP 15 0x00 && must_refuse rsdp_revision
corrupt dsdt_checksum DSDT 40 0x00 && must_refuse dsdt_checksum
corrupt xsdt_pointer_outside XSDT 38 0xff fix && must_refuse xsdt_pointer_outside
corrupt fadt_not_hw_reduced FACP 114 0x00 fix && must_refuse fadt_not_hw_reduced
corrupt fadt_reset_port FACP 120 0x05 fix && must_refuse fadt_reset_port
corrupt fadt_pm_timer_width FACP 209 0x18 fix && must_refuse fadt_pm_timer_width
corrupt fadt_msi_not_supported FACP 109 0x3c fix && must_refuse fadt_msi_not_supported
corrupt fadt_dsdt_pointer FACP 140 0x00 fix && must_refuse fadt_dsdt_pointer
corrupt madt_pcat_compat APIC 40 0x01 fix && must_refuse madt_pcat_compat
corrupt madt_apic_id APIC 47 0x05 fix && must_refuse madt_apic_id
corrupt madt_ioapic_id APIC 62 0x00 fix && must_refuse madt_ioapic_id
head -c 400 "$good" >"$tmp/truncated.bin" && must_refuse truncated
t_check acpi.check_refuses.wrong_cpu_count refused "$ck" --cpus 3 "$good"

# The checker reads its expectations from guest_platform.h: a header with
# another reset port makes the same blob wrong.
sed 's/^#define GP_ACPI_RESET 0x[0-9a-f]*u$/#define GP_ACPI_RESET 0x704u/' \
	"$top/include/vigil/guest_platform.h" >"$tmp/platform.h"
t_check acpi.check_uses_header refused "$ck" --header "$tmp/platform.h" --cpus 2 "$good"

# A staged config (tools/linux/check-guest-acpi.sh, run by every ESP's
# staging): each guest's tables must describe exactly its vCPUs.
# stage NAME VCPUS BLOB: $tmp/NAME/ with system.dtb naming two packaged
# guests: g, whose manifest needs that many vCPUs and names that blob as
# its ACPI tables, and plain, with no tables.
stage() {
	mkdir -p "$tmp/$1/packages/g" "$tmp/$1/packages/plain"
	cp "$3" "$tmp/$1/packages/g/acpi.bin"
	printf '/dts-v1/;\n/ { files { image { path = "vmlinux"; }; acpi { path = "acpi.bin"; }; };
		needs { cpus = <%s>; }; };\n' "$2" | dtc -q -I dts -O dtb -o "$tmp/$1/packages/g/manifest.dtb" -
	printf '/dts-v1/;\n/ { files { image { path = "plain.elf"; }; }; needs { cpus = <1>; }; };\n' |
		dtc -q -I dts -O dtb -o "$tmp/$1/packages/plain/manifest.dtb" -
	printf '/dts-v1/;\n/ { guests { g { package = "packages/g"; cpus = <9>; };
		plain { package = "packages/plain"; cpus = <10>; }; }; };\n' |
		dtc -q -I dts -O dtb -o "$tmp/$1/system.dtb" -
}
cg=$top/tools/linux/check-guest-acpi.sh
stage stage_ok 2 "$good" && t_check acpi.staged.two_cpus_two_apics quiet "$cg" "$tmp/stage_ok"
stage stage_fewer 1 "$good" && t_check acpi.staged.refuses_more_apics_than_cpus refused "$cg" "$tmp/stage_fewer"
stage stage_more 4 "$good" && t_check acpi.staged.refuses_fewer_apics_than_cpus refused "$cg" \
	"$tmp/stage_more"
stage stage_msg 3 "$good" && t_check acpi.staged.names_the_guest \
	sh -c '"$1" "$2" 2>&1 | grep -q "guest g: its ACPI tables (packages/g/acpi.bin) do not describe its 3 vCPU"' \
	_ "$cg" "$tmp/stage_msg"
stage stage_old 2 "$good" && fdtput -d "$tmp/stage_old/system.dtb" /guests/plain package &&
	t_check acpi.staged.refuses_guest_without_package \
	sh -c 'out=$("$1" "$2" 2>&1) && exit 1; echo "$out" | grep -q "guest plain: no package"' _ "$cg" \
	"$tmp/stage_old"

t_summary
