// SPDX-License-Identifier: MIT
/*
 * Unit tests of the VMX backend's pure parts: the VMCS field allow-list and
 * checked writes (arch/x86/vmx/vmcs.c), and the capability decisions
 * (arch/x86/vmx/caps.c) on made-up capability MSRs shaped like the Bochs
 * CPU models the Intel path is tested on.
 */
#define CHECK_SUITE "vmx"
#include "tests/unit/check.h"

#include <errno.h>
#include <stdint.h>
#include "arch/x86/vmx/caps.h"
#include "arch/x86/vmx/vmcs.h"

/* ---- VMCS fields ------------------------------------------------------ */

static void widths_follow_the_encoding(void)
{
	/* SDM vol. 3, appendix B: one field of each width and type. */
	CHECK_EQ(vmcs_field_width(VMCS_GUEST_CS_SEL), VMCS_W16);
	CHECK_EQ(vmcs_field_width(VMCS_EPT_POINTER), VMCS_W64);
	CHECK_EQ(vmcs_field_width(VMCS_PIN_CONTROLS), VMCS_W32);
	CHECK_EQ(vmcs_field_width(VMCS_GUEST_RIP), VMCS_WNAT);
	CHECK(vmcs_field_readonly(VMCS_EXIT_REASON));
	CHECK(vmcs_field_readonly(VMCS_EXIT_QUALIFICATION));
	CHECK(vmcs_field_readonly(VMCS_GUEST_PHYS_ADDR));
	CHECK(!vmcs_field_readonly(VMCS_GUEST_CR0));
	CHECK_EQ(VMCS_HOST_RSP, 0x6c14);
	CHECK_EQ(VMCS_GUEST_TR_AR, 0x4822);
}

static void names_for_listed_fields_only(void)
{
	CHECK(!strcmp(vmcs_field_name(VMCS_GUEST_RIP), "GUEST_RIP"));
	CHECK(!strcmp(vmcs_field_name(VMCS_EPT_POINTER), "EPT_POINTER"));
	CHECK(!strcmp(vmcs_field_name(VMCS_VPID), "VPID"));
	CHECK(vmcs_field_name(0x2001) == NULL);	/* EPT... high half: never accessed */
	CHECK(vmcs_field_name(0x6c18) == NULL);	/* past the host area */
	CHECK(vmcs_field_name(0xffffffff) == NULL);
}

static void check_refuses_unlisted_readonly_and_wide(void)
{
	CHECK_EQ(vmcs_field_check(VMCS_GUEST_RIP, ~0ull), 0);
	CHECK_EQ(vmcs_field_check(VMCS_EPT_POINTER, ~0ull), 0);
	CHECK_EQ(vmcs_field_check(VMCS_PIN_CONTROLS, 0xffffffffu), 0);
	CHECK_EQ(vmcs_field_check(VMCS_PIN_CONTROLS, 0x100000000ull), -ERANGE);
	CHECK_EQ(vmcs_field_check(VMCS_GUEST_CS_SEL, 0xffff), 0);
	CHECK_EQ(vmcs_field_check(VMCS_GUEST_CS_SEL, 0x10000), -ERANGE);
	CHECK_EQ(vmcs_field_check(VMCS_VPID, 0x10000), -ERANGE);
	CHECK_EQ(vmcs_field_check(VMCS_EXIT_REASON, 0), -EPERM);
	CHECK_EQ(vmcs_field_check(VMCS_VM_INSN_ERROR, 0), -EPERM);
	CHECK_EQ(vmcs_field_check(0x2001, 0), -ENOENT);
	CHECK_EQ(vmcs_field_check(0x4830, 0), -ENOENT); /* a real field Vigil does not use */
}

