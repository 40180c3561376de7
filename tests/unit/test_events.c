// SPDX-License-Identifier: MIT
/*
 * Unit tests of the pure rules on the exit path that the emulators cannot
 * show: the XCR0 checks XSETBV applies (arch/x86/xcr0.h: no Bochs model
 * has MPX or AMX), and which event SVM enters with after an exit that
 * interrupted a delivery (arch/x86/svm/vmcb.h, svm_event_reinject).
 */
#define CHECK_SUITE "events"
#include "tests/unit/check.h"

#include <stdint.h>
#include "arch/x86/xcr0.h"
#include "arch/x86/svm/vmcb.h"

#define ALL_XCR0 0x00000000000602ffull /* x87..AVX-512, PKRU, AMX */

static void xcr0_basic_rules(void)
{
	CHECK(xcr0_valid(XCR0_X87, ALL_XCR0));
	CHECK(xcr0_valid(XCR0_X87 | XCR0_SSE, ALL_XCR0));
	CHECK(xcr0_valid(XCR0_X87 | XCR0_SSE | XCR0_AVX, ALL_XCR0));
	CHECK(!xcr0_valid(0, ALL_XCR0));			 /* x87 is always on */
	CHECK(!xcr0_valid(XCR0_SSE, ALL_XCR0));
	CHECK(!xcr0_valid(XCR0_X87 | XCR0_AVX, ALL_XCR0)); /* AVX needs SSE */
	CHECK(!xcr0_valid(XCR0_X87 | (1ull << 62), ALL_XCR0));
	CHECK(!xcr0_valid(XCR0_X87 | XCR0_SSE | XCR0_AVX, XCR0_X87 | XCR0_SSE)); /* unsupported */
	CHECK(xcr0_valid(XCR0_X87 | (1ull << 9), ALL_XCR0)); /* PKRU: no dependency */
}

static void xcr0_mpx_pair(void)
{
	CHECK(!xcr0_valid(XCR0_X87 | XCR0_BNDREGS, ALL_XCR0));
	CHECK(!xcr0_valid(XCR0_X87 | XCR0_BNDCSR, ALL_XCR0));
	CHECK(xcr0_valid(XCR0_X87 | XCR0_BNDREGS | XCR0_BNDCSR, ALL_XCR0));
}

static void xcr0_amx_pair(void)
{
	CHECK(!xcr0_valid(XCR0_X87 | XCR0_TILECFG, ALL_XCR0));
	CHECK(!xcr0_valid(XCR0_X87 | XCR0_TILEDATA, ALL_XCR0));
	CHECK(xcr0_valid(XCR0_X87 | XCR0_TILECFG | XCR0_TILEDATA, ALL_XCR0));
}

static void xcr0_avx512_all_or_none(void)
{
	uint64_t avx = XCR0_X87 | XCR0_SSE | XCR0_AVX;

	CHECK(xcr0_valid(avx | XCR0_AVX512, ALL_XCR0));
	for (unsigned bit = 5; bit <= 7; bit++)
		CHECK(!xcr0_valid(avx | (1ull << bit), ALL_XCR0));
	CHECK(!xcr0_valid(avx | (3ull << 5), ALL_XCR0));
	CHECK(!xcr0_valid(XCR0_X87 | XCR0_SSE | XCR0_AVX512, ALL_XCR0)); /* needs AVX */
}

#define EV(type, vec) (SVM_EVTINJ_VALID | ((uint64_t)(type) << 8) | (vec))

static void reinject_interrupted_event(void)
{
	uint64_t pf = EV(3, 14) | SVM_EVTINJ_EV | (2ull << 32); /* #PF, error code 2 */

	CHECK_EQ(svm_event_reinject(pf, 0), pf);
	CHECK_EQ(svm_event_reinject(EV(0, 0x30), 0), EV(0, 0x30)); /* external interrupt */
	CHECK_EQ(svm_event_reinject(EV(2, 2), 0), EV(2, 2));	     /* NMI */
	CHECK_EQ(svm_event_reinject(0, 0), 0);
	CHECK_EQ(svm_event_reinject(pf & ~SVM_EVTINJ_VALID, 0), 0); /* not valid: nothing */
}

static void handler_event_wins(void)
{
	uint64_t ac = EV(3, 17) | SVM_EVTINJ_EV;

	CHECK_EQ(svm_event_reinject(EV(3, 17) | SVM_EVTINJ_EV, EV(3, 1)), EV(3, 1));
	CHECK_EQ(svm_event_reinject(EV(0, 0x30), ac), ac);
}

static void instruction_events_run_again(void)
{
	CHECK_EQ(svm_event_reinject(EV(4, 0x80), 0), 0); /* INT 0x80 */
	CHECK_EQ(svm_event_reinject(EV(3, 3), 0), 0);	  /* INT3 */
	CHECK_EQ(svm_event_reinject(EV(3, 4), 0), 0);	  /* INTO */
}

int main(void)
{
	CHECK_RUN(xcr0_basic_rules);
	CHECK_RUN(xcr0_mpx_pair);
	CHECK_RUN(xcr0_amx_pair);
	CHECK_RUN(xcr0_avx512_all_or_none);
	CHECK_RUN(reinject_interrupted_event);
	CHECK_RUN(handler_event_wins);
	CHECK_RUN(instruction_events_run_again);
	return check_done();
}
