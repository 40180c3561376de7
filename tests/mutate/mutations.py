# SPDX-License-Identifier: MIT
"""The defence removals `make mutate` runs (tests/mutate/run.py, docs/mutate.md).

Each entry weakens or removes one check with one exact text replacement
(`old` must occur exactly once in `file`, else the entry is STALE), names
the tier whose command must then fail, and says why the check matters.
Helpers give each tier its build and its narrowest command:

  unit(BIN)           make the unit binary (and the VMM and stub, so the
                      mutation builds with the real flags), run only it
  boot(SCRIPT)        one boot-tier script (tests/integration/t_*.py)
  channel()           the channel tier (one boot)
  attacks(BOOT)       one attack boot on SVM under QEMU
  attacks_vmx(BOOT)   one attack boot on VMX under Bochs (for what only
                      Bochs can show: the host's APIC in x2APIC mode)
"""


class Mutation:
    def __init__(self, name, file, old, new, tier, build, catch, why, expect):
        self.name, self.file, self.old, self.new = name, file, old, new
        self.tier, self.build, self.catch, self.why = tier, build, catch, why
        self.expect = expect


BUILD_ALL = "make -s -j2 all"


def unit(binary):
    return ("unit", "%s build/unit/%s" % (BUILD_ALL, binary), "tests/unit/run.sh build/unit/%s" % binary)


def boot(script):
    return ("boot", "%s boot-test-build" % BUILD_ALL,
            "python3 tests/integration/vigiltest.py run tests/integration/%s" % script)


def channel():
    return ("channel", "%s build/test/esp/.stamp" % BUILD_ALL, "make -s test-channel")


def iommu(kind):
    return ("iommu", "%s build/test/esp/.stamp" % BUILD_ALL, "python3 tests/iommu/t_iommu.py %s" % kind)


def assign(kind):
    return ("iommu", "%s build/test/esp/.stamp build/packages/dma-edu.stamp" % BUILD_ALL,
            "python3 tests/iommu/t_assign.py %s" % kind)


def nvme(kind):
    return ("iommu", "%s build/test/esp/.stamp build/packages/nvme-probe.stamp" % BUILD_ALL,
            "python3 tests/iommu/t_nvme.py %s" % kind)


def attest():
    return ("attest", "%s build/test/esp/.stamp" % BUILD_ALL, "make -s test-attest")


def marks():
    """The anti-rollback marks and persistent patches: their own script of
    the attest tier (tests/attest/t_marks.py), not the whole tier."""
    return ("attest", "%s build/test/esp/.stamp build/attest/tpm2_swtpm" % BUILD_ALL,
            "python3 tests/integration/vigiltest.py run tests/attest/t_marks.py")


def attacks(boot_name):
    vars_ = "ATTACK_VENDORS=svm ATTACK_BOOTS=%s" % boot_name
    return ("attacks", "%s attack-build %s" % (BUILD_ALL, vars_), "make -s test-attacks %s" % vars_)


def attacks_vmx(boot_name):
    vars_ = "ATTACK_VENDORS=vmx ATTACK_BOOTS=%s" % boot_name
    return ("attacks", "%s attack-build %s" % (BUILD_ALL, vars_), "make -s test-attacks %s" % vars_)


MUTATIONS = []


def mutation(name, file, old, new, by, why, expect=None):
    """expect: a regex the FAIL line must match (the attack or check that
    must catch it), where the command runs more than the one test."""
    tier, build, catch = by
    MUTATIONS.append(Mutation(name, file, old, new, tier, build, catch, why, expect))


# ---- the management channel: frames ---------------------------------------

mutation("frame-header-crc", "vmm/channel_frame.c",
         "if (crc32_update(0, rx->hdr, 10) != frame_le32(rx->hdr + 10)) {",
         "if (0 && crc32_update(0, rx->hdr, 10) != frame_le32(rx->hdr + 10)) {",
         unit("frame"),
         "the header CRC is what lets the receiver trust a length before waiting for that many bytes")
mutation("frame-oversize", "vmm/channel_frame.c",
         "if (frame_le32(rx->hdr + 6) > rx->cap) {",
         "if (frame_le32(rx->hdr + 6) > rx->cap + 4096) {",
         unit("frame"),
         "a length above the buffer must be refused from the header, before a byte of payload is stored")
mutation("frame-version", "vmm/channel_frame.c",
         "if (rx->hdr_len == 3 && rx->hdr[2] != CHANNEL_VERSION) {",
         "if (0 && rx->hdr_len == 3 && rx->hdr[2] != CHANNEL_VERSION) {",
         unit("frame"),
         "a frame of another protocol version is refused, never read with this version's layout")
mutation("frame-crc", "vmm/channel_frame.c",
         "if (frame_crc(rx->hdr, rx->buf, len) != frame_le32(rx->trailer)) {",
         "if (0 && frame_crc(rx->hdr, rx->buf, len) != frame_le32(rx->trailer)) {",
         unit("frame"),
         "a frame damaged on the line is dropped, never dispatched")
mutation("frame-timeout", "vmm/channel_frame.c",
         "if (!frame_rx_busy(rx))\n\t\treturn FRAME_RX_MORE;\n\tr = frame_rx_fail(rx, CHANNEL_E_FRAME_TIMEOUT",
         "return FRAME_RX_MORE;\n\tr = frame_rx_fail(rx, CHANNEL_E_FRAME_TIMEOUT",
         unit("frame"),
         "a half frame is dropped after its timeout: a dropped connection costs the next request 2 s at most")
mutation("dispatch-unknown-type", "vmm/channel_dispatch.c",
         "return type < ARRAY_SIZE(channel_queries) ? channel_queries[type] : NULL;",
         "return channel_queries[type % ARRAY_SIZE(channel_queries)];",
         unit("dispatch"),
         "a request type outside the list is refused (UNKNOWN_TYPE) and reaches no handler")
mutation("dispatch-query-payload", "vmm/channel_dispatch.c",
         "} else if (len) {",
         "} else if (0) {",
         unit("dispatch"),
         "a query carrying a payload is refused (BAD_REQUEST) and runs nothing")

# ---- the management channel: bundles ---------------------------------------

mutation("bundle-oversized", "vmm/bundle.c",
         "if (len > BUNDLE_MAX_LEN)\n\t\treturn bnd_refuse(v, -E2BIG, CHANNEL_E_OVERSIZED, \"bundle of",
         "if (len > 2 * BUNDLE_MAX_LEN)\n\t\treturn bnd_refuse(v, -E2BIG, CHANNEL_E_OVERSIZED, \"bundle of",
         unit("bundle"),
         "a bundle above 256 KiB is refused (OVERSIZED)")
mutation("bundle-truncated", "vmm/bundle.c",
         "if ((uint64_t)BUNDLE_HEADER_LEN + plen + slen > len)",
         "if (0 && (uint64_t)BUNDLE_HEADER_LEN + plen + slen > len)",
         unit("bundle"),
         "lengths that run past the received bytes are refused, never followed (TRUNCATED)")
mutation("bundle-trailing", "vmm/bundle.c",
         "if (BUNDLE_HEADER_LEN + plen + slen < len)",
         "if (0 && BUNDLE_HEADER_LEN + plen + slen < len)",
         unit("bundle"),
         "bytes after the signature file are refused (TRAILING): nothing unsigned rides along")
mutation("bundle-payload-trailing", "vmm/bundle.c",
         "if (fdt_totalsize(fdt) < len)",
         "if (0 && fdt_totalsize(fdt) < len)",
         unit("bundle"),
         "bytes after the payload's device tree are refused: the signed bytes are exactly the tree read")
mutation("bundle-duplicate-property", "vmm/bundle.c",
         "if (seen & (1u << i))",
         "if (0 && (seen & (1u << i)))",
         unit("bundle"),
         "a property given twice is refused: libfdt reads the first, another reader might read the second")
mutation("bundle-old-tree-version", "vmm/bundle.c",
         "if (fdt_version(fdt) < 17)",
         "if (0 && fdt_version(fdt) < 17)",
         unit("bundle"),
         "a tree version below 17 is refused before fdt_check_full, which reads NULL on it (unsigned input)")
