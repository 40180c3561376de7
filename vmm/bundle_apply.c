/* SPDX-License-Identifier: MIT */
/*
 * Applying a verified bundle (vmm/channel_bundle.c calls it after
 * bundle_verify()): what needs the running VMM is checked here before
 * anything changes (the guest exists, a policy only tightens, the patched
 * bytes are the expected ones, the change can be measured), then the
 * change is made whole. One case
 * per kind and per action; a value outside its list is refused and
 * changes nothing, never taken for a neighbour.
 */
#include <errno.h>
#include "vmm/channel.h"
#include "vmm/mlog.h"
#include "vmm/bundle.h"
#include "vmm/vm.h"
#include "kernel/console.h"
#include "kernel/patch.h"

static int apply_fail(struct bundle_verdict *v, int err, const char *msg)
{
	v->err = err;
	v->code = CHANNEL_E_APPLY;
	str_escape(v->message, sizeof(v->message), msg);
	return err;
}

static int apply_control(const struct bundle_control *c, struct bundle_verdict *v)
{
	struct vm *vm = vm_find(c->guest);
	int err;

	if (!vm)
		return apply_fail(v, -ENOENT, "no such guest");
	switch (c->action) {
	case BUNDLE_ACTION_STOP:
		err = vm_control_stop(vm);
		break;
	case BUNDLE_ACTION_START:
		err = vm_control_start(vm);
		break;
	case BUNDLE_ACTION_RESTART:
		err = vm_control_restart(vm);
		break;
	default:
		return apply_fail(v, -EOPNOTSUPP, "unknown guest-control action");
	}
	if (err == -EALREADY)
		return apply_fail(v, err, "the guest is already in that state");
	if (err == -EPERM)
		return apply_fail(v, err, "the guest stopped by its own fault: only restart runs it again");
	return err ? apply_fail(v, err, "guest control failed") : 0;
}

static int apply_policy(const struct bundle_policy *p, struct bundle_verdict *v)
{
	struct vm *vm = vm_find(p->guest);
	int err;

	if (!vm)
		return apply_fail(v, -ENOENT, "no such guest");
	err = bundle_policy_tightens(p, vm->io, vm->io_count, vm->msrs, vm->msr_count, v);
	if (err) {
		v->code = CHANNEL_E_APPLY;
		return err;
	}
	err = vm_set_allow_lists(vm, p->io, p->io_count, p->msrs, p->msr_count);
	return err ? apply_fail(v, err, "this backend cannot change a running guest's allow-lists") : 0;
}

static int apply_live_patch(const struct bundle_patch *p, struct bundle_verdict *v, uint64_t *pause)
{
	char why[120];
	int err = patch_apply(p, why, sizeof(why), pause);

	return err ? apply_fail(v, err, why) : 0;
}

static int apply_revert(const struct bundle_revert *r, struct bundle_verdict *v, uint64_t *pause)
{
	char why[120];
	int err = patch_revert(r->name, why, sizeof(why), pause);

	return err ? apply_fail(v, err, why) : 0;
}

int bundle_apply(const struct bundle *b, struct bundle_verdict *v, uint64_t *pause)
{
	const char *why;
	int err = mlog_ready(&why);

	if (err)
		return apply_fail(v, err, why);
	switch (b->kind) {
	case BUNDLE_LIVE_PATCH:
		return apply_live_patch(&b->u.patch, v, pause);
	case BUNDLE_PATCH_REVERT:
		return apply_revert(&b->u.revert, v, pause);
	case BUNDLE_GUEST_CONTROL:
		return apply_control(&b->u.control, v);
	case BUNDLE_POLICY:
		return apply_policy(&b->u.policy, v);
	default:
		return apply_fail(v, -EOPNOTSUPP, "unknown bundle kind");
	}
}
