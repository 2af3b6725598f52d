package io.hvx.devices.irq;

/** One interrupt line from a device to an interrupt controller pin. */
public interface IrqLine {

    /** Drives the line: {@code true} asserts it, {@code false} releases it. */
    void set(boolean asserted);

    /** Asserts and releases the line: one edge, for edge-triggered sources. */
    default void pulse() {
        set(true);
        set(false);
    }
}
