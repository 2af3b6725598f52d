package io.hvx.devices.bus;

/**
 * What a vCPU asks its local interrupt controller at instruction boundaries.
 *
 * <p>The vCPU thread calls these directly (no actor message per interrupt); implementations are
 * thread-safe because devices and other vCPUs raise interrupts from their own threads.
 */
public interface InterruptSource {

    /** True when a maskable interrupt is pending and deliverable by priority (the vCPU checks IF itself). */
    boolean hasPendingInterrupt();

    /** Accepts the highest-priority pending interrupt and returns its vector, or -1 when none is pending. */
    int acknowledgeInterrupt();

    /** Returns and clears a pending NMI. */
    boolean takeNmi();

    /** Returns and clears a pending INIT. */
    boolean takeInit();

    /** Returns and clears a pending startup IPI's vector, or -1 when none is pending. */
    int takeStartupVector();
}
