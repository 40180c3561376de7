#!/usr/bin/env bash
# Build a Linux guest's ACPI tables as one blob for guest-physical
# GP_ACPI_GPA: RSDP (revision 2) at offset 0, then XSDT, FADT, MADT, DSDT,
# each 16-byte aligned (docs/linux-guest.md).
#
# The tables are written as iasl sources (ASL for the DSDT, iasl's data
# table language for the rest) and compiled by iasl, which computes every
# checksum. Every address and port comes from include/vigil/guest_platform.h.
# The tables that hold pointers (RSDP, XSDT, FADT) are compiled twice:
# once to learn every table's size, once with the final addresses.
#
# Usage: tools/linux/mkacpi.sh --cpus N --out FILE [--keep DIR]
#   --keep DIR   leave the generated sources and compiled tables in DIR
set -euo pipefail

die() { echo "mkacpi: $*" >&2; exit 1; }

top=$(cd "$(dirname "$0")/../.." && pwd)
header=$top/include/vigil/guest_platform.h
cpus='' out='' keep=''

while [ $# -gt 0 ]; do
	case $1 in
	--cpus) [ $# -ge 2 ] || die "--cpus needs a value"; cpus=$2; shift ;;
	--out) [ $# -ge 2 ] || die "--out needs a value"; out=$2; shift ;;
	--keep) [ $# -ge 2 ] || die "--keep needs a value"; keep=$2; shift ;;
	-h | --help) sed -n '2,/^set -e/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	*) die "unknown argument $1 (--help)" ;;
	esac
	shift
done
if [ -z "$cpus" ] || [ -z "$out" ]; then
	die "usage: $0 --cpus N --out FILE"
fi
# The MADT's Local APIC entry holds an 8-bit APIC ID; 0xff is broadcast.
if ! [[ $cpus =~ ^[1-9][0-9]{0,2}$ ]] || [ "$cpus" -gt 254 ]; then
	die "--cpus must be 1..254, not '$cpus'"
fi
command -v iasl >/dev/null || die "iasl not found (Debian package acpica-tools; run tools/deps.sh)"

# gp NAME: the value of "#define NAME <number>u" in guest_platform.h.
gp() {
	local v
	v=$(sed -n "s/^#define $1[[:space:]]\{1,\}\(0x[0-9a-fA-F]\{1,\}\|[0-9]\{1,\}\)u\{0,1\}[[:space:]]*\$/\1/p" "$header")
	[ -n "$v" ] || die "$header: no numeric #define $1"
	echo $((v))
}

acpi_gpa=$(gp GP_ACPI_GPA)
acpi_max=$(gp GP_ACPI_MAX)
lapic_base=$(gp GP_LAPIC_BASE)
ioapic_base=$(gp GP_IOAPIC_BASE)
ioapic_id=$(gp GP_IOAPIC_ID)
uart_gsi=$(gp GP_UART_GSI)
sleep_ctl=$(gp GP_ACPI_SLEEP_CTL)
sleep_sts=$(gp GP_ACPI_SLEEP_STS)
reset_port=$(gp GP_ACPI_RESET)
reset_value=$(gp GP_ACPI_RESET_VALUE)
pmtmr_port=$(gp GP_ACPI_PMTMR)
s5_typ=$(gp GP_ACPI_S5_TYP)

work=$(mktemp -d "${TMPDIR:-/tmp}/mkacpi.XXXXXX")
trap 'rm -rf "$work"' EXIT

h2() { printf '%02X' "$1"; }
h4() { printf '%04X' "$1"; }
h8() { printf '%08X' "$1"; }
h16() { printf '%016X' "$1"; }

# The common header of the data tables; iasl fills in length and checksum.
table_header() { # SIGNATURE REVISION
	cat <<-EOF
	[0004]                          Signature : "$1"
	[0004]                       Table Length : 00000000
	[0001]                           Revision : $(h2 "$2")
	[0001]                           Checksum : 00
	[0006]                             Oem ID : "VIGIL "
	[0008]                       Oem Table ID : "VIGILGST"
	[0004]                       Oem Revision : 00000001
	[0004]                    Asl Compiler ID : "INTL"
	[0004]              Asl Compiler Revision : 00000000

	EOF
}

