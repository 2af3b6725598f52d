package io.hvx.storage.vmdk;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Flyweight over a VMDK sparse extent header (little-endian, one 512-byte sector).
 *
 * <pre>
 *  0 magic "KDMV"   4 version   8 flags   12 capacity (sectors)   20 grainSize (sectors)
 * 28 descriptorOffset   36 descriptorSize   44 numGTEsPerGT   48 rgdOffset   56 gdOffset
 * 64 overHead   72 uncleanShutdown   73..76 newline test chars "\n \r\n"   77 compressAlgorithm (u16)
 * </pre>
 */
public final class SparseHeader {
    public static final int MAGIC = 0x564d444b;
    public static final int SECTOR = 512;
    public static final long GD_AT_END = -1L;
    public static final int FLAG_NEWLINE_TEST = 1;
    public static final int FLAG_REDUNDANT_GT = 2;
    public static final int FLAG_ZERO_GTE = 4;
    public static final int FLAG_COMPRESSED = 1 << 16;
    public static final int FLAG_MARKERS = 1 << 17;
    public static final int COMPRESS_DEFLATE = 1;

    private final ByteBuffer buffer;

    public SparseHeader(ByteBuffer buffer) {
        this.buffer = buffer.order(ByteOrder.LITTLE_ENDIAN);
    }

    public ByteBuffer buffer() { return buffer; }
    public int magic() { return buffer.getInt(0); }
    public int version() { return buffer.getInt(4); }
    public int flags() { return buffer.getInt(8); }
    public long capacity() { return buffer.getLong(12); }
    public long grainSize() { return buffer.getLong(20); }
    public long descriptorOffset() { return buffer.getLong(28); }
    public long descriptorSize() { return buffer.getLong(36); }
    public int numGTEsPerGT() { return buffer.getInt(44); }
    public long rgdOffset() { return buffer.getLong(48); }
    public long gdOffset() { return buffer.getLong(56); }
    public long overHead() { return buffer.getLong(64); }
    public int compressAlgorithm() { return buffer.getShort(77) & 0xffff; }

    /** Fills a header for a new extent; the newline bytes let readers detect text-mode corruption. */
    public SparseHeader init(int version, int flags, long capacity, long grainSize, long descriptorOffset,
            long descriptorSize, int gtes, long gdOffset, long overHead, int compress) {
        buffer.putInt(0, MAGIC).putInt(4, version).putInt(8, flags).putLong(12, capacity).putLong(20, grainSize)
                .putLong(28, descriptorOffset).putLong(36, descriptorSize).putInt(44, gtes).putLong(48, 0)
                .putLong(56, gdOffset).putLong(64, overHead).put(72, (byte) 0).put(73, (byte) '\n')
                .put(74, (byte) ' ').put(75, (byte) '\r').put(76, (byte) '\n').putShort(77, (short) compress);
        return this;
    }
}
