package io.hvx.devices.virtio;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * One request taken from a virtqueue: its head index and its buffers as offsets into the guest RAM
 * segment, device-readable ones first, then device-writable ones. Reused for every request (no allocation);
 * the payload is addressed as two byte streams, "readable" and "writable", across the buffers.
 */
public final class DescriptorChain {
    /** Most buffers one request may have (direct plus indirect); longer chains are malformed. */
    public static final int MAX_BUFFERS = 512;

    private final MemorySegment ram;
    private final long[] offsets = new long[MAX_BUFFERS];
    private final int[] lengths = new int[MAX_BUFFERS];
    private int head;
    private int count;
    private int readableCount;
    private long readableBytes;
    private long writableBytes;

    public DescriptorChain(MemorySegment ram) {
        this.ram = ram;
    }

    void clear(int head) {
        this.head = head;
        count = 0;
        readableCount = 0;
        readableBytes = 0;
        writableBytes = 0;
    }

    /** Adds one buffer; false when the chain is full or a readable buffer follows a writable one. */
    boolean add(long offset, int length, boolean writable) {
        if (count == MAX_BUFFERS || (!writable && readableCount != count)) {
            return false;
        }
        offsets[count] = offset;
        lengths[count] = length;
        count++;
        if (writable) {
            writableBytes += length;
        } else {
            readableCount++;
            readableBytes += length;
        }
        return true;
    }

    /** The head descriptor's index: what the used ring reports back. */
    public int head() {
        return head;
    }

    public int buffers() {
        return count;
    }

    public int readableBuffers() {
        return readableCount;
    }

    public long readableBytes() {
        return readableBytes;
    }

    public long writableBytes() {
        return writableBytes;
    }

    /** Offset in the RAM segment of buffer {@code index} (readable buffers come first). */
    public long offset(int index) {
        return offsets[index];
    }

    public int length(int index) {
        return lengths[index];
    }

    public boolean writable(int index) {
        return index >= readableCount;
    }

    /** Copies {@code length} bytes of the readable stream from {@code position} into {@code target}; returns bytes copied. */
    public int readInto(long position, MemorySegment target, long targetOffset, int length) {
        return copy(0, readableCount, position, target, targetOffset, length, false);
    }

    /** Copies {@code length} bytes from {@code source} into the writable stream at {@code position}; returns bytes copied. */
    public int writeFrom(long position, MemorySegment source, long sourceOffset, int length) {
        return copy(readableCount, count, position, source, sourceOffset, length, true);
    }

    /** The little-endian value of {@code size} (1..8) readable bytes at {@code position}; the caller checked the length. */
    public long readLittleEndian(long position, int size) {
        long value = 0;
        for (int i = 0; i < size; i++) {
            value |= (readByte(position + i) & 0xffL) << (8 * i);
        }
        return value;
    }

    /** Writes one byte of the writable stream; false when {@code position} is past its end. */
    public boolean writeByte(long position, byte value) {
        long at = position;
        for (int i = readableCount; i < count; i++) {
            if (at < lengths[i]) {
                ram.set(ValueLayout.JAVA_BYTE, offsets[i] + at, value);
                return true;
            }
            at -= lengths[i];
        }
        return false;
    }

    private byte readByte(long position) {
        long at = position;
        for (int i = 0; i < readableCount; i++) {
            if (at < lengths[i]) {
                return ram.get(ValueLayout.JAVA_BYTE, offsets[i] + at);
            }
            at -= lengths[i];
        }
        return 0;
    }

    private int copy(int first, int end, long position, MemorySegment other, long otherOffset, int length,
            boolean toGuest) {
        long skip = position;
        int done = 0;
        for (int i = first; i < end && done < length; i++) {
            int bufferLength = lengths[i];
            if (skip >= bufferLength) {
                skip -= bufferLength;
                continue;
            }
            int n = (int) Math.min(bufferLength - skip, length - done);
            if (toGuest) {
                MemorySegment.copy(other, otherOffset + done, ram, offsets[i] + skip, n);
            } else {
                MemorySegment.copy(ram, offsets[i] + skip, other, otherOffset + done, n);
            }
            done += n;
            skip = 0;
        }
        return done;
    }
}
