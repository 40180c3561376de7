#!/usr/bin/env bash
# Boot the Linux guest's vmlinux and initramfs directly under QEMU (microvm,
# TCG, no Vigil) and check that userspace is reached and that the shell on
# the console answers a command (docs/linux-guest.md).
#
# usage: tools/linux/qemu-direct.sh [options] [VMLINUX [INITRD]]
#   --acpi FILE     the guest's own ACPI tables (tools/linux/mkacpi.sh) at
#                   GP_ACPI_GPA instead of QEMU's; give --smp to match
#   --icount        deterministic instruction counting (-icount shift=0,sleep=off)
#   --cmdline STR   kernel command line (default: $LINUX_CMDLINE, which make
#                   exports, else `make print-LINUX_CMDLINE`)
#   --smp N         vCPUs (default 1)
#   --mem SIZE      guest RAM (default 256M)
#   --timeout SEC   give up after SEC seconds (default 600)
#   --log FILE      keep the console output in FILE
#   --qemu-arg ARG  one more QEMU argument, after the others (repeatable;
#                   make bench adds a gdb stub and QMP this way)
# VMLINUX and INITRD default to build/linux/vmlinux and build/linux/initrd.cpio.gz.
#
# Prints the wall time to the userspace line and the kernel's own timestamp
# of "Run /init"; exits 0 when both checks pass, 1 when one fails, 2 on a
# usage error or when QEMU cannot start.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
header=$top/include/vigil/guest_platform.h
vmlinux=$top/build/linux/vmlinux
initrd=$top/build/linux/initrd.cpio.gz
cmdline=''
acpi='' icount=0 smp=1 mem=256M timeout=600 log=''
extra=()
userspace_line="vigil-linux: userspace reached"

die() { echo "qemu-direct: $*" >&2; exit 2; }

positional=()
while [ $# -gt 0 ]; do
	case $1 in
	--acpi) [ $# -ge 2 ] || die "--acpi needs a file"; acpi=$2; shift ;;
	--icount) icount=1 ;;
	--cmdline) [ $# -ge 2 ] || die "--cmdline needs a value"; cmdline=$2; shift ;;
	--smp) [ $# -ge 2 ] || die "--smp needs a value"; smp=$2; shift ;;
	--mem) [ $# -ge 2 ] || die "--mem needs a value"; mem=$2; shift ;;
	--timeout) [ $# -ge 2 ] || die "--timeout needs a value"; timeout=$2; shift ;;
	--log) [ $# -ge 2 ] || die "--log needs a file"; log=$2; shift ;;
	--qemu-arg) [ $# -ge 2 ] || die "--qemu-arg needs a value"; extra+=("$2"); shift ;;
	-h | --help) sed -n '2,/^set -e/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	-*) die "unknown option $1 (--help)" ;;
	*) positional+=("$1") ;;
	esac
	shift
