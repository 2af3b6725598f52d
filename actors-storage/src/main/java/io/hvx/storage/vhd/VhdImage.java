package io.hvx.storage.vhd;

import static io.hvx.storage.image.FileIo.alignUp;
import static io.hvx.storage.image.FileIo.writeFully;
import io.hvx.storage.image.FileIo;

import io.hvx.storage.image.ImageChannels;
import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.Discards;
import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.image.ImageOpener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

/**
 * A VHD (Virtual PC / Hyper-V generation 1) disk, read and written: fixed (data then the footer), dynamic (footer
 * copy, dynamic header, block allocation table, blocks each preceded by a sector bitmap, footer) and differencing
 * (dynamic, where the bitmap says which sectors the parent supplies).
 *
 * <pre>
 * dynamic header: 0 cookie "cxsparse"  16 table offset (u64)  28 max table entries  32 block size  36 checksum
 *                 40 parent unique id  56 parent timestamp  64 parent name (UTF-16BE, 512 bytes)
 *                 576 eight parent locators of 24 bytes: code, data space, data length, reserved, offset (u64)
 * </pre>
 */
public final class VhdImage implements BlockDevice {
    private static final int SECTOR = 512;
    private static final int DYN_HEADER = 1024;
    private static final long MAX_SIZE = 2040L << 30;
    private static final int UNALLOCATED = 0xffffffff;
    private static final int DEFAULT_BLOCK = 2 << 20;
    private static final int LOCATOR_SPACE = 512;

    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    private final VhdFooter footer;
    private final long size;
    private final int diskType;
    private final int blockSize;
    private final int bitmapBytes;
    private final int[] bat;
    private final long batOffset;
    private final BlockDevice parent;
    private final String parentName;
    private final byte[] bitmap;
    private long bitmapBlock = -1;
    private long nextBlock;

    private VhdImage(Path path, FileChannel channel, boolean readOnly, Set<Path> chain) throws IOException {
        this.path = path;
        this.channel = channel;
        this.readOnly = readOnly;
        long fileSize = channel.size();
        if (fileSize < SECTOR) {
            throw new ImageFormatException(path + ": file is truncated, no VHD footer");
        }
        VhdFooter f = new VhdFooter(ByteBuffer.allocate(SECTOR));
        readFully(f.buffer(), 0);
        if (!f.cookieOk() || (f.diskType() != VhdFooter.DYNAMIC && f.diskType() != VhdFooter.DIFFERENCING)) {
            f = new VhdFooter(ByteBuffer.allocate(SECTOR));
            readFully(f.buffer(), fileSize - SECTOR);
            if (!f.cookieOk()) {
                throw new ImageFormatException(path + ": not a VHD image (no 'conectix' footer)");
            }
        }
        footer = f;
        if (f.checksum() != f.computeChecksum()) {
            throw new ImageFormatException(path + ": VHD footer checksum mismatch");
        }
        diskType = f.diskType();
        size = f.guestSize();
        if (size < 0 || size > MAX_SIZE) {
            throw new ImageFormatException(path + ": absurd VHD size " + Long.toUnsignedString(size));
        }
        if (diskType == VhdFooter.FIXED) {
            if (size + SECTOR > fileSize) {
                throw new ImageFormatException(path + ": fixed VHD is truncated (" + fileSize + " bytes for "
                        + size + ")");
            }
            blockSize = 0;
            bitmapBytes = 0;
            bat = null;
            batOffset = 0;
            parent = null;
            parentName = null;
            bitmap = null;
            return;
        }
        if (diskType != VhdFooter.DYNAMIC && diskType != VhdFooter.DIFFERENCING) {
            throw new ImageFormatException(path + ": unknown VHD disk type " + diskType);
        }
        long dynOff = f.dataOffset();
        if (dynOff < SECTOR || dynOff + DYN_HEADER > fileSize) {
            throw new ImageFormatException(path + ": VHD dynamic header is past the end of the file");
        }
        ByteBuffer dyn = ByteBuffer.allocate(DYN_HEADER);
        readFully(dyn, dynOff);
        if (!new String(dyn.array(), 0, 8, StandardCharsets.US_ASCII).equals("cxsparse")) {
            throw new ImageFormatException(path + ": VHD dynamic header is corrupt (no 'cxsparse')");
        }
        long tableOff = dyn.getLong(16);
        long entries = Integer.toUnsignedLong(dyn.getInt(28));
        long bs = Integer.toUnsignedLong(dyn.getInt(32));
        if (bs < SECTOR || bs > (256L << 20) || Long.bitCount(bs) != 1) {
            throw new ImageFormatException(path + ": invalid VHD block size " + bs);
        }
        blockSize = (int) bs;
        if (entries * blockSize < size || entries > (1 << 24)) {
            throw new ImageFormatException(path + ": VHD block table has " + entries + " entries, wrong for "
                    + size + " bytes");
        }
        if (tableOff < 0 || tableOff + entries * 4 > fileSize) {
            throw new ImageFormatException(path + ": VHD block table is past the end of the file");
        }
        batOffset = tableOff;
        ByteBuffer t = ByteBuffer.allocate((int) entries * 4);
        readFully(t, tableOff);
        bat = new int[(int) entries];
        t.flip().asIntBuffer().get(bat);
        bitmapBytes = (int) ((blockSize / SECTOR / 8 + SECTOR - 1) / SECTOR * SECTOR);
        bitmap = new byte[bitmapBytes];
        long end = alignUp(tableOff + entries * 4, SECTOR);
        for (int e : bat) {
            if (e != UNALLOCATED) {
                end = Math.max(end, Integer.toUnsignedLong(e) * SECTOR + bitmapBytes + blockSize);
            }
        }
        nextBlock = Math.max(end, locatorsEnd(dyn));
        if (diskType == VhdFooter.DIFFERENCING) {
            Path pp = locateParent(dyn);
            parentName = pp.toString();
            parent = ImageOpener.openChain(pp, "vpc", true, chain);
        } else {
            parent = null;
            parentName = null;
        }
    }

