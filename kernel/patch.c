/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>
#include "kernel/patch.h"
#include "kernel/console.h"
#include "kernel/mm.h"
#include "kernel/rendezvous.h"
#include "kernel/selfcheck.h"
#include "arch/x86/cpu.h"
#include "vmm/bundle.h"

#define INT3 0xcc
#define JMP_REL32 0xe9

struct live_patch {
	int used;
	char name[PATCH_NAME_LEN];
	uint64_t load, len;
	unsigned redirect_count;
	struct {
		uint64_t from;
		uint8_t orig[PATCH_REDIRECT_LEN];
	} redirects[PATCH_MAX_REDIRECTS];
};

extern uint8_t patch_backing[];
static struct live_patch live[PATCH_MAX_LIVE];

static uint8_t *patch_va(uint64_t addr)
{
	return (uint8_t *)(uintptr_t)addr;
}

const uint8_t *patch_area(void)
{
	return patch_va(PATCH_AREA_BASE);
}

/* patch_area_used() as it would be with `with_end` (an offset into the
 * area) in use as well, and without the live patch `skip`. */
static uint64_t patch_area_used_if(uint64_t with_end, const struct live_patch *skip)
{
	uint64_t used = with_end;

	for (unsigned i = 0; i < PATCH_MAX_LIVE; i++) {
		uint64_t end = live[i].load - PATCH_AREA_BASE + live[i].len;

		if (live[i].used && &live[i] != skip && end > used)
			used = end;
	}
	return (used + PATCH_ALIGN - 1) & ~(PATCH_ALIGN - 1ull);
}

uint64_t patch_area_used(void)
{
	return patch_area_used_if(0, NULL);
}

bool patch_area_rest_unused(void)
{
	uint64_t used = patch_area_used();
	const uint64_t *w = (const uint64_t *)(uintptr_t)(PATCH_AREA_BASE + used);
	uint64_t diff = 0, fill = INT3 * 0x0101010101010101ull;

	/* used is a multiple of PATCH_ALIGN: whole words, four at a time */
	for (uint64_t i = 0; i < (PATCH_AREA_SIZE - used) / 8; i += 4)
		diff |= (w[i] ^ fill) | (w[i + 1] ^ fill) | (w[i + 2] ^ fill) | (w[i + 3] ^ fill);
	return !diff;
}

/* Store through a read-only mapping: CR0.WP off on this CPU alone, while
 * every other CPU waits (or, at boot, runs nothing yet). */
static void patch_store(uint8_t *dst, const uint8_t *src, size_t n, int fill)
{
	uint64_t cr0 = cpu_read_cr0();

	cpu_write_cr0(cr0 & ~CR0_WP);
	if (src)
		memcpy(dst, src, n);
	else
		memset(dst, fill, n);
	cpu_write_cr0(cr0);
}

int patch_init(void)
{
	int err = pt_map_vmm(PATCH_AREA_BASE, virt_to_phys(patch_backing), PATCH_AREA_SIZE, PT_R | PT_X);

	if (!err)
		patch_store(patch_va(PATCH_AREA_BASE), NULL, PATCH_AREA_SIZE, INT3);
	return err;
}

unsigned patch_live_count(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < PATCH_MAX_LIVE; i++)
		n += live[i].used;
	return n;
}

static struct live_patch *patch_find(const char *name)
{
	for (unsigned i = 0; i < PATCH_MAX_LIVE; i++)
		if (live[i].used && !strcmp(live[i].name, name))
			return &live[i];
	return NULL;
}

static int patch_redirected(uint64_t from)
{
	for (unsigned i = 0; i < PATCH_MAX_LIVE; i++)
		for (unsigned j = 0; live[i].used && j < live[i].redirect_count; j++)
			if (from < live[i].redirects[j].from + PATCH_REDIRECT_LEN &&
			    live[i].redirects[j].from < from + PATCH_REDIRECT_LEN)
				return 1;
	return 0;
}

static int patch_area_free(uint64_t load, uint64_t len)
{
	const uint8_t *p = patch_va(load);

	for (uint64_t i = 0; i < len; i++)
		if (p[i] != INT3)
			return 0;
	return 1;
}

#define FAIL(...)                                     \
	do {                                          \
		snprintk(why, whylen, __VA_ARGS__);   \
		return -EINVAL;                       \
	} while (0)