mutation("bundle-fdt-length-guard", "vmm/bundle.c",
         "if (!fdt_guard_lengths_ok(fdt, len) || fdt_check_full(fdt, len))",
         "if (fdt_check_full(fdt, len))",
         unit("bundle"),
         "property lengths are checked before fdt_check_full, which loops for ever on a wrapping one (unsigned input)")
mutation("bundle-digest-binding", "vmm/bundle_verify.c",
         "if (memcmp(digest, b->digest, sizeof(digest)))",
         "if (0 && memcmp(digest, b->digest, sizeof(digest)))",
         unit("bundle"),
         "the decoded bundle must come from the very payload bytes whose signatures are checked")
mutation("bundle-wrong-role", "vmm/bundle_verify.c",
         "if (b->role != need)",
         "if (0 && b->role != need)",
         unit("bundle"),
         "the payload's role must be the one its kind needs (WRONG_ROLE)")
mutation("bundle-no-signature", "vmm/bundle_verify.c",
         "if (siglen == 0)\n\t\treturn bnd_refuse(v, -ENODATA, CHANNEL_E_NO_SIGNATURE, \"no signature\");",
         "if (0)\n\t\treturn bnd_refuse(v, -ENODATA, CHANNEL_E_NO_SIGNATURE, \"no signature\");",
         unit("bundle"),
         "an unsigned bundle is refused with its own code (NO_SIGNATURE)")
mutation("bundle-key-role", "vmm/bundle_verify.c",
         "if (other != ROLE_COUNT)",
         "if (0 && other != ROLE_COUNT)",
         unit("bundle"),
         "a bundle signed only by another role's keys says so (KEY_ROLE), not UNKNOWN_KEY")
mutation("bundle-build-id", "vmm/bundle_verify.c",
         "if (!memcmp(w, build_id, BUNDLE_BUILD_ID_LEN))",
         "if (1 || !memcmp(w, build_id, BUNDLE_BUILD_ID_LEN))",
         unit("bundle"),
         "a bundle made for another VMM build is refused (BUILD_ID): a patch fits one build only")
mutation("bundle-replay", "vmm/bundle_verify.c",
         "if (b->sequence == last)",
         "if (0 && b->sequence == last)",
         unit("bundle"),
         "a bundle with the last accepted sequence is a replay (REPLAY)")
mutation("bundle-rollback", "vmm/bundle_verify.c",
         "if (b->sequence < last)",
         "if (0 && b->sequence < last)",
         unit("bundle"),
         "a bundle below the last accepted sequence is a rollback (ROLLBACK)")
mutation("bundle-policy-widens-io", "vmm/bundle_verify.c",
         "if (!bnd_ports_allowed(p->io[i].port, p->io[i].count, io, io_count))",
         "if (0 && !bnd_ports_allowed(p->io[i].port, p->io[i].count, io, io_count))",
         unit("bundle"),
         "an operator's policy update may only tighten a guest's I/O grants, never widen them")
mutation("sig-threshold", "kernel/crypto/sig.c",
         "ret = v.valid >= keys->threshold ? 0 : -EPERM;",
         "ret = v.valid >= 1 ? 0 : -EPERM;",
         unit("sig"),
         "M-of-N: fewer valid signatures than the threshold is a refusal (stub and bundles alike)")
# "One key counts once" is held where the file is decoded (sig-key-id-twice):
# a file naming a key twice never reaches the counting, whose own guard
# (counted[] in sig_count_valid) is kept as a second line no file can reach.
mutation("sig-bad-signature", "kernel/crypto/sig.c",
         "if (ret == 0) {\n\t\t\tcounted[k] = true;",
         "if (ret == 0 || ret == -EPERM) {\n\t\t\tcounted[k] = true;",
         unit("sig"),
         "a signature that does not verify counts for nothing (BAD_SIGNATURE)")
mutation("sig-file-trailing", "kernel/crypto/sig.c",
         "if (len > SIG_FILE_LEN(count))",
         "if (0 && len > SIG_FILE_LEN(count))",
         unit("sig"),
         "a signature file with bytes after its last entry is malformed (SIG_MALFORMED)")
mutation("sig-keyset-threshold", "kernel/crypto/sig.c",
         "if (keys->threshold > distinct)",
         "if (0 && keys->threshold > distinct)",
         unit("sig"),
         "a key set whose threshold its distinct keys can never reach is refused loudly (KEYSET)")
mutation("patch-no-rebase", "kernel/patch.c",
         "\t(void)selfcheck_adopt(next); /* a mismatch now is reported as tampering */\n\treturn 0;\n}\n\nint patch_revert",
         "\treturn 0;\n}\n\nint patch_revert",
         channel(),
         "a verified patch moves the self-check's expected digest; without that it is reported as tampering",
         expect="digest moved")
mutation("patch-revert-no-rebase", "kernel/patch.c",
         "\tmemset(lp, 0, sizeof(*lp));\n\t(void)selfcheck_adopt(next);\n",
         "\tmemset(lp, 0, sizeof(*lp));\n",
         channel(),
         "a verified revert moves the expected digest back; without that the self-check reports tampering",
         expect="self-check runs after the verified patch and revert")

mutation("watchdog-no-detection", "vmm/watchdog.c",
         "} else if (++w->missed == WATCHDOG_MISSES) {",
         "} else if (0 && ++w->missed == WATCHDOG_MISSES) {",
         channel(),
         "a guest CPU wedged in the VMM's exit path is reported, counted and shown in the inventory; "
         "without the watchdog nobody knows the guest no longer runs",
         expect="watchdog: the console reports the stuck CPU")
mutation("watchdog-no-recovery", "vmm/watchdog.c",
         "\t\tpc->stuck = 0;\n",
         "",
         unit("watchdog"),
         "a CPU that answers again is no longer stuck: live patches and policy changes work again")
mutation("rendezvous-waits-for-stuck-cpu", "kernel/rendezvous.c",
         "if (cpu_pc_online(i) && cpu_pc(i)->stuck)",
         "if (0 && cpu_pc_online(i) && cpu_pc(i)->stuck)",
         channel(),
         "a rendezvous with a CPU known stuck would hold every other guest for its whole timeout, for nothing",
         expect="watchdog: a revert is refused before its rendezvous")

# ---- the stub: boot refusals -----------------------------------------------

mutation("stub-signature-ignored", "boot/stub.c",
         "int err = sig_verify_set(f->buf, f->len, sig->buf, sig->len, &platform_keyset, &v);\n\n\tif (err) {",
         "int err = sig_verify_set(f->buf, f->len, sig->buf, sig->len, &platform_keyset, &v);\n\n\tif (err && 0) {",
         boot("t_stub_refuse.py"),
         "the stub boots nothing whose platform signatures do not verify")
mutation("stub-measure-vmm", "boot/stub.c",
         "measure_buffer(s->h, \"vmm.elf\", s->vmm.buf, s->vmm.len,",
         "measure_buffer(s->h, \"vmm.elf\", s->vmm.buf, s->vmm.len / 2,",
         boot("t_stub_measure.py"),
         "the VMM's digest (and PCR 10) covers every byte of the file that is run")
mutation("stub-bus-master-firmware", "boot/efi.c",
         "\t\tpci_io_master_off(io);\n",
         "\t\t(void)pci_io_master_off;\n",
         boot("t_stub_busmaster.py"),
         "every PCI function the firmware lists, on any segment, has bus mastering off before "
         "ExitBootServices (the port pass reaches segment 0 only)")
mutation("stub-bus-master-late", "boot/pci_scan.c",
         "pci_cfg_write16(bdf, PCI_COMMAND, cmd & ~PCI_COMMAND_MASTER);",
         "(void)cmd;",
         boot("t_stub_busmaster.py"),
         "what a firmware exit callback turns back on (OVMF's XHCI driver does) is off again before the VMM runs")
mutation("stub-path-dotdot", "boot/path.c",
         "(n == 2 && c[0] == '.' && c[1] == '.')",
         "(n == 2 && c[0] == '.' && c[1] == '.' && 0)",
         unit("stub_parts"),
         "a guest package path in the config cannot climb out of vigil/ on the ESP")
mutation("stub-withdrawn-form", "boot/dtb_scan.c",
         "if (withdrawn_prop(w->scan, (const char *)w->blob + w->strings + nameoff))",
         "if (0 && withdrawn_prop(w->scan, (const char *)w->blob + w->strings + nameoff))",
         unit("stub_parts"),
         "a config whose guest names its own files (the withdrawn, unverified form) is refused before any is read")
