package io.hvx.storage.vhdx;

import static io.hvx.storage.image.FileIo.alignUp;
import static io.hvx.storage.image.FileIo.writeFully;
import io.hvx.storage.image.FileIo;

import io.hvx.storage.image.ImageChannels;
import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.Discards;
import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * A VHDX disk (Hyper-V), fixed or dynamic, read and written. All fields are little-endian; headers, region tables
 * and log entries carry CRC-32C checksums. A log left by a crashed writer is replayed on open: into the file when it
 * is opened for writing, into memory when read-only, so an input is never written.
 *
 * <pre>
 * 0      "vhdxfile" + creator          64 KiB header 1      128 KiB header 2 ("head", crc, sequence, guids, log)
 * 192 KiB region table 1 ("regi")      256 KiB region table 2    regions: BAT, metadata (+ log at the header's offset)
 * BAT entry (u64): state in bits 0-2 (6 = fully present), file offset in MiB in bits 20-63; one sector-bitmap
 * entry follows every chunk_ratio = 2^23 * logical_sector / block_size payload entries.
 * </pre>
 */
public final class VhdxImage implements BlockDevice, io.hvx.storage.image.Checkable {
    private static final int KIB64 = 64 << 10;
    private static final long MIB = 1 << 20;
    private static final long MAX_SIZE = 64L << 40;
    private static final int PAYLOAD_FULLY_PRESENT = 6;
    private static final int PAYLOAD_PARTIALLY_PRESENT = 7;
    private static final int DEFAULT_BLOCK = 32 << 20;
    private static final int LOG_LENGTH = 1 << 20;

    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    private final long size;
    private final int blockSize;
    private final int logicalSector;
    private final long chunkRatio;
    private final long[] bat;
    private final long batOffset;
    private final ByteBuffer header;
    private final int headerSlot;
    /** Pages the log replayed while the file is read-only; empty for every clean image. */
    private final TreeMap<Long, byte[]> overlay = new TreeMap<>();
    private long fileEnd;
    private boolean sessionStarted;

    private VhdxImage(Path path, FileChannel channel, boolean readOnly) throws IOException {
        this.path = path;
        this.channel = channel;
        this.readOnly = readOnly;
        long fileSize = channel.size();
        if (fileSize < 320 * 1024) {
            throw new ImageFormatException(path + ": file is truncated (" + fileSize + " bytes), no VHDX headers");
        }
        ByteBuffer id = buffer(8);
        readRaw(id, 0);
        if (!"vhdxfile".equals(new String(id.array(), StandardCharsets.ISO_8859_1))) {
            throw new ImageFormatException(path + ": not a VHDX image (no 'vhdxfile' signature)");
        }
        ByteBuffer h1 = buffer(4096);
        ByteBuffer h2 = buffer(4096);
        readRaw(h1, KIB64);
        readRaw(h2, 2 * KIB64);
        boolean ok1 = validHeader(h1);
        boolean ok2 = validHeader(h2);
        if (!ok1 && !ok2) {
            throw new ImageFormatException(path + ": both VHDX headers are corrupt");
        }
        headerSlot = ok1 && (!ok2 || Long.compareUnsigned(h1.getLong(8), h2.getLong(8)) > 0) ? 1 : 2;
        header = headerSlot == 1 ? h1 : h2;
        if ((header.getShort(66) & 0xffff) != 1) {
            throw new ImageFormatException(path + ": unsupported VHDX version " + (header.getShort(66) & 0xffff));
        }
        Guid logGuid = Guid.read(header, 48);
        if (!logGuid.isZero()) {
            replay(VhdxLog.read(channel, header.getLong(72), Integer.toUnsignedLong(header.getInt(68)), logGuid,
                    path.toString()));
        }
        ByteBuffer regions = buffer(KIB64);
        readFile(regions, 3 * KIB64);
        if (!validRegionTable(regions)) {
            readFile(regions.clear(), 4 * KIB64);
            if (!validRegionTable(regions)) {
                throw new ImageFormatException(path + ": both VHDX region tables are corrupt");
            }
        }
        long batOff = -1;
        long batLen = 0;
        long metaOff = -1;
        long metaLen = 0;
        int count = regions.getInt(8);
        if (count < 0 || count > 2047) {
            throw new ImageFormatException(path + ": VHDX region table has " + count + " entries");
        }
        for (int i = 0; i < count; i++) {
            int at = 16 + i * 32;
            Guid g = Guid.read(regions, at);
            long off = regions.getLong(at + 16);
            long len = Integer.toUnsignedLong(regions.getInt(at + 24));
            boolean required = (regions.getInt(at + 28) & 1) != 0;
            if (off % MIB != 0 || len % MIB != 0 || off < MIB || off + len > fileSize + MIB) {
                throw new ImageFormatException(path + ": VHDX region at 0x" + Long.toHexString(off)
                        + " is misaligned or past the end of the file");
            }
            if (g.equals(Guid.BAT_REGION)) {
                batOff = off;
                batLen = len;
            } else if (g.equals(Guid.METADATA_REGION)) {
                metaOff = off;
                metaLen = len;
            } else if (required) {
                throw new ImageFormatException(path + ": VHDX has an unknown required region");
            }
        }
        if (batOff < 0 || metaOff < 0) {
            throw new ImageFormatException(path + ": VHDX lacks its " + (batOff < 0 ? "BAT" : "metadata") + " region");
        }
        Map<Guid, ByteBuffer> meta = metadata(metaOff, metaLen);
        ByteBuffer params = item(meta, Guid.FILE_PARAMETERS, 8);
        long bs = Integer.toUnsignedLong(params.getInt(0));
        if (bs < MIB || bs > 256 * MIB || Long.bitCount(bs) != 1) {
            throw new ImageFormatException(path + ": invalid VHDX block size " + bs);
        }
        if ((params.getInt(4) & 2) != 0) {
            throw new ImageFormatException(path + ": differencing VHDX images are not supported");
        }
        blockSize = (int) bs;
        size = item(meta, Guid.VIRTUAL_DISK_SIZE, 8).getLong(0);
        logicalSector = item(meta, Guid.LOGICAL_SECTOR_SIZE, 4).getInt(0);
        if (logicalSector != 512 && logicalSector != 4096) {
            throw new ImageFormatException(path + ": invalid VHDX logical sector size " + logicalSector);
        }
        if (size <= 0 || size > MAX_SIZE || size % logicalSector != 0) {
            throw new ImageFormatException(path + ": absurd VHDX virtual size " + Long.toUnsignedString(size));
        }
        chunkRatio = (1L << 23) * logicalSector / blockSize;
        long blocks = (size + blockSize - 1) / blockSize;
        long entries = blocks + (blocks - 1) / chunkRatio;
        if (entries * 8 > batLen || entries > (1 << 26)) {
            throw new ImageFormatException(path + ": VHDX BAT region is too small for " + size + " bytes");
        }
        batOffset = batOff;
        ByteBuffer b = buffer((int) entries * 8);
        readFile(b, batOff);
        bat = new long[(int) entries];
        b.flip().asLongBuffer().get(bat);
        long end = Math.max(alignUp(fileSize, MIB), Math.max(batOff + batLen, metaOff + metaLen));
        for (long e : bat) {
            if ((e & 7) == PAYLOAD_FULLY_PRESENT || (e & 7) == PAYLOAD_PARTIALLY_PRESENT) {
                end = Math.max(end, (e >>> 20) * MIB + blockSize);
            }
        }
        fileEnd = end;
    }

    public static VhdxImage open(Path path, boolean readOnly) throws IOException {
        return ImageChannels.open(path, readOnly, ch -> new VhdxImage(path, ch, readOnly));
    }

    /** Creates a dynamic or fixed VHDX with 512-byte logical sectors, 4 KiB physical ones and 32 MiB blocks. */
    public static VhdxImage create(Path path, long requested, boolean fixed) throws IOException {
        long size = alignUp(requested, 512);
        if (size <= 0 || size > MAX_SIZE) {
            throw new ImageFormatException("VHDX size " + requested + " is out of range (1 byte to 64 TiB)");
        }
        long blocks = (size + DEFAULT_BLOCK - 1) / DEFAULT_BLOCK;
        long ratio = (1L << 23) * 512 / DEFAULT_BLOCK;
        long entries = blocks + (blocks - 1) / ratio;
        long logOff = MIB;
        long metaOff = 2 * MIB;
        long batOff = 3 * MIB;
        long batLen = alignUp(entries * 8, MIB);
        long dataOff = batOff + batLen;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW)) {
            ByteBuffer ident = buffer(KIB64);
            ident.put(0, "vhdxfile".getBytes(StandardCharsets.US_ASCII));
            ident.put(8, "hvx".getBytes(StandardCharsets.UTF_16LE));
            writeFully(ch, ident, 0);
            Guid fileWrite = Guid.random();
            Guid dataWrite = Guid.random();
            for (int slot = 1; slot <= 2; slot++) {
                ByteBuffer h = buffer(4096);
                h.put(0, "head".getBytes(StandardCharsets.US_ASCII));
                h.putLong(8, slot);
                fileWrite.write(h, 16);
                dataWrite.write(h, 32);
                h.putShort(64, (short) 0).putShort(66, (short) 1).putInt(68, LOG_LENGTH).putLong(72, logOff);
                h.putInt(4, crc(h));
                writeFully(ch, h, slot * (long) KIB64);
            }
            ByteBuffer rt = buffer(KIB64);
            rt.put(0, "regi".getBytes(StandardCharsets.US_ASCII)).putInt(8, 2);
            Guid.BAT_REGION.write(rt, 16);
            rt.putLong(32, batOff).putInt(40, (int) batLen).putInt(44, 1);
            Guid.METADATA_REGION.write(rt, 48);
            rt.putLong(64, metaOff).putInt(72, (int) MIB).putInt(76, 1);
            rt.putInt(4, crc(rt));
            writeFully(ch, rt.duplicate(), 3L * KIB64);
            writeFully(ch, rt.duplicate(), 4L * KIB64);
            writeFully(ch, buffer(LOG_LENGTH), logOff);
            ByteBuffer m = buffer((int) MIB);
            m.put(0, "metadata".getBytes(StandardCharsets.US_ASCII)).putShort(10, (short) 5);
            Object[][] items = {
                {Guid.FILE_PARAMETERS, 8, 4, 0}, {Guid.VIRTUAL_DISK_SIZE, 8, 6, 8}, {Guid.VIRTUAL_DISK_ID, 16, 6, 16},
                {Guid.LOGICAL_SECTOR_SIZE, 4, 6, 32}, {Guid.PHYSICAL_SECTOR_SIZE, 4, 6, 36}};
            for (int i = 0; i < items.length; i++) {
                int at = 32 + i * 32;
                ((Guid) items[i][0]).write(m, at);
                m.putInt(at + 16, KIB64 + (int) items[i][3]).putInt(at + 20, (int) items[i][1])
                        .putInt(at + 24, (int) items[i][2]);
            }
            m.putInt(KIB64, DEFAULT_BLOCK).putInt(KIB64 + 4, fixed ? 1 : 0).putLong(KIB64 + 8, size);
            Guid.random().write(m, KIB64 + 16);
            m.putInt(KIB64 + 32, 512).putInt(KIB64 + 36, 4096);
            writeFully(ch, m, metaOff);
            ByteBuffer b = buffer((int) batLen);
            long next = dataOff;
            for (long blk = 0; blk < blocks && fixed; blk++) {
                b.putLong((int) ((blk + blk / ratio) * 8), (next >>> 20 << 20) | PAYLOAD_FULLY_PRESENT);
                next += DEFAULT_BLOCK;
            }
            writeFully(ch, b, batOff);
            if (fixed) {
                writeFully(ch, buffer(1), next - 1);
            }
        }
        return open(path, false);
    }

    private static ByteBuffer buffer(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }

    private static int crc(ByteBuffer b) {
        CRC32C c = new CRC32C();
        byte[] copy = b.array().clone();
        copy[4] = copy[5] = copy[6] = copy[7] = 0;
        c.update(copy, 0, b.capacity());
        return (int) c.getValue();
    }

    private static boolean validHeader(ByteBuffer h) {
        return "head".equals(new String(h.array(), 0, 4, StandardCharsets.ISO_8859_1)) && crc(h) == h.getInt(4);
    }

    private static boolean validRegionTable(ByteBuffer r) {
        return "regi".equals(new String(r.array(), 0, 4, StandardCharsets.ISO_8859_1)) && crc(r) == r.getInt(4);
    }

    private Map<Guid, ByteBuffer> metadata(long off, long len) throws IOException {
        ByteBuffer t = buffer(KIB64);
        readFile(t, off);
        if (!"metadata".equals(new String(t.array(), 0, 8, StandardCharsets.ISO_8859_1))) {
            throw new ImageFormatException(path + ": VHDX metadata table is corrupt (no 'metadata' signature)");
        }
        int count = t.getShort(10) & 0xffff;
        if (count > 2047) {
            throw new ImageFormatException(path + ": VHDX metadata table has " + count + " entries");
        }
        Map<Guid, ByteBuffer> items = new java.util.HashMap<>();
        for (int i = 0; i < count; i++) {
            int at = 32 + i * 32;
            Guid g = Guid.read(t, at);
            long itemOff = Integer.toUnsignedLong(t.getInt(at + 16));
            long itemLen = Integer.toUnsignedLong(t.getInt(at + 20));
            int flags = t.getInt(at + 24);
            if (itemLen > KIB64 || itemOff + itemLen > len || (itemLen > 0 && itemOff < KIB64)) {
                throw new ImageFormatException(path + ": VHDX metadata item " + i + " is out of range");
            }
            boolean known = g.equals(Guid.FILE_PARAMETERS) || g.equals(Guid.VIRTUAL_DISK_SIZE)
                    || g.equals(Guid.VIRTUAL_DISK_ID) || g.equals(Guid.LOGICAL_SECTOR_SIZE)
                    || g.equals(Guid.PHYSICAL_SECTOR_SIZE) || g.equals(Guid.PARENT_LOCATOR);
            if (!known && (flags & 4) != 0) {
                throw new ImageFormatException(path + ": VHDX has an unknown required metadata item");
            }
            ByteBuffer v = buffer((int) itemLen);
            readFile(v, off + itemOff);
            items.put(g, v);
        }
        return items;
    }

    private ByteBuffer item(Map<Guid, ByteBuffer> meta, Guid g, int minLength) throws ImageFormatException {
        ByteBuffer b = meta.get(g);
        if (b == null || b.capacity() < minLength) {
            throw new ImageFormatException(path + ": VHDX metadata lacks a required item");
        }
        return b;
    }

    private void replay(VhdxLog.Replay r) throws IOException {
        if (readOnly) {
            for (VhdxLog.Write w : r.writes()) {
                for (long p = 0; p < w.length(); p += 4096) {
                    overlay.put(w.fileOffset() + p, w.data() == null ? new byte[4096] : w.data());
                }
            }
            return;
        }
        for (VhdxLog.Write w : r.writes()) {
            if (w.data() != null) {
                writeFully(channel, ByteBuffer.wrap(w.data()), w.fileOffset());
            } else {
                for (long p = 0; p < w.length(); p += MIB) {
                    writeFully(channel, ByteBuffer.allocate((int) Math.min(MIB, w.length() - p)), w.fileOffset() + p);
                }
            }
        }
        if (channel.size() < r.lastFileOffset()) {
            writeFully(channel, ByteBuffer.allocate(1), r.lastFileOffset() - 1);
        }
        channel.force(false);
        // The log is applied: a new header without a log GUID says so.
        ByteBuffer h = header;
        h.putLong(8, h.getLong(8) + 1);
        Guid.ZERO.write(h, 48);
        h.putInt(4, crc(h));
        writeFully(channel, h.duplicate().clear(), (headerSlot == 1 ? 2L : 1L) * KIB64);
        channel.force(false);
    }

    @Override
    public long size() {
        return size;
    }

    private long entry(long block) {
        return bat[(int) (block + block / chunkRatio)];
    }

    @Override
    public synchronized void read(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        while (buffer.hasRemaining()) {
            int in = (int) (offset % blockSize);
            int n = Math.min(buffer.remaining(), blockSize - in);
            long e = entry(offset / blockSize);
            int lim = buffer.limit();
            buffer.limit(buffer.position() + n);
            if ((e & 7) == PAYLOAD_FULLY_PRESENT) {
                long at = (e >>> 20) * MIB + in;
                if (at >= channel.size() + MIB) {
                    throw new ImageFormatException(path + ": VHDX block at 0x" + Long.toHexString(at - in)
                            + " is past the end of the file");
                }
                readFile(buffer, at);
            } else if ((e & 7) == PAYLOAD_PARTIALLY_PRESENT) {
                throw new ImageFormatException(path + ": VHDX block is partially present, which needs a parent");
            } else {
                while (buffer.hasRemaining()) {
                    buffer.put((byte) 0);
                }
            }
            buffer.limit(lim);
            offset += n;
        }
    }

    @Override
    public synchronized Extent extentAt(long offset) {
        boolean zero = (entry(offset / blockSize) & 7) != PAYLOAD_FULLY_PRESENT;
        long pos = offset;
        while (pos < size && ((entry(pos / blockSize) & 7) != PAYLOAD_FULLY_PRESENT) == zero) {
            pos += blockSize - pos % blockSize;
        }
        return new Extent(Math.min(pos, size) - offset, zero);
    }

    @Override
    public synchronized void write(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkWrite(this, path, offset, buffer.remaining());
        startSession();
        while (buffer.hasRemaining()) {
            int in = (int) (offset % blockSize);
            int n = Math.min(buffer.remaining(), blockSize - in);
            long block = offset / blockSize;
            long e = entry(block);
            if ((e & 7) != PAYLOAD_FULLY_PRESENT) {
                e = allocate(block);
            }
            int lim = buffer.limit();
            buffer.limit(buffer.position() + n);
            writeFully(channel, buffer, (e >>> 20) * MIB + in);
            buffer.limit(lim);
            offset += n;
        }
    }

    /** Appends a zero block (a hole until written) at the next MiB boundary and points the BAT at it. */
    private long allocate(long block) throws IOException {
        long at = fileEnd;
        fileEnd += blockSize;
        writeFully(channel, ByteBuffer.allocate(1), fileEnd - 1);
        long e = (at >>> 20 << 20) | PAYLOAD_FULLY_PRESENT;
        int index = (int) (block + block / chunkRatio);
        bat[index] = e;
        // The BAT entry goes straight to its place, after the block exists: a crash leaves at worst an unused block.
        writeFully(channel, buffer(8).putLong(0, e), batOffset + index * 8L);
        return e;
    }

    /** The first write of a session gives the headers fresh write GUIDs, as the format asks. */
    private void startSession() throws IOException {
        if (sessionStarted) {
            return;
        }
        sessionStarted = true;
        ByteBuffer h = header;
        h.putLong(8, h.getLong(8) + 1);
        Guid.random().write(h, 16);
        Guid.random().write(h, 32);
        h.putInt(4, crc(h));
        writeFully(channel, h.duplicate().clear(), KIB64);
        writeFully(channel, h.duplicate().clear(), 2L * KIB64);
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            channel.force(false);
        }
    }

    @Override
    public synchronized void discard(long offset, long length) throws IOException {
        Discards.zeroAllocated(this, offset, length, blockSize,
                at -> (entry(at / blockSize) & 7) == PAYLOAD_FULLY_PRESENT);
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    public String subformat() {
        for (long e : bat) {
            if ((e & 7) != PAYLOAD_FULLY_PRESENT) {
                return "dynamic";
            }
        }
        return "fixed";
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Reads file bytes, with pages replayed from the log (read-only opens) laid over them. */
    private void readFile(ByteBuffer b, long offset) throws IOException {
        int start = b.position();
        long len = b.remaining();
        readRaw(b, offset);
        if (overlay.isEmpty()) {
            return;
        }
        for (Map.Entry<Long, byte[]> page : overlay.subMap(offset - 4095, offset + len).entrySet()) {
            long p = page.getKey();
            long from = Math.max(p, offset);
            long to = Math.min(p + 4096, offset + len);
            for (long x = from; x < to; x++) {
                b.put(start + (int) (x - offset), page.getValue()[(int) (x - p)]);
            }
        }
    }

    private void readRaw(ByteBuffer b, long offset) throws IOException {
        FileIo.readOrZero(channel, b, offset);
    }

    /** Every present block inside the file, after the metadata, and used by one BAT entry only. */
    @Override
    public synchronized Result check() throws IOException {
        long[] units = new long[bat.length];
        int n = 0;
        long blocksInFile = (channel.size() + MIB - 1) / MIB;
        long bad = 0;
        for (int i = 0; i < bat.length; i++) {
            long e = bat[i];
            boolean payload = (i + 1) % (chunkRatio + 1) != 0;
            if (payload && ((e & 7) == PAYLOAD_FULLY_PRESENT || (e & 7) == PAYLOAD_PARTIALLY_PRESENT)) {
                long mib = e >>> 20;
                if (mib < 3 || mib + blockSize / MIB > blocksInFile) {
                    bad++;
                } else {
                    units[n++] = mib / (blockSize / MIB);
                }
            }
        }
        return new Result(bad + io.hvx.storage.image.Checkable.overlapsAndStrays(units, n, Long.MAX_VALUE), 0);
    }
}
