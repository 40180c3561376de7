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
#   --com2-socket PATH
#                   COM2 (the management channel) on a unix socket at PATH,
#                   served like QEMU's `-chardev socket,server=on,wait=off`:
#                   one client at a time, bytes sent while none is
#                   connected are dropped
#   --com1-socket PATH
#                   COM1 (the console) also takes input: what a client of
#                   the unix socket at PATH sends is typed on it; what it
#                   prints still goes to the --serial file only
#   --rc FILE       the debugger's script (default: continue, then quit);
#                   it may be a FIFO the caller writes commands into
#
# Bochs's pid is written to DIR/bochs.pid (SIGINT stops it at the
# debugger's prompt, which then reads the next line of the script).
#
# Bochs 2.7 as Debian builds it has no "nogui" display: the RFB display with
# timeout=0 is headless, and each instance runs in a network namespace of
# its own (unshare -n) so its RFB port is unreachable and parallel runs
# cannot collide. Its built-in debugger would stop at a prompt: the -rc
# script continues and quits. Bochs exits 1 even after a clean shutdown, so
# results come from the serial file, never from the exit status: this
# script exits 0 when Bochs ran (whatever its status), 124 on timeout.
# Stopping this script (SIGTERM/SIGINT) stops Bochs.
#
# The BIOS boots with its fastboot option: without it, it offers a boot menu
# (F12) for about three seconds of emulated time before it boots the CD, a
# wait nobody can use here (no keyboard) that costs every boot several
# seconds of host time, more the more CPUs Bochs runs (each costs about as
# much host time as the one at work, even halted).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
serial=$top/build/vmx/run/serial.log
model=corei7_skylake_x
cpus=5
mem=256
ips=50000000
timeout=120
dir=
com1=
com2=
rc=
com1_port=4554   # inside the namespace: nothing else listens there
com2_port=4555

while [ $# -gt 1 ]; do
	case $1 in
	--serial) serial=$2 ;;
	--model) model=$2 ;;
	--cpus) cpus=$2 ;;
	--mem) mem=$2 ;;
	--ips) ips=$2 ;;
	--timeout) timeout=$2 ;;
	--dir) dir=$2 ;;
	--com1-socket) com1=$2 ;;
	--com2-socket) com2=$2 ;;
	--rc) rc=$2 ;;
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
for v in com1 com2; do
	[ -n "${!v}" ] || continue
	mkdir -p "$(dirname "${!v}")"
	printf -v "$v" '%s' "$(cd "$(dirname "${!v}")" && pwd)/$(basename "${!v}")"
done

cat > "$dir/bochsrc" <<RC
memory: guest=$mem, host=$mem
cpu: model=$model, count=$cpus, ips=$ips, reset_on_triple_fault=0, ignore_bad_msrs=0
display_library: rfb, options="timeout=0"
romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot
vgaromimage: file=/usr/share/vgabios/vgabios.bin
ata0-master: type=cdrom, path="$iso", status=inserted
boot: cdrom
$(if [ -n "$com1" ]; then echo "com1: enabled=1, mode=socket-server, dev=localhost:$com1_port"
else echo "com1: enabled=1, mode=file, dev=\"$serial\""; fi)
$([ -z "$com2" ] || echo "com2: enabled=1, mode=socket-server, dev=localhost:$com2_port")
clock: sync=none, time0=1
log: $dir/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
speaker: enabled=0
sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy
RC
if [ -z "$rc" ]; then
	rc=$dir/debugger.rc
	printf 'c\nquit\n' > "$rc"
fi

relay_py='
import fcntl, os, select, socket, struct, sys, time
path, port, log = sys.argv[1], int(sys.argv[2]), sys.argv[3]
# with a fourth argument (the console), what the machine sends goes to that
# file instead of the client, which only types
copy = os.open(sys.argv[4], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644) if len(sys.argv) > 4 else None
# lo is down in a new network namespace: up (SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
flags = struct.unpack("16sH14x", fcntl.ioctl(s, 0x8913, struct.pack("16sH14x", b"lo", 0)))[1]
fcntl.ioctl(s, 0x8914, struct.pack("16sH14x", b"lo", flags | 1))
s.close()
if os.path.exists(path):
    os.unlink(path)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(8)
if os.fork():
    sys.exit(0)  # the caller goes on to start Bochs
out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
os.dup2(out, 1)
os.dup2(out, 2)
end = time.monotonic() + 120
while True:
    try:
        vm = socket.create_connection(("127.0.0.1", port))
        break
    except OSError:
        if time.monotonic() > end:
            sys.exit("relay: Bochs never listened on port %d" % port)
        time.sleep(0.05)
print("relay: connected to the machine", flush=True)
client = None
while True:
    ready = select.select([vm, client if client else srv], [], [])[0]
    if vm in ready:
        data = vm.recv(65536)
        if not data:
            break
        if copy is not None:
            while data:
                data = data[os.write(copy, data):]
        elif client:
            try:
                client.sendall(data)
            except OSError:
                client.close()
                client = None
    if client and client in ready:
        data = b""
        try:
            data = client.recv(65536)
        except OSError:
            pass
        if data:
            vm.sendall(data)
        else:
            client.close()
            client = None
    elif not client and srv in ready:
        client = srv.accept()[0]
os.unlink(path)
'

# COM2 (and COM1 with --com1-socket) under Bochs is a TCP server
# (mode=socket-server), and the network namespace keeps it out of reach
# from outside: a relay in the same namespace brings up lo, connects to
# Bochs's port (Bochs waits for it during its start) and serves a unix
# socket in the file system, which is reachable from outside. It ends when
# Bochs closes the connection.
export com1 com1_port com2 com2_port serial dir rc relay_py
run_bochs() {
	if [ -n "$com1" ]; then
		: > "$serial"
		python3 -c "$relay_py" "$com1" "$com1_port" "$dir/relay1.log" "$serial" || exit 1
	fi
	if [ -n "$com2" ]; then
		python3 -c "$relay_py" "$com2" "$com2_port" "$dir/relay.log" || exit 1
	fi
	exec bochs-bin -q -f "$dir/bochsrc" -rc "$rc" </dev/null >"$dir/bochs.out" 2>&1
}
export -f run_bochs

# Without root, a user namespace grants the network namespace.
netns=(unshare -n)
"${netns[@]}" true 2>/dev/null || netns=(unshare -rn)
"${netns[@]}" bash -c run_bochs &
pid=$!
echo "$pid" > "$dir/bochs.pid"
trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM
deadline=$((SECONDS + timeout))
while [ "$SECONDS" -lt "$deadline" ]; do
	kill -0 "$pid" 2>/dev/null || { wait "$pid" || true; exit 0; }
	sleep 0.2
done
echo "bochs-run: timeout after ${timeout}s" >&2
exit 124
