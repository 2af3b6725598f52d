package io.hvx.cpu.system;

/** Why a vCPU's run loop returned. */
public sealed interface VcpuExit {
    /** {@link Vcpu#stop()} was called. */
    record Stopped() implements VcpuExit { }

    /** The instruction budget given to {@link Vcpu#run(long)} ran out. */
    record Budget() implements VcpuExit { }

    /** HLT with interrupts disabled: only an NMI or INIT could resume it (Linux does this to halt or panic). */
    record Halted(long rip) implements VcpuExit { }

    /** An exception could not be delivered: a real machine would shut down or reset. */
    record TripleFault(String reason, long rip) implements VcpuExit { }

    /** The guest used something this CPU does not implement (named), at {@code rip}. */
    record Unsupported(String what, long rip) implements VcpuExit { }
}