/* Every listed field is unique and named. */
static void table_has_no_duplicates(void)
{
	unsigned seen = 0;

	for (uint32_t f = 0; f < 0x8000; f++) {
		const char *n = vmcs_field_name(f);

		if (!n)
			continue;
		seen++;
		CHECK(n[0] != 0);
		for (uint32_t g = f + 1; g < 0x8000; g++)
			if (vmcs_field_name(g) == n)
				CHECK(!"two encodings share a name");
	}
	CHECK(seen > 100);
}

struct fake_vmcs {
	unsigned writes;
	uint32_t fail_field; /* VMWRITE to this field fails with insn error 12 */
	uint32_t last_field;
	uint64_t last_value;
};
static struct fake_vmcs fake;

static int fake_write(uint32_t field, uint64_t value, uint32_t *insn_error)
{
	fake.writes++;
	if (field == fake.fail_field) {
		*insn_error = 12;
		return -EIO;
	}
	fake.last_field = field;
	fake.last_value = value;
	return 0;
}

static void writer_stops_at_first_failure_and_names_it(void)
{
	struct vmcs_writer w = { .hw_write = fake_write };

	fake = (struct fake_vmcs){ .fail_field = VMCS_GUEST_CR4 };
	vmcs_put(&w, VMCS_GUEST_CR0, 0x31);
	vmcs_put(&w, VMCS_GUEST_CR4, 0x2000);
	vmcs_put(&w, VMCS_GUEST_RIP, 0x100000);
	CHECK_EQ(fake.writes, 2); /* nothing after the failure */
	CHECK_EQ(w.err, -EIO);
	CHECK_EQ(w.field, VMCS_GUEST_CR4);
	CHECK_EQ(w.insn_error, 12);
	CHECK(!strcmp(vmcs_field_name(w.field), "GUEST_CR4"));
	CHECK_EQ(fake.last_field, VMCS_GUEST_CR0);
}

static void writer_refuses_before_the_hardware(void)
{
	struct vmcs_writer w = { .hw_write = fake_write };

	fake = (struct fake_vmcs){ .fail_field = ~0u };
	vmcs_put(&w, VMCS_GUEST_RIP, 1);
	vmcs_put(&w, VMCS_GUEST_ES_SEL, 0x12345); /* too wide: no VMWRITE */
	vmcs_put(&w, VMCS_GUEST_RSP, 2);
	CHECK_EQ(fake.writes, 1);
	CHECK_EQ(w.err, -ERANGE);
	CHECK_EQ(w.field, VMCS_GUEST_ES_SEL);
	CHECK_EQ(w.insn_error, 0);
	w = (struct vmcs_writer){ .hw_write = fake_write };
	vmcs_put(&w, VMCS_EXIT_QUALIFICATION, 0);
	CHECK_EQ(w.err, -EPERM);
	CHECK_EQ(fake.writes, 1);
}

/* ---- control adjustment ------------------------------------------------ */

#define CAP(must1, may1) (((uint64_t)(may1) << 32) | (uint32_t)(must1))

static void adjust_forces_must1_and_drops_unavailable_optional(void)
{
	uint32_t out, missing;

	CHECK_EQ(vmx_ctl_adjust(CAP(0x16, 0xff), 0x1, 0x300, &out, &missing), 0);
	CHECK_EQ(out, 0x17);
	CHECK_EQ(missing, 0);
	CHECK_EQ(vmx_ctl_adjust(CAP(0x0, 0x3ff), 0x1, 0x300, &out, &missing), 0);
	CHECK_EQ(out, 0x301);
	CHECK_EQ(vmx_ctl_adjust(CAP(0x0, 0x0f), 0x11, 0, &out, &missing), -ENODEV);
	CHECK_EQ(missing, 0x10);
}

