// SPDX-License-Identifier: MIT
/*
 * Unit tests of the VMM's bundle applier (vmm/bundle_apply.c): each kind
 * and each guest-control action reaches its own operation, and a kind or
 * action outside its list is refused, with a message, and runs none of
 * them. The operations here stand in for vmm/vm.c and kernel/patch.c
 * (which need the machine): each counts its calls.
 */
#define CHECK_SUITE "bundle_apply"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include "kernel/patch.h"
#include "vmm/bundle.h"
#include "vmm/channel.h"
#include "vmm/mlog.h"
#include "vmm/vm.h"

enum op { OP_STOP, OP_START, OP_RESTART, OP_ALLOW, OP_PATCH, OP_REVERT, OP_COUNT };
static unsigned ops[OP_COUNT];
static struct vm guest = { .name = "g" };

struct vm *vm_find(const char *name)
{
	return strcmp(name, "g") ? NULL : &guest;
}

int vm_control_stop(struct vm *vm) { (void)vm; ops[OP_STOP]++; return 0; }
int vm_control_start(struct vm *vm) { (void)vm; ops[OP_START]++; return 0; }
int vm_control_restart(struct vm *vm) { (void)vm; ops[OP_RESTART]++; return 0; }

int vm_set_allow_lists(struct vm *vm, const struct config_io *io, unsigned io_count, const uint32_t *msrs,
		       unsigned msr_count)
{
	(void)vm, (void)io, (void)io_count, (void)msrs, (void)msr_count;
	ops[OP_ALLOW]++;
	return 0;
}

int patch_apply(const struct bundle_patch *p, char *why, size_t whylen, uint64_t *pause_tsc)
{
	(void)p, (void)why, (void)whylen;
	*pause_tsc = 1;
	ops[OP_PATCH]++;
	return 0;
}

int patch_revert(const char *name, char *why, size_t whylen, uint64_t *pause_tsc)
{
	(void)name, (void)why, (void)whylen;
	*pause_tsc = 1;
	ops[OP_REVERT]++;
	return 0;
}

/* The runtime measurement log has room (vmm/mlog.c is tested alone). */
int mlog_ready(const char **why)
{
	(void)why;
	return 0;
}

static struct bundle b; /* large: never on the stack */

static unsigned ops_total(void)
{
	unsigned n = 0;

	for (int i = 0; i < OP_COUNT; i++)
		n += ops[i];
	return n;
}

static int apply(struct bundle_verdict *v)
{
	uint64_t pause = 0;

	memset(ops, 0, sizeof(ops));
	memset(v, 0, sizeof(*v));
	return bundle_apply(&b, v, &pause);
}

/* Each kind (and action) runs exactly its own operation. */
static void each_kind_reaches_its_operation(void)
{
	static const struct {
		enum bundle_kind kind;
		enum bundle_action action;
		enum op op;
	} cases[] = {
		{ BUNDLE_LIVE_PATCH, 0, OP_PATCH },
		{ BUNDLE_PATCH_REVERT, 0, OP_REVERT },
		{ BUNDLE_GUEST_CONTROL, BUNDLE_ACTION_STOP, OP_STOP },
		{ BUNDLE_GUEST_CONTROL, BUNDLE_ACTION_START, OP_START },
		{ BUNDLE_GUEST_CONTROL, BUNDLE_ACTION_RESTART, OP_RESTART },
		{ BUNDLE_POLICY, 0, OP_ALLOW }, /* empty lists: only tightens */
	};
	struct bundle_verdict v;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&b, 0, sizeof(b));
		b.kind = cases[i].kind;
		strcpy(b.u.control.guest, "g"); /* control and policy both start with the guest */
		b.u.control.action = cases[i].action;
		if (b.kind == BUNDLE_POLICY)
			strcpy(b.u.policy.guest, "g");
		CHECK_EQ(apply(&v), 0);
		if (!CHECK(ops[cases[i].op] == 1 && ops_total() == 1))
			printf("    case %u: %u operations, %s\n", i, ops_total(), v.message);
	}
}

static void unknown_kind_runs_nothing(void)
{
	static const unsigned bad[] = { BUNDLE_KIND_COUNT, BUNDLE_KIND_COUNT + 1, 0xffffffffu };
	struct bundle_verdict v;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&b, 0, sizeof(b));
		b.kind = (enum bundle_kind)bad[i];
		strcpy(b.u.revert.name, "fix");
		CHECK_EQ(apply(&v), -EOPNOTSUPP);
		CHECK_EQ(v.code, CHANNEL_E_APPLY);
		CHECK(!strcmp(v.message, "unknown bundle kind"));
		if (!CHECK_EQ_INT(ops_total(), 0))
			printf("    kind %u ran %u operations (patch %u, revert %u)\n", bad[i], ops_total(),
			       ops[OP_PATCH], ops[OP_REVERT]);
	}
}

static void unknown_action_runs_nothing(void)
{
	static const unsigned bad[] = { BUNDLE_ACTION_COUNT, 0xffffffffu };
	struct bundle_verdict v;

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&b, 0, sizeof(b));
		b.kind = BUNDLE_GUEST_CONTROL;
		strcpy(b.u.control.guest, "g");
		b.u.control.action = (enum bundle_action)bad[i];
		CHECK_EQ(apply(&v), -EOPNOTSUPP);
		CHECK_EQ(v.code, CHANNEL_E_APPLY);
		CHECK(!strcmp(v.message, "unknown guest-control action"));
		CHECK_EQ(ops_total(), 0);
	}
}

int main(void)
{
	CHECK_RUN(each_kind_reaches_its_operation);
	CHECK_RUN(unknown_kind_runs_nothing);
	CHECK_RUN(unknown_action_runs_nothing);
	return check_done();
}
