package io.hvx.devices.virtio;

/**
 * The saved state of one split virtqueue: what the driver configured (size, ring addresses, ready) and
 * where the device stands (next avail entry to take, next used entry to fill, the used index last signalled).
 */
public record QueueState(int size, boolean ready, long descriptors, long driverRing, long deviceRing,
        int nextAvail, int nextUsed, int signalledUsed, boolean broken) {

    /** A queue as it is after reset: nothing configured. */
    public static QueueState initial() {
        return new QueueState(Virtqueue.MAX_SIZE, false, 0, 0, 0, 0, 0, 0, false);
    }
}
