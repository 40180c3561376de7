"""The table `make bench` prints, from the measurements bench/run.py made."""
import statistics

MIB = 1 << 20
GUEST_RAM = 4 << 20  # each guest of bench/bench.dts and bench/bench-mem.dts
CASES = ("cpuid", "hypercall", "io-out", "msr-read")
CASE_TEXT = {"cpuid": "CPUID (leaf 0)", "hypercall": "null hypercall (HC_VERSION)",
             "io-out": "UART write (OUT 0x3ff)", "msr-read": "MSR read (EFER)"}
HANDLER_CASE = {"exit_cpuid": "cpuid", "exit_hypercall": "hypercall", "exit_io": "io-out",
                "exit_msr_read": "msr-read", "exit_npf": "apic-read-lapic-off"}
# Issue 6's targets: (required, aim), in the figure's unit.
TARGETS = {"cpuid": (150, 100), "hypercall": (150, 100), "io-out": (300, 200)}


def num(x, digits=0):
    if x is None:
        return "n/a"
    if isinstance(x, float) and digits == 0 and x != int(x):
        return "{:,.1f}".format(x)
    return "{:,.{}f}".format(x, digits)


def verdict(value, target):
    if value is None or target is None:
        return ""
    required, aim = target
    if value <= aim:
        return "aim met (<= %s)" % num(aim)
    if value <= required:
        return "required met (<= %s), aim %s missed" % (num(required), num(aim))
    return "MISSED: required <= %s" % num(required)


def row(figure, value, unit, reference="", target=None, command="", digits=0):
    return {"figure": figure, "value": value, "shown": num(value, digits), "unit": unit,
            "reference": reference, "target": verdict(value, target), "command": command}


def exit_rows(res):
    out = []
    for case in CASES:
        e = res["exit"].get(case, {})
        v = e.get("vigil", {}).get("per_exit")
        refs = []
        if "fast" in e:
            refs.append("bench-only path %s" % num(e["fast"]["per_exit"]))
        if "xen" in e:
            x = e["xen"]["per_exit"]
            refs.append("Xen %s%s" % (num(x), " (Xen/Vigil %.1fx)" % (x / v) if v else ""))
        out.append(row("exit: " + CASE_TEXT[case], v, "insn/round trip", "; ".join(refs),
                       TARGETS.get(case), "vigil" + (", fast" if "fast" in e else "") +
                       (", xen" if "xen" in e else "")))
    return out


def apic_rows(res):
    a = res.get("apic") or {}
    per = lambda case: (a.get(case) or {}).get("per_exit")  # noqa: E731
    on, off, cpuid = per("apic-read"), per("apic-read-lapic-off"), per("cpuid-lapic-on")
    base = (res["exit"].get("cpuid", {}).get("vigil") or {}).get("per_exit")
    t = a.get("timer") or {}
    irqs = t.get("interrupts") or []
    return [
        row("exit: APIC MMIO read (32-bit MOV, LAPIC version)", on, "insn/round trip",
            "LAPIC software-disabled: %s" % num(off), None, "vigil"),
        row("exit: CPUID with the LAPIC enabled", cpuid, "insn/round trip",
            "LAPIC off: %s (+%s: the interrupt checks before each entry)" % (
                num(base), num(cpuid - base) if None not in (cpuid, base) else "n/a"),
            None, "vigil"),
        row("timer interrupt: VMM insn per interrupt (inject + EOI)", t.get("per_interrupt"),
            "insn", "periodic LAPIC timer, %s ticks; %s-%s per pass; guest handler's %s "
            "retired insn subtracted" % (num(t.get("period_ticks")), num(min(irqs) if irqs else None),
                                          num(max(irqs) if irqs else None),
                                          num(t.get("handler_retired"))), None, "vigil"),
    ]


def ipi_rows(res):
    i = res.get("ipi") or {}
    send, wake = i.get("send") or {}, i.get("wake") or {}
    seen = lambda t: "commonest of %s round trips (%s)" % (  # noqa: E731
        num(sum((t.get("other_lengths") or {}).values()) or None),
        ", ".join(sorted("%s x%s" % (num(int(k)), v) for k, v in (t.get("other_lengths") or {}).items())))
    return [
        row("IPI between two vCPUs: the sender's exit to its VMRUN", send.get("instructions"), "insn",
            "ICR write (MMIO), route, post, kick; %s; %s of %s delivered, %s answered" % (
                seen(send), num(i.get("delivered")), num(i.get("rounds")), num(i.get("answered"))),
            None, "ipi"),
        row("IPI between two vCPUs: the target's wake-up to its VMRUN", wake.get("instructions"), "insn",
            "from its HLT in the VMM to the entry that injects; %s" % seen(wake), None, "ipi"),
    ]