mutation("stub-elf-overlap", "boot/elf_load.c",
         "if (overlaps(&img->seg[i], &img->seg[j]))",
         "if (0 && overlaps(&img->seg[i], &img->seg[j]))",
         unit("elf_load"),
         "overlapping VMM segments are refused: a later one could overwrite checked code")
mutation("stub-elf-filesz", "boot/elf_load.c",
         "if (ph->memsz == 0 || ph->filesz > ph->memsz)",
         "if (ph->memsz == 0)",
         unit("elf_load"),
         "a segment whose file part exceeds its memory is refused: the copy would overrun it")

# ---- the config ------------------------------------------------------------

mutation("config-old-tree-version", "kernel/config.c",
         "if (fdt_version(blob) < 17)",
         "if (0 && fdt_version(blob) < 17)",
         unit("config"),
         "a tree version below 17 is refused before fdt_check_full, which reads NULL on it")
mutation("config-twin-property", "kernel/config.c",
         "return cfg_fail(c, \"property '%s' given twice\", name);",
         "(void)0;",
         unit("config"),
         "a property given twice is refused: libfdt reads the first, another reader might read the second")
mutation("config-twin-node", "kernel/config.c",
         "return cfg_fail(c, \"node '%s' given twice\", name);",
         "(void)0;",
         unit("config"),
         "a second /guests (or role) is refused: the VMM reads the first, the stub loads every /guests node's files")
mutation("config-fdt-length-guard", "kernel/config.c",
         "if (!fdt_guard_lengths_ok(blob, fdt_totalsize(blob)) || fdt_check_full(blob, fdt_totalsize(blob)))",
         "if (fdt_check_full(blob, fdt_totalsize(blob)))",
         unit("config"),
         "property lengths are checked before fdt_check_full, which loops for ever on a wrapping one")
mutation("config-cpu-shared", "kernel/config.c",
         "if (o->cpus[j] == cpu)",
         "if (o->cpus[j] == cpu && o == g)",
         unit("config"),
         "static partitioning: a CPU belongs to one guest only")
mutation("config-region-overlap", "kernel/config.c",
         "if (r.gpa < g->regions[j].gpa + g->regions[j].size && g->regions[j].gpa < r.gpa + r.size)",
         "if (0)",
         unit("config"),
         "a guest's memory regions never overlap (one NPT page, two backing pages)")
mutation("config-apic-window", "kernel/config.c",
         "if (r.gpa < GP_LAPIC_BASE + GP_LAPIC_SIZE && GP_IOAPIC_BASE < r.gpa + r.size)",
         "if (0)",
         unit("config"),
         "memory never covers the APIC pages: they must fault so that they are emulated")
mutation("policy-com2", "vmm/policy.c",
         "\t{ 0x2f8, 0x2ff, \"management channel UART (COM2)\" },\n",
         "",
         unit("policy"),
         "no config can give a guest the management channel's UART")
mutation("policy-x2apic-msrs", "vmm/policy.c",
         "\t{ 0x800, 0x8ff, \"x2APIC registers\" },\n",
         "",
         unit("policy"),
         "no config can grant the host's x2APIC registers (IPIs to any CPU)")
mutation("config-channel-granted", "kernel/config.c",
         "if (g->io[i].port < ch->base + 8 && ch->base < g->io[i].port + g->io[i].count)",
         "if (0)",
         unit("config"),
         "no guest is granted the ports of the management channel's UART")
mutation("config-channel-com1", "kernel/config.c",
         "if (ch->base < 0x400 && ch->base + 8 > 0x3f8)",
         "if (0)",
         unit("config"),
         "the channel's UART is never COM1, the console when no SPCR names another")
mutation("channel-is-console", "vmm/channel.c",
         "if (uart_overlaps(u, console_uart()))",
         "if (0)",
         boot("t_pci_uart.py"),
         "the channel's UART is never the console's (the SPCR's): operator input and frames would mix")
mutation("spcr-checksum", "drivers/acpi.c",
         "if (!acpi_sum_ok(t, len))",
         "if (0)",
         unit("spcr"),
         "an SPCR whose checksum is wrong is not used: the console falls back to COM1")
mutation("spcr-length", "drivers/acpi.c",
         "if (len < SPCR_MIN_LEN || len > avail || len > ACPI_TABLE_MAX)",
         "if (len < SPCR_MIN_LEN)",
         unit("spcr"),
         "an SPCR's length never takes a read past the table's memory")
mutation("spcr-interface-type", "drivers/acpi.c",
         "if (!spcr_type_ok(out->revision, out->type))",
         "if (!spcr_type_ok(out->revision, out->type) && 0)",
         unit("spcr"),
         "only a 16550 is driven: another UART's registers are not a 16550's")

# ---- guest packages at boot -------------------------------------------------

mutation("package-floor-ignored", "vmm/vm_package.c",
         "\tif (vm_pkg.security_version < g->min_security_version) {",
         "\tif (vm_pkg.security_version < g->min_security_version && 0) {",
         boot("t_packages.py"),
         "a package below the config's security floor does not run",
         expect="t-floor")
mutation("package-files-unchecked", "vmm/vm_package.c",
         "\telse if (memcmp(fm->sha256, r->sha256, sizeof(r->sha256)))\n",
         "\telse if (0)\n",
         boot("t_packages.py"),
         "a package file changed after signing does not run",
         expect="t-image")
mutation("package-msr-ungranted", "vmm/package.c",
         "\tfor (unsigned i = 0; i < g->msr_count; i++)\n\t\tif (g->msrs[i] == msr)\n\t\t\treturn true;\n\treturn false;",
         "\tfor (unsigned i = 0; i < g->msr_count; i++)\n\t\tif (g->msrs[i] == msr)\n\t\t\treturn true;\n\treturn msr != 0;",
         boot("t_packages.py"),
         "a package needing an MSR its guest is not granted does not run",
         expect="t-msr")

# ---- guest updates through the channel -------------------------------------

mutation("update-version-ignored", "vmm/vm_update.c",
         "\tif (cand.version <= vm->pkg.version)\n",
         "\tif (cand.version <= vm->pkg.version && 0)\n",
         channel(),
         "a replayed or older package is never installed over the running one",
         expect="replay")
mutation("update-digest-unchecked", "vmm/vm_update.c",
         "\tif (!memcmp(d256, up.pkg.files[f].sha256, sizeof(d256)) && !memcmp(d384, up.pkg.files[f].sha384, sizeof(d384)))\n",
         "\tif (1)\n",
         channel(),
         "a file whose bytes differ from the signed manifest's digests is never installed",
         expect="byte of its image changed")

# ---- guest memory and the loader -------------------------------------------

mutation("gpa-to-hva-end", "vmm/vm_mem.c",
         "gpa - r->gpa <= r->size - len",
         "gpa - r->gpa <= r->size",
         unit("gmem"),
         "every access to guest memory on its behalf ends inside one region (the exact end included)")
mutation("loader-filesz", "vmm/loader.c",
         "if (ph->filesz > ph->memsz || ph->offset > size || ph->filesz > size - ph->offset)",
         "if (ph->offset > size || ph->filesz > size - ph->offset)",
         unit("loader"),
         "a guest segment whose file part exceeds its memory would be copied past its checked range")
mutation("loader-acpi-size", "vmm/loader.c",
         "if (x->acpi_size > GP_ACPI_MAX)",
         "if (x->acpi_size > 2 * GP_ACPI_MAX)",
         unit("loader"),
         "ACPI tables larger than their window are refused, not copied past it")
mutation("loader-initrd-over-image", "vmm/loader.c",
         "if (page - base < size || at < base || ranges_overlap(r, (struct range){ x->image_lo, x->image_hi }) ||",
         "if (page - base < size || at < base ||",
         unit("loader"),
         "the initrd never overwrites the kernel image it was loaded beside")

# ---- the CPUID filter, MSRs, EFER, PAT -------------------------------------

mutation("cpuid-no-filter", "vmm/cpuid.c",
         "\tcpuid_filter(leaf, sub, f, &host);\n",
         "\tif (0)\n\t\tcpuid_filter(leaf, sub, f, &host);\n",
         attacks("boot-08"),
         "the guest sees the host's CPUID only through the filter (no SVM/VMX, no host APIC ID)",
         expect="attack-cpuid-virt")