# A Generic Address Structure in system I/O space.
gas_io() { # NAME BIT_WIDTH ACCESS_SIZE PORT  (access size: 1 byte .. 3 dword)
	cat <<-EOF
	[0012] $(printf '%34s' "$1") : [Generic Address Structure]
	[0001]                           Space ID : 01 [SystemIO]
	[0001]                          Bit Width : $(h2 "$2")
	[0001]                         Bit Offset : 00
	[0001]               Encoded Access Width : $(h2 "$3")
	[0008]                            Address : $(h16 "$4")

	EOF
}

gas_none() { # NAME
	cat <<-EOF
	[0012] $(printf '%34s' "$1") : [Generic Address Structure]
	[0001]                           Space ID : 00 [SystemMemory]
	[0001]                          Bit Width : 00
	[0001]                         Bit Offset : 00
	[0001]               Encoded Access Width : 00 [Undefined/Legacy]
	[0008]                            Address : 0000000000000000

	EOF
}

gen_dsdt() {
	cat <<-EOF
	/* The guest's only device, the console UART, and how to power off. */
	DefinitionBlock ("", "DSDT", 2, "VIGIL ", "VIGILGST", 1)
	{
	    Scope (\\_SB)
	    {
	        Device (COM1)
	        {
	            Name (_HID, EisaId ("PNP0501"))
	            Name (_UID, Zero)
	            Name (_CRS, ResourceTemplate ()
	            {
	                IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
	                IRQ (Edge, ActiveHigh, Exclusive) {$uart_gsi}
	            })
	        }
	    }

	    /* SLP_TYPa, SLP_TYPb, reserved, reserved */
	    Name (_S5, Package (0x04) { $s5_typ, $s5_typ, Zero, Zero })
	}
	EOF
}

gen_madt() {
	local i
	table_header APIC 5
	cat <<-EOF
	[0004]                 Local Apic Address : $(h8 "$lapic_base")
	[0004]              Flags (decoded below) : 00000000
	                      PC-AT Compatibility : 0

	EOF
	for ((i = 0; i < cpus; i++)); do
		cat <<-EOF
		[0001]                      Subtable Type : 00 [Processor Local APIC]
		[0001]                             Length : 08
		[0001]                       Processor ID : $(h2 "$i")
		[0001]                      Local Apic ID : $(h2 "$i")
		[0004]              Flags (decoded below) : 00000001
		                        Processor Enabled : 1
		                   Runtime Online Capable : 0

		EOF
	done
	cat <<-EOF
	[0001]                      Subtable Type : 01 [I/O APIC]
	[0001]                             Length : 0C
	[0001]                        I/O Apic ID : $(h2 "$ioapic_id")
	[0001]                           Reserved : 00
	[0004]                            Address : $(h8 "$ioapic_base")
	[0004]                          Interrupt : 00000000
	EOF
}

# FADT flags: WBINVD (0), power and sleep buttons are control-method
# devices, i.e. there are none (4, 5), TMR_VAL_EXT (8), RESET_REG_SUP (10),
# HW_REDUCED_ACPI (20).
fadt_flags=$(((1 << 0) | (1 << 4) | (1 << 5) | (1 << 8) | (1 << 10) | (1 << 20)))
# IA-PC boot architecture flags: no legacy devices (0 clear), no 8042 (1
# clear), VGA not present (2), MSI supported (3 clear: an assigned PCI
# function's interrupts are MSI or MSI-X, docs/dma.md), PCIe ASPM not
# supported (4: the guest cannot change a link's power states; the VMM
# drops such writes), CMOS RTC not present (5).
fadt_boot_flags=$(((1 << 2) | (1 << 4) | (1 << 5)))

