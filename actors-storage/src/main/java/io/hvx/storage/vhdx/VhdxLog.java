package io.hvx.storage.vhdx;

import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Finds the active sequence of a VHDX log (a circular buffer of 4 KiB-aligned entries) and turns it into the writes
 * it describes, so an image left by a crash is read as its writer meant it.
 *
 * <pre>
 * entry: 0 "loge"  4 crc32c  8 length  12 tail  16 sequence  24 descriptor count  32 log guid  48 flushed end  56 last end
 * "desc": 4 trailing bytes  8 leading bytes  16 file offset  24 sequence   ("zero": 8 length  16 file offset)
 * "data" sector: 4 sequence high  8..4092 data  4092 sequence low
 * </pre>
 */
final class VhdxLog {
    private static final int SECTOR = 4096;
    /** More replayed bytes than this is not a log a real writer leaves; refuse instead of allocating. */
    private static final long MAX_REPLAY = 64L << 20;

    /** One write the log asks for: data of a page, or zeros when data is null. */
    record Write(long fileOffset, long length, byte[] data) {}

    private VhdxLog() {}

    /** The writes of the active sequence, in order, and the size the file must have afterwards. */
    record Replay(List<Write> writes, long lastFileOffset) {}

    static Replay read(FileChannel ch, long logOffset, long logLength, Guid logGuid, String name) throws IOException {
        if (logLength <= 0 || logLength % (1 << 20) != 0 || logLength > (1L << 32) || logOffset % (1 << 20) != 0
                || logOffset + logLength > ch.size()) {
            throw new ImageFormatException(name + ": VHDX log region is invalid or past the end of the file");
        }
        ByteBuffer log = ByteBuffer.allocate((int) logLength).order(ByteOrder.LITTLE_ENDIAN);
        long at = logOffset;
        while (log.hasRemaining()) {
            if (ch.read(log, at + log.position()) < 0) {
                throw new ImageFormatException(name + ": VHDX log is truncated");
            }
        }
        int head = -1;
        long headSeq = -1;
        for (int p = 0; p < logLength; p += SECTOR) {
            long seq = validEntry(log, p, logGuid);
            if (seq >= 0 && (head < 0 || Long.compareUnsigned(seq, headSeq) > 0)) {
                head = p;
                headSeq = seq;
            }
        }
        if (head < 0) {
            throw new ImageFormatException(name + ": VHDX log needs replay but holds no valid entry");
        }
        int tail = log.getInt(head + 12);
        if (tail < 0 || tail >= logLength || tail % SECTOR != 0) {
            throw new ImageFormatException(name + ": VHDX log tail is invalid");
        }
        List<Integer> chain = new ArrayList<>();
        int p = tail;
        long expect = -1;
        while (true) {
            long seq = validEntry(log, p, logGuid);
            if (seq < 0 || (expect >= 0 && seq != expect) || chain.size() > logLength / SECTOR) {
                throw new ImageFormatException(name + ": VHDX log sequence is broken at offset " + p);
            }
            chain.add(p);
            if (p == head) {
                break;
            }
            expect = seq + 1;
            p = (int) ((p + Integer.toUnsignedLong(log.getInt(p + 8))) % logLength);
        }
        List<Write> writes = new ArrayList<>();
        long total = 0;
        long lastEnd = 0;
        for (int entry : chain) {
            total += entryWrites(log, entry, writes, name);
            if (total > MAX_REPLAY) {
                throw new ImageFormatException(name + ": VHDX log replays more than " + (MAX_REPLAY >> 20) + " MiB");
            }
            lastEnd = Math.max(lastEnd, log.getLong(entry + 56));
        }
        return new Replay(writes, lastEnd);
    }

    /** The entry's sequence number when the entry at p is whole and valid, -1 otherwise. */
    private static long validEntry(ByteBuffer log, int p, Guid logGuid) {
        int cap = log.capacity();
        if (!"loge".equals(ascii(log, p))) {
            return -1;
        }
        long len = Integer.toUnsignedLong(log.getInt(p + 8));
        if (len < SECTOR || len % SECTOR != 0 || len > cap) {
            return -1;
        }
        if (!Guid.read(log, p + 32).equals(logGuid)) {
            return -1;
        }
        long count = Integer.toUnsignedLong(log.getInt(p + 24));
        if (64 + count * 32 > len) {
            return -1;
        }
        CRC32C crc = new CRC32C();
        byte[] sector = new byte[SECTOR];
        for (long off = 0; off < len; off += SECTOR) {
            int at = (int) ((p + off) % cap);
            log.get(at, sector);
            if (off == 0) {
                sector[4] = sector[5] = sector[6] = sector[7] = 0;
            }
            crc.update(sector);
        }
        if ((int) crc.getValue() != log.getInt(p + 4)) {
            return -1;
        }
        return log.getLong(p + 16);
    }

    private static long entryWrites(ByteBuffer log, int p, List<Write> out, String name) throws ImageFormatException {
        int cap = log.capacity();
        long seq = log.getLong(p + 16);
        int count = log.getInt(p + 24);
        long descSectors = (64 + count * 32L + SECTOR - 1) / SECTOR;
        long dataSector = descSectors;
        long bytes = 0;
        for (int i = 0; i < count; i++) {
            int d = (int) ((p + 64 + i * 32L) % cap);
            String sig = ascii(log, d);
            long fileOffset = log.getLong(d + 16);
            if (log.getLong(d + 24) != seq || fileOffset < 0 || fileOffset % SECTOR != 0) {
                throw new ImageFormatException(name + ": VHDX log descriptor " + i + " is invalid");
            }
            if (sig.equals("zero")) {
                long len = log.getLong(d + 8);
                if (len <= 0 || len % SECTOR != 0 || len > MAX_REPLAY) {
                    throw new ImageFormatException(name + ": VHDX log zero descriptor has length " + len);
                }
                out.add(new Write(fileOffset, len, null));
                bytes += len;
            } else if (sig.equals("desc")) {
                int s = (int) ((p + dataSector * SECTOR) % cap);
                dataSector++;
                if (!"data".equals(ascii(log, s)) || Integer.toUnsignedLong(log.getInt(s + 4)) != seq >>> 32
                        || Integer.toUnsignedLong(log.getInt(s + 4092)) != (seq & 0xffffffffL)) {
                    throw new ImageFormatException(name + ": VHDX log data sector for descriptor " + i
                            + " is invalid");
                }
                byte[] page = new byte[SECTOR];
                ByteBuffer pb = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
                pb.putLong(0, log.getLong(d + 8));
                log.get(s + 8, page, 8, 4084);
                pb.putInt(4092, log.getInt(d + 4));
                out.add(new Write(fileOffset, SECTOR, page));
                bytes += SECTOR;
            } else {
                throw new ImageFormatException(name + ": VHDX log descriptor " + i + " has unknown type '" + sig + "'");
            }
        }
        return bytes;
    }

    private static String ascii(ByteBuffer b, int at) {
        byte[] s = new byte[4];
        b.get(at, s);
        return new String(s, StandardCharsets.ISO_8859_1);
    }
}
