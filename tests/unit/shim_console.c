// SPDX-License-Identifier: MIT
/*
 * Test stand-in for what vmm/vm_console.c, vmm/vm_input.c and
 * kernel/console.c reach below them or beside them: COM1 (drivers/uart.c:
 * what the console writes is collected in shim_tty, what it reads comes
 * from shim_rx), the local and I/O APICs and the trap table (calls
 * counted), the clock (kernel/time.c's time_ms: shim_ms), and the VMM's
 * globals (kernel/init.c's cpu_areas, vm.c's vms and vm_notify_input,
 * which counts kicks per guest).
 */
#include "arch/x86/gdt.h"
#include "tests/unit/shim_console.h"
#include "arch/x86/apic.h"
#include "arch/x86/trap.h"
#include "drivers/ioapic.h"
#include "drivers/uart.h"
#include "kernel/percpu.h"
#include "kernel/time.h"

char shim_tty[SHIM_TTY_MAX];
size_t shim_tty_len;
const uint8_t *shim_rx;
size_t shim_rx_len;
unsigned shim_wakes, shim_routes, shim_eois;
unsigned shim_kicks[CONFIG_MAX_GUESTS];
void (*shim_irq_handler)(void);

static struct cpu_area area0;
struct cpu_area *cpu_areas[VIGIL_MAX_CPUS] = { &area0 };
unsigned cpus_used = 1;
struct vm vms[CONFIG_MAX_GUESTS];
unsigned vm_count;
volatile uint64_t apic_timer_ticks;
uint64_t shim_ms;

uint64_t time_ms(void)
{
	return shim_ms;
}

void uart_init(const struct uart *u)
{
	(void)u;
}

bool uart_present(const struct uart *u)
{
	return u->base == UART_COM1;
}

bool uart_overlaps(const struct uart *a, const struct uart *b)
{
	return a->mmio == b->mmio && a->base == b->base;
}

void uart_putc(const struct uart *u, char c)
{
	if (u->base == UART_COM1 && shim_tty_len < SHIM_TTY_MAX)
		shim_tty[shim_tty_len++] = c;
}

int uart_getc(const struct uart *u, uint8_t *c)
{
	if (u->base != UART_COM1 || !shim_rx_len)
		return 0;
	*c = *shim_rx++;
	shim_rx_len--;
	return 1;
}

void uart_enable_rx_irq(const struct uart *u)
{
	(void)u;
}

void apic_eoi(void)
{
	shim_eois++;
}

void apic_send_fixed(uint32_t apic_id, uint8_t vector)
{
	(void)apic_id;
	(void)vector;
	shim_wakes++;
}

int ioapic_route_isa(const struct acpi_cpus *madt, unsigned irq, uint8_t vector, uint32_t apic_id)
{
	(void)madt;
	(void)apic_id;
	shim_routes += irq == 4 && vector == IDT_VECTOR_CONSOLE;
	return 0;
}

void trap_set_irq_handler(unsigned vector, void (*fn)(void))
{
	if (vector == IDT_VECTOR_CONSOLE)
		shim_irq_handler = fn;
}

void vm_notify_input(struct vm *vm)
{
	shim_kicks[vm->index]++;
}
