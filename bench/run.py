#!/usr/bin/env python3
"""`make bench`: measure Vigil and print one table (docs/benchmarks.md).

Runs, one emulator at a time:
  1. Vigil (build/bench/esp-vigil) under -icount with QEMU's exec log of
     the VMM's code: exit costs, boot cost, where the instructions go, and
     (gdb stub) the memory the VMM's page allocator handed out;
  2. the bench-only exit path (build/bench/esp-fast) under -icount;
  3. Xen 4.17 with the bench guest as its PVH dom0 under -icount;
  4. a second guest (build/bench/esp-mem): the memory one guest costs;
  5. wall-clock boots without -icount, Vigil and the guest alone;
  6. Linux from its first instruction to init under Vigil and booted
     directly by QEMU (microvm, PVH), under -icount, and its `sleep`
     against the host's clock without -icount (bench/linux.py);
  7. the bench guest with two vCPUs (build/bench/esp-smp) under -icount
     with the exec log: the VMM's path lengths of an IPI between them;
and on the host: callgrind for crypto cost, readelf and `make cloc`.
Writes build/bench/results.json; exits 1 only when a figure could not be
measured.

usage: bench/run.py [--no-xen] [--wall-runs N]
"""
import argparse
import gzip
import json
import os
import re
import subprocess
import sys

import boots
import chanops
import execlog
import linux
import measure

ROOT = boots.ROOT
OUT = boots.OUT
GUEST = os.path.join(ROOT, "build", "guests", "bench.elf")
ESP = {name: os.path.join(OUT, "esp-" + name) for name in ("vigil", "fast", "mem", "smp")}
RESULTS = os.path.join(OUT, "results.json")
CASES = ("cpuid", "hypercall", "io-out", "msr-read")
# The bench guest's APIC cases, after CASES (docs/benchmarks.md).
APIC_CASES = ("apic-read", "apic-read-lapic-off", "cpuid-lapic-on")


WAIT_FUNCTIONS = ("time_init", "time_window", "pit_oneshot_done", "time_delay_us")


def rel(path):
    return os.path.relpath(path, ROOT)


def vmm_elf(esp):
    return os.path.join(esp, "vigil", "vmm.elf")


def guest_ranges(elf):
    """Where the exec log looks into the guest: its entry code (the guest
    library's crt0.S, which ends with the label entry64, up to the next
    symbol) and the first byte of guest_main. Not the rest: the bench loops
    and the TSC watch would flood the log."""
    out = subprocess.run(["nm", "-n", elf], capture_output=True, text=True, check=True).stdout
    syms = [(int(p[0], 16), p[2]) for p in (line.split() for line in out.splitlines())
            if len(p) == 3]
    last = next((a for a, n in syms if n == "entry64"), None)
    if last is None:
        last = boots.symbol_address(elf, "pvh_entry32")
    first = boots.symbol_address(elf, "pvh_entry32")
    end = min(a for a, _ in syms if a > last)
    return (first, end), boots.symbol_address(elf, "guest_main")


def qemu_cmd(esp, smp, icount=True):
    return "tools/qemu-run.sh --smp %d --no-tpm --accel tcg %s%s" % (
        smp, rel(esp), " -- -icount shift=0,sleep=off" if icount else "")


