package io.hvx.cpu.interp;

import io.hvx.cpu.decode.Instruction;

/**
 * Executes the instructions whose effect depends on the machine around the CPU: privilege checks, control
 * registers, descriptor tables, interrupts, ports, CPUID and the time-stamp counter.
 */
public interface Privileged {
    /** Executes the instruction (RIP already points after it); returns an {@link ExecStatus} code. */
    int execute(Instruction i);
}