done
[ ${#positional[@]} -le 2 ] || die "at most VMLINUX and INITRD (--help)"
[ ${#positional[@]} -ge 1 ] && vmlinux=${positional[0]}
[ ${#positional[@]} -ge 2 ] && initrd=${positional[1]}
for f in "$vmlinux" "$initrd" ${acpi:+"$acpi"}; do
	[ -f "$f" ] || die "$f does not exist (make linux-guest builds the guest's files)"
done
[[ $timeout =~ ^[0-9]+$ ]] || die "--timeout takes whole seconds"
# One place defines the command line: mk/linux.mk.
[ -n "$cmdline" ] || cmdline=${LINUX_CMDLINE:-$(make -s -C "$top" --no-print-directory print-LINUX_CMDLINE)}
[ -n "$cmdline" ] || die "no kernel command line (LINUX_CMDLINE is empty)"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not found (run tools/deps.sh)"

# The kernel release, from the banner in the image: what `uname -r` must say.
release=$(LC_ALL=C grep -aom1 'Linux version [^ ]*' "$vmlinux" | cut -d' ' -f3) ||
	die "$vmlinux: no Linux version banner"

# TCG's TSC runs at the host's TSC rate (or, under icount, at 1 GHz of
# virtual time). microvm with pit=off has no PIT, HPET or working PM timer
# to calibrate against, and without a known TSC rate Linux 6.1 waits
# forever calibrating the local APIC timer. So this harness, and only it,
# tells the kernel the rate; Vigil's platform has a PM timer instead.
host_tsc_khz() {
	local bin=$tmp/tsc-khz
	"${HOSTCC:-cc}" -O2 -x c -o "$bin" - <<-'EOF' || die "cannot build the TSC-rate probe (no C compiler?)"
	#include <stdio.h>
	#include <time.h>
	#include <x86intrin.h>
	int main(void)
	{
		struct timespec a, b, d = { 0, 200000000 };
		unsigned long long t0, t1;
		clock_gettime(CLOCK_MONOTONIC_RAW, &a);
		t0 = __rdtsc();
		nanosleep(&d, NULL);
		t1 = __rdtsc();
		clock_gettime(CLOCK_MONOTONIC_RAW, &b);
		double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
		printf("%.0f\n", (double)(t1 - t0) / ns * 1e6);
		return 0;
	}
	EOF
	"$bin"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-qemu-direct.XXXXXX")
qemu_pid=''
cleanup() {
	exec 3>&- 2>/dev/null || true
	if [ -n "$qemu_pid" ]; then # only the QEMU this script started
		kill "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	[ -z "$log" ] || cp "$tmp/console" "$log" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

if [ "$icount" = 1 ]; then
	tsc_khz=1000000
	accel=(-accel tcg -icount 'shift=0,sleep=off')
else
	tsc_khz=$(host_tsc_khz)
	accel=(-accel tcg)
fi
machine=microvm,pit=off,pic=off,rtc=off,auto-kernel-cmdline=off
tables=()
if [ -n "$acpi" ]; then
	acpi_gpa=$(sed -n 's/^#define GP_ACPI_GPA[[:space:]]*\(0x[0-9a-fA-F]*\)u\{0,1\}$/\1/p' "$header")
	[ -n "$acpi_gpa" ] || die "$header: no GP_ACPI_GPA"
	machine+=,acpi=off
	tables=(-device "loader,file=$acpi,addr=$acpi_gpa,force-raw=on")
fi
append="$cmdline tsc_early_khz=$tsc_khz"

qemu=(qemu-system-x86_64 -M "$machine" -cpu qemu64 "${accel[@]}" -smp "$smp" -m "$mem"
	-kernel "$vmlinux" -initrd "$initrd" -append "$append" "${tables[@]}"
	-nographic -no-reboot -nic none "${extra[@]}")
echo "qemu-direct: ${qemu[*]}" >&2

mkfifo "$tmp/input"
: >"$tmp/console"
start=$(date +%s%N)
"${qemu[@]}" <"$tmp/input" >"$tmp/console" 2>&1 &
qemu_pid=$!
exec 3>"$tmp/input"

elapsed_ms() { echo $((($(date +%s%N) - start) / 1000000)); }
secs() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# console: the output so far, without the serial line's CRs.
console() { tr -d '\r' <"$tmp/console"; }

# wait_for LINE_REGEX: until a console line matches, QEMU exits, or the
# timeout passes. (grep -q reads from a process substitution: in a
# pipeline its early exit would fail the pipeline under pipefail.)
wait_for() {
	while :; do
		grep -qE "$1" < <(console) && return 0
		kill -0 "$qemu_pid" 2>/dev/null || return 1
		[ "$(elapsed_ms)" -lt $((timeout * 1000)) ] || return 1
		sleep 0.2
	done
}

fail() {
	echo "qemu-direct: FAIL: $*" >&2
	echo "qemu-direct: last console lines:" >&2
	console | tail -n 15 | sed 's/^/    /' >&2
	exit 1
}

wait_for "^$userspace_line\$" || fail "no '$userspace_line' line"
userspace_ms=$(elapsed_ms)
run_init=$(console | sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process$/\1/p')
echo "qemu-direct: userspace reached after $(secs "$userspace_ms") s wall (kernel's clock at Run /init: ${run_init:-?} s)" >&2

# The shell resets the UART when it opens it: type only once it prompts.
wait_for '^/ # ' || fail "no shell prompt"
# A line equal to the release, and the shell's arithmetic (the echoed
# input holds the expression, not its value).
# shellcheck disable=SC2016 # expanded by the guest's shell, not here
printf 'uname -r; echo vigil-shell-$((6 * 7))\n' >&3
wait_for '^vigil-shell-42$' || fail "the shell did not answer"
grep -qxF "$release" < <(console) || fail "uname -r did not print $release"
total_ms=$(elapsed_ms)
echo "qemu-direct: PASS: shell answered (uname -r: $release) after $(secs "$total_ms") s wall" >&2
