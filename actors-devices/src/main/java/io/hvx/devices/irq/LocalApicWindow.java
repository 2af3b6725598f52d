package io.hvx.devices.irq;

import io.hvx.devices.bus.MmioDevice;

/**
 * The shared xAPIC MMIO page: every vCPU sees its own local APIC at the same address, so the bus
 * window forwards to the APIC its calling vCPU thread has bound with {@link #bind}.
 *
 * <p>A vCPU may instead call its {@link LocalApic} directly for addresses in this page and skip the bus.
 */
public final class LocalApicWindow implements MmioDevice {

    private final ThreadLocal<LocalApic> current = new ThreadLocal<>();

    /** Binds the calling vCPU thread to its APIC; call once when the vCPU thread starts. */
    public void bind(LocalApic apic) {
        current.set(apic);
    }

    @Override
    public long read(long offset, int size) {
        LocalApic apic = current.get();
        return apic == null ? 0 : apic.read(offset, size);
    }

    @Override
    public void write(long offset, int size, long value) {
        LocalApic apic = current.get();
        if (apic != null) {
            apic.write(offset, size, value);
        }
    }
}