def linux_exit_estimate(res):
    """VMM instructions the Linux boot's exits cost, by reason: the
    inventory's counts times the bench guest's figures (LAPIC on, as in
    Linux). Ports and MSRs other than the bench's cost about as much."""
    exits = ((res.get("linux") or {}).get("vigil") or {}).get("exits") or {}
    e = lambda case: ((res["exit"].get(case) or {}).get("vigil") or {}).get("per_exit")  # noqa: E731
    a = res.get("apic") or {}
    on = (a.get("cpuid-lapic-on") or {}).get("per_exit")
    read = (a.get("apic-read") or {}).get("per_exit")
    timer = (a.get("timer") or {}).get("per_interrupt")
    if None in (e("cpuid"), e("io-out"), e("msr-read"), on, read, timer) or not exits:
        return None, {}
    delta = on - e("cpuid")
    cost = {"cpuid": on, "io": e("io-out") + delta, "msr-read": e("msr-read") + delta,
            "msr-write": e("msr-read") + delta, "npf": read, "interrupt": timer - read,
            "irq-window": timer - read}
    parts = {r: (exits.get(r, 0), c, exits.get(r, 0) * c) for r, c in cost.items()}
    return sum(p[2] for p in parts.values()), parts


def linux_rows(res):
    lx = res.get("linux") or {}
    v, d = lx.get("vigil") or {}, lx.get("direct") or {}
    vi, di = v.get("tsc_instructions"), d.get("tsc_instructions")
    ratio = vi / di if vi and di else None
    idle = lambda r: "n/a" if not r.get("uptime") else "%.2f s" % r["uptime"][1]  # noqa: E731
    out = [
        row("Linux: first instruction to init, under Vigil", vi, "insn",
            "start-tsc to vigil-tsc; kernel idle %s; %s exits" % (
                idle(v), num(sum((v.get("exits") or {}).values()) or None)), None, "linux"),
        row("Linux: the same booted by QEMU (microvm, PVH)", di, "insn",
            "PVH entry at %s insn (qboot) to vigil-tsc; kernel idle %s" % (
                num((d.get("icount") or {}).get("entry")), idle(d)), None, "linux-direct"),
        row("Linux: Vigil / direct", ratio, "x", "TSC under -icount: instructions + idle jumps",
            None, "linux, linux-direct", digits=3),
    ]
    if ratio is not None:
        out[-1]["target"] = "aim: within 5 %% (%s)" % (
            "met" if abs(ratio - 1) <= 0.05 else "missed; docs/benchmarks.md says why")
    total, parts = linux_exit_estimate(res)
    out.append(row("Linux: its exits x their measured cost (estimate)", total, "insn",
                   ", ".join("%s %s" % (r, num(p[0])) for r, p in parts.items() if p[0]),
                   None, "linux, vigil"))
    s = lx.get("sleep") or {}
    out.append(row("Linux: sleep %s against the host clock (no -icount)" % num(s.get("seconds")),
                   s.get("ratio"), "x", "measured %s s (empty command's round trip %s s "
                   "subtracted); wall clock, noisy under load" % (
                       num(s.get("measured"), 3),
                       num(min(s["round_trips"][0], s["round_trips"][2]), 3)
                       if s.get("round_trips") else "n/a"),
                   None, "linux-sleep", digits=4))
    return out


def boot_split(b):
    """(firmware, stub, VMM init) in instructions, or Nones. The guest's TSC
    at main, less what ran between the guest's first instruction and main
    (exec log), is the guest's first instruction; the stand-in boot
    application gives the stub's entry; the exec log gives the VMM's part."""
    stub_tsc = b.get("stub") or {}
    vmm = b.get("vmm_to_guest")
    if None in (b.get("reset_to_guest"), b.get("efi_entry"), vmm, b.get("vmm_to_main")):
        return b.get("efi_entry"), None, vmm
    first_guest = b["reset_to_guest"] - b["guest_to_main"] - (b["vmm_to_main"] - vmm)
    if "entry" in stub_tsc and "handoff" in stub_tsc:  # the stub's own word, when it prints it
        return stub_tsc["entry"], stub_tsc["handoff"] - stub_tsc["entry"], vmm
    return b["efi_entry"], first_guest - b["efi_entry"] - vmm, vmm