    /** Opens a VHD; a differencing disk's parent is opened read-only, refusing loops in the chain. */
    public static VhdImage open(Path path, boolean readOnly, Set<Path> chain) throws IOException {
        return ImageChannels.open(path, readOnly, ch -> new VhdImage(path, ch, readOnly, chain));
    }

    public static VhdImage open(Path path) throws IOException {
        return open(path, true, new HashSet<>());
    }

    /**
     * Creates a fixed or dynamic VHD; the size is rounded up to the next CHS geometry, as Virtual PC and qemu do,
     * so every reader agrees on it.
     */
    public static VhdImage create(Path path, long requested, boolean fixed) throws IOException {
        if (requested < 0 || requested > MAX_SIZE) {
            throw new ImageFormatException("VHD size " + requested + " is out of range (at most 2040 GiB)");
        }
        long sectors = VhdFooter.roundUpToGeometry((requested + SECTOR - 1) / SECTOR);
        int[] chs = VhdFooter.geometry(sectors);
        long size = sectors * SECTOR;
        byte[] uid = uuid();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW)) {
            if (fixed) {
                VhdFooter f = new VhdFooter(ByteBuffer.allocate(SECTOR)).init(VhdFooter.FIXED, size, chs, -1L, uid);
                writeFully(ch, f.buffer().clear(), size);
            } else {
                writeDynamic(ch, VhdFooter.DYNAMIC, size, chs, uid, null, null, 0);
            }
        }
        return open(path, false, new HashSet<>());
    }

    /** Creates a differencing VHD over a VHD parent; parentName is stored as given, relative to the new file. */
    public static VhdImage createDifferencing(Path path, String parentName) throws IOException {
        Path pp = resolve(path, parentName);
        VhdFooter pf;
        try (VhdImage p = open(pp)) {
            pf = p.footer;
        }
        long size = pf.currentSize();
        int[] chs = {pf.cylinders(), pf.heads(), pf.sectorsPerTrack()};
        long parentTime = Files.getLastModifiedTime(pp).toMillis() / 1000 - VhdFooter.EPOCH_2000;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW)) {
            writeDynamic(ch, VhdFooter.DIFFERENCING, size, chs, uuid(), pf.uniqueId(), parentName,
                    (int) parentTime);
        }
        return open(path, false, new HashSet<>());
    }

    private static void writeDynamic(FileChannel ch, int type, long size, int[] chs, byte[] uid, byte[] parentUid,
            String parentName, int parentTime) throws IOException {
        long entries = (size + DEFAULT_BLOCK - 1) / DEFAULT_BLOCK;
        long tableOff = SECTOR + DYN_HEADER;
        long tableEnd = alignUp(tableOff + entries * 4, SECTOR);
        VhdFooter f = new VhdFooter(ByteBuffer.allocate(SECTOR)).init(type, size, chs, SECTOR, uid);
        ByteBuffer dyn = ByteBuffer.allocate(DYN_HEADER);
        dyn.put(0, "cxsparse".getBytes(StandardCharsets.US_ASCII));
        dyn.putLong(8, -1L).putLong(16, tableOff).putInt(24, 0x00010000).putInt(28, (int) entries)
                .putInt(32, DEFAULT_BLOCK);
        long end = tableEnd;
        if (parentName != null) {
            dyn.put(40, parentUid).putInt(56, parentTime);
            byte[] unicode = parentName.getBytes(StandardCharsets.UTF_16BE);
            dyn.put(64, unicode, 0, Math.min(unicode.length, 512));
            // Windows reads the relative (W2ru) locator; backslashes are its separators.
            byte[] rel = parentName.replace('/', '\\').getBytes(StandardCharsets.UTF_16LE);
            if (rel.length > LOCATOR_SPACE) {
                throw new ImageFormatException("backing file name is too long: " + parentName);
            }
            dyn.put(576, "W2ru".getBytes(StandardCharsets.US_ASCII));
            dyn.putInt(580, LOCATOR_SPACE).putInt(584, rel.length).putLong(592, tableEnd);
            writeFully(ch, ByteBuffer.wrap(rel), tableEnd);
            end += LOCATOR_SPACE;
        }
        dyn.putInt(36, checksum(dyn, 36));
        ByteBuffer table = ByteBuffer.allocate((int) (tableEnd - tableOff));
        Arrays.fill(table.array(), (byte) 0xff);
        writeFully(ch, f.buffer().clear(), 0);
        writeFully(ch, dyn.clear(), SECTOR);
        writeFully(ch, table, tableOff);
        writeFully(ch, f.buffer().clear(), end);
    }

    private static int checksum(ByteBuffer b, int field) {
        int sum = 0;
        for (int i = 0; i < b.capacity(); i++) {
            if (i < field || i >= field + 4) {
                sum += b.get(i) & 0xff;
            }
        }
        return ~sum;
    }

    private long locatorsEnd(ByteBuffer dyn) {
        long end = 0;
        for (int i = 0; i < 8; i++) {
            int at = 576 + i * 24;
            if (dyn.getInt(at) != 0) {
                long space = Integer.toUnsignedLong(dyn.getInt(at + 4));
                // Some writers give the space in sectors, others in bytes; take the larger reading.
                long bytes = space < SECTOR ? space * SECTOR : space;
                long off = dyn.getLong(at + 16);
                if (off > 0 && bytes < (1 << 20)) {
                    end = Math.max(end, alignUp(off + bytes, SECTOR));
                }
            }
        }
        return end;
    }

    /** The parent of a differencing disk: relative locator, absolute locator, then the stored parent name. */
    private Path locateParent(ByteBuffer dyn) throws IOException {
        for (String want : new String[] {"W2ru", "W2ku", "MacX"}) {
            for (int i = 0; i < 8; i++) {
                int at = 576 + i * 24;
                String code = new String(dyn.array(), at, 4, StandardCharsets.US_ASCII);
                if (!code.equals(want)) {
                    continue;
                }
                long len = Integer.toUnsignedLong(dyn.getInt(at + 8));
                long off = dyn.getLong(at + 16);
                if (len == 0 || len > 4096 || off < 0 || off + len > channel.size()) {
                    throw new ImageFormatException(path + ": VHD parent locator " + code + " is invalid");
                }
                ByteBuffer data = ByteBuffer.allocate((int) len);
                readFully(data, off);
                String name = code.equals("MacX")
                        ? new String(data.array(), StandardCharsets.UTF_8).replaceFirst("^file://", "")
                        : new String(data.array(), StandardCharsets.UTF_16LE).replace('\\', '/');
                name = name.replace("\0", "");
                Path p = resolve(path, name.startsWith("./") ? name.substring(2) : name);
                if (Files.exists(p)) {
                    return p;
                }
            }
        }
        String unicode = new String(dyn.array(), 64, 512, StandardCharsets.UTF_16BE).replace("\0", "");
        if (unicode.isEmpty()) {
            throw new ImageFormatException(path + ": differencing VHD names no parent");
        }
        Path p = resolve(path, unicode.replace('\\', '/'));
        if (!Files.exists(p)) {
            throw new ImageFormatException(path + ": parent '" + unicode + "' of the differencing VHD not found");
        }
        return p;
    }

    private static Path resolve(Path image, String name) {
        Path p = Path.of(name);
        if (p.isAbsolute()) {
            return p;
        }
        Path dir = image.toAbsolutePath().getParent();
        return dir == null ? p : dir.resolve(p);
    }

    private static byte[] uuid() {
        UUID u = UUID.randomUUID();
        return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits())
                .array();
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public synchronized void read(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        if (bat == null) {
            readFully(buffer, offset);
            return;
        }
        while (buffer.hasRemaining()) {
            int in = (int) (offset % blockSize);
            int n = Math.min(buffer.remaining(), blockSize - in);
            int block = (int) (offset / blockSize);
            int entry = bat[block];
            int lim = buffer.limit();
            buffer.limit(buffer.position() + n);
            if (entry == UNALLOCATED) {
                fromParent(buffer, offset);
            } else if (parent == null) {
                readData(buffer, entry, in);
            } else {
                readDifferencing(buffer, block, entry, in);
            }
            buffer.limit(lim);
            offset += n;
        }
    }

    /** Within one allocated block of a differencing disk: runs of sectors from this file or from the parent. */
    private void readDifferencing(ByteBuffer buffer, int block, int entry, int in) throws IOException {
        loadBitmap(block, entry);
        long blockStart = (long) block * blockSize;
        int end = in + buffer.remaining();
        int lim = buffer.limit();
        while (in < end) {
            boolean mine = bit(in / SECTOR);
            int run = in;
            while (run < end && bit(run / SECTOR) == mine) {
                run = (run / SECTOR + 1) * SECTOR;
            }
            run = Math.min(run, end);
            buffer.limit(buffer.position() + run - in);
            if (mine) {
                readData(buffer, entry, in);
            } else {
                fromParent(buffer, blockStart + in);
            }
            buffer.limit(lim);
            in = run;
        }
    }

    private boolean bit(int sector) {
        return (bitmap[sector >>> 3] & (0x80 >>> (sector & 7))) != 0;
    }

    private void loadBitmap(int block, int entry) throws IOException {
        if (bitmapBlock == block) {
            return;
        }
        long at = Integer.toUnsignedLong(entry) * SECTOR;
        if (at + bitmapBytes > channel.size()) {
            throw new ImageFormatException(path + ": VHD block at sector " + Integer.toUnsignedString(entry)
                    + " is past the end of the file");
        }
        readFully(ByteBuffer.wrap(bitmap), at);
        bitmapBlock = block;
    }

    private void readData(ByteBuffer buffer, int entry, int in) throws IOException {
        long at = Integer.toUnsignedLong(entry) * SECTOR + bitmapBytes + in;
        if (at >= channel.size()) {
            throw new ImageFormatException(path + ": VHD block at sector " + Integer.toUnsignedString(entry)
                    + " is past the end of the file");
        }
        readFullyOrZero(buffer, at);
    }

    private void fromParent(ByteBuffer buffer, long offset) throws IOException {
        if (parent != null && offset < parent.size()) {
            int lim = buffer.limit();
            int n = (int) Math.min(buffer.remaining(), parent.size() - offset);
            buffer.limit(buffer.position() + n);
            parent.read(buffer, offset);
            buffer.limit(lim);
        }
        while (buffer.hasRemaining()) {
            buffer.put((byte) 0);
        }
    }

    @Override
    public synchronized Extent extentAt(long offset) throws IOException {
        if (bat == null) {
            return new Extent(size - offset, false);
        }
        if (parent != null) {
            // A differencing block may mix own and parent sectors; report data and let the copier detect zeros.
            return new Extent(blockSize - offset % blockSize, false);
        }
        long pos = offset;
        boolean zero = bat[(int) (offset / blockSize)] == UNALLOCATED;
        while (pos < size && (bat[(int) (pos / blockSize)] == UNALLOCATED) == zero) {
            pos += blockSize - (pos % blockSize);
        }
        return new Extent(Math.min(pos, size) - offset, zero);
    }

    @Override
    public synchronized void write(ByteBuffer buffer, long offset) throws IOException {
        requireWritable();
        BlockDevice.checkRange(this, offset, buffer.remaining());
        if (bat == null) {
            writeFully(channel, buffer, offset);
            return;
        }
        while (buffer.hasRemaining()) {
            int in = (int) (offset % blockSize);
            int n = Math.min(buffer.remaining(), blockSize - in);
            int block = (int) (offset / blockSize);
            if (bat[block] == UNALLOCATED) {
                allocate(block);
            }
            int lim = buffer.limit();
            buffer.limit(buffer.position() + n);
            writeFully(channel, buffer, Integer.toUnsignedLong(bat[block]) * SECTOR + bitmapBytes + in);
            buffer.limit(lim);
            offset += n;
        }
    }

    /**
     * Appends a block with every bitmap bit set; in a differencing disk the parent's bytes are copied in first, so
     * the block alone answers for all its sectors.
     */
    private void allocate(int block) throws IOException {
        long at = nextBlock;
        long blockStart = (long) block * blockSize;
        if (parent != null) {
            ByteBuffer data = ByteBuffer.allocate(blockSize);
            data.limit((int) Math.min(blockSize, size - blockStart));
            fromParent(data, blockStart);
            writeFully(channel, data.clear(), at + bitmapBytes);
        }
        byte[] ones = new byte[bitmapBytes];
        Arrays.fill(ones, (byte) 0xff);
        writeFully(channel, ByteBuffer.wrap(ones), at);
        nextBlock = at + bitmapBytes + blockSize;
        // Footer first, so the block's bytes lie inside the file before the table points at them.
        writeFully(channel, footer.buffer().clear(), nextBlock);
        bat[block] = (int) (at / SECTOR);
        writeFully(channel, ByteBuffer.allocate(4).putInt(0, bat[block]), batOffset + block * 4L);
        bitmapBlock = -1;
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            channel.force(false);
        }
    }

    @Override
    public synchronized void discard(long offset, long length) throws IOException {
        requireWritable();
        BlockDevice.checkRange(this, offset, length);
        if (parent != null) {
            throw new IOException(path + ": discarding in a differencing VHD would expose the parent's data");
        }
        Discards.zeroAllocated(this, offset, length, blockSize(offset),
                at -> bat == null || bat[(int) (at / blockSize)] != UNALLOCATED);
    }

    private int blockSize(long offset) {
        return bat == null ? 1 << 20 : blockSize;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    private void requireWritable() throws IOException {
        if (readOnly) {
            throw new IOException(path + " is open read-only");
        }
    }

    public String subformat() {
        return switch (diskType) {
            case VhdFooter.FIXED -> "fixed";
            case VhdFooter.DIFFERENCING -> "differencing";
            default -> "dynamic";
        };
    }

    /** The parent file of a differencing disk, or null. */
    public String parentName() {
        return parentName;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            channel.close();
        } finally {
            if (parent != null) {
                parent.close();
            }
        }
    }

    private void readFully(ByteBuffer b, long offset) throws IOException {
        FileIo.readFully(channel, b, offset, path);
    }

    private void readFullyOrZero(ByteBuffer b, long offset) throws IOException {
        FileIo.readOrZero(channel, b, offset);
    }

}
