#!/usr/bin/env bash
# Boot an ISO (GRUB + the multiboot2 lab entry, docs/vmx.md) under Debian's
# Bochs, headless, with COM1 written to a file.
#
# Usage: tools/bochs-run.sh [options] ISO
#   --serial FILE   COM1 output (default: build/vmx/run/serial.log)
#   --model M       Bochs CPU model (default corei7_skylake_x: VMX, EPT,
#                   unrestricted guest; core2_penryn_t9600 has no EPT)
#   --cpus N        processors (default 5: the VMM's CPU and the default
#                   config's four guests)
#   --mem MB        guest RAM in MiB (default 256)
#   --ips N         emulated instructions per second of the clock (default 50000000)
#   --timeout S     stop Bochs after S seconds (default 120)
#   --dir DIR       where bochsrc, the debugger script and bochs.log go
#
# Bochs 2.7 as Debian builds it has no "nogui" display: the RFB display with
# timeout=0 is headless, and each instance runs in a network namespace of
# its own (unshare -n) so its RFB port is unreachable and parallel runs
# cannot collide. Its built-in debugger would stop at a prompt: the -rc
# script continues and quits. Bochs exits 1 even after a clean shutdown, so
# results come from the serial file, never from the exit status: this
# script exits 0 when Bochs ran (whatever its status), 124 on timeout.
# Stopping this script (SIGTERM/SIGINT) stops Bochs.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
serial=$top/build/vmx/run/serial.log
model=corei7_skylake_x
cpus=5
mem=256
ips=50000000
timeout=120
dir=

while [ $# -gt 1 ]; do
	case $1 in
	--serial) serial=$2 ;;
	--model) model=$2 ;;
	--cpus) cpus=$2 ;;
	--mem) mem=$2 ;;
	--ips) ips=$2 ;;
	--timeout) timeout=$2 ;;
	--dir) dir=$2 ;;
	*) echo "bochs-run: unknown option $1" >&2; exit 2 ;;
	esac
	shift 2
done
iso=${1:-}
[ -f "$iso" ] || { echo "usage: $0 [options] ISO" >&2; exit 2; }
iso=$(cd "$(dirname "$iso")" && pwd)/$(basename "$iso")
dir=${dir:-$(dirname "$serial")}
mkdir -p "$dir" "$(dirname "$serial")"
serial=$(cd "$(dirname "$serial")" && pwd)/$(basename "$serial")
rm -f "$serial"

cat > "$dir/bochsrc" <<RC
memory: guest=$mem, host=$mem
cpu: model=$model, count=$cpus, ips=$ips, reset_on_triple_fault=0, ignore_bad_msrs=0
display_library: rfb, options="timeout=0"
romimage: file=/usr/share/bochs/BIOS-bochs-latest
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path="$iso", status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev="$serial"
clock: sync=none, time0=1
log: $dir/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
RC
printf 'c\nquit\n' > "$dir/debugger.rc"

# Without root, a user namespace grants the network namespace.
netns=(unshare -n)
"${netns[@]}" true 2>/dev/null || netns=(unshare -rn)
"${netns[@]}" bochs-bin -q -f "$dir/bochsrc" -rc "$dir/debugger.rc" </dev/null >"$dir/bochs.out" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM
deadline=$((SECONDS + timeout))
while [ "$SECONDS" -lt "$deadline" ]; do
	kill -0 "$pid" 2>/dev/null || { wait "$pid" || true; exit 0; }
	sleep 0.2
done
echo "bochs-run: timeout after ${timeout}s" >&2
exit 124