def boot_rows(res):
    b = res["boot"]
    firmware, stub, vmm = boot_split(b)
    waits = b.get("vmm_init_waits")
    total = stub + vmm if stub is not None and vmm is not None else None
    out = [
        row("boot: stub entry to the guest's first instruction", total, "insn",
            "stub %s + VMM init %s; firmware before the stub %s" % (num(stub), num(vmm),
                                                                  num(firmware)),
            None, "vigil, tsc"),
        row("boot: stub (verify, measure, load, exit boot services)", stub, "insn", "", None,
            "vigil, tsc"),
        row("boot: VMM init, entry to the guest's first instruction", vmm, "insn",
            "of which waits (PIT calibration window, AP start polls) %s" % num(waits), (20e6, 10e6),
            "vigil"),
    ]
    if vmm is not None and waits is not None:
        out.append(row("boot: VMM init without waits", vmm - waits, "insn", "", (20e6, 10e6),
                       "vigil"))
    out.append(row("boot: reset to the guest's main", b.get("reset_to_guest"), "insn",
                   "QEMU -kernel, no Vigil: %s" % num(b.get("native_reset_to_guest")),
                   None, "vigil"))
    wv, wn = b.get("wall_vigil") or [], b.get("wall_native") or []
    out.append(row("boot: wall clock to the guest (median, no -icount)",
                   statistics.median(wv) if wv else None, "s",
                   "QEMU -kernel, no Vigil: %s s" % (num(statistics.median(wn), 2) if wn else "n/a"),
                   None, "wall", digits=2))
    return out


def crypto_rows(res):
    c = res["crypto"]
    if not c:
        return [row("crypto: P-384 verification", None, "insn", "", None, "")]
    host = c["p384_verify"]["instructions"]
    vmm = (res.get("channel_after") or {}).get("verify_tsc")
    return [
        row("crypto: bundle decode + P-384 verification in the VMM", vmm, "insn",
            "host, the P-384 verification alone (callgrind): %s" % num(host), None,
            "channel, crypto"),
        row("crypto: SHA-256 (host, callgrind)", c["sha256_per_byte"]["value"], "insn/byte",
            "SHA-384: %s insn/byte" % num(c["sha384_per_byte"]["value"], 1), None, "crypto",
            digits=1),
    ]


def footprint_rows(res):
    f = res["footprint"]
    s = f.get("sections", {})
    xen = f.get("xen_image", {}).get("image_span")
    out = [row("footprint: vmm.elf loaded (text+rodata+data+bss)", s.get("image_span"), "bytes",
               "text %s, rodata %s, data %s, bss %s; Xen 4.17 loaded: %s" % (
                   tuple(num(s.get(k)) for k in ("text", "rodata", "data", "bss")) + (num(xen),)),
               None, "")]
    one, two = f.get("palloc_1guest"), f.get("palloc_2guests")
    total = per_guest = None
    if one is not None and s.get("image_span"):
        total = s["image_span"] + one - GUEST_RAM
    if one is not None and two is not None:
        per_guest = two - one - GUEST_RAM
    out.append(row("footprint: memory the VMM reserves, one guest", total, "bytes",
                   "image %s + page allocator %s (guest RAM excluded)" % (
                       num(s.get("image_span")), num(one - GUEST_RAM) if one else "n/a"),
                   None, "vigil"))
    out.append(row("footprint: memory the VMM reserves per guest", per_guest, "bytes", "",
                   None, "mem"))
    if total is not None and per_guest is not None:
        need = 8 * MIB + 256 * 1024
        aim = 4 * MIB + 64 * 1024
        ok = "aim met" if total + per_guest <= aim else (
            "required met, aim missed" if total + per_guest <= need else "MISSED")
        out[-1]["target"] = "%s (1 guest: %s of <= %s required, <= %s aim)" % (
            ok, num(total + per_guest), num(need), num(aim))
    cl = f.get("cloc", {})
    out.append(row("footprint: make cloc (VMM's own lines)", cl.get("total"), "lines",
                   ", ".join("%s %d" % kv for kv in sorted(cl.get("parts", {}).items())
                             if kv[0] != "total"), None, "cloc"))
    return out


def channel_rows(res):
    ch = res.get("channel") or {}
    return [
        row("channel: live patch, pause of the other CPUs (VMM's pause-tsc)", ch.get("pause_tsc"),
            "insn", "longest TSC gap the guest saw meanwhile: %s" % num(ch.get("guest_max_gap")),
            None, "channel"),
        row("channel: inventory query round trip (median of 5)", ch.get("inventory_median"), "s",
            "wall clock, under -icount", None, "vigil, channel", digits=3),
    ]


