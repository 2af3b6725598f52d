package io.hvx.storage.vhd;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Flyweight over the 512-byte VHD footer (big-endian), stored at the end of every VHD and copied to the start of
 * dynamic and differencing ones.
 *
 * <pre>
 *  0 cookie "conectix"  8 features  12 format version  16 data offset (u64)  24 timestamp (s since 2000-01-01)
 * 28 creator app       32 creator version  36 creator host OS  40 original size  48 current size
 * 56 cylinders (u16)   58 heads (u8)  59 sectors/track (u8)  60 disk type  64 checksum  68 unique id (16)
 * 84 saved state
 * </pre>
 */
public final class VhdFooter {
    public static final int SIZE = 512;
    public static final int FIXED = 2;
    public static final int DYNAMIC = 3;
    public static final int DIFFERENCING = 4;
    /** Seconds between the Unix epoch and 2000-01-01, VHD's epoch. */
    static final long EPOCH_2000 = 946684800L;
    /** The largest CHS geometry a VHD can state: 65535 cylinders, 16 heads, 255 sectors per track. */
    static final long MAX_CHS_SECTORS = 65535L * 16 * 255;

    private final ByteBuffer b;

    public VhdFooter(ByteBuffer buffer) {
        this.b = buffer.order(ByteOrder.BIG_ENDIAN);
    }

    public ByteBuffer buffer() { return b; }
    public boolean cookieOk() { return "conectix".equals(ascii(0, 8)); }
    public long dataOffset() { return b.getLong(16); }
    public int timestamp() { return b.getInt(24); }
    public String creatorApp() { return ascii(28, 4); }
    public long currentSize() { return b.getLong(48); }
    public int cylinders() { return b.getShort(56) & 0xffff; }
    public int heads() { return b.get(58) & 0xff; }
    public int sectorsPerTrack() { return b.get(59) & 0xff; }
    public int diskType() { return b.getInt(60); }
    public int checksum() { return b.getInt(64); }
    public byte[] uniqueId() {
        byte[] id = new byte[16];
        b.get(68, id);
        return id;
    }

    /**
     * The guest size as qemu computes it: images from Virtual PC and qemu's own "qemu" creator are sized by their
     * CHS geometry, those from Hyper-V, disk2vhd, XenServer and qemu's "qem2" by the current-size field.
     */
    public long guestSize() {
        long chs = (long) cylinders() * heads() * sectorsPerTrack();
        String app = creatorApp();
        boolean bySize = switch (app) {
            case "win ", "d2v ", "tap\0", "CTXS", "qem2" -> true;
            default -> false;
        };
        if (bySize || chs >= MAX_CHS_SECTORS || chs == 0) {
            return currentSize();
        }
        return Math.min(chs * SIZE, currentSize());
    }

    /** Sum of all bytes except the checksum field, complemented, as the VHD specification defines it. */
    public int computeChecksum() {
        int sum = 0;
        for (int i = 0; i < SIZE; i++) {
            if (i < 64 || i >= 68) {
                sum += b.get(i) & 0xff;
            }
        }
        return ~sum;
    }

    /** Fills a fresh footer for a disk of sectors*512 bytes with the given CHS geometry. */
    VhdFooter init(int diskType, long size, int[] chs, long dataOffset, byte[] uniqueId) {
        for (int i = 0; i < SIZE; i++) {
            b.put(i, (byte) 0);
        }
        b.put(0, "conectix".getBytes(StandardCharsets.US_ASCII));
        b.putInt(8, 2).putInt(12, 0x00010000).putLong(16, dataOffset)
                .putInt(24, (int) (System.currentTimeMillis() / 1000 - EPOCH_2000));
        b.put(28, "hvx ".getBytes(StandardCharsets.US_ASCII));
        b.putInt(32, 0x00010000);
        b.put(36, "Wi2k".getBytes(StandardCharsets.US_ASCII));
        b.putLong(40, size).putLong(48, size);
        b.putShort(56, (short) chs[0]).put(58, (byte) chs[1]).put(59, (byte) chs[2]);
        b.putInt(60, diskType);
        b.put(68, uniqueId);
        b.putInt(64, computeChecksum());
        return this;
    }

    /**
     * The VHD specification's CHS geometry for a sector count: {cylinders, heads, sectors per track}; their product
     * can be smaller than the sector count, which is why creators round the disk up to it.
     */
    static int[] geometry(long totalSectors) {
        long ts = Math.min(totalSectors, MAX_CHS_SECTORS);
        long spt;
        long heads;
        long cth;
        if (ts >= 65535L * 16 * 63) {
            spt = 255;
            heads = 16;
            cth = ts / spt;
        } else {
            spt = 17;
            cth = ts / spt;
            heads = Math.max((cth + 1023) / 1024, 4);
            if (cth >= heads * 1024 || heads > 16) {
                spt = 31;
                heads = 16;
                cth = ts / spt;
            }
            if (cth >= heads * 1024) {
                spt = 63;
                heads = 16;
                cth = ts / spt;
            }
        }
        return new int[] {(int) (cth / heads), (int) heads, (int) spt};
    }

    /** The smallest CHS-expressible sector count at least as large as the requested one, as qemu rounds it. */
    static long roundUpToGeometry(long sectors) {
        if (sectors >= MAX_CHS_SECTORS) {
            return sectors;
        }
        for (long s = sectors; ; s++) {
            int[] g = geometry(s);
            long chs = (long) g[0] * g[1] * g[2];
            if (chs >= sectors) {
                return chs;
            }
        }
    }

    private String ascii(int at, int len) {
        byte[] a = new byte[len];
        b.get(at, a);
        return new String(a, StandardCharsets.ISO_8859_1);
    }
}
