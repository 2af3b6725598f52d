package io.hvx.storage.fuzz;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.zip.CRC32C;
import java.util.zip.GZIPInputStream;

/**
 * Turns a fuzzer's bytes into a VHDX image: patches to a valid image with a pending log, aimed at one structure
 * each, with the checksums recomputed afterwards unless the input asks to leave them broken.
 *
 * <pre>
 * input: flags (1 byte), then patches: area (1 byte), offset in the area (3 bytes, little-endian, taken modulo the
 * area's length), n (1 byte), n bytes. Area 8 is no patch but a truncation to offset * 4 KiB.
 * flags: 1 leave header CRCs, 2 leave region table CRCs, 4 leave log entry CRCs, 8 also open writable.
 * </pre>
 */
final class VhdxPatcher {
    static final int WRITABLE = 8;
    private static final int KIB64 = 64 << 10;
    private static final int SECTOR = 4096;
    private static final byte[] BASE = load();
    /** Where the base image keeps its log, BAT and metadata regions (read from its header and region table). */
    private static final long LOG = 0x100000;
    private static final int LOG_LENGTH = 1 << 20;
    private static final long BAT = 0x200000;
    private static final long METADATA = 0x300000;
    /** Area start and length, indexed by the patch's area byte. */
    private static final long[][] AREAS = {
        {KIB64, SECTOR}, {2L * KIB64, SECTOR}, {3L * KIB64, KIB64}, {4L * KIB64, KIB64},
        {LOG, LOG_LENGTH}, {METADATA, 2L * KIB64}, {BAT, SECTOR}, {0, BASE.length}};

    private VhdxPatcher() {}

    /** The base image with data's patches applied and, unless data says otherwise, its checksums fixed. */
    static byte[] apply(byte[] data) {
        byte[] img = BASE.clone();
        int length = img.length;
        int flags = data.length > 0 ? data[0] : 0;
        int i = 1;
        while (i + 5 <= data.length) {
            int area = (data[i] & 0xff) % (AREAS.length + 1);
            long offset = (data[i + 1] & 0xff) | (data[i + 2] & 0xff) << 8 | (data[i + 3] & 0xff) << 16;
            int n = Math.min(data[i + 4] & 0xff, data.length - i - 5);
            i += 5;
            if (area == AREAS.length) {
                length = (int) Math.min(length, offset % (BASE.length / SECTOR + 1) * SECTOR);
                continue;
            }
            long start = AREAS[area][0];
            long size = AREAS[area][1];
            for (int k = 0; k < n; k++) {
                img[(int) (start + (offset + k) % size)] = data[i + k];
            }
            i += n;
        }
        ByteBuffer b = ByteBuffer.wrap(img).order(ByteOrder.LITTLE_ENDIAN);
        if ((flags & 1) == 0) {
            fixCrc(b, KIB64, SECTOR);
            fixCrc(b, 2 * KIB64, SECTOR);
        }
        if ((flags & 2) == 0) {
            fixCrc(b, 3 * KIB64, KIB64);
            fixCrc(b, 4 * KIB64, KIB64);
        }
        if ((flags & 4) == 0) {
            fixLogEntries(b);
        }
        return length == img.length ? img : Arrays.copyOf(img, length);
    }

    /** CRC-32C of len bytes at at, with the checksum field (bytes 4-7) counted as zero, stored in that field. */
    private static void fixCrc(ByteBuffer b, int at, int len) {
        b.putInt(at + 4, 0);
        CRC32C c = new CRC32C();
        c.update(b.array(), at, len);
        b.putInt(at + 4, (int) c.getValue());
    }

    /** Recomputes the checksum of every entry in the log ("loge" at a sector start) whose length is plausible. */
    private static void fixLogEntries(ByteBuffer b) {
        byte[] sector = new byte[SECTOR];
        for (int p = 0; p < LOG_LENGTH; p += SECTOR) {
            int at = (int) LOG + p;
            long len = Integer.toUnsignedLong(b.getInt(at + 8));
            if (b.getInt(at) != 0x65676f6c || len < SECTOR || len % SECTOR != 0 || len > LOG_LENGTH) {
                continue;
            }
            b.putInt(at + 4, 0);
            CRC32C c = new CRC32C();
            // An entry may wrap around the end of the circular log, as the reader allows.
            for (long off = 0; off < len; off += SECTOR) {
                b.get((int) (LOG + (p + off) % LOG_LENGTH), sector);
                c.update(sector);
            }
            b.putInt(at + 4, (int) c.getValue());
        }
    }

    private static byte[] load() {
        try (InputStream in = VhdxPatcher.class.getResourceAsStream("vhdx-crashed.vhdx.gz")) {
            if (in == null) {
                throw new IllegalStateException("test resource vhdx-crashed.vhdx.gz is missing");
            }
            return new GZIPInputStream(in).readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
