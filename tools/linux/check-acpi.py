#!/usr/bin/env python3
"""Check an ACPI blob made by tools/linux/mkacpi.sh, independently of iasl.

The blob is copied to guest-physical GP_ACPI_GPA, so every pointer in it is
an absolute guest-physical address inside [GP_ACPI_GPA, GP_ACPI_GPA + size).
Checked: the RSDP (revision 2, both checksums), every table's signature,
length and checksum, that tables lie inside the blob without overlapping,
the XSDT's and FADT's pointers, and the platform the tables describe
against include/vigil/guest_platform.h (FADT fixed registers and flags,
one Local APIC per vCPU, the I/O APIC, the UART and \\_S5 in the DSDT).

Usage: tools/linux/check-acpi.py [--cpus N] [--header FILE] BLOB
Prints what it found; exits 1 with one line per problem if anything is wrong.
"""
import argparse
import os
import re
import struct
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HEADER = os.path.join(TOP, "include", "vigil", "guest_platform.h")

HDR_LEN = 36
FADT_LEN = 276  # ACPI 6.0 and later
FADT_WBINVD = 1 << 0
FADT_PWR_BUTTON = 1 << 4
FADT_SLP_BUTTON = 1 << 5
FADT_TMR_VAL_EXT = 1 << 8
FADT_RESET_REG_SUP = 1 << 10
FADT_HW_REDUCED = 1 << 20
BOOT_LEGACY_DEVICES = 1 << 0
BOOT_8042 = 1 << 1
BOOT_NO_VGA = 1 << 2
BOOT_NO_MSI = 1 << 3
BOOT_NO_ASPM = 1 << 4
BOOT_NO_CMOS_RTC = 1 << 5
SPACE_IO = 1


def read_header(path):
    """The numeric #defines of guest_platform.h, by name."""
    consts = {}
    pat = re.compile(r"^#define\s+(GP_\w+)\s+(0x[0-9a-fA-F]+|[0-9]+)u?\s*$")
    with open(path) as f:
        for line in f:
            m = pat.match(line)
            if m:
                consts[m.group(1)] = int(m.group(2), 0)
    return consts


