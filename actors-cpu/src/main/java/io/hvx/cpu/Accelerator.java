package io.hvx.cpu;

import io.hvx.cpu.memory.GuestFault;

/**
 * The seam between a vCPU loop and whatever executes guest code (the interpreter now; JVM bytecode
 * translation and KVM later): run until the guest needs its environment, faults, or spends its budget.
 */
public interface Accelerator {
    /** Why {@link #run} returned. */
    enum Exit {
        /** The guest executed SYSCALL; RIP points after it, RCX/R11 hold the return RIP and RFLAGS. */
        SYSCALL,
        /** The guest raised an exception; {@link #fault()} says which, RIP points at the faulting instruction. */
        FAULT,
        /** The instruction budget ran out between two instructions. */
        BUDGET
    }

    /** Runs guest code from the current RIP for at most about {@code maxInstructions} instructions. */
    Exit run(long maxInstructions);

    /** The fault behind the last {@link Exit#FAULT}. */
    GuestFault fault();

    /** Instructions completed since creation. */
    long retired();
}