gen_fadt() { # DSDT_ADDRESS
	table_header FACP 6
	cat <<-EOF
	[0004]                       FACS Address : 00000000
	[0004]                       DSDT Address : 00000000
	[0001]                              Model : 00
	[0001]                         PM Profile : 00 [Unspecified]
	[0002]                      SCI Interrupt : 0000
	[0004]                   SMI Command Port : 00000000
	[0001]                  ACPI Enable Value : 00
	[0001]                 ACPI Disable Value : 00
	[0001]                     S4BIOS Command : 00
	[0001]                    P-State Control : 00
	[0004]           PM1A Event Block Address : 00000000
	[0004]           PM1B Event Block Address : 00000000
	[0004]         PM1A Control Block Address : 00000000
	[0004]         PM1B Control Block Address : 00000000
	[0004]          PM2 Control Block Address : 00000000
	[0004]             PM Timer Block Address : 00000000
	[0004]                 GPE0 Block Address : 00000000
	[0004]                 GPE1 Block Address : 00000000
	[0001]             PM1 Event Block Length : 00
	[0001]           PM1 Control Block Length : 00
	[0001]           PM2 Control Block Length : 00
	[0001]              PM Timer Block Length : 00
	[0001]                  GPE0 Block Length : 00
	[0001]                  GPE1 Block Length : 00
	[0001]                   GPE1 Base Offset : 00
	[0001]                       _CST Support : 00
	[0002]                         C2 Latency : 0000
	[0002]                         C3 Latency : 0000
	[0002]                     CPU Cache Size : 0000
	[0002]                 Cache Flush Stride : 0000
	[0001]                  Duty Cycle Offset : 00
	[0001]                   Duty Cycle Width : 00
	[0001]                RTC Day Alarm Index : 00
	[0001]              RTC Month Alarm Index : 00
	[0001]                  RTC Century Index : 00
	[0002]         Boot Flags (decoded below) : $(h4 "$fadt_boot_flags")
	            Legacy Devices Supported (V2) : 0
	         8042 Present on ports 60/64 (V2) : 0
	                     VGA Not Present (V4) : 1
	                   MSI Not Supported (V4) : 0
	             PCIe ASPM Not Supported (V4) : 1
	                CMOS RTC Not Present (V5) : 1
	[0001]                           Reserved : 00
	[0004]              Flags (decoded below) : $(h8 "$fadt_flags")
	   WBINVD instruction is operational (V1) : 1
	           WBINVD flushes all caches (V1) : 0
	                 All CPUs support C1 (V1) : 0
	               C2 works on MP system (V1) : 0
	         Control Method Power Button (V1) : 1
	         Control Method Sleep Button (V1) : 1
	     RTC wake not in fixed reg space (V1) : 0
	         RTC can wake system from S4 (V1) : 0
	                     32-bit PM Timer (V1) : 1
	                   Docking Supported (V1) : 0
	            Reset Register Supported (V2) : 1
	                         Sealed Case (V3) : 0
	                 Headless - No Video (V3) : 0
	     Use native instr after SLP_TYPx (V3) : 0
	           PCIEXP_WAK Bits Supported (V4) : 0
	                  Use Platform Timer (V4) : 0
	            RTC_STS valid on S4 wake (V4) : 0
	             Remote Power-on capable (V4) : 0
	              Use APIC Cluster Model (V4) : 0
	  Use APIC Physical Destination Mode (V4) : 0
	                    Hardware Reduced (V5) : 1
	                   Low Power S0 Idle (V5) : 0

	EOF
	gas_io "Reset Register" 8 1 "$reset_port"
	cat <<-EOF
	[0001]               Value to cause reset : $(h2 "$reset_value")
	[0002]          ARM Flags (decoded below) : 0000
	                           PSCI Compliant : 0
	                    Must use HVC for PSCI : 0

	[0001]                FADT Minor Revision : 00
	[0008]                       FACS Address : 0000000000000000
	[0008]                       DSDT Address : $(h16 "$1")
	EOF
	gas_none "PM1A Event Block"
	gas_none "PM1B Event Block"
	gas_none "PM1A Control Block"
	gas_none "PM1B Control Block"
	gas_none "PM2 Control Block"
	gas_io "PM Timer Block" 32 3 "$pmtmr_port"
	gas_none "GPE0 Block"
	gas_none "GPE1 Block"
	gas_io "Sleep Control Register" 8 1 "$sleep_ctl"
	gas_io "Sleep Status Register" 8 1 "$sleep_sts"
	echo "[0008]                      Hypervisor ID : 0000000000000000"
}

