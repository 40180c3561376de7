"""Where the VMM's instructions go, from QEMU's own logs.

QEMU's `-d in_asm,exec,nochain -dfilter <VMM range>` writes, for the VMM's
code only, every translation block as it is translated ("IN:" and one line
per guest instruction) and every execution of a block ("Trace <cpu>: ...
[cs_base/pc/flags/cflags] ..."). With chaining off, each execution is
logged, so the instructions retired in the VMM are exactly the instructions
of the blocks executed. A block cut short for -icount carries its length in
cflags (CF_COUNT_MASK); otherwise a block is as long as its translation.

This gives, without a single-step trace:
  - the VMM's boot work: every VMM instruction before the first VMRUN,
    by function;
  - one exit round trip: the VMM instructions between two VMRUNs of the
    same CPU (the second VMRUN included), by function, grouped by the
    handler the round trip ran.
"""
import bisect
import collections
import re
import subprocess

CF_COUNT_MASK = 0x1ff
_TRACE = re.compile(r"^Trace (\d+): \S+ \[[0-9a-f]+/([0-9a-f]+)/[0-9a-f]+/([0-9a-f]+)\]")
# "0x<addr>:  <bytes>  <mnemonic>"; a long instruction's further bytes
# continue on a line of their own with no mnemonic, which is no instruction.
_INSN = re.compile(r"^0x([0-9a-f]+):  (?:[0-9a-f]{2} )*[0-9a-f]{2}  +\S")

# A round trip is named by the first of these functions it runs.
HANDLERS = ("exit_cpuid", "exit_io", "exit_hypercall", "exit_msr_read", "exit_msr_write",
            "exit_hlt", "exit_npf", "exit_exception", "exit_intr")


CRYPTO_PREFIXES = ("mbedtls_", "ecp_", "mpi_", "ecdsa_", "sig_", "crypto_")


def is_crypto(fn):
    """Functions of the signature and hash code (mbedtls and its glue)."""
    return fn.startswith(CRYPTO_PREFIXES)


class Symbols:
    """Function of an address, from `nm -n` of the ELF."""

    def __init__(self, elf):
        out = subprocess.run(["nm", "-n", elf], capture_output=True, text=True, check=True).stdout
        self.addrs, self.names = [], []
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[1] in "tTwW":
                self.addrs.append(int(parts[0], 16))
                self.names.append(parts[2])

    def name(self, addr):
        i = bisect.bisect_right(self.addrs, addr) - 1
        return self.names[i] if i >= 0 else "?"