static int patch_check(const struct bundle_patch *p, char *why, size_t whylen)
{
	uint64_t text = (uint64_t)(uintptr_t)__text_start, text_end = (uint64_t)(uintptr_t)__text_end;

	if (patch_find(p->name))
		FAIL("patch %s is already applied", p->name);
	if (patch_live_count() == PATCH_MAX_LIVE)
		FAIL("%d patches are live already", PATCH_MAX_LIVE);
	if (p->load_address < PATCH_AREA_BASE || p->load_address % PATCH_ALIGN || !p->code_len ||
	    p->code_len > PATCH_MAX_CODE || p->load_address - PATCH_AREA_BASE + p->code_len > PATCH_AREA_SIZE)
		FAIL("code does not fit the patch area");
	if (!patch_area_free(p->load_address, p->code_len))
		FAIL("patch area at 0x%lx is in use", p->load_address);
	for (unsigned i = 0; i < p->redirect_count; i++) {
		const struct bundle_redirect *r = &p->redirects[i];

		if (r->from < text || r->from > text_end - PATCH_REDIRECT_LEN)
			FAIL("redirect %u: 0x%lx is not in the VMM's text", i, r->from);
		if (r->to < p->load_address || r->to >= p->load_address + p->code_len)
			FAIL("redirect %u: target outside the patch's code", i);
		if (patch_redirected(r->from))
			FAIL("redirect %u: 0x%lx is redirected by a live patch", i, r->from);
		for (unsigned j = 0; j < i; j++)
			if (p->redirects[j].from == r->from)
				FAIL("redirect %u repeats redirect %u", i, j);
		if (memcmp(patch_va(r->from), r->expect, PATCH_REDIRECT_LEN))
			FAIL("redirect %u: the VMM's bytes at 0x%lx are not the expected ones", i, r->from);
	}
	return 0;
}

static void patch_jmp(uint8_t out[PATCH_REDIRECT_LEN], uint64_t from, uint64_t to)
{
	int32_t rel = (int32_t)(int64_t)(to - (from + PATCH_REDIRECT_LEN));

	out[0] = JMP_REL32;
	memcpy(out + 1, &rel, 4);
}

#define CODE_TAMPERED "the VMM's code does not match its expected digest (changed outside a verified patch): " \
		      "no change is built on it"

int patch_apply(const struct bundle_patch *p, char *why, size_t whylen, uint64_t *pause_tsc)
{
	struct live_patch *slot = NULL;
	uint8_t jmp[PATCH_MAX_REDIRECTS][PATCH_REDIRECT_LEN], next[32];
	struct code_edit edits[PATCH_MAX_REDIRECTS + 1];
	uint64_t t0;
	int err = patch_check(p, why, whylen), rv;

	for (unsigned i = 0; !err && !slot && i < PATCH_MAX_LIVE; i++)
		slot = live[i].used ? NULL : &live[i];
	if (err)
		return err;
	edits[0] = (struct code_edit){ .addr = p->load_address, .src = p->code, .len = p->code_len };
	for (unsigned i = 0; i < p->redirect_count; i++) {
		patch_jmp(jmp[i], p->redirects[i].from, p->redirects[i].to);
		edits[i + 1] = (struct code_edit){ .addr = p->redirects[i].from, .src = jmp[i], .len = PATCH_REDIRECT_LEN };
	}
	if (selfcheck_digest_after(edits, p->redirect_count + 1,
				   patch_area_used_if(p->load_address - PATCH_AREA_BASE + p->code_len, NULL), next))
		FAIL(CODE_TAMPERED);
	t0 = cpu_rdtsc();
	if ((rv = rendezvous_begin()) < 0)
		FAIL("other CPUs did not reach a safe point (%s)", rv == -EBUSY ? "a CPU is stuck" : "timed out");
	for (unsigned i = 0; i < p->redirect_count + 1; i++)
		patch_store(patch_va(edits[i].addr), edits[i].src, edits[i].len, 0);
	rendezvous_end();
	*pause_tsc = cpu_rdtsc() - t0;
	for (unsigned i = 0; i < p->redirect_count; i++) {
		slot->redirects[i].from = p->redirects[i].from;
		memcpy(slot->redirects[i].orig, p->redirects[i].expect, PATCH_REDIRECT_LEN);
	}
	slot->used = 1;
	memcpy(slot->name, p->name, sizeof(slot->name));
	slot->load = p->load_address;
	slot->len = p->code_len;
	slot->redirect_count = p->redirect_count;
	(void)selfcheck_adopt(next); /* a mismatch now is reported as tampering */
	return 0;
}

int patch_revert(const char *name, char *why, size_t whylen, uint64_t *pause_tsc)
{
	struct live_patch *lp = patch_find(name);
	struct code_edit edits[PATCH_MAX_REDIRECTS + 1];
	uint8_t next[32];
	uint64_t t0;
	int rv;

	if (!lp)
		FAIL("no live patch named %s", name);
	for (unsigned i = 0; i < lp->redirect_count; i++)
		edits[i] = (struct code_edit){ .addr = lp->redirects[i].from, .src = lp->redirects[i].orig,
					       .len = PATCH_REDIRECT_LEN };
	edits[lp->redirect_count] = (struct code_edit){ .addr = lp->load, .fill = INT3, .len = lp->len };
	if (selfcheck_digest_after(edits, lp->redirect_count + 1, patch_area_used_if(0, lp), next))
		FAIL(CODE_TAMPERED);
	t0 = cpu_rdtsc();
	if ((rv = rendezvous_begin()) < 0)
		FAIL("other CPUs did not reach a safe point (%s)", rv == -EBUSY ? "a CPU is stuck" : "timed out");
	for (unsigned i = 0; i < lp->redirect_count + 1; i++)
		patch_store(patch_va(edits[i].addr), edits[i].src, edits[i].len, edits[i].fill);
	rendezvous_end();
	*pause_tsc = cpu_rdtsc() - t0;
	memset(lp, 0, sizeof(*lp));
	(void)selfcheck_adopt(next);
	return 0;
}
