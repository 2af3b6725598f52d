package io.hvx.devices.virtio;

import io.hvx.devices.memory.GuestRam;

/**
 * A split ring written by hand into guest RAM the way a driver would (including the ways no real driver
 * would), for tests of the device side's checks.
 */
final class TestRing {
    static final long DESCRIPTORS = 0x10000;
    static final long DRIVER_RING = 0x11000;
    static final long DEVICE_RING = 0x12000;
    static final long BUFFERS = 0x20000;
    static final int SIZE = 8;

    private final GuestRam ram;
    private int availIndex;

    TestRing(GuestRam ram) {
        this.ram = ram;
    }

    /** Configures {@code queue} as the transport would and enables it. */
    Virtqueue install(Virtqueue queue, boolean eventIndex) {
        queue.setSize(SIZE);
        queue.setDescriptors(DESCRIPTORS);
        queue.setDriverRing(DRIVER_RING);
        queue.setDeviceRing(DEVICE_RING);
        if (!queue.enable(eventIndex)) {
            throw new IllegalStateException("the test ring does not fit");
        }
        return queue;
    }

    void descriptor(int index, long address, int length, int flags, int next) {
        descriptorAt(DESCRIPTORS, index, address, length, flags, next);
    }

    /** Writes descriptor {@code index} of a table at {@code table} (the ring's own or an indirect one). */
    void descriptorAt(long table, int index, long address, int length, int flags, int next) {
        long at = table + 16L * index;
        ram.putLong(at, address);
        ram.putInt(at + 8, length);
        ram.putInt(at + 12, (flags & 0xffff) | (next << 16));
    }

    /** Makes chain {@code head} available and publishes the new index. */
    void offer(int head) {
        putShort(DRIVER_RING + 4 + 2L * (availIndex % SIZE), head);
        availIndex = (availIndex + 1) & 0xffff;
        putShort(DRIVER_RING + 2, availIndex);
    }

    /** Publishes an avail index without filling entries (a driver that lies about it). */
    void availIndex(int index) {
        availIndex = index & 0xffff;
        putShort(DRIVER_RING + 2, availIndex);
    }

    void usedEvent(int index) {
        putShort(DRIVER_RING + 4 + 2L * SIZE, index);
    }

    void availFlags(int flags) {
        putShort(DRIVER_RING, flags);
    }

    int usedIndex() {
        return ram.getInt(DEVICE_RING) >>> 16;
    }

    int usedId(int entry) {
        return ram.getInt(DEVICE_RING + 4 + 8L * (entry % SIZE));
    }

    int usedLength(int entry) {
        return ram.getInt(DEVICE_RING + 8 + 8L * (entry % SIZE));
    }

    private void putShort(long address, int value) {
        ram.write(address, new byte[] {(byte) value, (byte) (value >>> 8)});
    }
}
