package io.hvx.cpu.system;

/** Where a vCPU forwards writes of IA32_TSC_DEADLINE: its local APIC's timer (the machine model implements it). */
public interface TscDeadline {
    /** No local APIC timer: writes are kept but never fire. */
    TscDeadline NONE = (tsc, nanoTime) -> { };

    /**
     * The guest wrote {@code tsc} (0 disarms); {@code nanoTime} is the {@link System#nanoTime()} at which this
     * vCPU's TSC reaches it. The APIC decides whether its timer is in TSC-deadline mode.
     */
    void arm(long tsc, long nanoTime);
}
