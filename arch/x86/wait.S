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

/*
 * void cpu_wait_kick_mwait(const volatile uint64_t *seq, uint64_t seen,
 *                          uint32_t hint)
 *
 * The same as cpu_wait_kick, in MWAIT with the given C-state hint: a
 * parked CPU's lowest-power wait (kernel/rendezvous.c, cpu_park_until).
 * MONITOR arms on the sequence's line first, so a kick's increment after
 * it ends the MWAIT by itself; an NMI in the window moves RIP to
 * cpu_wait_mwait_done as above. Interrupts stay off (ECX = 0: they do not
 * end the wait); NMIs always do.
 */
	.globl cpu_wait_kick_mwait, cpu_wait_mwait_window, cpu_wait_mwait_insn, cpu_wait_mwait_done
cpu_wait_kick_mwait:
	movl	%edx, %r8d
	movq	%rdi, %rax
	xorl	%ecx, %ecx
	xorl	%edx, %edx
	monitor
cpu_wait_mwait_window:
	cmpq	%rsi, (%rdi)
	jne	cpu_wait_mwait_done
	movl	%r8d, %eax
	xorl	%ecx, %ecx
cpu_wait_mwait_insn:
	mwait
cpu_wait_mwait_done:
	ret
