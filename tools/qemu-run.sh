#!/usr/bin/env bash
# Boot a Vigil ESP directory or disk image in QEMU (q35, OVMF, swtpm TPM 2.0).
# `make run` uses it, and so do the boot tests (tests/integration/vigiltest.py).
#
# usage: tools/qemu-run.sh [options] ESP_DIR|DISK.img [-- QEMU_ARGS...]
#   --serial FILE     serial console to FILE instead of the terminal
#   --channel SOCKET  the management channel (COM2) as a unix socket QEMU
#                     listens on (vigilctl --socket SOCKET talks to it)
#   --log FILE        terminal console, and a copy of it in FILE
#   --timeout SEC     stop QEMU after SEC seconds (exit status 124)
#   --secboot         Secure Boot firmware with the snakeoil keys enrolled
#   --no-tpm          no TPM
#   --tpm-crb         the TPM behind a Command Response Buffer (default: FIFO/TIS)
#   --tpm-state DIR   keep swtpm's state in DIR (default: a temporary dir)
#   --smp N           CPUs (default 7: the VMM's and the default config's guests' six vCPUs)
#   --mem SIZE        RAM (default 1G)
#   --accel auto|tcg|kvm   default auto: KVM only with nested virtualization
#   --reboot          a reset reboots the machine (default: QEMU exits on a
#                     reset, so a test's run ends at a VMM panic)
#
# The exit status is QEMU's: a guest writing V to isa-debug-exit (port 0xf4)
# makes it (V << 1) | 1. On the terminal, quit with Ctrl-A X.
set -euo pipefail

ovmf_dir=/usr/share/OVMF
serial= channel= log= timeout= secboot=0 tpm=1 tpm_dev=tpm-tis tpm_state= smp=7 mem=1G accel=auto reboot=0 target=
extra=()

die() { echo "qemu-run: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case $1 in
	--serial) serial=$2; shift ;;
	--channel) channel=$2; shift ;;
	--log) log=$2; shift ;;
	--timeout) timeout=$2; shift ;;
	--secboot) secboot=1 ;;
	--no-tpm) tpm=0 ;;
	--tpm-crb) tpm_dev=tpm-crb ;;
	--tpm-state) tpm_state=$2; shift ;;
	--smp) smp=$2; shift ;;
	--mem) mem=$2; shift ;;
	--accel) accel=$2; shift ;;
	--reboot) reboot=1 ;;
	--) shift; extra=("$@"); break ;;
	-h|--help) sed -n '2,/^set -e/{/^#/s/^# \{0,1\}//p}' "$0"; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) [ -z "$target" ] || die "one ESP or image only"; target=$1 ;;
	esac
	shift
done
[ -n "$target" ] || die "give an ESP directory or a disk image (--help)"
[ -e "$target" ] || die "$target does not exist"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/vigil-qemu.XXXXXX")
swtpm_pid= qemu_pid= watchdog_pid=
stop_pid() { # only processes this script started, by their id
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
cleanup() {
	stop_pid "$watchdog_pid"
	stop_pid "$qemu_pid"
	stop_pid "$swtpm_pid"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

nested_on() {
	local p
	for p in /sys/module/kvm_amd/parameters/nested /sys/module/kvm_intel/parameters/nested; do
		[ -r "$p" ] && grep -qE '^(1|Y)' "$p" && return 0
	done
	return 1
}

if [ "$accel" = auto ]; then
	if [ -w /dev/kvm ] && nested_on; then accel=kvm; else accel=tcg; fi
fi
case $accel in
kvm) cpu=(-accel kvm -cpu host); why="KVM with nested virtualization" ;;
tcg) cpu=(-accel tcg -cpu qemu64,+svm,+npt); why="TCG, emulated AMD SVM + NPT (no usable nested KVM)" ;;
*) die "--accel auto|tcg|kvm" ;;
esac
echo "qemu-run: accelerator: $why" >&2

if [ "$secboot" = 1 ]; then
	code=$ovmf_dir/OVMF_CODE_4M.secboot.fd vars=$ovmf_dir/OVMF_VARS_4M.snakeoil.fd
