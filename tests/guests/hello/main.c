/* SPDX-License-Identifier: MIT */
/*
 * hello: the smallest end-to-end guest. It shows the boot state it was
 * given, then checks the hypercall ABI version. Natively (no Vigil
 * signature) it stops at SKIP, having exercised the boot path and console.
 */
#include "guest.h"

#define HELLO_MEMMAP_SHOWN 8

static void hello_show_memmap(const struct hvm_start_info *si)
{
	const struct hvm_memmap_entry *map;

	if (si->version < 1 || !si->memmap_paddr)
		return;
	map = (const struct hvm_memmap_entry *)(uintptr_t)si->memmap_paddr;
	for (uint32_t i = 0; i < si->memmap_entries && i < HELLO_MEMMAP_SHOWN; i++)
		printf("hello: memory %#018lx..%#018lx type %u\n", map[i].addr,
		       map[i].addr + map[i].size, map[i].type);
}

int guest_main(const struct hvm_start_info *si)
{
	long version;

	printf("hello: Vigil test guest up in long mode\n");
	printf("hello: cpu vendor %s, hypercalls by %s, %s\n", guest_cpu_vendor(),
	       guest_hypercall_insn(), guest_under_vigil() ? "under Vigil" : "not under Vigil");
	if (!si || si->magic != HVM_START_MAGIC) {
		verdict(VERDICT_FAIL, "hello: no hvm_start_info at %p", (const void *)si);
		hc_exit(1);
	}
	printf("hello: start info at %p version %u, %u memory map entries\n", (const void *)si,
	       si->version, si->memmap_entries);
	hello_show_memmap(si);
	if (!guest_under_vigil()) {
		verdict(VERDICT_SKIP, "hello: not under Vigil (no CPUID 0x40000000 signature)");
		hc_exit(0);
	}
	version = hc_version();
	if (version != HC_ABI_VERSION) {
		verdict(VERDICT_FAIL, "hello: hc_version() = %ld, want %d", version, HC_ABI_VERSION);
		hc_exit(1);
	}
	verdict(VERDICT_PASS, "hello");
	hc_exit(0);
}