mutation("cpuid-fsgsbase", "vmm/cpuid.c",
         "r->ebx &= ~(CPUID7_EBX_FSGSBASE | CPUID7_EBX_TSC_ADJUST);",
         "r->ebx &= ~(CPUID7_EBX_TSC_ADJUST);",
         unit("cpuid"),
         "FSGSBASE stays hidden: CR4.FSGSBASE is not offered, and the VMM's FS/GS handling assumes it")
mutation("pat-reserved-type-3", "vmm/msr.c",
         "if (t > 7 || t == 2 || t == 3)",
         "if (t > 7 || t == 2)",
         attacks("boot-08"),
         "a PAT with reserved memory type 3 is #GP, as on hardware, never loaded into the VMCB",
         expect="attack-msr-host")
mutation("pat-type-above-7", "vmm/msr.c",
         "if (t > 7 || t == 2 || t == 3)",
         "if (t == 2 || t == 3)",
         attacks("boot-08"),
         "a PAT entry above 7 is #GP, never loaded (VMRUN would fail on it)",
         expect="attack-msr-host")
mutation("efer-reserved-bits", "vmm/msr.c",
         "if (val & ~EFER_GUEST_BITS)\n\t\t\treturn -1;",
         "if (val & ~EFER_GUEST_BITS & ~(1ull << 12))\n\t\t\treturn -1;",
         attacks("boot-06"),
         "a guest cannot set EFER.SVME (bit 12): SVM stays hidden",
         expect="attack-msr-efer")
mutation("efer-lme-paging", "vmm/msr.c",
         "if ((m.cr0 & CR0_PG) && ((val ^ old) & EFER_LME))",
         "if (0)",
         attacks("boot-06"),
         "clearing EFER.LME while paging is on is #GP, as on hardware",
         expect="attack-efer-lme")

# ---- intercepts --------------------------------------------------------------

mutation("svm-iopm-open", "arch/x86/svm/svm.c",
         "memset(phys_to_virt(vm->arch.iopm_pa), 0xff,",
         "memset(phys_to_virt(vm->arch.iopm_pa), 0x00,",
         attacks("boot-05"),
         "every I/O port a guest was not granted is intercepted (reset ports, COM2, PCI config)",
         expect="attack-io-|attack-console")
mutation("svm-msrpm-open", "arch/x86/svm/svm.c",
         "memset(phys_to_virt(vm->arch.msrpm_pa), 0xff,",
         "memset(phys_to_virt(vm->arch.msrpm_pa), 0x00,",
         attacks("boot-08"),
         "every MSR a guest was not granted is intercepted (default deny)",
         expect="attack-msr-")
# The host's APIC is in x2APIC mode on Bochs's skylake (not under QEMU's
# TCG, which has no x2APIC): there a guest's WRMSR to the ICR would send
# the host's IPIs (attack-msr-x2apic: INIT to every other CPU).
mutation("vmx-msr-bitmap-x2apic", "arch/x86/vmx/vmx.c",
         "\tmemset(phys_to_virt(vm->arch.msrpm_pa), 0xff, MSR_BITMAP_PAGES * PAGE_SIZE);\n",
         "\tmemset(phys_to_virt(vm->arch.msrpm_pa), 0xff, MSR_BITMAP_PAGES * PAGE_SIZE);\n"
         "\tmemset((uint8_t *)phys_to_virt(vm->arch.msrpm_pa) + 0x800 / 8, 0, 0x100 / 8);\n"
         "\tmemset((uint8_t *)phys_to_virt(vm->arch.msrpm_pa) + MSR_BITMAP_WRITE + 0x800 / 8, 0, 0x100 / 8);\n",
         attacks_vmx("boot-07"),
         "a guest's RDMSR/WRMSR of the x2APIC registers always exits: with the host in x2APIC mode "
         "they would be the host's APIC",
         expect="attack-msr-x2apic")
mutation("svm-vmload-vmsave", "arch/x86/svm/svm.c",
         "SVM_I2_VMMCALL | SVM_I2_VMLOAD | SVM_I2_VMSAVE | SVM_I2_STGI |",
         "SVM_I2_VMMCALL | SVM_I2_STGI |",
         attacks("boot-09"),
         "VMLOAD/VMSAVE would read and write host-physical state pages chosen by the guest",
         expect="attack-vmload")
mutation("svm-clgi-stgi", "arch/x86/svm/svm.c",
         "SVM_I2_STGI |\n\t\t\tSVM_I2_CLGI | SVM_I2_SKINIT",
         "\n\t\t\tSVM_I2_SKINIT",
         attacks("boot-09"),
         "a guest clearing GIF would hold off the VMM's own interrupts and NMIs",
         expect="attack-gif")
mutation("svm-invlpga", "arch/x86/svm/svm.c",
         "SVM_I1_HLT | SVM_I1_INVLPGA |",
         "SVM_I1_HLT |",
         attacks("boot-09"),
         "INVLPGA names any ASID: the host's and other guests' TLB entries",
         expect="attack-invlpga")
mutation("io-string-refused", "vmm/io.c",
         "if (e->io.string || e->io.rep) {",
         "if (0) {",
         attacks("boot-06"),
         "string and REP port I/O is refused (#GP), never emulated with a guest-chosen buffer",
         expect="attack-io-string")
mutation("hypercall-number-truncated", "vmm/hypercall.c",
         "uint64_t nr = v->regs.rax;",
         "uint64_t nr = (uint32_t)v->regs.rax;",
         attacks("boot-10"),
         "the hypercall number is checked on all 64 bits: 0x100000001 is not HC_EXIT",
         expect="attack-hc-numbers")
mutation("hypercall-cpl", "vmm/hypercall.c",
         "if (v->exit.cpl != 0)",
         "if (0 && v->exit.cpl != 0)",
         attacks("boot-11"),
         "hypercalls are the guest kernel's: its user space cannot stop the guest (HC_EXIT from CPL 3)",
         expect="hypercall-abi")
mutation("hypercall-table-bound", "vmm/hypercall.c",
         "\t__asm__(\"cmpq %1, %0\\n\\tcmovaq %1, %0\" : \"+r\"(nr) : \"r\"((uint64_t)HC_COUNT) : \"cc\");\n",
         "",
         attacks("boot-10"),
         "the hypercall table is indexed only within its size (a CMOV clamp, safe under speculation)",
         expect="attack-hc-")
mutation("selfcheck-builds-on-tampered-code", "kernel/selfcheck.c",
         "\tif (selfcheck_matches())\n\t\treturn 0;\n\treturn -EBADMSG;",
         "\t(void)selfcheck_matches();\n\treturn 0;",
         boot("t_selfcheck.py"),
         "a patch on code that already differs from its expected digest would adopt the change as expected",
         expect="live patch on the changed text is refused")
mutation("sig-key-id-twice", "kernel/crypto/sig.c",
         "\t\t\tif (!memcmp(out->entries[j].key_id, e, SIG_KEYID_LEN))\n",
         "\t\t\tif (0 && !memcmp(out->entries[j].key_id, e, SIG_KEYID_LEN))\n",
         unit("sig"),
         "one key id repeated with bad signatures would cost a P-384 verification per copy")
mutation("bundle-sequence-after-apply", "vmm/channel_bundle.c",
         "\tif (!err) {\n\t\tbundle_seq_accept(&accepted, &bundle);\n\t\terr = bundle_apply(&bundle, &v, &pause);\n\t}\n",
         "\tif (!err)\n\t\terr = bundle_apply(&bundle, &v, &pause);\n\tif (!err)\n\t\tbundle_seq_accept(&accepted, &bundle);\n",
         channel(),
         "a verified bundle that failed to apply would keep its number: a recording of it could take effect later",
         expect="sequence was consumed")
mutation("audit-applied-evicted", "vmm/audit.c",
         "\tif (request == CHANNEL_REQ_BUNDLE && status == 0) {",
         "\tif (0 && request == CHANNEL_REQ_BUNDLE && status == 0) {",
         unit("dispatch"),
         "garbage on the serial line could push the record of applied bundles out of the audit log")
mutation("grant-dma-controller", "vmm/policy.c",
         "\t{ 0x00, 0x1f, \"8237 DMA controller 1 (DMA into any memory)\" },\n",
         "",
         unit("policy"),
         "a guest granted the 8237 DMA controller could DMA into any memory below 16 MiB")
