/* SPDX-License-Identifier: MIT */
/*
 * The channel's transport: bytes from the UART the config names (COM2 on
 * the test machines), woken by its receive interrupt, through the frame
 * receiver (vmm/channel_frame.c), to one handler per request type, and
 * the response back out. Buffers are static and bounded; a frame that
 * stops arriving is dropped after CHANNEL_BYTE_TIMEOUT_MS; garbage is
 * skipped until the next frame.
 */
#include <errno.h>
#include "vmm/channel.h"
#include "vmm/channel_frame.h"
#include "vmm/audit.h"
#include "arch/x86/apic.h"
#include "arch/x86/gdt.h"
#include "arch/x86/trap.h"
#include "drivers/ioapic.h"
#include "drivers/uart.h"
#include "drivers/pci.h"
#include "kernel/config.h"
#include "kernel/console.h"
#include "kernel/panic.h"
#include "kernel/time.h"

#define REPLY_MAX (32u * 1024)

static uint8_t rx_buf[CHANNEL_MAX_PAYLOAD] __attribute__((aligned(8)));
static uint8_t reply_buf[REPLY_MAX] __attribute__((aligned(8)));
static struct frame_rx rx;
static uint64_t last_byte_ms;
static int channel_up;
static struct uart chan_uart;
static uint64_t chan_irqs; /* this CPU's only: the handler and the inventory */

/* Bytes read per wake-up at most, so a babbling line cannot starve the
 * self-check; the rest wait in the UART (or the sender) for the next one. */
#define CHANNEL_POLL_BUDGET 4096

/*
 * The UART's receive FIFO holds 16 bytes, 1.4 ms at 115200 baud, and the
 * VMM's CPU spends up to a tick printing the guests' console lines
 * (vm_console_drain). So the receive interrupt empties the FIFO into this
 * ring at once, and channel_poll() reads the ring. The interrupt handler
 * is the only writer and channel_poll(), with interrupts off, the only
 * reader. Bytes that find the ring full are dropped: the frame they
 * belonged to then fails its CRC or times out and is refused.
 */
#define CHANNEL_RX_RING 8192
static uint8_t rx_ring[CHANNEL_RX_RING];
static volatile uint32_t rx_head, rx_tail; /* free-running: written by the IRQ / by poll */

static void channel_pump(void)
{
	uint8_t c;

	while (uart_getc(&chan_uart, &c)) {
		if (rx_head - rx_tail == CHANNEL_RX_RING)
			continue;
		rx_ring[rx_head % CHANNEL_RX_RING] = c;
		rx_head++;
	}
}

/* The config's UART as the VMM reaches it; a PCI function's BAR is read
 * here. *why when it cannot be used. */
static int channel_uart_find(const struct config_channel *ch, struct uart *u, const char **why)
{
	const struct pci_addr pci = { 0, ch->pci_bus, ch->pci_dev, ch->pci_fn };

	*u = (struct uart){ .mmio = ch->kind == CONFIG_UART_MMIO, .base = ch->base, .width = 1, .divisor = 1 };
	if (ch->kind == CONFIG_UART_PORT)
		return 0;
	if (ch->kind == CONFIG_UART_PCI && pci_uart_locate(&pci, 0, 0, NULL, u, why))
		return -ENODEV;
	if (u->mmio) {
		u->shift = ch->shift;
		u->width = ch->width;
	}
	return 0;
}

/*
 * What the config checks cannot know before boot: the console's UART
 * (from the SPCR) and a PCI function's ports. Either clash is the
 * config's error, refused as smt_check refuses: the machine stops.
 */
static void channel_uart_refuse(const struct config *cfg, const struct uart *u, uint32_t gsi, uint32_t con_gsi)
{
	if (uart_overlaps(u, console_uart()))
		panic("config refused: /channel: its UART (%s 0x%lx) is the console's", u->mmio ? "MMIO" : "port",
		      u->base);
	if (gsi == con_gsi && console_input_irq() >= 0)
		panic("config refused: /channel: its interrupt (GSI %u) is the console's", gsi);
	for (unsigned gi = 0; !u->mmio && gi < cfg->guest_count; gi++)
		for (unsigned i = 0; i < cfg->guests[gi].io_count; i++) {
			const struct config_io *io = &cfg->guests[gi].io[i];

			if (io->port < u->base + UART_REGS && u->base < io->port + io->count)
				panic("config refused: /channel: its UART (port 0x%lx) is granted to guest '%s'",
				      u->base, cfg->guests[gi].name);
		}
}

static int channel_route(const struct config_channel *ch, const struct acpi_cpus *madt, uint32_t apic_id)
{
	if (ch->isa_irq >= 0)
		return ioapic_route_isa(madt, (unsigned)ch->isa_irq, IDT_VECTOR_CHANNEL, apic_id);
	return ioapic_route_pci(madt, (uint32_t)ch->gsi, IDT_VECTOR_CHANNEL, apic_id);
}

