/* SPDX-License-Identifier: MIT */
/*
 * void cpu_wait_kick(const volatile uint64_t *seq, uint64_t seen)
 *
 * Sleep in HLT until this CPU is kicked, without losing a kick. A kick
 * (kernel/rendezvous.c, cpu_kick) first increments this CPU's wake
 * sequence, then sends an NMI. The caller read the sequence (seen) before
 * it tested whatever it waits for, so:
 *   - a kick before the compare below changed *seq: no sleep;
 *   - a kick whose NMI lands between the compare and HLT would leave the
 *     CPU asleep with its reason gone, so the NMI handler (arch/x86/trap.c)
 *     moves a RIP in [cpu_wait_window, cpu_wait_hlt] to cpu_wait_done:
 *     the HLT is never entered;
 *   - a kick during HLT wakes it, as any NMI does.
 * Interrupts stay as the caller has them.
 *
 * Register contract: RDI = seq, RSI = seen; clobbers nothing else.
 */
	.text
	.globl cpu_wait_kick, cpu_wait_window, cpu_wait_hlt, cpu_wait_done
cpu_wait_kick:
cpu_wait_window:
	cmpq	%rsi, (%rdi)
	jne	cpu_wait_done
cpu_wait_hlt:
	hlt
cpu_wait_done:
	ret

/*
 * void cpu_wait_kick_irq(const volatile uint64_t *seq, uint64_t seen)
 *
 * The same, but an interrupt wakes the CPU too (a guest CPU halted until
 * its virtual timer's deadline: the physical timer's interrupt ends the
 * HLT). Called with interrupts off; STI's one-instruction shadow makes
 * STI; HLT atomic, so an interrupt pending before the HLT wakes it at
 * once. Returns with interrupts off. An NMI that lands in the window moves
 * RIP to cpu_wait_irq_done, which clears IF again.
 */
	.globl cpu_wait_kick_irq, cpu_wait_irq_window, cpu_wait_irq_hlt, cpu_wait_irq_done
cpu_wait_kick_irq:
cpu_wait_irq_window:
	cmpq	%rsi, (%rdi)
	jne	cpu_wait_irq_done
	sti
cpu_wait_irq_hlt:
	hlt
cpu_wait_irq_done:
	cli
	ret