class Checker:
    def __init__(self, blob, gp):
        self.blob = blob
        self.gp = gp
        self.base = gp["GP_ACPI_GPA"]
        self.problems = []
        self.tables = {}  # signature -> (offset, length)
        self.extents = []

    def fail(self, msg):
        self.problems.append(msg)

    def expect(self, what, got, want):
        if got != want:
            self.fail(f"{what}: {got:#x}, expected {want:#x}"
                      if isinstance(got, int) else f"{what}: {got!r}, expected {want!r}")

    def offset_of(self, what, gpa, size):
        """The blob offset of [gpa, gpa + size), or None if it is not inside."""
        off = gpa - self.base
        if off < 0 or off + size > len(self.blob):
            self.fail(f"{what} at {gpa:#x} (+{size:#x}) is outside the blob "
                      f"[{self.base:#x}, {self.base + len(self.blob):#x})")
            return None
        return off

    def claim(self, what, off, length):
        for name, o, n in self.extents:
            if off < o + n and o < off + length:
                self.fail(f"{what} overlaps {name}")
        self.extents.append((what, off, length))

    def table(self, gpa, sig):
        """Check the table at gpa; return its bytes or None."""
        off = self.offset_of(f"{sig} header", gpa, HDR_LEN)
        if off is None:
            return None
        got_sig, length = struct.unpack_from("<4sI", self.blob, off)
        if got_sig != sig.encode():
            self.fail(f"table at {gpa:#x}: signature {got_sig!r}, expected {sig!r}")
            return None
        if length < HDR_LEN or self.offset_of(sig, gpa, length) is None:
            self.fail(f"{sig}: bad length {length:#x}")
            return None
        data = self.blob[off:off + length]
        if sum(data) & 0xff:
            self.fail(f"{sig}: checksum wrong (bytes sum to {sum(data) & 0xff:#04x})")
        if sig in self.tables:
            self.fail(f"{sig}: a second table of this kind")
        self.tables[sig] = (off, length)
        self.claim(sig, off, length)
        print(f"{sig} at {gpa:#x}, {length} bytes, revision {data[8]}")
        return data

    def rsdp(self):
        if len(self.blob) < 36:
            self.fail("blob shorter than an RSDP")
            return None
        sig, _, _, rev, rsdt, length, xsdt = struct.unpack_from("<8sB6sBIIQ", self.blob, 0)
        self.expect("RSDP signature", sig, b"RSD PTR ")
        self.expect("RSDP revision", rev, 2)
        self.expect("RSDP length", length, 36)
        self.expect("RSDP RSDT address", rsdt, 0)
        if sum(self.blob[:20]) & 0xff:
            self.fail("RSDP: checksum (first 20 bytes) wrong")
        if sum(self.blob[:36]) & 0xff:
            self.fail("RSDP: extended checksum wrong")
        self.claim("RSDP", 0, 36)
        print(f"RSDP at {self.base:#x}, XSDT at {xsdt:#x}")
        return xsdt

    def xsdt(self, gpa):
        data = self.table(gpa, "XSDT")
        if data is None:
            return {}
        if (len(data) - HDR_LEN) % 8:
            self.fail("XSDT: length not a whole number of entries")
        found = {}
        for i in range((len(data) - HDR_LEN) // 8):
            (ptr,) = struct.unpack_from("<Q", data, HDR_LEN + 8 * i)
            off = self.offset_of(f"XSDT entry {i}", ptr, 4)
            if off is not None:
                found[self.blob[off:off + 4].decode("latin-1")] = ptr
        for sig in ("FACP", "APIC"):
            if sig not in found:
                self.fail(f"XSDT does not list the {sig}")
        return found

    def gas(self, what, data, off, width, access, addr):
        space, bits, shift, acc, got = struct.unpack_from("<BBBBQ", data, off)
        self.expect(f"FADT {what} space", space, SPACE_IO)
        self.expect(f"FADT {what} bit width", bits, width)
        self.expect(f"FADT {what} bit offset", shift, 0)
        self.expect(f"FADT {what} access size", acc, access)
        self.expect(f"FADT {what} address", got, addr)

    def fadt(self, gpa):
        data = self.table(gpa, "FACP")
        if data is None:
            return None
        self.expect("FADT revision", data[8], 6)
        if len(data) != FADT_LEN:
            self.fail(f"FADT length {len(data)}, expected {FADT_LEN}")
            return None
        gp = self.gp
        facs, dsdt32 = struct.unpack_from("<II", data, 36)
        self.expect("FADT FACS (hardware-reduced: none)", facs, 0)
        self.expect("FADT 32-bit DSDT (X_DSDT is used)", dsdt32, 0)
        (boot_flags,) = struct.unpack_from("<H", data, 109)
        (flags,) = struct.unpack_from("<I", data, 112)
        for bit, name in ((FADT_HW_REDUCED, "HW_REDUCED_ACPI"),
                          (FADT_RESET_REG_SUP, "RESET_REG_SUP"),
                          (FADT_TMR_VAL_EXT, "TMR_VAL_EXT"),
                          (FADT_PWR_BUTTON, "PWR_BUTTON (no fixed button)"),
                          (FADT_SLP_BUTTON, "SLP_BUTTON (no fixed button)"),
                          (FADT_WBINVD, "WBINVD")):
            if not flags & bit:
                self.fail(f"FADT flag {name} not set")
        for bit, name in ((BOOT_LEGACY_DEVICES, "LEGACY_DEVICES"), (BOOT_8042, "8042")):
            if boot_flags & bit:
                self.fail(f"FADT boot flag {name} set: there is no such device")
        if boot_flags & BOOT_NO_MSI:
            self.fail("FADT boot flag MSI Not Supported set: an assigned device's interrupts are MSI")
        for bit, name in ((BOOT_NO_VGA, "VGA Not Present"), (BOOT_NO_CMOS_RTC, "CMOS RTC Not Present"),
                          (BOOT_NO_ASPM, "PCIe ASPM Not Supported")):
            if not boot_flags & bit:
                self.fail(f"FADT boot flag {name} not set")
        self.gas("reset register", data, 116, 8, 1, gp["GP_ACPI_RESET"])
        self.expect("FADT reset value", data[128], gp["GP_ACPI_RESET_VALUE"])
        xfacs, xdsdt = struct.unpack_from("<QQ", data, 132)
        self.expect("FADT X_FACS", xfacs, 0)
        self.gas("X_PM_TMR_BLK", data, 208, 32, 3, gp["GP_ACPI_PMTMR"])
        self.gas("sleep control register", data, 244, 8, 1, gp["GP_ACPI_SLEEP_CTL"])
        self.gas("sleep status register", data, 256, 8, 1, gp["GP_ACPI_SLEEP_STS"])
        # Hardware-reduced: no SCI, SMI port, PM1 event/control or GPE blocks.
        for what, off, size in (("SCI", 46, 2), ("SMI_CMD", 48, 4), ("PM1a_EVT_BLK", 56, 4),
                                ("PM1a_CNT_BLK", 64, 4), ("GPE0_BLK", 80, 4),
                                ("X_PM1a_EVT_BLK", 148 + 4, 8), ("X_PM1a_CNT_BLK", 172 + 4, 8),
                                ("X_GPE0_BLK", 220 + 4, 8)):
            if int.from_bytes(data[off:off + size], "little"):
                self.fail(f"FADT {what} set on a hardware-reduced platform")
        print(f"FADT flags {flags:#010x}, boot flags {boot_flags:#06x}, X_DSDT {xdsdt:#x}")
        return xdsdt

    def madt(self, gpa, cpus):
        data = self.table(gpa, "APIC")
        if data is None:
            return
        gp = self.gp
        lapic, flags = struct.unpack_from("<II", data, 36)
        self.expect("MADT local APIC address", lapic, gp["GP_LAPIC_BASE"])
        self.expect("MADT flags (no PCAT_COMPAT)", flags, 0)
        lapics, ioapics, off = [], [], 44
        while off < len(data):
            if off + 2 > len(data) or data[off + 1] < 2 or off + data[off + 1] > len(data):
                self.fail(f"MADT entry at +{off:#x} runs past the table")
                return
            kind, length = data[off], data[off + 1]
            if kind == 0 and length == 8:
                uid, apic_id, eflags = struct.unpack_from("<BBI", data, off + 2)
                lapics.append((uid, apic_id, eflags))
            elif kind == 1 and length == 12:
                ioapic_id, _, addr, gsi = struct.unpack_from("<BBII", data, off + 2)
                ioapics.append((ioapic_id, addr, gsi))
            else:
                self.fail(f"MADT entry type {kind} length {length} is not expected here")
            off += length
        if cpus is not None and len(lapics) != cpus:
            self.fail(f"MADT lists {len(lapics)} Local APICs, expected {cpus}")
        for i, (uid, apic_id, eflags) in enumerate(lapics):
            if (uid, apic_id, eflags & 1) != (i, i, 1):
                self.fail(f"MADT Local APIC {i}: UID {uid}, APIC ID {apic_id}, flags {eflags:#x}; "
                          f"expected UID {i}, APIC ID {i}, enabled")
        want = (gp["GP_IOAPIC_ID"], gp["GP_IOAPIC_BASE"], 0)
        if ioapics != [want]:
            self.fail(f"MADT I/O APICs {ioapics}, expected one: (id, address, GSI base) {want}")
        print(f"MADT: {len(lapics)} Local APIC(s), I/O APIC(s) "
              + ", ".join(f"ID {i} at {a:#x} GSI base {g}" for i, a, g in ioapics))

    def dsdt(self, gpa):
        data = self.table(gpa, "DSDT")
        if data is None:
            return
        self.expect("DSDT revision (2: 64-bit integers)", data[8], 2)
        body = data[HDR_LEN:]
        # Name(_HID, EisaId("PNP0501")): DWordConst of the compressed EISA ID.
        if b"_HID\x0c\x41\xd0\x05\x01" not in body:
            self.fail("DSDT: no device with _HID PNP0501 (16550 UART)")
        # IO(Decode16, 0x3f8, 0x3f8, 1, 8) and IRQ(Edge, ActiveHigh, Exclusive){GSI}.
        if b"\x47\x01\xf8\x03\xf8\x03\x01\x08" not in body:
            self.fail("DSDT: no IO descriptor for ports 0x3f8-0x3ff")
        irq = struct.pack("<BHB", 0x23, 1 << self.gp["GP_UART_GSI"], 0x01)
        if irq not in body:
            self.fail(f"DSDT: no IRQ descriptor for IRQ {self.gp['GP_UART_GSI']}, edge, active high")
        # Name(_S5, Package(n){ typ, ...}): PackageOp, 1-byte PkgLength,
        # element count, then the first element as a ByteConst or Zero/One.
        s5 = body.find(b"_S5_\x12")
        if s5 < 0 or s5 + 8 > len(body):
            self.fail("DSDT: no \\_S5 package")
            return
        first = body[s5 + 7:s5 + 9]
        typ = first[1] if first[0] == 0x0A else first[0] if first[0] in (0, 1) else None
        self.expect("DSDT \\_S5 SLP_TYPa", typ, self.gp["GP_ACPI_S5_TYP"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cpus", type=int, help="the number of vCPUs the MADT must list")
    ap.add_argument("--header", default=HEADER, help="guest_platform.h to check against")
    ap.add_argument("blob")
    args = ap.parse_args()
    gp = read_header(args.header)
    with open(args.blob, "rb") as f:
        blob = f.read()
    c = Checker(blob, gp)
    if len(blob) > gp["GP_ACPI_MAX"]:
        c.fail(f"blob is {len(blob)} bytes, more than GP_ACPI_MAX ({gp['GP_ACPI_MAX']})")
    xsdt = c.rsdp()
    if xsdt is not None:
        found = c.xsdt(xsdt)
        if "FACP" in found:
            xdsdt = c.fadt(found["FACP"])
            if xdsdt is not None:
                c.dsdt(xdsdt)
        if "APIC" in found:
            c.madt(found["APIC"], args.cpus)
    if c.problems:
        for p in c.problems:
            print(f"check-acpi: {args.blob}: {p}", file=sys.stderr)
        sys.exit(1)
    print(f"check-acpi: {args.blob}: {len(blob)} bytes, all tables good")


if __name__ == "__main__":
    main()