mutation("mce-bank-record", "arch/x86/trap.c",
         "\t\t(void)mce_collect(\"in the VMM\");\n",
         "\t\t(void)0;\n",
         boot("t_mce.py"),
         "a machine check in the VMM must leave the banks' record before the machine stops",
         expect="logged the bank")

# ---- the crash record: the next boot reads a page anything may have written -

mutation("crash-record-crc", "kernel/crash_record.c",
         "\tif (r->crc != crash_record_crc(r))\n",
         "\tif (0 && r->crc != crash_record_crc(r))\n",
         unit("crash"),
         "a record damaged in memory (a reset mid-write, a stray write) would be reported as the panic")
mutation("crash-record-stale", "kernel/crash_record.c",
         "\tif (r->boot != boot)\n",
         "\tif (0 && r->boot != boot)\n",
         unit("crash"),
         "a record of an older boot (left when the page was not cleared) would be reported again as new")
mutation("crash-record-audit-count", "kernel/crash_record.c",
         "\tif (r->audit_count > CRASH_AUDIT_MAX)\n",
         "\tif (0 && r->audit_count > CRASH_AUDIT_MAX)\n",
         unit("crash"),
         "an audit count from the page would index past the record's entries")
mutation("crash-record-text", "kernel/crash_record.c",
         "\tif (!crash_text_ok(r->reason, sizeof(r->reason)))\n",
         "\tif (0 && !crash_text_ok(r->reason, sizeof(r->reason)))\n",
         unit("crash"),
         "an unterminated or non-printable reason from the page would reach the console and the channel raw")
mutation("crash-record-written", "kernel/panic.c",
         "\tif (!crash_write(msg, f, rip, rsp)) {\n",
         "\tif ((void)msg, (void)f, (void)rip, (void)rsp, 1) {\n",
         boot("t_mce.py"),
         "a VMM panic must leave its record for the next boot",
         expect="keeps its crash record")

# ---- NPT confinement, interrupts, restart ----------------------------------

mutation("npt-maps-twice", "vmm/vm.c",
         "\t\terr = pt_map(&vm->npt, r->gpa, r->hpa, r->size, PT_R | PT_W | PT_X);\n",
         "\t\terr = pt_map(&vm->npt, r->gpa, r->hpa, r->size, PT_R | PT_W | PT_X);\n"
         "\t\tif (!err)\n"
         "\t\t\terr = pt_map(&vm->npt, r->gpa + r->size, r->hpa, r->size, PT_R | PT_W | PT_X);\n",
         attacks("boot-01"),
         "the nested page tables map the declared regions and nothing else",
         expect="attack-gpa-")
mutation("virq-deliver-all-guests", "vmm/virq.c",
         "\tfor (unsigned i = 0; i < vm->vcpu_count; i++) {\n\t\tstruct vlapic *l = &vm->vcpus[i].lapic;",
         "\t(void)vm;\n\tfor (unsigned i = 0; i < vm_count; i++) {\n\t\tstruct vlapic *l = &vms[i].vcpus[0].lapic;",
         attacks("boot-03"),
         "a guest's IPIs and I/O APIC messages reach its own vCPUs only",
         expect="stray|attack-lapic|attack-ioapic")
mutation("virq-mmio-size", "vmm/virq.c",
         "if (virq_mmio_op(v, gpa, &op, &reg) || op.size != 4) {",
         "if (virq_mmio_op(v, gpa, &op, &reg)) {",
         attacks("boot-03"),
         "the APIC pages take 32-bit accesses only; anything else is #GP, not a partial register write",
         expect="attack-lapic|attack-ioapic")
mutation("virq-mmio-align", "vmm/virq.c",
         "virq_decode(v, op) || (gpa & (op->size - 1u)) ||",
         "virq_decode(v, op) ||",
         attacks("boot-03"),
         "an unaligned APIC access is #GP, never emulated as the aligned register",
         expect="attack-lapic|attack-ioapic")
mutation("restart-no-scrub", "vmm/vm.c",
         "\t\tmemset(phys_to_virt(vm->regions[i].hpa), 0, vm->regions[i].size);\n",
         "\t\t(void)0;\n",
         attacks("boot-11"),
         "a restart starts from scrubbed memory: nothing the guest left there is read or kept",
         expect="attack-start-info")

mutation("svm-shadowed-hlt", "arch/x86/svm/svm.c",
         "\tif (__builtin_expect(vmcb->ctl.int_shadow & 1, 0))\n\t\tsvm_shadowed_hlt(v, vmcb);\n",
         "\tif (0)\n\t\tsvm_shadowed_hlt(v, vmcb);\n",
         attacks("boot-11"),
         "an interrupt is never taken between STI and HLT (QEMU drops the shadow at VMRUN): "
         "the HLT of STI; HLT never sleeps past the interrupt meant to wake it",
         expect="apic-timer")

# ---- guests of several vCPUs ---------------------------------------------------

mutation("stop-no-sibling-kick", "vmm/vm.c",
         "\tif (stopped) { /* vuart_log ends the guest's partial line first */\n\t\tvm_kick_siblings(vm);",
         "\tif (stopped) { /* vuart_log ends the guest's partial line first */\n\t\t(void)0;",
         attacks("boot-12"),
         "a stop on one vCPU takes every sibling out of the guest at once",
         expect="attack-smp-triple")
mutation("start-event-to-self", "vmm/virq.c",
         "n += t->cpu != self && virq_start_event(t, m); /* never to itself */",
         "n += virq_start_event(t, m);",
         attacks("boot-04"),
         "INIT and SIPI never reach the vCPU that sent them",
         expect="attack-ipi")
mutation("svm-nmi-no-block", "arch/x86/svm/svm.c",
         "\tif (v->arch.nmi_blocked && (!v->arch.nmi_iret_rip || vmcb->save.rip == v->arch.nmi_iret_rip))",
         "\tif (0)",
         attacks("boot-12"),
         "a second NMI waits until the guest's NMI handler has returned (SVM: the IRET intercept)",
         expect="smp-basic")
mutation("vmx-nmi-no-block", "arch/x86/vmx/vmx_exit.c",
         "\tuint64_t blocking = v->exit.skip ? BLOCKING_NMI : BLOCKING_STI_MOVSS | BLOCKING_NMI;",
         "\tuint64_t blocking = v->exit.skip ? 0 : BLOCKING_STI_MOVSS;",
         attacks_vmx("boot-12"),
         "a second NMI waits until the guest's NMI handler has returned (VMX: virtual-NMI blocking)",
         expect="smp-basic")
mutation("nmi-to-nobody", "vmm/virq.c",
         "\t\tif (nmi) {\n\t\t\tn += virq_nmi(t, self);",
         "\t\tif (nmi) {\n\t\t\tn += 0 && virq_nmi(t, self);",
         attacks("boot-12"),
         "an NMI IPI reaches the vCPUs it names",
         expect="smp-basic")
mutation("pvclock-misaligned", "vmm/msr.c",
         "\treturn gpa & 3 ? NULL : vm_gpa_to_hva(v->vm, gpa, size);",
         "\treturn vm_gpa_to_hva(v->vm, gpa, size);",
         attacks("boot-13"),
         "a paravirtual clock record must be 4-byte aligned",
         expect="attack-pvclock")
mutation("pvclock-straddle", "vmm/msr.c",
         "\treturn gpa & 3 ? NULL : vm_gpa_to_hva(v->vm, gpa, size);",
         "\treturn gpa & 3 ? NULL : vm_gpa_to_hva(v->vm, gpa, size > 4 ? 4 : size);",
         attacks("boot-13"),
         "a paravirtual clock record lies whole in the guest's memory",
         expect="attack-pvclock")
mutation("tlb-flush-never", "vmm/vcpu.h",
         "\tif (__builtin_expect(v->tlb_starts == v->starts, 1))\n\t\treturn false;",
         "\tif (1)\n\t\treturn false;",
         unit("tlb"),
         "a vCPU's CPU drops its guest's translations at the first entry after each start",
         expect="tlb.")

# ---- the virtual local APIC, I/O APIC, MMIO decoder ------------------------