static void feature_control_lock_rules(void)
{
	uint64_t w;

	CHECK_EQ(vmx_feature_control(FC_LOCK | FC_VMX_OUTSIDE_SMX, &w), 0); /* Bochs: 0x5 */
	CHECK_EQ(w, 0);
	CHECK_EQ(vmx_feature_control(FC_LOCK, &w), -EPERM);
	CHECK_EQ(vmx_feature_control(FC_LOCK | (1u << 1), &w), -EPERM); /* VMX inside SMX only */
	CHECK_EQ(vmx_feature_control(0, &w), 0);
	CHECK_EQ(w, FC_LOCK | FC_VMX_OUTSIDE_SMX);
	CHECK_EQ(vmx_feature_control(1u << 1, &w), 0);
	CHECK_EQ(w, FC_LOCK | FC_VMX_OUTSIDE_SMX | (1u << 1));
}

/* A Skylake-like CPU: everything Vigil needs. */
static struct vmx_msrs skylake(void)
{
	return (struct vmx_msrs){
		.basic = (1ull << 55) | (6ull << 50) | (0x1000ull << 32) | 0x2,
		.pin = CAP(0x16, 0x7f),
		.proc = CAP(0x04006172, 0xfff9fffe),
		.exit = CAP(0x36dff, 0x3fffff),
		.entry = CAP(0x11ff, 0xffff),
		.proc2 = CAP(0, 0x3bff),
		.ept_vpid = EPT_CAP_WALK4 | EPT_CAP_WB | EPT_CAP_2M | EPT_CAP_INVEPT | EPT_CAP_INVEPT_SINGLE |
			    EPT_CAP_INVEPT_ALL | VPID_CAP_INVVPID | VPID_CAP_INVVPID_SINGLE |
			    VPID_CAP_INVVPID_ALL,
		.misc = 5,
		.cr0_fixed0 = 0x80000021, .cr0_fixed1 = 0xffffffff,
		.cr4_fixed0 = 0x2000, .cr4_fixed1 = 0x3727ff,
	};
}

static void skylake_is_accepted(void)
{
	struct vmx_msrs m = skylake();
	struct vmx_config c;
	const char *why = NULL;

	CHECK_EQ(vmx_config_build(&m, &c, &why), 0);
	CHECK_EQ(c.revision, 2);
	CHECK_EQ(c.pin & (PIN_EXT_INT_EXIT | PIN_NMI_EXIT | PIN_PREEMPT_TIMER),
		 PIN_EXT_INT_EXIT | PIN_NMI_EXIT | PIN_PREEMPT_TIMER);
	CHECK(c.proc & PROC_IO_BITMAPS && c.proc & PROC_MSR_BITMAPS && c.proc & PROC_HLT_EXIT);
	CHECK(!(c.proc & (PROC_CR3_LOAD_EXIT | PROC_CR3_STORE_EXIT)));
	CHECK_EQ(c.proc2 & (PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED),
		 PROC2_EPT | PROC2_VPID | PROC2_UNRESTRICTED);
	CHECK(!(c.exit & EXIT_ACK_INTR));
	CHECK(!(c.entry & ENTRY_IA32E_GUEST));
	CHECK_EQ(c.preempt_shift, 5);
	/* Unrestricted guest: PE and PG are the guest's; NE is forced. */
	CHECK_EQ(c.cr0_must1, 0x20);
	CHECK_EQ(c.cr4_must1, 0x2000);
}

static void refused_with(struct vmx_msrs m, const char *want)
{
	struct vmx_config c;
	const char *why = NULL;

	CHECK_EQ(vmx_config_build(&m, &c, &why), -ENODEV);
	if (!CHECK(why && strstr(why, want)))
		printf("    why: %s (want \"%s\")\n", why ? why : "(null)", want);
}

static void penryn_without_ept_is_refused(void)
{
	struct vmx_msrs m = skylake();

	m.proc2 = CAP(0, 0x20 | 0x8); /* VPID, RDTSCP; no EPT */
	m.ept_vpid = VPID_CAP_INVVPID | VPID_CAP_INVVPID_SINGLE | VPID_CAP_INVVPID_ALL;
	refused_with(m, "without EPT");
	m.proc = CAP(0x04006172, 0x7ff9fffe); /* no secondary controls at all */
	m.proc2 = m.ept_vpid = 0;
	refused_with(m, "no EPT");
}