def halt_addresses(elf):
    """Addresses of the VMM's HLT and MWAIT instructions (objdump): where
    its CPUs sleep."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", elf], capture_output=True,
                         text=True, check=True).stdout
    return {int(m.group(1), 16) for m in (re.match(r"^\s*([0-9a-f]+):\s+(hlt|mwait)\b", l)
                                          for l in out.splitlines()) if m}


def vmrun_address(elf):
    """Address of the VMRUN instruction in svm_enter (objdump)."""
    out = subprocess.run(["objdump", "-d", "--no-show-raw-insn", elf], capture_output=True,
                         text=True, check=True).stdout
    for line in out.splitlines():
        m = re.match(r"^\s*([0-9a-f]+):\s+vmrun\b", line)
        if m:
            return int(m.group(1), 16)
    raise ValueError("no vmrun in %s" % elf)


class ExecLog:
    """Feed it the log's lines in order; read .boot and .trips after.

    With `guest` = (lo, hi, main): blocks in [lo, hi) after the first VMRUN
    are the guest's; it then also counts the VMM's instructions up to the
    guest's first one, and everything from there to the guest's `main`."""

    def __init__(self, syms, vmrun, guest=None, halts=(), names=None):
        self.syms = syms
        self.vmrun = vmrun
        self.guest = guest
        # With `halts` (halt_addresses): of each round trip that slept, the
        # instructions from its last wake-up to its VMRUN, by handler.
        self.halts = set(halts)
        # Round trips that run one of these functions take its name
        # ({"virq_route": "ipi-send"}) before the handlers'.
        self.names = names or {}
        self.vmm_total = 0          # VMM instructions so far, all CPUs
        self.vmm_to_guest = None    # ... when the guest ran its first instruction
        self.guest_to_main = 0      # guest instructions before its main (readable blocks)
        self.guest_blocks_unread = 0
        self.vmm_to_main = None     # VMM instructions (all CPUs) when the guest reached main
        self.blocks = {}        # block start -> instruction addresses (longest seen)
        self._block = None
        self._stale = set()
        self.booting = True
        self.boot = collections.Counter()       # function -> instructions before the first VMRUN
        self.after_boot = collections.Counter()  # CPUs that never VMRUN (cpu 0), after boot
        self._trip = {}                          # cpu -> Counter of the current round trip
        self.trips = collections.defaultdict(collections.Counter)  # handler -> Counter(length)
        self.trip_example = {}                   # (handler, length) -> Counter(function)
        self._woke = {}                          # cpu -> Counter since its last HLT in this trip
        self.wakes = collections.defaultdict(collections.Counter)  # handler -> Counter(length)
        self.wake_example = {}                   # (handler, length) -> Counter(function)

    def feed(self, line):
        if line.startswith("Trace "):
            self._exec(line)
        elif line.startswith("IN:"):
            self._block = []
        elif self._block is not None:
            m = _INSN.match(line.rstrip())
            if m:
                self._block.append(int(m.group(1), 16))
            elif not line.startswith("0x"):
                if self._block:
                    start = self._block[0]
                    if len(self._block) > len(self.blocks.get(start, ())) or start in self._stale:
                        self.blocks[start] = self._block
                        self._stale.discard(start)
                self._block = None

    def _exec(self, line):
        m = _TRACE.match(line)
        if not m:
            return
        cpu, pc, cflags = int(m.group(1)), int(m.group(2), 16), int(m.group(3), 16)
        insns = self.blocks.get(pc)
        if insns is not None and cflags & CF_COUNT_MASK:
            insns = insns[:cflags & CF_COUNT_MASK]
        if self.guest and (self.guest[0] <= pc < self.guest[1] or pc == self.guest[2]):
            self._guest(pc, insns)
            return
        if insns is None:
            return  # translated before the filter saw it: cannot happen with -dfilter from reset
        for a in insns:
            self.vmm_total += 1
            self._retire(cpu, a)
            if a == self.vmrun:
                break  # the guest runs now: the block's tail runs after the exit, as a block of its own

    def _guest(self, pc, insns):
        """Before the first VMRUN these addresses are the firmware's. QEMU
        cannot disassemble a guest block once the guest pages (its debug
        reads do not walk the nested tables): such blocks count as unread,
        but their start still shows when the guest reaches main."""
        if self.booting or self.vmm_to_main is not None:
            return
        if self.vmm_to_guest is None:
            self.vmm_to_guest = self.vmm_total
        if pc == self.guest[2]:
            self.vmm_to_main = self.vmm_total
        elif insns is None or self.guest[2] in insns:
            self.guest_blocks_unread += 1
        else:
            self.guest_to_main += len(insns)

    def _retire(self, cpu, addr):
        fn = self.syms.name(addr)
        if self.booting:
            self.boot[fn] += 1
            if addr == self.vmrun:
                self.booting = False
                self._trip[cpu] = collections.Counter()
                if self.guest:  # the firmware's code there is gone: the guest's comes
                    self._stale = {pc for pc in self.blocks if self.guest[0] <= pc < self.guest[1]}
            return
        trip = self._trip.get(cpu)
        if trip is None:
            self.after_boot[fn] += 1
            if addr == self.vmrun:  # another CPU's first entry: its round trips start
                self._trip[cpu] = collections.Counter()
            return
        trip[fn] += 1
        woke = self._woke.get(cpu)
        if woke is not None:
            woke[fn] += 1
        if addr in self.halts:
            self._woke[cpu] = collections.Counter()
        if addr == self.vmrun:
            self._close(trip, self._woke.pop(cpu, None))
            self._trip[cpu] = collections.Counter()

    def _close(self, trip, woke):
        handler = next((n for f, n in self.names.items() if trip[f]), None) or \
            next((h for h in HANDLERS if trip[h]), "other")
        length = sum(trip.values())
        self.trips[handler][length] += 1
        self.trip_example.setdefault((handler, length), trip)
        if woke is not None:
            length = sum(woke.values())
            self.wakes[handler][length] += 1
            self.wake_example.setdefault((handler, length), woke)

    def summary(self, top=20):
        """A JSON-able digest: boot by function, the commonest round trip
        of each handler by function."""
        out = {"boot_instructions": sum(self.boot.values()),
               "boot_by_function": self.boot.most_common(top),
               "cpu0_after_boot": sum(self.after_boot.values()),
               "vmm_to_guest": self.vmm_to_guest, "guest_to_main": self.guest_to_main,
               "vmm_to_main": self.vmm_to_main, "guest_blocks_unread": self.guest_blocks_unread,
               "round_trips": {}}
        for handler, lengths in self.trips.items():
            length, count = lengths.most_common(1)[0]
            out["round_trips"][handler] = {
                "instructions": length, "seen": count, "other_lengths": dict(lengths),
                "by_function": self.trip_example[(handler, length)].most_common(top)}
        if self.halts:
            out["wakes"] = {}
        for handler, lengths in self.wakes.items():
            length, count = lengths.most_common(1)[0]
            out["wakes"][handler] = {
                "instructions": length, "seen": count, "other_lengths": dict(lengths),
                "by_function": self.wake_example[(handler, length)].most_common(top)}
        return out
