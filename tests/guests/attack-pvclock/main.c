/* SPDX-License-Identifier: MIT */
/*
 * attack-pvclock: the paravirtual clock (docs/guest-platform.md, "Clocks"),
 * the one place where a guest names an address the VMM then writes to.
 * Its two MSRs are aimed everywhere a record must not go: past the end of
 * the guest's memory and straddling it, the local APIC and I/O APIC pages,
 * above 4 GiB, at the top of the physical address space, misaligned, with
 * bits set above the address. Each must #GP, leave the MSR's value as it
 * was, and write nothing (sentinels around the misaligned target stay).
 * Then the contract: KVM's leaves say exactly the clock features, a record
 * at the very end of memory is accepted, a disabled write writes nothing,
 * the record's clock counts at the TSC's rate (the platform's leaf 0x16),
 * its version is even, and the wall clock agrees with the platform's RTC.
 */
#include "attack.h"
#include <vigil/guest_platform.h>

#define ENABLE 1ull
#define SENTINEL 0x5au

static uint8_t area[4096] __attribute__((aligned(4096)));

/* The end of its memory: the last entry of its map, RAM or reserved (the
 * start info's page is its memory too). */
static uint64_t mem_end(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *map = (const struct hvm_memmap_entry *)(uintptr_t)si->memmap_paddr;
	uint64_t end = 0;

	for (uint32_t i = 0; si->version >= 1 && i < si->memmap_entries; i++)
		if (map[i].addr + map[i].size > end)
			end = map[i].addr + map[i].size;
	return end;
}

/* Where the start info, its memory map and its command line end. */
static uint64_t start_info_end(const struct hvm_start_info *si)
{
	uint64_t end = (uintptr_t)si + sizeof(*si);
	uint64_t map = si->memmap_paddr + si->memmap_entries * sizeof(struct hvm_memmap_entry);
	const char *c = (const char *)(uintptr_t)si->cmdline_paddr;

	if (map > end)
		end = map;
	while (c && *c)
		c++;
	if (c && (uintptr_t)c + 1 > end)
		end = (uintptr_t)c + 1;
	return end;
}

static void fill(volatile uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = SENTINEL;
}

static int untouched(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != SENTINEL)
			return 0;
	return 1;
}

/* A write that must #GP and change nothing: the MSR reads as before. */
static void refused(uint32_t msr, uint64_t val, const char *what)
{
	uint64_t before = 0, after = 0;
	struct attack_fault r;

	attack_rdmsr(msr, &before);
	r = attack_wrmsr(msr, val);
	attack_rdmsr(msr, &after);
	attack_check(r.vector == VEC_GP && r.count == 1 && after == before, "%s %#x <- %#lx: %s (#GP, value kept)",
		     msr == GP_MSR_KVM_SYSTEM_TIME ? "system time" : "wall clock", msr, val, what);
}

static uint64_t rec_ns(const volatile uint8_t *rec, uint64_t tsc)
{
	uint64_t stamp = *(const volatile uint64_t *)(rec + 8), base = *(const volatile uint64_t *)(rec + 16);
	uint32_t mul = *(const volatile uint32_t *)(rec + 24);
	int8_t shift = (int8_t)rec[28];
	uint64_t d = tsc - stamp;

	d = shift < 0 ? d >> -shift : d << shift;
	return base + (uint64_t)(((unsigned __int128)d * mul) >> 32);
}

static unsigned bcd(uint8_t v)
{
	return (v >> 4) * 10 + (v & 15);
}

static unsigned rtc(uint8_t index)
{
	outb(0x70, index);
	return bcd(inb(0x71));
}

static void leaves(void)
{
	struct cpuid_regs r = cpuid(GP_KVM_LEAF_BASE);

	attack_check(r.eax == GP_KVM_LEAF_FEATURES && r.ebx == GP_KVM_SIG_EBX && r.ecx == GP_KVM_SIG_ECX &&
			     r.edx == GP_KVM_SIG_EDX,
		     "0x40000100: max leaf 0x40000101 and KVM's signature");
	r = cpuid(GP_KVM_LEAF_FEATURES);
	attack_check(r.eax == GP_KVM_FEATURES && !(r.ebx | r.ecx | r.edx),
		     "0x40000101: %#x %#x %#x %#x, want the two clock features only", r.eax, r.ebx, r.ecx,
		     r.edx);
	r = cpuid(GP_KVM_LEAF_BASE + 2);
	attack_check(!(r.eax | r.ebx | r.ecx | r.edx), "0x40000102 reads zeros");
}