mutation("vlapic-accept-illegal-vector", "vmm/vlapic.c",
         "\tif (vector < 16) {\n\t\tl->stats.illegal_vectors++;\n\t\tvlapic_error(l, VLAPIC_ESR_RECV_ILLEGAL);",
         "\tif (vector < 1) {\n\t\tl->stats.illegal_vectors++;\n\t\tvlapic_error(l, VLAPIC_ESR_RECV_ILLEGAL);",
         unit("vlapic"),
         "vectors 0-15 (exceptions) are never delivered as interrupts")
mutation("vlapic-send-illegal-vector", "vmm/vlapic.c",
         "if (ipi->msg.vector < 16) {",
         "if (ipi->msg.vector < 1) {",
         unit("vlapic"),
         "an IPI with an exception vector is refused at the sender")
mutation("vlapic-read-only", "vmm/vlapic.c",
         "if (vlapic_odd_offset(l, off) || vlapic_read_only(off))\n\t\treturn;",
         "if (vlapic_odd_offset(l, off) || (vlapic_read_only(off) && 0))\n\t\treturn;",
         unit("vlapic"),
         "writes to read-only registers (ID, version, ISR/TMR/IRR, current count) change nothing")
mutation("vlapic-timer-floor", "vmm/vlapic_timer.c",
         "if (period < l->min_period) {",
         "if (period < l->min_period / 1000) {",
         unit("vlapic"),
         "the timer floor (50 us): no guest setting makes the VMM take timer exits back to back")
mutation("vioapic-rte-bound", "vmm/vioapic.c",
         "reg >= VIOAPIC_REG_RTE(GP_IOAPIC_PINS)",
         "reg > VIOAPIC_REG_RTE(GP_IOAPIC_PINS)",
         unit("vioapic"),
         "register indexes past the last redirection entry are no entry (no access past the table)")
mutation("vioapic-read-only-bits", "vmm/vioapic.c",
         "e = (e & ~(uint64_t)RTE_LO_RW) | (val & RTE_LO_RW);",
         "e = (e & ~(uint64_t)RTE_LO_RW) | val;",
         unit("vioapic"),
         "delivery status and remote IRR are the I/O APIC's, not the guest's to set")
mutation("vioapic-illegal-vector", "vmm/vioapic.c",
         "return m->vector >= 16;",
         "return m->vector >= 1;",
         unit("vioapic"),
         "a redirection entry with an exception vector is refused at delivery")
mutation("mmio-rep-lock-prefix", "arch/x86/mmio_decode.c",
         "case 0xf0: case 0xf2: case 0xf3: return -EINVAL; /* LOCK, REP: never MMIO MOVs */",
         "case 0xf0: case 0xf2: case 0xf3: continue;",
         unit("mmio_decode"),
         "LOCK and REP forms are refused: only plain MOVs are emulated")
mutation("mmio-bytes-available", "arch/x86/mmio_decode.c",
         "if (c->pos + n > c->avail)\n\t\treturn -EFAULT;",
         "if (0)\n\t\treturn -EFAULT;",
         unit("mmio_decode"),
         "the decoder never reads past the instruction bytes it was able to fetch")
mutation("mmio-movzx-64", "arch/x86/mmio_decode.c",
         "if (opc2 != 0xb6 && opc2 != 0xb7)",
         "if (opc2 != 0xb6 && opc2 != 0xb7 && opc2 != 0xbe)",
         unit("mmio_decode"),
         "MOVSX (0f be) is not MOVZX: the decoder takes only the forms it emulates")

# ---- the guests' console ---------------------------------------------------

mutation("vuart-control-bytes", "vmm/vuart.c",
         "if (c < 0x20 && c != '\\t' && c != '\\b' && c != 0x1b)\n\t\treturn; /* other control bytes: dropped */",
         "if (0)\n\t\treturn; /* other control bytes: dropped */",
         unit("vuart"),
         "a guest's control bytes (BEL, CR tricks, NUL) never reach the operator's terminal")
mutation("vuart-escape-sequences", "vmm/vuart.c",
         "\tif (vuart_escape(u, c))\n\t\treturn;\n",
         "\tif (vuart_escape(u, c) && 0)\n\t\treturn;\n",
         unit("vuart"),
         "a guest's escape sequences are dropped whole, so no terminal is driven by a guest")
mutation("console-render-filter", "vmm/vm_console.c",
         "if (c == '\\t' || (c >= 0x20 && c <= 0x7e)) {",
         "if (c == '\\t' || c >= 0x20 || c == 0x1b) {",
         unit("vm_console"),
         "the console's second filter prints only what the stream's alphabet allows")
mutation("str-escape", "kernel/format.c",
         "int plain = c >= 0x20 && c <= 0x7e;",
         "int plain = c >= 0x0a && c <= 0x7e;",
         unit("escape"),
         "untrusted text in channel messages and audit reasons is escaped: no forged `vigil:` line")

# ---- the self-check -------------------------------------------------------

mutation("selfcheck-patch-area", "kernel/selfcheck.c",
         "\tif (!patch_area_rest_unused())\n\t\tused = PATCH_AREA_SIZE;\n",
         "",
         boot("t_selfcheck_patch.py"),
         "the self-check covers the unused live-patch area too: code written there is tampering")

# ---- the speculation policy -------------------------------------------------

mutation("smt-sibling-of-vmm", "vmm/spec_policy.c",
         "if (!a->smt_shared_ok && spec_smt_siblings(apic_ids, c, 0, smt_shift)) {",
         "if (0 && !a->smt_shared_ok && spec_smt_siblings(apic_ids, c, 0, smt_shift)) {",
         unit("spec"),
         "no guest runs on a sibling thread of the VMM's CPU without smt-shared-ok")
mutation("smt-siblings-consent-of-both", "vmm/spec_policy.c",
         "(a->smt_shared_ok && b->smt_shared_ok)",
         "(a->smt_shared_ok || b->smt_shared_ok)",
         unit("spec"),
         "two guests share a core only when both consent")
mutation("spec-l1d-flush", "vmm/spec_policy.c",
         "p.l1d_flush = spec_l1tf(h) && flush_cmd;",
         "p.l1d_flush = false;",
         unit("spec"),
         "an L1TF-affected Intel CPU flushes the L1D before every entry")
mutation("spec-itlb-multihit", "vmm/spec_policy.c",
         "p.ept_small = h->intel && !(h->arch_caps & ARCH_CAP_PSCHANGE_MC_NO);",
         "p.ept_small = false;",
         unit("spec"),
         "no executable 2 MiB nested page on an iTLB-multihit CPU")
mutation("spec-rsb-fill-flag", "vmm/spec_policy.c",
         "\tif (p->rsb_fill)\n\t\tf |= SPEC_F_EXIT_RSB;\n",
         "",
         unit("spec"),
         "the world switch is told to fill the RSB when the CPU needs it")
mutation("spec-smt-consent-in-digest", "vmm/bundle_verify.c",
         "| (g->smt_shared_ok ? POLICY_SMT_SHARED_OK : 0)",
         "",
         unit("bundle"),
         "the consent to share a core is part of the guest's policy digest")
mutation("svm-wbinvd-intercept", "arch/x86/svm/svm.c",
         "SVM_I2_ICEBP | SVM_I2_WBINVD | SVM_I2_MONITOR",
         "SVM_I2_ICEBP | SVM_I2_MONITOR",
         attacks("boot-flood"),
         "a guest's WBINVD never reaches the caches the other guests share",
         expect=r"wbinvd exits")
mutation("mce-poll-guest-cpus", "kernel/rendezvous.h",
         "\t\tmce_poll(); /* about once a second: the watchdog's kicks */\n",
         "",
         boot("t_mce.py"),
         "errors a guest's CPU logged without a machine check are found, logged and counted",
         expect=r"cpu 2's corrected error")

# ---- the clock sources -------------------------------------------------------

mutation("clock-cpuid-unconfirmed", "kernel/clock.c",
         "if (cpuid && (!measured || clock_agree(cpuid_khz, measured_khz))) {",
         "if (cpuid) {",
         unit("clock"),
         "a TSC rate CPUID states is used only when a timer confirms it (or none counts)")
mutation("clock-plausible-range", "kernel/clock.c",
         "return khz >= CLOCK_MIN_KHZ && khz <= CLOCK_MAX_KHZ;",
         "return khz != 0;",
         unit("clock"),
         "a timer that is not there cannot set the VMM's clock to nonsense")
