/* SPDX-License-Identifier: MIT */
/*
 * The channel's transport: bytes from the UART (COM2), woken by its receive
 * interrupt, through the frame receiver (vmm/channel_frame.c), to one
 * handler per request type, and the response back out. Buffers are static
 * and bounded; a frame that stops arriving is dropped after
 * CHANNEL_BYTE_TIMEOUT_MS; garbage is skipped until the next frame.
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
#include "kernel/console.h"
#include "kernel/time.h"

#define CHANNEL_UART UART_COM2
#define CHANNEL_IRQ 3
#define REPLY_MAX (32u * 1024)

static uint8_t rx_buf[CHANNEL_MAX_PAYLOAD] __attribute__((aligned(8)));
static uint8_t reply_buf[REPLY_MAX] __attribute__((aligned(8)));
static struct frame_rx rx;
static uint64_t last_byte_ms;
static int channel_up;

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

	while (uart_getc(CHANNEL_UART, &c)) {
		if (rx_head - rx_tail == CHANNEL_RX_RING)
			continue;
		rx_ring[rx_head % CHANNEL_RX_RING] = c;
		rx_head++;
	}
}

int channel_init(const struct acpi_cpus *madt, uint32_t this_apic_id)
{
	int err;

	if (!uart_present(CHANNEL_UART)) {
		printk("vigil: no UART at 0x%x: management channel off\n", CHANNEL_UART);
		return 0;
	}
	uart_init(CHANNEL_UART);
	frame_rx_init(&rx, rx_buf, sizeof(rx_buf));
	err = ioapic_route_isa(madt, CHANNEL_IRQ, IDT_VECTOR_CHANNEL, this_apic_id);
	if (err)
		return err;
	trap_set_irq_handler(IDT_VECTOR_CHANNEL, channel_irq);
	uart_enable_rx_irq(CHANNEL_UART);
	channel_up = 1;
	printk("vigil: management channel on COM2 (port 0x%x, irq %u)\n", CHANNEL_UART, CHANNEL_IRQ);
	return 0;
}

void channel_irq(void)
{
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
		uart_putc(CHANNEL_UART, (char)hdr[i]);
	for (size_t i = 0; i < len; i++)
		uart_putc(CHANNEL_UART, (char)payload[i]);
	for (int i = 0; i < 4; i++)
		uart_putc(CHANNEL_UART, (char)(crc >> (8 * i)));
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