int channel_init(const struct config *cfg, const struct acpi_cpus *madt, uint32_t this_apic_id)
{
	const struct config_channel *ch = &cfg->channel;
	uint32_t gsi = ch->isa_irq >= 0 ? madt->isa_gsi[ch->isa_irq] : (uint32_t)ch->gsi;
	int con_irq = console_input_irq();
	const char *why = "";
	int err = channel_uart_find(ch, &chan_uart, &why);

	if (!err) {
		channel_uart_refuse(cfg, &chan_uart, gsi, con_irq >= 0 ? madt->isa_gsi[con_irq] : ~0u);
		err = uart_usable(&chan_uart, &why);
	}
	if (err) {
		printk("vigil: management channel off: its UART: %s\n", why);
		return 0;
	}
	uart_init(&chan_uart);
	frame_rx_init(&rx, rx_buf, sizeof(rx_buf));
	if (channel_route(ch, madt, this_apic_id)) {
		printk("vigil: management channel off: GSI %u is on no I/O APIC\n", gsi);
		return 0;
	}
	trap_set_irq_handler(IDT_VECTOR_CHANNEL, channel_irq);
	uart_enable_rx_irq(&chan_uart);
	channel_up = 1;
	if (ch->isa_irq >= 0)
		printk("vigil: management channel on %s 0x%lx (ISA IRQ %d, GSI %u)\n", chan_uart.mmio ? "MMIO" : "port",
		       chan_uart.base, ch->isa_irq, gsi);
	else
		printk("vigil: management channel on %s 0x%lx (GSI %u, level)\n", chan_uart.mmio ? "MMIO" : "port",
		       chan_uart.base, gsi);
	return 0;
}

uint64_t channel_interrupts(void)
{
	return chan_irqs;
}

void channel_irq(void)
{
	chan_irqs++;
	channel_pump(); /* empties the FIFO, so the interrupt line drops */
	apic_eoi();
}

static void channel_send(uint8_t type, uint16_t id, const uint8_t *payload, size_t len)
{
	uint8_t hdr[CHANNEL_HEADER_LEN];
	uint32_t crc;

	if (frame_header_encode(hdr, type, id, len))
		return;
	crc = frame_crc(hdr, payload, len);
	for (size_t i = 0; i < sizeof(hdr); i++)
		uart_putc(&chan_uart, (char)hdr[i]);
	for (size_t i = 0; i < len; i++)
		uart_putc(&chan_uart, (char)payload[i]);
	for (int i = 0; i < 4; i++)
		uart_putc(&chan_uart, (char)(crc >> (8 * i)));
}

static void channel_reply(uint8_t type, uint16_t id, struct reply *r)
{
	long n = reply_finish(r);

	if (n < 0) {
		reply_begin(r, reply_buf, sizeof(reply_buf), -E2BIG, CHANNEL_E_APPLY, "reply too large");
		n = reply_finish(r);
	}
	channel_send(type, id, reply_buf, (size_t)n);
}

static void channel_handle(uint8_t type, uint16_t id, const uint8_t *payload, uint32_t len)
{
	struct reply r = { reply_buf, sizeof(reply_buf), 0 };

	channel_dispatch(&r, type, payload, len);
	channel_reply(channel_response_type(type), id, &r);
}

/* A refused frame: answer it (by its id when its header was sound) and audit it. */
static void channel_refuse_frame(void)
{
	struct reply r = { reply_buf, sizeof(reply_buf), 0 };
	uint8_t type = rx.header_ok ? channel_response_type(rx.type) : CHANNEL_TYPE_ERROR;

	reply_begin(&r, reply_buf, sizeof(reply_buf), rx.err, rx.code, rx.why);
	audit_record(rx.header_ok ? rx.type : CHANNEL_TYPE_ERROR, rx.err, rx.code, rx.why);
	channel_reply(type, rx.header_ok ? rx.id : 0, &r);
}

static void channel_result(enum frame_rx_result res)
{
	if (res == FRAME_RX_FRAME)
		channel_handle(rx.type, rx.id, rx_buf, rx.len);
	else if (res == FRAME_RX_ERROR)
		channel_refuse_frame();
}

void channel_poll(void)
{
	uint8_t c;

	if (!channel_up)
		return;
	channel_pump();
	for (unsigned n = 0; n < CHANNEL_POLL_BUDGET && rx_tail != rx_head; n++) {
		c = rx_ring[rx_tail % CHANNEL_RX_RING];
		rx_tail++;
		last_byte_ms = time_ms();
		channel_result(frame_rx_feed(&rx, c));
	}
	if (frame_rx_busy(&rx) && time_ms() - last_byte_ms > CHANNEL_BYTE_TIMEOUT_MS)
		channel_result(frame_rx_timeout(&rx));
}