else
	code=$ovmf_dir/OVMF_CODE_4M.fd vars=$ovmf_dir/OVMF_VARS_4M.fd
fi
cp "$vars" "$tmp/vars.fd" # the firmware writes its variables: never to the original
firmware=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$code"
	-drive "if=pflash,format=raw,unit=1,file=$tmp/vars.fd")
# q35 with Secure Boot firmware needs SMM so the variable store is protected.
machine=(-machine "q35,smm=$([ "$secboot" = 1 ] && echo on || echo off)")
[ "$secboot" = 1 ] && machine+=(-global driver=cfi.pflash01,property=secure,value=on)

if [ -d "$target" ]; then
	# vvfat reads the directory as a FAT disk; it must not see later edits.
	disk=(-drive "if=none,id=esp,format=raw,readonly=on,file=fat:$(cd "$target" && pwd)")
else
	disk=(-drive "if=none,id=esp,format=raw,readonly=on,file=$target")
fi
disk+=(-device virtio-blk-pci,drive=esp,bootindex=1)

tpmargs=()
if [ "$tpm" = 1 ]; then
	state=${tpm_state:-$tmp/tpm}
	mkdir -p "$state"
	swtpm socket --tpm2 --tpmstate "dir=$state" \
		--ctrl "type=unixio,path=$tmp/swtpm.sock" --terminate \
		--log "file=$tmp/swtpm.log" &
	swtpm_pid=$!
	for _ in $(seq 50); do [ -S "$tmp/swtpm.sock" ] && break; sleep 0.1; done
	[ -S "$tmp/swtpm.sock" ] || die "swtpm did not start (see $tmp/swtpm.log)"
	tpmargs=(-chardev "socket,id=tpmchr,path=$tmp/swtpm.sock"
		-tpmdev emulator,id=tpm0,chardev=tpmchr -device "$tpm_dev,tpmdev=tpm0")
fi

if [ -n "$serial" ]; then
	console=(-chardev "file,id=con,path=$serial")
else
	# A mux gives Ctrl-A X; signal=off passes Ctrl-C to the console.
	console=(-chardev "stdio,id=con,mux=on,signal=off${log:+,logfile=$log}")
	echo "qemu-run: serial console on this terminal; quit with Ctrl-A X" >&2
fi

# COM2: the management channel. QEMU listens; it does not wait for a client.
chanargs=()
if [ -n "$channel" ]; then
	rm -f "$channel"
	chanargs=(-chardev "socket,id=chan,path=$channel,server=on,wait=off" -serial chardev:chan)
	echo "qemu-run: management channel on $channel (vigilctl --socket $channel ...)" >&2
fi

qemu=(qemu-system-x86_64 "${machine[@]}" "${cpu[@]}" -smp "$smp" -m "$mem"
	"${firmware[@]}" "${disk[@]}" "${tpmargs[@]}" "${console[@]}"
	-serial chardev:con "${chanargs[@]}" -monitor none -nographic -nic none
	-device isa-debug-exit,iobase=0xf4,iosize=4 "${extra[@]}")

[ "$reboot" = 1 ] || qemu+=(-no-reboot)

if [ -z "$serial" ]; then
	# On the terminal QEMU must stay in the foreground to own the console;
	# --foreground keeps it in our process group.
	status=0
	if [ -n "$timeout" ]; then
		timeout --foreground "$timeout" "${qemu[@]}" || status=$?
	else
		"${qemu[@]}" || status=$?
	fi
	exit "$status"
fi

# Serial to a file: QEMU runs in the background so that a TERM to this
# script (the `wait` below returns at once) stops QEMU and swtpm with it.
"${qemu[@]}" </dev/null &
qemu_pid=$!
if [ -n "$timeout" ]; then
	sleep "$timeout" &
	watchdog_pid=$!
fi
status=0
wait -n "$qemu_pid" $watchdog_pid || status=$?
if kill -0 "$qemu_pid" 2>/dev/null; then
	status=124 # the watchdog ended first; cleanup stops QEMU
else
	qemu_pid=
fi
exit "$status"
