// SPDX-License-Identifier: MIT
/*
 * Unit tests of the UART driver (drivers/uart.c) on memory-mapped
 * registers: a block of host memory stands in for the device, filled with
 * 0xff first, so what each register holds afterwards shows where the
 * driver wrote (the stride) and how wide (a 32-bit write clears the upper
 * bytes, an 8-bit one leaves them). The receive and transmit sides read
 * the line status the test puts there; a transmitter that never empties
 * costs a bounded wait, never a hang.
 */
#define CHECK_SUITE "uart"
#include "tests/unit/check.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "drivers/uart.h"

static uint8_t dev[64] __attribute__((aligned(8)));
static size_t mapped_size;
static uint64_t mapped_pa;

/* kernel/vmspace.c's mapper: the "device" is dev. */
void *mm_map_mmio(uint64_t pa, size_t size);
void *mm_map_mmio(uint64_t pa, size_t size)
{
	mapped_pa = pa;
	mapped_size = size;
	return dev;
}

static uint32_t reg32(unsigned n)
{
	uint32_t v;

	memcpy(&v, dev + 4 * n, 4);
	return v;
}

static void set32(unsigned n, uint32_t v)
{
	memcpy(dev + 4 * n, &v, 4);
}

static struct uart mmio(uint8_t shift, uint8_t width, uint16_t divisor)
{
	struct uart u = { .mmio = true, .shift = shift, .width = width, .divisor = divisor, .base = 0xfe030000 };

	memset(dev, 0xff, sizeof(dev));
	CHECK_EQ(uart_map(&u), 0);
	CHECK_EQ(mapped_pa, 0xfe030000);
	CHECK_EQ(mapped_size, (size_t)8 << shift);
	return u;
}

/* 32-bit registers 4 bytes apart: LCR (3) ends as 8N1, the divisor
 * latch (0, 1) holds the divisor, FCR (2) and MCR (4) are set. */
static void init_mmio32(void)
{
	struct uart u = mmio(2, 4, 0x0108);

	uart_init(&u);
	CHECK_EQ(reg32(0), 0x08);     /* DLL, written while DLAB was set */
	CHECK_EQ(reg32(1), 0x01);     /* DLM (IER was 0 before it) */
	CHECK_EQ(reg32(2), 0x07);     /* FCR */
	CHECK_EQ(reg32(3), 0x03);     /* LCR: 8N1, DLAB clear */
	CHECK_EQ(reg32(4), 0x03);     /* MCR */
	CHECK_EQ(reg32(5), 0xffffffff); /* LSR: never written */
}

/* Byte registers one byte apart: only those bytes change. */
static void init_mmio8(void)
{
	struct uart u = mmio(0, 1, 1);

	uart_init(&u);
	CHECK_EQ(dev[0], 0x01);
	CHECK_EQ(dev[1], 0x00);
	CHECK_EQ(dev[2], 0x07);
	CHECK_EQ(dev[3], 0x03);
	CHECK_EQ(dev[4], 0x03);
	CHECK_EQ(dev[5], 0xff);
	CHECK_EQ(dev[8], 0xff);
}

/* Byte accesses 4 bytes apart (reg-shift 2, reg-io-width 1). */
static void init_mmio8_stride4(void)
{
	struct uart u = mmio(2, 1, 1);

	uart_init(&u);
	CHECK_EQ(reg32(3), 0xffffff03);
	CHECK_EQ(reg32(2), 0xffffff07);
	CHECK_EQ(dev[13], 0xff);
}

/* Divisor 0 (the SPCR's "as is"): the latch is never opened. */
static void divisor_kept(void)
{
	struct uart u = mmio(2, 4, 0);

	set32(0, 0x0c);
	set32(1, 0x00);
	uart_init(&u);
	CHECK_EQ(reg32(0), 0x0c);
	CHECK_EQ(reg32(3), 0x03);
}

static void transmit(void)
{
	struct uart u = mmio(2, 4, 1);

	set32(5, 0x60); /* LSR: THR empty */
	uart_putc(&u, 'V');
	CHECK_EQ(reg32(0), 'V');
	/* A wedged transmitter (THR never empties): bounded, then written anyway. */
	set32(5, 0x00);
	uart_putc(&u, 'G');
	CHECK_EQ(reg32(0), 'G');
}

static void receive(void)
{
	struct uart u = mmio(2, 4, 1);
	uint8_t c = 0;

	set32(5, 0x60);
	set32(0, 'x');
	CHECK_EQ(uart_getc(&u, &c), 0); /* no data ready */
	set32(5, 0x61);
	CHECK_EQ(uart_getc(&u, &c), 1);
	CHECK_EQ(c, 'x');
	uart_enable_rx_irq(&u);
	CHECK_EQ(reg32(1), 0x01); /* IER: received data */
	CHECK_EQ(reg32(4), 0x0b); /* MCR: DTR, RTS, OUT2 */
}

/* The scratch register answers on memory that keeps what is written. */
static void present(void)
{
	struct uart u = mmio(2, 4, 1);

	CHECK(uart_present(&u));
	CHECK_EQ(reg32(7), 0xa5);
}

static void overlaps(void)
{
	struct uart com2 = { .base = 0x2f8, .width = 1 }, com2b = { .base = 0x2fc, .width = 1 };
	struct uart com1 = UART_LEGACY_COM1;
	struct uart m = { .mmio = true, .base = 0x2f8, .width = 4, .shift = 2 };
	struct uart m2 = { .mmio = true, .base = 0x310, .width = 4, .shift = 2 };

	CHECK(uart_overlaps(&com2, &com2));
	CHECK(uart_overlaps(&com2, &com2b));
	CHECK(!uart_overlaps(&com1, &com2));
	CHECK(!uart_overlaps(&com2, &m)); /* ports and memory never meet */
	CHECK(uart_overlaps(&m, &m2));	   /* 32 bytes of registers reach 0x318 */
}

static void divisors(void)
{
	CHECK_EQ(uart_divisor(0, 115200), 1);
	CHECK_EQ(uart_divisor(0, 9600), 12);
	CHECK_EQ(uart_divisor(0, 0), 0);
	CHECK_EQ(uart_divisor(0, 230400), 0);	  /* beyond the PC clock */
	CHECK_EQ(uart_divisor(14745600, 115200), 8);
	CHECK_EQ(uart_divisor(0, 1), 0);	  /* more than 16 bits */
	CHECK_EQ(uart_divisor(0xffffffff, 1), 0);
}

int main(void)
{
	CHECK_RUN(init_mmio32);
	CHECK_RUN(init_mmio8);
	CHECK_RUN(init_mmio8_stride4);
	CHECK_RUN(divisor_kept);
	CHECK_RUN(transmit);
	CHECK_RUN(receive);
	CHECK_RUN(present);
	CHECK_RUN(overlaps);
	CHECK_RUN(divisors);
	return check_done();
}
