package io.hvx.devices.irq;

/** The delivery-mode field shared by the ICR, LVT entries and I/O APIC redirection entries. */
public final class DeliveryMode {

    public static final int FIXED = 0;
    public static final int LOWEST_PRIORITY = 1;
    public static final int SMI = 2;
    public static final int NMI = 4;
    public static final int INIT = 5;
    public static final int STARTUP = 6;
    public static final int EXTINT = 7;

    private DeliveryMode() {
    }
}
