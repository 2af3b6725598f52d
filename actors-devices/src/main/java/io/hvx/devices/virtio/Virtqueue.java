package io.hvx.devices.virtio;

import io.hvx.devices.memory.GuestRam;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * One split virtqueue (virtio 1.x, section 2.7) in guest RAM, read and written by the device side.
 *
 * <p>The driver configures it through the transport while it is not ready; afterwards only the thread
 * that processes the queue touches it. Every descriptor the guest wrote is checked (index, RAM range,
 * loops, indirect tables); a chain that breaks the rules makes {@link #pop} answer {@link #MALFORMED},
 * after which the device must enter DEVICE_NEEDS_RESET, and the queue stays broken until reset.
 */
public final class Virtqueue {
    /** The largest queue the transport offers (QueueNumMax). */
    public static final int MAX_SIZE = 256;
    /** {@link #pop} found a request. */
    public static final int TAKEN = 1;
    /** {@link #pop} found nothing new. */
    public static final int EMPTY = 0;
    /** {@link #pop} found a chain that breaks the ring rules. */
    public static final int MALFORMED = -1;

    static final int DESC_F_NEXT = 1;
    static final int DESC_F_WRITE = 2;
    static final int DESC_F_INDIRECT = 4;
    static final int AVAIL_F_NO_INTERRUPT = 1;
    static final int DESCRIPTOR_SIZE = 16;

    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GuestRam guestRam;
    private final MemorySegment ram;
    private final VirtioCounters counters;

    private int size = MAX_SIZE;
    private boolean ready;
    private long descriptors;
    private long driverRing;
    private long deviceRing;
    private long descOffset;
    private long availOffset;
    private long usedOffset;
    private boolean eventIndex;
    private int nextAvail;
    private int nextUsed;
    private int signalledUsed;
    private boolean broken;

    public Virtqueue(GuestRam guestRam, VirtioCounters counters) {
        this.guestRam = guestRam;
        this.ram = guestRam.segment();
        this.counters = counters;
    }

    /** Forgets everything the driver configured (device reset or queue reset). */
    public void reset() {
        size = MAX_SIZE;
        ready = false;
        descriptors = 0;
        driverRing = 0;
        deviceRing = 0;
        eventIndex = false;
        nextAvail = 0;
        nextUsed = 0;
        signalledUsed = 0;
        broken = false;
    }

    /** QueueNum; false (ignored) unless a power of two up to {@link #MAX_SIZE}. */
    boolean setSize(int value) {
        if (value <= 0 || value > MAX_SIZE || Integer.bitCount(value) != 1) {
            return false;
        }
        size = value;
        return true;
    }

    void setDescriptors(long address) {
        descriptors = address;
    }

    void setDriverRing(long address) {
        driverRing = address;
    }

    void setDeviceRing(long address) {
        deviceRing = address;
    }

    /**
     * QueueReady = 1: checks that the three rings lie in RAM with the alignment the spec requires; false
     * leaves the queue not ready (the transport then asks for a reset).
     */
    boolean enable(boolean withEventIndex) {
        long availBytes = 6 + 2L * size;
        long usedBytes = 6 + 8L * size;
        if ((descriptors & 15) != 0 || (driverRing & 1) != 0 || (deviceRing & 3) != 0
                || !guestRam.contains(descriptors, (long) DESCRIPTOR_SIZE * size)
                || !guestRam.contains(driverRing, availBytes) || !guestRam.contains(deviceRing, usedBytes)) {
            return false;
        }
        descOffset = guestRam.offset(descriptors);
        availOffset = guestRam.offset(driverRing);
        usedOffset = guestRam.offset(deviceRing);
        eventIndex = withEventIndex;
        ready = true;
        return true;
    }

    void disable() {
        ready = false;
    }

    /** QueueReady as the driver sees it (a broken queue still reads as ready until reset). */
    boolean enabled() {
        return ready;
    }

    public boolean ready() {
        return ready && !broken;
    }

    public int size() {
        return size;
    }

    /** Negotiated VIRTIO_F_EVENT_IDX, set when the driver finishes feature negotiation. */
    void eventIndex(boolean enabled) {
        eventIndex = enabled;
    }

    /**
     * Takes the next available request into {@code chain}: {@link #TAKEN}, {@link #EMPTY}, or
     * {@link #MALFORMED} (counted; the queue is broken from then on).
     */
    public int pop(DescriptorChain chain) {
        if (!ready || broken) {
            return EMPTY;
        }
        int availIndex = availIndex();
        if (availIndex == nextAvail) {
            if (!eventIndex) {
                return EMPTY;
            }
            // tell the driver which index to notify at, then look again: it may have added one meanwhile
            ram.set(U16, usedOffset + 4 + 8L * size, (short) nextAvail);
            VarHandle.fullFence();
            availIndex = availIndex();
            if (availIndex == nextAvail) {
                return EMPTY;
            }
        }
        if (((availIndex - nextAvail) & 0xffff) > size) {
            counters.increment(VirtioCounter.QUEUE_BAD_AVAIL_INDEX);
            return fail();
        }
        int head = ram.get(U16, availOffset + 4 + 2L * (nextAvail % size)) & 0xffff;
        nextAvail = (nextAvail + 1) & 0xffff;
        if (!walk(head, chain)) {
            counters.increment(VirtioCounter.QUEUE_MALFORMED_CHAINS);
            return fail();
        }
        return TAKEN;
    }

    /**
     * Gives back the last {@code count} requests taken and not yet pushed (a receive that found too little
     * room), so that the next {@link #pop} takes them again.
     */
    public void unpop(int count) {
        nextAvail = (nextAvail - count) & 0xffff;
    }

    /** Returns a finished request to the driver: {@code written} bytes of its writable buffers hold data. */
    public void push(int head, int written) {
        long entry = usedOffset + 4 + 8L * (nextUsed % size);
        ram.set(U32, entry, head);
        ram.set(U32, entry + 4, written);
        nextUsed = (nextUsed + 1) & 0xffff;
        // the entry must be visible before the index that publishes it
        VarHandle.releaseFence();
        ram.set(U16, usedOffset + 2, (short) nextUsed);
    }

    /**
     * True when the driver wants an interrupt for the requests pushed since the last call (its used_event
     * with VIRTIO_F_EVENT_IDX, otherwise the avail ring's NO_INTERRUPT flag).
     */
    public boolean shouldInterrupt() {
        if (nextUsed == signalledUsed) {
            return false;
        }
        VarHandle.fullFence();
        int old = signalledUsed;
        signalledUsed = nextUsed;
        if (eventIndex) {
            int usedEvent = ram.get(U16, availOffset + 4 + 2L * size) & 0xffff;
            return ((nextUsed - usedEvent - 1) & 0xffff) < ((nextUsed - old) & 0xffff);
        }
        return (ram.get(U16, availOffset) & AVAIL_F_NO_INTERRUPT) == 0;
    }

    /** The queue's state, for snapshots and diagnostics. */
    public QueueState state() {
        return new QueueState(size, ready, descriptors, driverRing, deviceRing, nextAvail, nextUsed, signalledUsed,
            broken);
    }

    private int availIndex() {
        int index = ram.get(U16, availOffset + 2) & 0xffff;
        // ring entries are read after the index that published them
        VarHandle.acquireFence();
        return index;
    }

    private int fail() {
        broken = true;
        return MALFORMED;
    }

    private boolean walk(int head, DescriptorChain chain) {
        chain.clear(head);
        long table = descOffset;
        int tableSize = size;
        boolean indirect = false;
        int index = head;
        int seen = 0;
        while (true) {
            if (index >= tableSize || ++seen > tableSize) {
                return false; // out of the table, or more steps than entries: a loop
            }
            long descriptor = table + (long) DESCRIPTOR_SIZE * index;
            long address = ram.get(U64, descriptor);
            int length = ram.get(U32, descriptor + 8);
            int flags = ram.get(U16, descriptor + 12) & 0xffff;
            int next = ram.get(U16, descriptor + 14) & 0xffff;
            if ((flags & DESC_F_INDIRECT) != 0) {
                if (indirect || (flags & DESC_F_NEXT) != 0 || length <= 0 || length % DESCRIPTOR_SIZE != 0
                        || (address & 15) != 0 || !guestRam.contains(address, length)) {
                    return false;
                }
                table = guestRam.offset(address);
                tableSize = length / DESCRIPTOR_SIZE;
                indirect = true;
                index = 0;
                seen = 0;
                continue;
            }
            if (length < 0 || !guestRam.contains(address, length)) {
                return false;
            }
            if (length > 0 && !chain.add(guestRam.offset(address), length, (flags & DESC_F_WRITE) != 0)) {
                return false;
            }
            if ((flags & DESC_F_NEXT) == 0) {
                return true;
            }
            index = next;
        }
    }
}
