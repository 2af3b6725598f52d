package io.hvx.devices.bus;

import java.util.concurrent.locks.LockSupport;

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

    /**
     * Parks a halted vCPU's thread until something it should act on may have arrived, or {@code timeoutNanos}
     * pass; with {@code interruptsEnabled} false only NMI, INIT and SIPI matter. Spurious returns are allowed.
     */
    default void awaitEvent(boolean interruptsEnabled, long timeoutNanos) {
        LockSupport.parkNanos(this, timeoutNanos);
    }
}
