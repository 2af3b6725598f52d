package io.hvx.devices.virtio;

/** What a device tells its transport: finished requests, broken queues, changed configuration. Any thread. */
public interface VirtioSignals {

    /** Requests were pushed on {@code queue}; interrupts the driver when the queue asks for it. */
    void usedBuffers(Virtqueue queue);

    /** The device cannot go on (a malformed ring): sets DEVICE_NEEDS_RESET and tells the driver. */
    void needsReset();

    /** The configuration space changed (link status, capacity). */
    void configChanged();

    /** The device's counters. */
    VirtioCounters counters();
}
