package io.hvx.devices.virtio;

/**
 * The device half of a virtio device (its queues' meaning and its configuration space), independent of the
 * transport that exposes it to the guest.
 *
 * <p>The transport calls {@link #activate}, {@link #reset}, {@link #queueNotified} and the configuration
 * methods on the vCPU thread, serialised by its own lock; a device that processes queues on a thread of its
 * own must hold that thread off its queues while {@link #reset} runs.
 */
public interface VirtioDevice extends AutoCloseable {

    /** The virtio device ID (1 net, 2 block, 3 console, 4 entropy). */
    int deviceId();

    /** Device-specific feature bits; the transport adds VERSION_1, INDIRECT_DESC and EVENT_IDX. */
    long features();

    /** How many virtqueues the device has. */
    int queueCount();

    /** The device configuration space the driver reads. */
    ConfigSpace config();

    /** A driver write to configuration space; most devices have nothing writable. */
    default void writeConfig(int offset, int value) {
    }

    /** Features the driver accepted (FEATURES_OK); false refuses them. */
    default boolean acceptFeatures(long driverFeatures) {
        return true;
    }

    /** DRIVER_OK: the queues are set up; the device may use them from now on. */
    void activate(Virtqueue[] queues, VirtioSignals signals);

    /** Device reset: stop using the queues (the transport resets them afterwards). */
    void reset();

    /** The driver notified queue {@code queue} (which is ready); called on the vCPU thread, must not block. */
    void queueNotified(int queue);

    /** The device's counters, shared with its transport. */
    VirtioCounters counters();

    /** Stops the device's threads and releases its backend. */
    @Override
    void close();
}