def rows(res):
    return exit_rows(res) + apic_rows(res) + ipi_rows(res) + boot_rows(res) + linux_rows(res) + \
        crypto_rows(res) + channel_rows(res) + footprint_rows(res)


COMMANDS = {
    "crypto": "valgrind --tool=callgrind --toggle-collect=bench_p384_verify|bench_sha256 "
              "build/bench/crypto-host ...",
    "wall": "tools/qemu-run.sh --smp 2 --no-tpm --accel tcg build/bench/esp-vigil; "
            "qemu-system-x86_64 -kernel build/guests/bench.elf",
    "cloc": "make cloc",
}


def show(table, res, previous):
    print()
    print("Vigil benchmarks: QEMU TCG, -icount shift=0,sleep=off (1 TSC tick = 1 instruction)")
    w = max(len(r["figure"]) for r in table)
    for r in table:
        print("%-*s %14s %-15s %s" % (w, r["figure"], r["shown"], r["unit"], r["reference"]))
        if r["target"]:
            print("%-*s %14s %-15s target: %s" % (w, "", "", "", r["target"]))
    if "shipped_has_fastpath" in res:
        print("\nthe shipped vmm.elf has the bench-only exit path: %s" % (
            "YES (it must not)" if res["shipped_has_fastpath"] else "no"))
    print("\ncommands:")
    cmds = dict(COMMANDS, **res["commands"])
    for key in ("vigil", "channel", "tsc", "fast", "xen", "mem", "wall", "linux",
                "linux-direct", "linux-sleep", "ipi", "crypto", "cloc"):
        if key in cmds:
            print("  [%s] %s" % (key, cmds[key]))
    where = res.get("where", {}).get("round_trips", {})
    if where:
        print("\nwhere a round trip's VMM instructions go (QEMU exec log, commonest "
              "round trip by handler; icount figure in brackets):")
        for handler in sorted(where):
            t = where[handler]
            case = HANDLER_CASE.get(handler)
            icount = res["exit"].get(case, {}).get("vigil") or res.get("apic", {}).get(case) or {}
            top = ", ".join("%s %d" % (fn, n) for fn, n in t["by_function"][:8])
            print("  %-15s %5d [%s]: %s" % (handler, t["instructions"],
                                             num(icount.get("per_exit")), top))
    for name, t in (("IPI, sender", (res.get("ipi") or {}).get("send")),
                    ("IPI, target's wake-up", (res.get("ipi") or {}).get("wake"))):
        if t:
            print("\nwhere the %s's VMM instructions go (QEMU exec log, commonest):\n  %s" % (
                name, ", ".join("%s %d" % (fn, n) for fn, n in t["by_function"][:10])))
    boot = res.get("where", {}).get("boot_by_function")
    if boot:
        print("\nwhere the VMM's boot instructions go (entry to first VMRUN, all CPUs):")
        print("  " + ", ".join("%s %s" % (fn, num(n)) for fn, n in boot[:8]))
    marks = (res.get("linux") or {}).get("landmarks")
    if marks:
        print("\nLinux, by the kernels' own clocks (seconds; under -icount 1 s = 1e9 insn):")
        print("  %-46s %10s %10s %10s" % ("message", "Vigil", "direct", "stretch V-D"))
        prev = None
        for msg, tv, td in marks:
            step = "" if prev is None or None in (tv, td, prev[0], prev[1]) else \
                "%+.4f" % ((tv - prev[0]) - (td - prev[1]))
            print("  %-46s %10s %10s %10s" % (msg[:46], num(tv, 4) if tv is not None else "n/a",
                                               num(td, 4) if td is not None else "n/a", step))
            prev = (tv, td)
    _, parts = linux_exit_estimate(res)
    if parts:
        print("\nLinux under Vigil, exits to init by reason x measured cost (insn):")
        print("  " + ", ".join("%s %s x %s = %s" % (r, num(n), num(c), num(t))
                               for r, (n, c, t) in parts.items() if n))
    if previous:
        same = [c for c in CASES
                if previous.get("exit", {}).get(c, {}).get("vigil", {}).get("per_exit") ==
                res["exit"].get(c, {}).get("vigil", {}).get("per_exit")]
        print("\nexit costs identical to the previous run: %s" % (
            "yes" if len(same) == len(CASES) else "no (same: %s)" % ", ".join(same) or "none"))