gen_xsdt() { # TABLE_ADDRESS...
	local i=0 a
	table_header XSDT 1
	for a in "$@"; do
		printf '[0008]             ACPI Table Address %3d : %s\n' "$i" "$(h16 "$a")"
		i=$((i + 1))
	done
}

gen_rsdp() { # XSDT_ADDRESS
	cat <<-EOF
	[0008]                          Signature : "RSD PTR "
	[0001]                           Checksum : 00
	[0006]                             Oem ID : "VIGIL "
	[0001]                           Revision : 02
	[0004]                       RSDT Address : 00000000
	[0004]                             Length : 00000024
	[0008]                       XSDT Address : $(h16 "$1")
	[0001]                  Extended Checksum : 00
	[0003]                           Reserved : 000000
	EOF
}

# compile NAME: iasl NAME.dsl -> NAME.aml (errors only, as errors).
compile() {
	if ! (cd "$work" && iasl -vs -ve -p "$1" "$1.dsl" >"$1.log" 2>&1); then
		cat "$work/$1.log" >&2
		die "iasl could not compile the $1 table (source: $work/$1.dsl)"
	fi
}

size() { stat -c %s "$work/$1.aml"; }
align16() { echo $((($1 + 15) & ~15)); }

# Pass 1: every table, pointers provisional (iasl refuses zero ones), to
# learn the sizes.
gen_dsdt >"$work/dsdt.dsl"
gen_madt >"$work/madt.dsl"
gen_fadt "$acpi_gpa" >"$work/fadt.dsl"
gen_xsdt "$acpi_gpa" "$acpi_gpa" >"$work/xsdt.dsl"
gen_rsdp "$acpi_gpa" >"$work/rsdp.dsl"
for t in dsdt madt fadt xsdt rsdp; do compile "$t"; done

# The layout: offsets inside the blob, in blob order.
order=(rsdp xsdt fadt madt dsdt)
declare -A off sz
pos=0
for t in "${order[@]}"; do
	pos=$(align16 "$pos")
	off[$t]=$pos
	sz[$t]=$(size "$t")
	pos=$((pos + sz[$t]))
done
total=$pos
[ "$total" -le "$acpi_max" ] || die "tables are $total bytes, more than GP_ACPI_MAX ($acpi_max)"
gpa() { echo $((acpi_gpa + off[$1])); }

# Pass 2: the tables that point at others, with the final addresses.
gen_fadt "$(gpa dsdt)" >"$work/fadt.dsl"
gen_xsdt "$(gpa fadt)" "$(gpa madt)" >"$work/xsdt.dsl"
gen_rsdp "$(gpa xsdt)" >"$work/rsdp.dsl"
for t in fadt xsdt rsdp; do
	compile "$t"
	[ "$(size "$t")" -eq "${sz[$t]}" ] || die "$t changed size between passes"
done

# The blob: each table at its offset, zeros between.
truncate -s 0 "$work/blob"
for t in "${order[@]}"; do
	truncate -s "${off[$t]}" "$work/blob"
	cat "$work/$t.aml" >>"$work/blob"
done
[ "$(stat -c %s "$work/blob")" -eq "$total" ] || die "internal error: blob size"

if [ -n "$keep" ]; then
	mkdir -p "$keep"
	cp "$work"/*.dsl "$work"/*.aml "$keep"/
fi
tmp=$(mktemp "${out}.XXXXXX")
cp "$work/blob" "$tmp"
chmod 644 "$tmp"
mv "$tmp" "$out"