class Bench:
    def __init__(self, args):
        self.args = args
        self.res = {"exit": {}, "apic": {}, "ipi": {}, "linux": {}, "boot": {}, "crypto": {},
                    "footprint": {}, "where": {}, "commands": {}, "missing": []}

    def missing(self, what):
        print("bench: could not measure %s" % what, file=sys.stderr)
        self.res["missing"].append(what)

    # ---- 1. Vigil, real VMM, -icount, exec log, gdb --------------------
    def vigil(self):
        elf = vmm_elf(ESP["vigil"])
        (lo, hi), main = guest_ranges(os.path.join(ESP["vigil"], "vigil", "guests", "bench.elf"))
        log = execlog.ExecLog(execlog.Symbols(elf), execlog.vmrun_address(elf), (lo, hi, main))
        dfilter = "%s,0x%x..0x%x,0x%x..0x%x" % (boots.VMM_RANGE, lo, hi - 1, main, main)
        print("bench: booting Vigil under -icount (with the VMM's exec log)", flush=True)
        text, _, reserved = boots.vigil_boot(ESP["vigil"], "bench-vigil", execlog=log,
                                             dfilter=dfilter, read_symbol="reserved_bytes",
                                             elf=elf)
        facts = boots.bench_lines(text)
        costs = boots.exit_costs(facts)
        self.res["commands"]["vigil"] = qemu_cmd(ESP["vigil"], 2) + \
            " -d in_asm,exec,nochain -dfilter %s" % dfilter
        for case in CASES:
            if case in costs:
                self.res["exit"].setdefault(case, {})["vigil"] = costs[case]
            else:
                self.missing("Vigil exit cost: " + case)
        if "cpuid-bench-leaf" in costs:
            self.res["exit"]["cpuid-unlisted-leaf"] = {"vigil": costs["cpuid-bench-leaf"]}
        for case in APIC_CASES:
            if case in costs:
                self.res["apic"][case] = costs[case]
            else:
                self.missing("Vigil APIC case: " + case)
        timer = boots.timer_cost(facts)
        if timer:
            self.res["apic"]["timer"] = timer
        else:
            self.missing("Vigil: VMM instructions per timer interrupt")
        # The shipped VMM must not have the bench-only path: the guest sees
        # the bench leaf as an unlisted one, and the image lacks its constant.
        self.res["shipped_has_fastpath"] = facts.get("fastpath") != "no" or \
            measure.has_immediate(elf, "0x4000ff00")
        if self.res["shipped_has_fastpath"]:
            self.missing("a shipped VMM without the bench-only exit path")
        where = log.summary()
        self.res["where"] = where
        if "tsc main" in facts:
            self.res["boot"]["reset_to_guest"] = facts["tsc main"]
        else:
            self.missing("boot: the bench guest's first line")
        if where["boot_instructions"]:
            self.res["boot"]["vmm_init"] = where["boot_instructions"]
            # time waited, not work: under -icount a wait of t ns retires t
            # instructions (the PIT window that calibrates the clocks, the
            # TSC polls for starting APs)
            waits = sum(n for fn, n in log.boot.items() if fn in WAIT_FUNCTIONS)
            self.res["boot"]["vmm_init_waits"] = waits
        else:
            self.missing("boot: VMM init (exec log)")
        self.res["boot"]["stub"] = self.stub_tsc(text)
        for key in ("vmm_to_guest", "guest_to_main", "vmm_to_main"):
            self.res["boot"][key] = where.get(key)
        if reserved is not None:
            self.res["footprint"]["palloc_1guest"] = reserved
        else:
            self.missing("footprint: reserved_bytes (gdb)")

    def channel_boot(self):
        """The real VMM under -icount with its management channel on a
        socket, and no exec log: QEMU's -d nochain, which the log needs,
        slows the emulated CPUs past vigilctl's 30 s deadline."""
        elf = vmm_elf(ESP["vigil"])
        try:
            bundle = chanops.patch_bundle(elf, boots.WORK)
            revert = chanops.revert_bundle(elf, boots.WORK)
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            print("bench: live patch: %s" % e, file=sys.stderr)
            return
        print("bench: booting Vigil under -icount with its management channel", flush=True)
        boots.vigil_boot.during = boots.vigil_boot.after = None
        text, _, _ = boots.vigil_boot(ESP["vigil"], "bench-chan",
                                      during=lambda sock: chanops.during_watch(sock, bundle),
                                      after=lambda sock: chanops.after_stop(sock, revert))
        self.res["channel_after"] = boots.vigil_boot.after or {}
        self.res["commands"]["channel"] = qemu_cmd(ESP["vigil"], 2).replace(
            " --smp", " --channel SOCKET --smp") + "; vigilctl inventory --socket SOCKET " \
            "--json (x%d); vigilctl send build/bench/work/bench-patch.bundle --socket SOCKET " \
            "--json" % chanops.INVENTORY_QUERIES
        self.channel(boots.bench_lines(text), boots.vigil_boot.during or {})

    def channel(self, facts, seen):
        """Inventory round trip, and the live patch's pause as the guest saw
        it and as the VMM reports it."""
        ch = {"inventory_median": seen.get("inventory_median"),
              "inventory_seconds": seen.get("inventory_seconds"),
              "patch_applied": seen.get("patch_applied"), "pause_tsc": seen.get("pause_tsc"),
              "patch_reply": seen.get("patch_reply"), "error": seen.get("error")}
        gap = facts.get("watch", "").split()
        if len(gap) >= 2 and gap[0] == "max-gap" and ch["patch_applied"]:
            ch["guest_max_gap"] = int(gap[1])
        self.res["channel"] = ch
        # Best effort: the channel's figures are reported, not required.
        if not ch["patch_applied"] or ch["inventory_median"] is None:
            print("bench: channel figures incomplete: %s" % (ch["error"] or ch["patch_reply"]),
                  file=sys.stderr)

    @staticmethod
    def stub_tsc(text):
        """The stub's own TSC lines, `vigil-stub: tsc <point> <n>`, if it prints them."""
        points = {}
        for line in text.split("\n"):
            parts = line.split()
            if len(parts) == 4 and parts[:2] == ["vigil-stub:", "tsc"] and parts[3].isdigit():
                points[parts[2]] = int(parts[3])
        return points

    def stub_entry(self):
        """Instructions from reset to the boot application's entry: the
        stand-in application of build/bench/esp-tsc prints its TSC."""
        print("bench: booting the stand-in boot application under -icount", flush=True)
        text, _, _ = boots.vigil_boot(os.path.join(OUT, "esp-tsc"), "bench-tsc",
                                      done=r"bench: tsc efi-entry \d+")
        self.res["commands"]["tsc"] = qemu_cmd(os.path.join(OUT, "esp-tsc"), 2)
        m = re.search(r"bench: tsc efi-entry (\d+)", text)
        if m:
            self.res["boot"]["efi_entry"] = int(m.group(1))
        else:
            self.missing("boot: the firmware's start of the boot application")

    # ---- 2. the bench-only exit path ------------------------------------
    def fast(self):
        print("bench: booting the bench-only exit path under -icount", flush=True)
        text, _, _ = boots.vigil_boot(ESP["fast"], "bench-fast")
        facts = boots.bench_lines(text)
        costs = boots.exit_costs(facts)
        self.res["commands"]["fast"] = qemu_cmd(ESP["fast"], 2)
        if facts.get("fastpath") == "yes" and "cpuid-bench-leaf" in costs:
            self.res["exit"]["cpuid"]["fast"] = costs["cpuid-bench-leaf"]
        else:
            self.missing("bench-only exit path")
        # The same VMM code but one branch: its other figures must agree.
        for case in CASES:
            if case in costs:
                self.res["exit"][case]["vigil_in_fast_build"] = costs[case]["per_exit"]

    # ---- 3. Xen ----------------------------------------------------------
    def xen(self):
        print("bench: preparing and booting Xen 4.17 (bench guest as PVH dom0) under -icount",
              flush=True)
        p = subprocess.run(["bench/xen.sh", os.path.join(OUT, "xen"), GUEST], cwd=ROOT,
                           capture_output=True, text=True)
        if p.returncode != 0:
            print(p.stderr, file=sys.stderr)
            self.missing("Xen reference (bench/xen.sh)")
            return
        iso = p.stdout.strip()
        self.xen_image()
        args = ["qemu-system-x86_64", "-accel", "tcg", "-cpu", "qemu64,+svm,+npt", "-smp", "2",
                "-m", "512M", "-cdrom", iso, "-display", "none", "-monitor", "none",
                "-no-reboot", "-net", "none", "-device", "isa-debug-exit,iobase=0xf4,iosize=4"]
        args += boots.ICOUNT
        text, _ = boots.qemu_plain(args, os.path.join(boots.WORK, "xen.serial.log"), 900,
                                   r"bench: done")
        self.res["commands"]["xen"] = " ".join(args).replace(iso, rel(iso))
        costs = boots.exit_costs(boots.bench_lines(text))
        for case in CASES:
            if case in costs:
                self.res["exit"].setdefault(case, {})["xen"] = costs[case]
            else:
                self.missing("Xen exit cost: " + case)

    def xen_image(self):
        """Xen's own image, unpacked from xen.gz: the footprint's reference."""
        boot = os.path.join(OUT, "xen", "root", "boot")
        gz = [f for f in sorted(os.listdir(boot)) if f.startswith("xen-") and f.endswith(".gz")]
        if not gz:
            return
        elf = os.path.join(boots.WORK, "xen.elf")
        with open(elf, "wb") as f:
            f.write(gzip.decompress(open(os.path.join(boot, gz[0]), "rb").read()))
        self.res["footprint"]["xen_image"] = measure.sections(elf)

    # ---- 4. memory per guest ---------------------------------------------
    def memory(self):
        elf = vmm_elf(ESP["mem"])
        print("bench: booting two guests for the per-guest footprint", flush=True)
        _, _, reserved = boots.vigil_boot(ESP["mem"], "bench-mem", icount=False, smp=3,
                                          read_symbol="reserved_bytes", elf=elf)
        self.res["commands"]["mem"] = qemu_cmd(ESP["mem"], 3, icount=False)
        if reserved is None:
            self.missing("footprint: reserved_bytes with two guests (gdb)")
            return
        self.res["footprint"]["palloc_2guests"] = reserved

    # ---- 5. wall clock ---------------------------------------------------
    def wall(self):
        vigil, native = [], []
        for i in range(self.args.wall_runs):
            print("bench: wall-clock boot %d of %d" % (i + 1, self.args.wall_runs), flush=True)
            _, secs, _ = boots.vigil_boot(ESP["vigil"], "bench-wall", icount=False)
            if secs is not None:
                vigil.append(secs)
            _, secs = boots.native_boot(GUEST, icount=False)
            if secs is not None:
                native.append(secs)
        self.res["boot"]["wall_vigil"] = vigil
        self.res["boot"]["wall_native"] = native
        if not vigil:
            self.missing("boot: wall clock")
        text, _ = boots.native_boot(GUEST, icount=True)
        facts = boots.bench_lines(text)
        if "tsc main" in facts:
            self.res["boot"]["native_reset_to_guest"] = facts["tsc main"]

    # ---- 6. Linux --------------------------------------------------------
    def linux(self):
        out = self.res["linux"]
        want, have = linux.cmdline(), linux.config_cmdline(linux.ESP)
        if want != have:
            self.missing("Linux: the linux-bench package's cmdline (%r) is not LINUX_CMDLINE (%r)"
                         % (have, want))
            return
        print("bench: booting Linux under Vigil under -icount", flush=True)
        v = linux.vigil()
        print("bench: booting Linux directly (QEMU microvm, PVH) under -icount", flush=True)
        d = linux.direct()
        out["vigil"], out["direct"] = v, d
        out["landmarks"] = linux.landmarks(v.pop("kernel_log", {}), d.pop("kernel_log", {}))
        self.res["commands"]["linux"] = qemu_cmd(linux.ESP, 2).replace(
            " --smp", " --channel SOCKET --smp") + "; at `vigil-linux: tsc`: vigilctl " \
            "inventory --socket SOCKET --json (start-tsc, exits)"
        self.res["commands"]["linux-direct"] = " ".join(linux.direct_command(
            ["-S", "-gdb", "SOCKET", "-qmp", "SOCKET"])) + "; gdb stub: Z1 at the PVH " \
            "entry, then QMP query-replay (instructions so far)"
        for side, r in (("Vigil", v), ("direct", d)):
            if r.get("tsc_instructions") is None:
                self.missing("Linux %s: first instruction to init (%s)" % (
                    side, r.get("error") or r.get("icount_error") or "no tsc line"))

    def linux_sleep(self):
        print("bench: Linux under Vigil without -icount: sleep %d at its shell" %
              linux.SLEEP_SECONDS, flush=True)
        s = linux.sleep_accuracy()
        self.res["linux"]["sleep"] = s
        self.res["commands"]["linux-sleep"] = qemu_cmd(linux.ESP, 2, icount=False) + \
            "; typed at the shell: true, sleep %d, true, each with a marker" % linux.SLEEP_SECONDS
        if s.get("ratio") is None:
            self.missing("Linux: sleep accuracy (%s)" % s.get("error"))

    # ---- host ------------------------------------------------------------
    def host(self):
        esp_vmm = vmm_elf(ESP["vigil"])
        try:
            self.res["crypto"] = measure.crypto(os.path.join(OUT, "crypto-host"), esp_vmm,
                                                esp_vmm + ".sig")
            for v in self.res["crypto"].values():
                v["command"] = v["command"].replace(ROOT + "/", "")
        except (RuntimeError, OSError) as e:
            print("bench: %s" % e, file=sys.stderr)
            self.missing("crypto cost (callgrind)")
        self.res["footprint"]["sections"] = measure.sections(esp_vmm)
        try:
            self.res["footprint"]["cloc"] = measure.cloc()
        except RuntimeError as e:
            print("bench: %s" % e, file=sys.stderr)
            self.missing("make cloc")

    # ---- 7. an IPI between two vCPUs, -icount, exec log ------------------
    def ipi(self):
        """The sender's round trip of the ICR write that sends a fixed IPI
        (the one running virq_route) and, on the target's CPU, the VMM's
        instructions from its wake-up in HLT to the VMRUN that injects the
        interrupt: path lengths, per CPU, from the exec log (a cross-CPU
        latency under -icount would time the emulator's round-robin). The
        two vCPUs play ping-pong, each asleep in HLT when the other sends:
        2 x 64 of each."""
        elf = vmm_elf(ESP["smp"])
        log = execlog.ExecLog(execlog.Symbols(elf), execlog.vmrun_address(elf),
                              halts=execlog.halt_addresses(elf), names={"virq_route": "ipi-send"})
        print("bench: booting the bench guest with two vCPUs under -icount (IPIs, exec log)", flush=True)
        text, _, _ = boots.vigil_boot(ESP["smp"], "bench-smp", execlog=log, smp=3)
        self.res["commands"]["ipi"] = qemu_cmd(ESP["smp"], 3) + \
            " -d in_asm,exec,nochain -dfilter %s" % boots.VMM_RANGE
        m = re.search(r"bench: ipi rounds (\d+) delivered (\d+) answered (\d+)", text)
        rounds, delivered, answered = (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else (0, 0, 0)
        where = log.summary()
        send = where["round_trips"].get("ipi-send")
        wake = where.get("wakes", {}).get("exit_hlt")
        self.res["ipi"] = {"rounds": rounds, "delivered": delivered, "answered": answered, "send": send,
                           "wake": wake}
        if not rounds or delivered != rounds or answered != rounds:
            self.missing("IPI: %d of %d IPIs delivered, %d answered" % (delivered, rounds, answered))
        if not send or send["seen"] < rounds // 2:
            self.missing("IPI: the sender's round trip (exec log)")
        if not wake or wake["seen"] < rounds // 2:
            self.missing("IPI: the sibling's wake-up to its entry (exec log)")

    def run(self):
        self.host()
        self.vigil()
        self.channel_boot()
        self.stub_entry()
        self.fast()
        if not self.args.no_xen:
            self.xen()
        self.memory()
        self.wall()
        self.linux()
        self.linux_sleep()
        self.ipi()
        import report  # noqa: E402
        if report.boot_split(self.res["boot"])[1] is None:
            self.missing("boot: the stub's share")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-xen", action="store_true", help="skip the Xen reference")
    ap.add_argument("--wall-runs", type=int, default=3)
    ap.add_argument("--report", action="store_true",
                    help="print the table of the last run again, measure nothing")
    args = ap.parse_args()
    previous = None
    if os.path.exists(RESULTS):
        with open(RESULTS) as f:
            previous = json.load(f)
    if args.report:
        if not previous:
            sys.exit("bench: no %s yet" % rel(RESULTS))
        res, previous = previous, previous.get("previous")
    else:
        b = Bench(args)
        b.run()
        res = b.res
        res["previous"] = {"exit": previous["exit"]} if previous else None
        os.makedirs(OUT, exist_ok=True)
        with open(RESULTS, "w") as f:  # before the table: a report bug never costs a run
            json.dump(res, f, indent=1)
    import report  # noqa: E402
    rows = report.rows(res)
    res["table"] = rows
    with open(RESULTS, "w") as f:
        json.dump(res, f, indent=1)
    report.show(rows, res, previous)
    print("bench: results in %s" % rel(RESULTS))
    if res["missing"]:
        print("bench: not measured: %s" % "; ".join(res["missing"]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