static void lynnfield_without_unrestricted_guest_is_refused(void)
{
	struct vmx_msrs m = skylake();

	m.proc2 = CAP(0, 0x3bff & ~PROC2_UNRESTRICTED);
	refused_with(m, "unrestricted guest");
}

static void each_missing_requirement_is_named(void)
{
	struct vmx_msrs m = skylake();

	m.ept_vpid &= ~EPT_CAP_WB;
	refused_with(m, "EPT without");
	m = skylake();
	m.ept_vpid &= ~EPT_CAP_INVEPT_SINGLE;
	refused_with(m, "INVEPT");
	m = skylake();
	m.ept_vpid &= ~VPID_CAP_INVVPID_ALL;
	refused_with(m, "INVVPID");
	m = skylake();
	m.proc2 &= ~((uint64_t)PROC2_VPID << 32);
	refused_with(m, "VPID");
	m = skylake();
	m.pin &= ~((uint64_t)PIN_NMI_EXIT << 32);
	refused_with(m, "NMI exiting");
	m = skylake();
	m.proc &= ~((uint64_t)PROC_MSR_BITMAPS << 32);
	refused_with(m, "bitmaps");
	m = skylake();
	m.exit &= ~((uint64_t)EXIT_LOAD_EFER << 32);
	refused_with(m, "EFER");
	m = skylake();
	m.proc |= PROC_CR3_LOAD_EXIT; /* no true controls: CR3 exiting forced on */
	refused_with(m, "CR3 exiting");
	m = skylake();
	m.basic &= ~(0xfull << 50);
	refused_with(m, "write-back");
	m = skylake();
	m.proc &= ~((uint64_t)PROC_INTR_WINDOW_EXIT << 32);
	refused_with(m, "interrupt-window");
	m = skylake();
	m.proc |= PROC_INTR_WINDOW_EXIT; /* forced on: every entry would exit at once */
	refused_with(m, "interrupt-window");
	m = skylake();
	m.pin &= ~((uint64_t)PIN_VIRTUAL_NMI << 32); /* NMIs for the guest need it */
	refused_with(m, "virtual NMIs");
	m = skylake();
	m.proc &= ~((uint64_t)PROC_NMI_WINDOW_EXIT << 32);
	refused_with(m, "NMI-window");
	m = skylake();
	m.proc |= PROC_NMI_WINDOW_EXIT;
	refused_with(m, "NMI-window");
}

/* The preemption timer is optional: without it the backend still runs. */
static void preemption_timer_optional(void)
{
	struct vmx_msrs m = skylake();
	struct vmx_config c;
	const char *why = NULL;

	m.pin &= ~((uint64_t)PIN_PREEMPT_TIMER << 32);
	CHECK_EQ(vmx_config_build(&m, &c, &why), 0);
	CHECK(!(c.pin & PIN_PREEMPT_TIMER));
}

int main(void)
{
	CHECK_RUN(widths_follow_the_encoding);
	CHECK_RUN(names_for_listed_fields_only);
	CHECK_RUN(check_refuses_unlisted_readonly_and_wide);
	CHECK_RUN(table_has_no_duplicates);
	CHECK_RUN(writer_stops_at_first_failure_and_names_it);
	CHECK_RUN(writer_refuses_before_the_hardware);
	CHECK_RUN(adjust_forces_must1_and_drops_unavailable_optional);
	CHECK_RUN(feature_control_lock_rules);
	CHECK_RUN(skylake_is_accepted);
	CHECK_RUN(penryn_without_ept_is_refused);
	CHECK_RUN(lynnfield_without_unrestricted_guest_is_refused);
	CHECK_RUN(each_missing_requirement_is_named);
	CHECK_RUN(preemption_timer_optional);
	return check_done();
}