mutation("fadt-pm-timer-checks", "drivers/acpi.c",
         "if ((flags & FADT_HW_REDUCED) || p[FADT_PM_TMR_LEN] != 4 || !port || port > 0xfffc)",
         "if (!port)",
         unit("clock"),
         "a PM timer the FADT does not describe properly is not read")
mutation("palloc-ranges-fixed-64", "kernel/palloc.c",
         "#define PALLOC_MAX_RANGES (HANDOFF_MAX_MEM + PALLOC_BOOT_SPLITS)",
         "#define PALLOC_MAX_RANGES 64",
         unit("palloc"),
         "a firmware map of hundreds of usable ranges is taken whole, not refused")

# ---- CPUs and memory of a server ----------------------------------------------

mutation("madt-duplicate-taken-twice", "drivers/acpi.c",
         "\t\tif (out->apic_id[i] == apic_id)\n\t\t\treturn;\n",
         "",
         unit("madt"),
         "a processor the MADT lists twice is started once")
mutation("madt-boot-cpu-past-the-limit", "drivers/acpi.c",
         "\telse if (apic_id == bsp)\n\t\tout->apic_id[ACPI_MAX_CPUS - 1] = apic_id;\n",
         "\telse if (apic_id == bsp)\n\t\t(void)bsp;\n",
         unit("madt"),
         "the boot CPU is kept when the MADT lists it past the CPUs the VMM takes")
mutation("watchdog-kicks-parked-cpus", "vmm/watchdog.c",
         "if (cpu_pc_online(i) && vm_vcpu_for_cpu(i))",
         "if (cpu_pc_online(i))",
         unit("watchdog"),
         "parked CPUs are left asleep: no watchdog kick wakes them")
mutation("guest-memory-low", "vmm/vm.c",
         "r->hpa = page_alloc_high(r->size / PT_PAGE_4K, PT_PAGE_2M);",
         "r->hpa = page_alloc(r->size / PT_PAGE_4K, PT_PAGE_2M);",
         boot("t_server.py"),
         "guests' memory is placed at the top of RAM, above 4 GiB on a large machine",
         expect=r"placed above 4 GiB")
mutation("palloc-high-not-highest", "kernel/palloc.c",
         "\tfor (unsigned i = free_count; i-- > 0;) {\n\t\tuint64_t pa = (free_ranges[i].end - len) & ~(align - 1);",
         "\tfor (unsigned i = free_count; i-- > 0;) {\n\t\tuint64_t pa = (free_ranges[i].base + align - 1) & ~(align - 1);",
         unit("palloc"),
         "a high allocation takes the highest pages of the highest range that fits")

# ---- DMA: the IOMMUs ----------------------------------------------------------

mutation("vtd-translation-left-off", "drivers/vtd.c",
         "\tif (gcmd(u, GCMD_TE, true))\n",
         "\tif (0 && gcmd(u, GCMD_TE, true))\n",
         iommu("vtd"),
         "VT-d blocks nothing until translation is on: the root table alone stops no device")
mutation("amdvi-device-entries-zero", "drivers/amdvi.c",
         "\t\tdte[4 * i] = DTE_V | DTE_TV; /* mode 0, IR = IW = 0: refused */",
         "\t\tdte[4 * i] = 0;",
         iommu("amdvi"),
         "an AMD-Vi device-table entry left zero lets its requester's DMA through untranslated")
mutation("vtd-irte-no-source-check", "drivers/vtd.c",
         "\te[1] = sid | IRTE_SVT_RID;",
         "\te[1] = sid;",
         iommu("vtd"),
         "a VT-d remapping entry that does not check the requester ID lets any device use the VMM's own interrupt")
mutation("amdvi-interrupts-pass", "drivers/amdvi.c",
         "\t\tdte[4 * i + 2] = DTE_IV;",
         "\t\tdte[4 * i + 2] = 0;",
         iommu("amdvi"),
         "an AMD-Vi device entry whose interrupt control is not valid passes its device's MSIs to any CPU and vector")
mutation("stray-vector-faults", "arch/x86/idt.c",
         "\t\tidt_set(v, isr_stray_table[v - IDT_VECTOR_STRAY_FIRST], 0);",
         "\t\t(void)v;",
         iommu("none"),
         "an interrupt at a vector the VMM never programmed (a device's forged MSI) must not stop the machine")
# Added with device assignment (docs/dma.md, "Device assignment").
mutation("vtd-window-pass-through", "drivers/vtd.c",
         "\tctx[0] = slpt | CTX_PRESENT; /* translation type 0, faults reported */",
         "\tctx[0] = slpt | CTX_PRESENT | 2ull << 2;",
         assign("vtd"),
         "an assigned device's context entry in pass-through reaches all memory: the window is the guest's RAM only")
mutation("amdvi-window-untranslated", "drivers/amdvi.c",
         "\tdte[0] = DTE_V | DTE_TV | DTE_MODE_4 | (win->root_pa & DTE_ROOT_MASK) | DTE_IR | DTE_IW;",
         "\tdte[0] = DTE_V | DTE_TV | DTE_IR | DTE_IW | (win->root_pa & 0);",
         assign("amdvi"),
         "an AMD-Vi entry with paging mode 0 and permissions passes its device's DMA untranslated")
mutation("vpci-bar-write-passes", "vmm/vpci.c",
         "\t\td->sizing = (uint8_t)(ones ? d->sizing | 1u << n : d->sizing & ~(1u << n));",
         "\t\td->sizing = (uint8_t)(ones ? d->sizing | 1u << n : d->sizing & ~(1u << n));\n"
         "\t\tif (!ones)\n\t\t\tpci_cfg_write(&d->addr, off, 4, val);",
         assign("amdvi"),
         "a guest that moves its BAR moves it over whatever it likes: the BARs stay where the firmware put them")
mutation("vpci-dma-fault-stop-ignored", "vmm/vpci.c",
         "\t\t\tif (!vms[v].conf->dma_fault_stop)\n\t\t\t\tcontinue;",
         "\t\t\tcontinue;",
         assign("vtd"),
         "a guest configured dma-fault-stop runs on with a device that DMAs where it may not")
mutation("vpci-msi-guest-message", "vmm/vpci_irq.c",
         "\t\t\tpci_cfg_write(a, (uint16_t)(d->msi_off + 4), 4, (uint32_t)d->msi_phys.addr);",
         "\t\t\tpci_cfg_write(a, (uint16_t)(d->msi_off + 4), 4, (uint32_t)d->msi.addr);",
         assign("vtd"),
         "a device sending the message its guest wrote reaches any CPU at any vector: it sends the VMM's entry only")
mutation("virq-msi-any-mode", "vmm/virq.c",
         "\tif ((m->delivery_mode != APIC_DM_FIXED && m->delivery_mode != APIC_DM_LOWEST) || m->vector < 16)\n"
         "\t\treturn 0;\n\tfor (unsigned i = 0; i < vm->vcpu_count; i++) {\n\t\tstruct vcpu *t = &vm->vcpus[i];\n\n"
         "\t\tif (!vlapic_match_dest(&t->lapic, m->dest, m->logical))",
         "\tfor (unsigned i = 0; i < vm->vcpu_count; i++) {\n\t\tstruct vcpu *t = &vm->vcpus[i];\n\n"
         "\t\tif (!vlapic_match_dest(&t->lapic, m->dest, m->logical))",
         assign("amdvi"),
         "a device's message in a mode other than fixed or lowest priority (NMI, INIT) is not delivered")
# Added with MSI-X for assigned devices (docs/dma.md, "Interrupts").
mutation("vpci-msix-guest-message", "vmm/vpci_irq.c",
         "\te[0] = (uint32_t)d->msix.phys[n].addr;\n\te[1] = (uint32_t)(d->msix.phys[n].addr >> 32);\n"
         "\te[2] = d->msix.phys[n].data;",
         "\te[0] = (uint32_t)d->msix.guest[n].addr;\n\te[1] = (uint32_t)(d->msix.guest[n].addr >> 32);\n"
         "\te[2] = d->msix.guest[n].data;",
         nvme("vtd"),
         "a device whose MSI-X table holds its guest's messages sends them to any CPU at any vector: the table "
         "holds the VMM's remapping entries only")
