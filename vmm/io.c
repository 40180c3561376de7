/* SPDX-License-Identifier: MIT */
/*
 * Intercepted port I/O. The emulated console UART answers at 0x3f8..0x3ff,
 * the platform's few legacy and ACPI ports as vmm/vplatform.h says, PCI
 * configuration space (0xcf8, 0xcfc..0xcff) for a guest with assigned
 * functions as vmm/vpci.h says. Any
 * other intercepted port behaves as if nothing were there: reads return
 * all ones, writes are dropped. String and REP forms are not emulated: the
 * guest gets #GP (documented in docs/vmm.md).
 */
#include "vmm/exits.h"
#include "vmm/vm.h"
#include "arch/x86/cpu.h"
#include "arch/x86/vendor.h"

/* The devices are the guest's, shared by its vCPUs: one at a time. */
static uint32_t io_read(struct vm *vm, uint16_t port, unsigned size)
{
	uint32_t val = 0xffffffffu;

	spin_lock(&vm->dev_lock);
	if (vpci_io_read(vm, port, size, &val))
		;
	else if (port >= VUART_BASE && port < VUART_BASE + VUART_PORTS && size == 1)
		val = vuart_read(&vm->uart, port);
	else if (vplat_owns(port))
		val = vplat_in(&vm->plat, &vplat_clock, port, size, cpu_rdtsc());
	spin_unlock(&vm->dev_lock);
	return val;
}

static void io_write(struct vm *vm, uint16_t port, unsigned size, uint32_t val)
{
	enum vplat_action act = VPLAT_NONE;

	spin_lock(&vm->dev_lock);
	if (vpci_io_write(vm, port, size, val))
		;
	else if (port >= VUART_BASE && port < VUART_BASE + VUART_PORTS && size == 1)
		vuart_write(&vm->uart, port, (uint8_t)val);
	else if (vplat_owns(port))
		act = vplat_out(&vm->plat, &vplat_clock, port, size, val, cpu_rdtsc());
	spin_unlock(&vm->dev_lock);
	switch (act) {
	case VPLAT_POWEROFF:
		vm_stop(vm, "powered off (ACPI S5)");
		break;
	case VPLAT_RESET:
		vm_reset_by_guest(vm, "ACPI reset register");
		break;
	case VPLAT_NONE:
		break;
	}
}

int exit_io(struct vcpu *v)
{
	const struct exit_info *e = &v->exit;
	uint64_t mask = e->io.size == 4 ? 0xffffffffull : (1ull << (8 * e->io.size)) - 1;

	if (e->io.string || e->io.rep) {
		vcpu_inject_gp(v);
		return 0;
	}
	if (e->io.in)
		v->regs.rax = (v->regs.rax & ~mask) | (io_read(v->vm, e->io.port, e->io.size) & mask);
	else
		io_write(v->vm, e->io.port, e->io.size, (uint32_t)(v->regs.rax & mask));
	return vcpu_skip_insn(v);
}
