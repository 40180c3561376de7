#!/usr/bin/env python3
"""Unmodified Linux under Vigil (docs/linux-guest.md, docs/guest-platform.md).

One boot per backend, every check in that boot:
- SVM: tests/linux/svm.dts under QEMU (TCG, OVMF), typed into as a person
  at the console would (the focused guest is Linux: it has console-input);
- VMX: tests/linux/vmx.dts under Bochs (tigerlake: VMX, EPT, CPUID 0x15).

Checks (both backends unless said):
- userspace is reached; the kernel log has no line about the platform that
  is not in ACCEPTED (each with its reason);
- SVM, typed: `uname -r` answers the kernel's release, a shell computation
  answers, /proc/interrupts shows the UART on IO-APIC pin 4 (edge) and the
  local timer counting between two reads, the ACPI tables Linux parsed are
  Vigil's (RSDP, XSDT, FACP, APIC, DSDT), guest time advances at the host's
  rate within broad bounds, the inventory's HLT count rises while the shell
  is idle, and the ticker beats on throughout;
- SVM: `echo c > /proc/sysrq-trigger` crashes the kernel, which reboots
  after panic=5 through the ACPI reset register: Vigil restarts the guest
  from its verified image and a shell comes back; `reboot` likewise;
  `poweroff` stops it (ACPI S5) and only it; the ticker beats on.
"""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "vmx"))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "channel"))
import vigiltest as vt  # noqa: E402

WORK = os.path.join(vt.WORK, "linux")
OUT = os.path.join(vt.BUILD, "test", "linux")
PROMPT = r"^\[linux\] / # "
REACHED = r"^\[linux\] vigil-linux: userspace reached$"

# Kernel log lines about the platform that are accepted, with the reason.
ACCEPTED = [
    # AMD guests calibrate the TSC against PIT channel 2; under QEMU's TCG
    # every port read is an exit of tens of microseconds, too slow for the
    # kernel's PIT loops. It then uses the ACPI PM timer (both count from
    # the host's TSC), docs/guest-platform.md.
    r"tsc: Fast TSC calibration failed",
    r"tsc: Unable to calibrate against PIT",
    r"tsc: using PMTIMER reference calibration",
    # The platform has no PCI (docs/guest-platform.md): the kernel says so.
    r"PCI: Fatal: No config space access function found",
]
# What would be a platform problem.
SUSPECT = re.compile(r"(?i)(warn|error|fail|unable|unchecked|call trace|bug:|unstable|fallback|"
                     r"calibrat|timer|apic|tsc|clocksource|xsave|mtrr)")
# Ordinary lines that match SUSPECT's words without reporting a problem.
ORDINARY = [
    r"TSC deadline timer available", r"clocksource: ", r"APIC: Switch to symmetric I/O mode",
    r"IOAPIC\[0\]: apic_id 8", r"ACPI: (APIC|Reserving APIC|Using IOAPIC)", r"tsc: Detected ",
    r"Calibrating delay loop \(skipped\)", r"thermal_sys: Registered", r"timer", r"x86/fpu: ",
    r"Switched to clocksource", r"ACPI: PM-Timer", r"NMI watchdog", r"RETBleed: Mitigation",
    r"Spectre V2 : ", r"sched_clock: Marking stable", r"tsc: Refined TSC clocksource calibration",
    r"ACPI FADT declares the system doesn't support MSI", r"APIC timer", r"Performance Events: ",
    r"x86/PAT: MTRRs disabled", r"CPU MTRRs all blank", r"last_pfn = ", r"ACPI: Early table checksum",
    r"workingset: timestamp_bits", r"process: using", r"audit: ",
]


def kernel_lines(lines):
    return [line[len("[linux] "):] for line in lines if line.startswith("[linux] [")]


def platform_complaints(lines):
    bad = []
    for line in kernel_lines(lines):
        text = re.sub(r"^\[\s*[\d.]+\]\s*", "", line)
        if not SUSPECT.search(text):
            continue
        if any(re.search(a, text) for a in ACCEPTED) or any(re.search(o, text) for o in ORDINARY):
            continue
        bad.append(text)
    return bad


def beats(lines, name="ticker"):
    r = re.compile(r"^\[%s\] beat (\d+)$" % name)
    return [int(m.group(1)) for m in map(r.match, lines) if m]