static void aimed_elsewhere(uint64_t end)
{
	static const uint32_t msrs[] = { GP_MSR_KVM_SYSTEM_TIME, GP_MSR_KVM_WALL_CLOCK };
	uint64_t mine = (uintptr_t)area;

	for (unsigned i = 0; i < 2; i++) {
		uint32_t m = msrs[i];
		uint64_t on = m == GP_MSR_KVM_SYSTEM_TIME ? ENABLE : 0;
		uint64_t size = m == GP_MSR_KVM_SYSTEM_TIME ? GP_PVCLOCK_TIME_SIZE : GP_PVCLOCK_WALL_SIZE;

		refused(m, end | on, "just past the end of its memory");
		refused(m, (end - size + 4) | on, "straddling the end of its memory");
		refused(m, GP_LAPIC_BASE | on, "its local APIC's page");
		refused(m, GP_IOAPIC_BASE | on, "its I/O APIC's page");
		refused(m, (1ull << 32) | on, "4 GiB, no memory of its own");
		refused(m, (1ull << 51) | on, "the top of a 52-bit physical space");
		refused(m, ~1ull | on, "all ones");
		refused(m, (mine | (1ull << 63)) | on, "its own memory with bit 63 set");
		fill(area, sizeof(area));
		refused(m, (mine + 64 + 2) | on, "its own memory, misaligned");
		attack_check(untouched(area, sizeof(area)), "%s: nothing written by the refused writes",
			     m == GP_MSR_KVM_SYSTEM_TIME ? "system time" : "wall clock");
	}
}

static void accepted(uint64_t end, const struct hvm_start_info *si)
{
	volatile uint8_t *last = (volatile uint8_t *)(uintptr_t)(end - GP_PVCLOCK_TIME_SIZE);
	volatile uint8_t *rec = area + 256, *wall = area + 512;
	uint64_t val = 0, t0, t1, n0, n1, mhz, khz;
	struct attack_fault r;
	uint32_t sec, ver;
	unsigned tod, now, diff;

	/* The last 32 bytes of its memory: whole, so accepted (its image is
	 * at 1 MiB, its stack in its bss; the start info, at the top, is
	 * checked to end below the bytes used here). */
	attack_check(start_info_end(si) <= end - 256, "the start info ends at %#lx, below %#lx",
		     start_info_end(si), end - 256);
	fill((volatile uint8_t *)(uintptr_t)(end - 256), 256);
	r = attack_wrmsr(GP_MSR_KVM_SYSTEM_TIME, (uintptr_t)last | ENABLE);
	attack_check(r.vector == ATTACK_NO_FAULT && !(last[0] & 1) && last[29] == GP_PVCLOCK_TSC_STABLE,
		     "a record in the last 32 bytes of its memory is accepted and filled");
	attack_check(untouched((const uint8_t *)(uintptr_t)(end - 256), 256 - GP_PVCLOCK_TIME_SIZE),
		     "and nothing before it is written");

	/* Disabled: the value is kept, nothing is written. */
	fill(area, sizeof(area));
	r = attack_wrmsr(GP_MSR_KVM_SYSTEM_TIME, (uintptr_t)rec);
	attack_rdmsr(GP_MSR_KVM_SYSTEM_TIME, &val);
	attack_check(r.vector == ATTACK_NO_FAULT && val == (uintptr_t)rec && untouched(area, sizeof(area)),
		     "a disabled write is kept and writes nothing");

	/* Enabled in its own memory: a clock at the TSC's rate. */
	r = attack_wrmsr(GP_MSR_KVM_SYSTEM_TIME, (uintptr_t)rec | ENABLE);
	attack_rdmsr(GP_MSR_KVM_SYSTEM_TIME, &val);
	ver = *(volatile uint32_t *)rec;
	attack_check(r.vector == ATTACK_NO_FAULT && val == ((uintptr_t)rec | ENABLE) && !(ver & 1) &&
			     rec[29] == GP_PVCLOCK_TSC_STABLE && *(volatile uint32_t *)(rec + 24) >= 1u << 31 &&
			     untouched(area, 256) && untouched(area + 288, sizeof(area) - 288),
		     "an enabled record: version %u even, TSC-stable, and nothing beside it written", ver);
	mhz = cpuid(0x16).eax;
	t0 = rdtsc();
	n0 = rec_ns(rec, t0);
	tsc_spin(mhz * 20000); /* 20 ms */
	t1 = rdtsc();
	n1 = rec_ns(rec, t1);
	khz = n1 > n0 ? (t1 - t0) * 1000000 / (n1 - n0) : 0;
	attack_check(khz + 1000 >= mhz * 1000 && khz <= mhz * 1000 + 1000,
		     "its clock counts at the TSC's rate: %lu kHz, leaf 0x16 says %lu MHz", khz, mhz);

	/* The wall clock against the RTC: seconds of the day, within 2 s. */
	r = attack_wrmsr(GP_MSR_KVM_WALL_CLOCK, (uintptr_t)wall);
	tod = rtc(4) * 3600 + rtc(2) * 60 + rtc(0);
	sec = *(volatile uint32_t *)(wall + 4);
	now = (unsigned)((sec + rec_ns(rec, rdtsc()) / 1000000000u) % 86400);
	diff = now > tod ? now - tod : tod - now;
	attack_check(r.vector == ATTACK_NO_FAULT && !(*(volatile uint32_t *)wall & 1) &&
			     *(volatile uint32_t *)(wall + 8) < 1000000000u && (diff <= 2 || diff >= 86398),
		     "the wall clock says %u s into the day, the RTC %u", now, tod);
}

int guest_main(const struct hvm_start_info *si)
{
	uint64_t end;

	attack_begin("attack-pvclock");
	end = mem_end(si);
	attack_check(end >= 0x200000 && !(end & 0xfff), "its memory ends at %#lx", end);
	leaves();
	aimed_elsewhere(end);
	accepted(end, si);
	attack_end();
}