mutation("vpci-msix-table-mapped", "vmm/vpci.c",
         "\t\tif (r->size && r->gpa >= lo && r->gpa < hi)",
         "\t\tif (r->size && r->gpa >= lo && r->gpa < hi && !r->size)",
         nvme("amdvi"),
         "the MSI-X table's page mapped into the guest lets it write the device's messages itself: the page is "
         "left out and emulated")
# Added with the VMM's TPM and the runtime measurement log (docs/tpm.md).
mutation("mlog-no-extend", "vmm/mlog.c",
         "\terr = tpm_vmm_extend(MLOG_PCR, r->digest);",
         "\terr = 0;",
         attest(),
         "a change recorded in the log but not extended into PCR 11: a verifier could not tell an edited log "
         "from the true one")
mutation("mlog-digest-not-event", "vmm/mlog.c",
         "\tcrypto_sha256(&r->tag_id, r->event_size, r->digest);",
         "\tcrypto_sha256(&r->data, sizeof(r->data) - sizeof(r->data.guest), r->digest);",
         unit("mlog"),
         "a digest that leaves part of the event out lets that part be edited without the PCR noticing")
mutation("mlog-tpm-failure-ignored", "vmm/mlog.c",
         "\tif (tpm_failed) {",
         "\tif (0) {",
         unit("mlog"),
         "after the TPM refused an extend, further changes would be made that the PCR does not cover")
mutation("events-length-unchecked", "vmm/channel_query.c",
         "\tif (len != 8) {",
         "\tif (len > 8) {",
         attest(),
         "an EVENTS request shorter than its index reads past its payload")
mutation("tpm-required-ignored", "drivers/tpm_vmm.c",
         "\tif (system_config.tpm_required)",
         "\tif (0)",
         attest(),
         "hiding the TPM in the firmware would silently run a host whose signed config requires one")
mutation("tpm-ak-template-unchecked", "drivers/tpm2.c",
         "\tif (memcmp(want, r.p + r.off - 2, TPM2_AK_PUBLIC_LEN))",
         "\tif (0)",
         unit("tpm2"),
         "a TPM (or an interposer) answering with an unrestricted key would have the VMM sign with it")
mutation("tpm-quote-nonce-unchecked", "drivers/tpm2.c",
         "a.len - a.off < nonce_len || memcmp(a.p + a.off, nonce, nonce_len))",
         "a.len - a.off < nonce_len || (0 && memcmp(a.p + a.off, nonce, nonce_len)))",
         unit("tpm2"),
         "a quote answered with another nonce (a replayed old quote) would be passed on as the fresh one")
mutation("attest-verify-record-digest", "tools/vigilctl/attest.c",
         "rec.data.index == index && !memcmp(d, rec.digest, 32);",
         "rec.data.index == index && (d[0] | 1);",
         attest(),
         "vigilctl attest verify would accept a log whose record was edited while its digest was kept")
# Added with the firmware's event log in the handoff (docs/tpm.md, "The firmware's log").
mutation("fwlog-final-events-dropped", "boot/stub.c",
         "\tif (!copy || !f)\n\t\treturn;",
         "\tif (copy || !copy)\n\t\treturn;",
         attest(),
         "the events the firmware logs at ExitBootServices (PCR 5) left out of the log: it no longer replays "
         "to the quoted PCR 5, and the log claims to be whole")
mutation("fwlog-length-unchecked", "vmm/channel_query.c",
         "\tif (len != sizeof(at)) {",
         "\tif (len > sizeof(at)) {",
         attest(),
         "a FWLOG request shorter than its offset reads past its payload")
mutation("tcglog-last-entry-off-boundary", "boot/tcglog.c",
         "\tif (at != last || tcglog_event(p + last, len - last, a, &n))",
         "\tif (at < last || tcglog_event(p + last, len - last, a, &n))",
         unit("tcglog"),
         "a last-entry pointer inside an event would have the stub cut the log wrong and hand over a log "
         "that does not parse")
mutation("attest-verify-firmware-pcrs", "tools/vigilctl/attest.c",
         "\t\tif (!memcmp(replayed[vc_quote_pcrs[i]], values + 32 * i, 32))",
         "\t\tif (i != VC_PCR11_AT || !memcmp(replayed[vc_quote_pcrs[i]], values + 32 * i, 32))",
         attest(),
         "vigilctl attest verify would accept a log whose firmware or stub events do not give the quoted PCRs")
# Added with the anti-rollback marks in the TPM's NV (docs/tpm.md, "Anti-rollback across reboots").
mutation("marks-not-recorded", "vmm/channel_bundle.c",
         "\t\tint merr = tpm_marks_raise_role(bundle.role, bundle.sequence,",
         "\t\tint merr = 0 * tpm_marks_raise_role(bundle.role, 0,",
         marks(),
         "a bundle applied without its sequence in the TPM can be replayed after a reboot")
mutation("marks-older-config-booted", "drivers/tpm_marks.c",
         "\tif (system_config.version < was)",
         "\tif (0 && system_config.version < was)",
         marks(),
         "an older signed config booted once a newer one ran: a rollback of the host's whole policy")
mutation("marks-index-policy-unchecked", "drivers/tpm_marks.c",
         "\t    pub->policy_len != 32 || memcmp(pub->policy, want, 32))",
         "\t    pub->policy_len != 32)",
         marks(),
         "an index redefined with a policy someone else can satisfy would be trusted: its marks could be "
         "lowered at will")
mutation("marks-first-without-passwords", "drivers/tpm_marks.c",
         "\t    (perm & (OWNER_AUTH_SET | LOCKOUT_AUTH_SET)) != (OWNER_AUTH_SET | LOCKOUT_AUTH_SET))",
         "\t    (perm & 0) != 0)",
         marks(),
         "first marks written on a TPM whose index anyone could delete and define again: the marks restart")
mutation("marks-first-storage-key-unchecked", "drivers/tpm_marks.c",
         "\t    name_len != CONFIG_SRK_NAME_LEN || memcmp(name, system_config.marks.srk_name, CONFIG_SRK_NAME_LEN))",
         "\t    name_len != CONFIG_SRK_NAME_LEN)",
         marks(),
         "first marks written on a cleared TPM: an old config would start the marks again from zero")
mutation("marks-guest-floor-ignored", "vmm/vm_package.c",
         "\tif (tpm_marks() && vm_pkg.security_version < marks_guest(tpm_marks(), g->name)) {",
         "\tif (0 && tpm_marks() && vm_pkg.security_version < marks_guest(tpm_marks(), g->name)) {",
         marks(),
         "an older guest package put back on the ESP would boot below the security version the host ran")
mutation("marks-config-without-required-tpm", "kernel/config.c",
         "\tif (!err && !c->out->tpm_required)",
         "\tif (0 && !c->out->tpm_required)",
         unit("config"),
         "marks without tpm = \"required\": hiding the TPM in the firmware would turn anti-rollback off")
mutation("marks-magic-unchecked", "vmm/marks.c",
         "\tif (memcmp(in, marks_magic, sizeof(marks_magic)))\n\t\treturn -EINVAL;",
         "\tif (0)\n\t\treturn -EINVAL;",
         unit("marks"),
         "an index holding something else than marks would be read as marks")
mutation("persist-set-unchecked", "vmm/persist.c",
         "\tif (mk && memcmp(chain, mk->persisted, sizeof(chain)))",
         "\tif (0 && mk && memcmp(chain, mk->persisted, sizeof(chain)))",
         marks(),
         "a revert deleted from the ESP would bring its live patch back at the next boot unnoticed")
mutation("persist-not-in-marks", "vmm/channel_bundle.c",
         "\t\t\t\t\t\tbundle.role == ROLE_PATCH ? bundle.digest : NULL, &why);",
         "\t\t\t\t\t\tNULL, &why);",
         marks(),
         "a live patch whose digest the marks do not take in: its file could be deleted from the ESP unnoticed")
mutation("marks-guest-version-ignored", "vmm/vm_package.c",
         "\tif (tpm_marks() && vm_pkg.version < marks_guest_version(tpm_marks(), g->name)) {",
         "\tif (0 && tpm_marks() && vm_pkg.version < marks_guest_version(tpm_marks(), g->name)) {",
         marks(),
         "an older guest package of the same security version put back on the ESP would boot")
