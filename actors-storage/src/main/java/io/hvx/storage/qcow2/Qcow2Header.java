package io.hvx.storage.qcow2;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Flyweight over the qcow2 header (big-endian) at file offset 0.
 *
 * <pre>
 *  0 magic "QFI\xfb"        4 version            8 backing_file_offset   16 backing_file_size
 * 20 cluster_bits          24 size              32 crypt_method         36 l1_size
 * 40 l1_table_offset       48 refcount_table_offset                     56 refcount_table_clusters
 * 60 nb_snapshots          64 snapshots_offset  -- version 3 only: --
 * 72 incompatible_features 80 compatible_features 88 autoclear_features 96 refcount_order
 * 100 header_length        104 compression_type (when header_length > 104)
 * </pre>
 */
public final class Qcow2Header {
    public static final int MAGIC = 0x514649fb;
    public static final int V2_LENGTH = 72;
    public static final int V3_LENGTH = 112;
    public static final long INCOMPAT_DIRTY = 1;
    public static final long INCOMPAT_CORRUPT = 2;
    public static final long INCOMPAT_DATA_FILE = 4;
    public static final long INCOMPAT_COMPRESSION = 8;
    public static final long INCOMPAT_EXTL2 = 16;
    public static final int EXT_END = 0;
    public static final int EXT_BACKING_FORMAT = 0xE2792ACA;

    private final ByteBuffer buffer;

    public Qcow2Header(ByteBuffer buffer) {
        this.buffer = buffer.order(ByteOrder.BIG_ENDIAN);
    }

    public ByteBuffer buffer() { return buffer; }
    public int magic() { return buffer.getInt(0); }
    public Qcow2Header magic(int v) { buffer.putInt(0, v); return this; }
    public int version() { return buffer.getInt(4); }
    public Qcow2Header version(int v) { buffer.putInt(4, v); return this; }
    public long backingFileOffset() { return buffer.getLong(8); }
    public Qcow2Header backingFileOffset(long v) { buffer.putLong(8, v); return this; }
    public int backingFileSize() { return buffer.getInt(16); }
    public Qcow2Header backingFileSize(int v) { buffer.putInt(16, v); return this; }
    public int clusterBits() { return buffer.getInt(20); }
    public Qcow2Header clusterBits(int v) { buffer.putInt(20, v); return this; }
    public long size() { return buffer.getLong(24); }
    public Qcow2Header size(long v) { buffer.putLong(24, v); return this; }
    public int cryptMethod() { return buffer.getInt(32); }
    public int l1Size() { return buffer.getInt(36); }
    public Qcow2Header l1Size(int v) { buffer.putInt(36, v); return this; }
    public long l1TableOffset() { return buffer.getLong(40); }
    public Qcow2Header l1TableOffset(long v) { buffer.putLong(40, v); return this; }
    public long refcountTableOffset() { return buffer.getLong(48); }
    public Qcow2Header refcountTableOffset(long v) { buffer.putLong(48, v); return this; }
    public int refcountTableClusters() { return buffer.getInt(56); }
    public Qcow2Header refcountTableClusters(int v) { buffer.putInt(56, v); return this; }
    public int nbSnapshots() { return buffer.getInt(60); }
    public long snapshotsOffset() { return buffer.getLong(64); }
    public long incompatibleFeatures() { return version() >= 3 ? buffer.getLong(72) : 0; }
    public Qcow2Header incompatibleFeatures(long v) { buffer.putLong(72, v); return this; }
    public long compatibleFeatures() { return version() >= 3 ? buffer.getLong(80) : 0; }
    public int refcountOrder() { return version() >= 3 ? buffer.getInt(96) : 4; }
    public Qcow2Header refcountOrder(int v) { buffer.putInt(96, v); return this; }
    public int headerLength() { return version() >= 3 ? buffer.getInt(100) : V2_LENGTH; }
    public Qcow2Header headerLength(int v) { buffer.putInt(100, v); return this; }
    public int compressionType() {
        return version() >= 3 && headerLength() > 104 ? buffer.get(104) & 0xff : 0;
    }
}
