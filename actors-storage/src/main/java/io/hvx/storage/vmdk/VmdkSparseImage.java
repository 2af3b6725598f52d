package io.hvx.storage.vmdk;

import io.hvx.storage.image.FileIo;

import io.hvx.storage.image.ImageChannels;
import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.Discards;
import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A hosted sparse VMDK extent: monolithicSparse and the extents of twoGbMaxExtentSparse are read and written (new
 * grains appended, grain tables written back on flush); streamOptimized (compressed grains with markers) is read.
 */
public final class VmdkSparseImage implements BlockDevice, io.hvx.storage.image.Checkable {
    private static final long MAX_CAPACITY_SECTORS = 1L << 40;
    private static final int MAX_GRAIN_SECTORS = 1 << 12;

    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    private final SparseHeader header;
    private final int[] rgd;
    private final java.util.Set<Integer> dirtyGts = new java.util.HashSet<>();
    private long nextSector;
    private final long size;
    private final int grainBytes;
    private final int gtEntries;
    private final int[] gd;
    private final boolean compressed;
    private final Map<Integer, int[]> gtCache = new HashMap<>();
    private final Inflater inflater = new Inflater();
    private final byte[] grain;
    private byte[] compressedIn;
    private long cachedGrain = -1;

    private VmdkSparseImage(Path path, FileChannel channel, boolean readOnly) throws IOException {
        this.path = path;
        this.channel = channel;
        this.readOnly = readOnly;
        long fileSize = channel.size();
        if (fileSize < SparseHeader.SECTOR) {
            throw new ImageFormatException(path + ": file is truncated, no VMDK header");
        }
        ByteBuffer hb = ByteBuffer.allocate(SparseHeader.SECTOR);
        readFully(hb, 0);
        SparseHeader h = new SparseHeader(hb);
        if (h.magic() != SparseHeader.MAGIC) {
            throw new ImageFormatException(path + ": not a sparse VMDK extent (bad magic)");
        }
        if ((h.flags() & SparseHeader.FLAG_MARKERS) != 0 && h.gdOffset() == SparseHeader.GD_AT_END) {
            // streamOptimized: the real header is the footer, the second-to-last sector of the file.
            if (fileSize < 3L * SparseHeader.SECTOR) {
                throw new ImageFormatException(path + ": streamOptimized VMDK is truncated (no footer)");
            }
            ByteBuffer fb = ByteBuffer.allocate(SparseHeader.SECTOR);
            readFully(fb, fileSize - 2L * SparseHeader.SECTOR);
            SparseHeader footer = new SparseHeader(fb);
            if (footer.magic() != SparseHeader.MAGIC || footer.gdOffset() == SparseHeader.GD_AT_END) {
                throw new ImageFormatException(path + ": streamOptimized VMDK footer is missing or corrupt");
            }
            h = footer;
        }
        header = h;
        if (h.version() < 1 || h.version() > 3) {
            throw new ImageFormatException(path + ": unsupported VMDK version " + h.version());
        }
        long grainSectors = h.grainSize();
        if (grainSectors < 1 || grainSectors > MAX_GRAIN_SECTORS || Long.bitCount(grainSectors) != 1) {
            throw new ImageFormatException(path + ": invalid VMDK grain size " + grainSectors + " sectors");
        }
        long capacity = h.capacity();
        if (capacity < 0 || capacity > MAX_CAPACITY_SECTORS) {
            throw new ImageFormatException(path + ": absurd VMDK capacity " + Long.toUnsignedString(capacity)
                    + " sectors");
        }
        int gtes = h.numGTEsPerGT();
        if (gtes < 1 || gtes > 1 << 16) {
            throw new ImageFormatException(path + ": invalid VMDK grain table size " + gtes);
        }
        compressed = (h.flags() & SparseHeader.FLAG_COMPRESSED) != 0;
        if (compressed && h.compressAlgorithm() != SparseHeader.COMPRESS_DEFLATE) {
            throw new ImageFormatException(path + ": unsupported VMDK compression " + h.compressAlgorithm());
        }
        size = capacity * SparseHeader.SECTOR;
        grainBytes = (int) grainSectors * SparseHeader.SECTOR;
        gtEntries = gtes;
        long grains = (capacity + grainSectors - 1) / grainSectors;
        long gdEntries = (grains + gtes - 1) / gtes;
        long gdOff = h.gdOffset() * SparseHeader.SECTOR;
        // The offsets are checked in sectors first: a huge one would overflow to a negative byte offset.
        if (h.gdOffset() <= 0 || h.gdOffset() > fileSize / SparseHeader.SECTOR || gdOff + gdEntries * 4 > fileSize) {
            throw new ImageFormatException(path + ": VMDK grain directory is invalid or past the end of the file");
        }
        ByteBuffer gdb = ByteBuffer.allocate((int) (gdEntries * 4)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(gdb, gdOff);
        gd = new int[(int) gdEntries];
        gdb.flip().asIntBuffer().get(gd);
        long rgdOff = h.rgdOffset() * SparseHeader.SECTOR;
        if ((h.flags() & SparseHeader.FLAG_REDUNDANT_GT) != 0 && h.rgdOffset() > 0
                && h.rgdOffset() <= fileSize / SparseHeader.SECTOR && rgdOff + gdEntries * 4 <= fileSize) {
            ByteBuffer rb = ByteBuffer.allocate((int) (gdEntries * 4)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(rb, rgdOff);
            rgd = new int[(int) gdEntries];
            rb.flip().asIntBuffer().get(rgd);
        } else {
            rgd = null;
        }
        if (!readOnly && compressed) {
            throw new ImageFormatException(path + ": a streamOptimized VMDK can only be read; convert it instead");
        }
        nextSector = (fileSize + SparseHeader.SECTOR - 1) / SparseHeader.SECTOR;
        grain = new byte[grainBytes];
        compressedIn = new byte[grainBytes + 1024];
    }

    public static VmdkSparseImage open(Path path) throws IOException {
        return open(path, true);
    }

    public static VmdkSparseImage open(Path path, boolean readOnly) throws IOException {
        return ImageChannels.open(path, readOnly, ch -> new VmdkSparseImage(path, ch, readOnly));
    }

    /**
     * Creates a sparse extent with 64 KiB grains and every grain table preallocated (primary and redundant copies,
     * as VMware and qemu lay them out); descriptor is embedded for monolithicSparse, null for a split extent.
     */
    public static VmdkSparseImage create(Path path, long capacitySectors, String descriptor) throws IOException {
        final int grainSectors = 128;
        final int gtes = 512;
        final int gtSectors = gtes * 4 / SparseHeader.SECTOR;
        if (capacitySectors < 0 || capacitySectors > MAX_CAPACITY_SECTORS) {
            throw new ImageFormatException("VMDK capacity of " + capacitySectors + " sectors is out of range");
        }
        long grains = (capacitySectors + grainSectors - 1) / grainSectors;
        long tables = Math.max(1, (grains + gtes - 1) / gtes);
        long gdSectors = (tables * 4 + SparseHeader.SECTOR - 1) / SparseHeader.SECTOR;
        byte[] desc = descriptor == null ? new byte[0] : descriptor.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long descSectors = descriptor == null ? 0 : Math.max(20, (desc.length + SparseHeader.SECTOR - 1)
                / SparseHeader.SECTOR);
        long rgdAt = 1 + descSectors;
        long rgtAt = rgdAt + gdSectors;
        long gdAt = rgtAt + tables * gtSectors;
        long gtAt = gdAt + gdSectors;
        long overhead = (gtAt + tables * gtSectors + grainSectors - 1) / grainSectors * grainSectors;
        if (overhead * SparseHeader.SECTOR > Integer.MAX_VALUE) {
            throw new ImageFormatException("VMDK extent of " + capacitySectors + " sectors is too large for one file");
        }
        ByteBuffer head = ByteBuffer.allocate((int) (overhead * SparseHeader.SECTOR)).order(ByteOrder.LITTLE_ENDIAN);
        new SparseHeader(head).init(1, SparseHeader.FLAG_NEWLINE_TEST | SparseHeader.FLAG_REDUNDANT_GT,
                capacitySectors, grainSectors, descriptor == null ? 0 : 1, descSectors, gtes, gdAt, overhead, 0);
        head.putLong(48, rgdAt);
        head.put(SparseHeader.SECTOR, desc);
        for (int t = 0; t < tables; t++) {
            head.putInt((int) (rgdAt * SparseHeader.SECTOR + t * 4L), (int) (rgtAt + (long) t * gtSectors));
            head.putInt((int) (gdAt * SparseHeader.SECTOR + t * 4L), (int) (gtAt + (long) t * gtSectors));
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW)) {
            head.clear();
            long at = 0;
            while (head.hasRemaining()) {
                at += ch.write(head, at);
            }
        }
        return open(path, false);
    }

    @Override
    public long size() {
        return size;
    }

    /** The grain table entry (a sector number, 0 = unallocated, 1 = zero grain) of a guest offset. */
    private long gte(long offset) throws IOException {
        long grainIndex = offset / grainBytes;
        int gdIndex = (int) (grainIndex / gtEntries);
        long gtSector = Integer.toUnsignedLong(gd[gdIndex]);
        if (gtSector == 0) {
            return 0;
        }
        int[] gt = gtCache.get(gdIndex);
        if (gt == null) {
            long at = gtSector * SparseHeader.SECTOR;
            if (at + gtEntries * 4L > channel.size()) {
                throw new ImageFormatException(path + ": VMDK grain table at sector " + gtSector
                        + " is past the end of the file");
            }
            ByteBuffer b = ByteBuffer.allocate(gtEntries * 4).order(ByteOrder.LITTLE_ENDIAN);
            readFully(b, at);
            gt = new int[gtEntries];
            b.flip().asIntBuffer().get(gt);
            if (gtCache.size() > 4096) {
                writeDirtyTables();
                gtCache.clear();
            }
            gtCache.put(gdIndex, gt);
        }
        return Integer.toUnsignedLong(gt[(int) (grainIndex % gtEntries)]);
    }

    @Override
    public synchronized void read(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        while (buffer.hasRemaining()) {
            int inGrain = (int) (offset % grainBytes);
            int n = Math.min(buffer.remaining(), grainBytes - inGrain);
            long sector = gte(offset);
            if (sector <= 1) {
                for (int i = 0; i < n; i++) {
                    buffer.put((byte) 0);
                }
            } else if (compressed) {
                loadCompressed(sector);
                buffer.put(grain, inGrain, n);
            } else {
                long at = sector * SparseHeader.SECTOR + inGrain;
                if (at >= channel.size()) {
                    throw new ImageFormatException(path + ": VMDK grain at sector " + sector
                            + " is past the end of the file");
                }
                int lim = buffer.limit();
                buffer.limit(buffer.position() + n);
                while (buffer.hasRemaining()) {
                    int r = channel.read(buffer, at);
                    if (r < 0) {
                        while (buffer.hasRemaining()) {
                            buffer.put((byte) 0);
                        }
                        break;
                    }
                    at += r;
                }
                buffer.limit(lim);
            }
            offset += n;
        }
    }

    private void loadCompressed(long sector) throws IOException {
        if (sector == cachedGrain) {
            return;
        }
        long at = sector * SparseHeader.SECTOR;
        // A grain marker: u64 lba, u32 compressed size, then the zlib stream.
        ByteBuffer m = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        if (at + 12 > channel.size()) {
            throw new ImageFormatException(path + ": VMDK grain at sector " + sector + " is past the end of the file");
        }
        readFully(m, at);
        int len = m.getInt(8);
        if (len <= 0 || len > grainBytes * 2 + 1024 || at + 12 + len > channel.size()) {
            throw new ImageFormatException(path + ": VMDK compressed grain at sector " + sector
                    + " has an invalid size " + len);
        }
        if (compressedIn.length < len) {
            compressedIn = new byte[len];
        }
        readFully(ByteBuffer.wrap(compressedIn, 0, len), at + 12);
        inflater.reset();
        inflater.setInput(compressedIn, 0, len);
        try {
            int out = 0;
            while (out < grainBytes && !inflater.finished()) {
                int r = inflater.inflate(grain, out, grainBytes - out);
                if (r == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    break;
                }
                out += r;
            }
            // A short last grain is legal; the rest of it reads as zeros.
            java.util.Arrays.fill(grain, out, grainBytes, (byte) 0);
        } catch (DataFormatException e) {
            throw new ImageFormatException(path + ": VMDK compressed grain at sector " + sector + " is corrupt");
        }
        cachedGrain = sector;
    }

    @Override
    public synchronized Extent extentAt(long offset) throws IOException {
        long pos = offset;
        Boolean zero = null;
        while (pos < size && pos - offset < (64L << 20)) {
            boolean z = gte(pos) <= 1;
            if (zero == null) {
                zero = z;
            } else if (z != zero) {
                break;
            }
            pos += grainBytes - (pos % grainBytes);
        }
        return new Extent(Math.min(pos, size) - offset, zero != null && zero);
    }

    @Override
    public synchronized void write(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkWrite(this, path, offset, buffer.remaining());
        while (buffer.hasRemaining()) {
            int inGrain = (int) (offset % grainBytes);
            int n = Math.min(buffer.remaining(), grainBytes - inGrain);
            long sector = gte(offset);
            if (sector <= 1) {
                sector = allocateGrain(offset);
            }
            int lim = buffer.limit();
            buffer.limit(buffer.position() + n);
            long at = sector * SparseHeader.SECTOR + inGrain;
            while (buffer.hasRemaining()) {
                at += channel.write(buffer, at);
            }
            buffer.limit(lim);
            offset += n;
        }
    }

    /** Appends a zero grain (a hole until written) and points the grain table at it. */
    private long allocateGrain(long offset) throws IOException {
        long grainIndex = offset / grainBytes;
        int gdIndex = (int) (grainIndex / gtEntries);
        if (gd[gdIndex] == 0) {
            throw new ImageFormatException(path + ": grain table " + gdIndex + " is not allocated; hvx only writes "
                    + "VMDKs whose grain tables are preallocated");
        }
        gte(offset);
        long sector = nextSector;
        long grainSectors = grainBytes / SparseHeader.SECTOR;
        nextSector += grainSectors;
        long end = nextSector * SparseHeader.SECTOR;
        if (channel.size() < end) {
            channel.write(ByteBuffer.allocate(1), end - 1);
        }
        gtCache.get(gdIndex)[(int) (grainIndex % gtEntries)] = (int) sector;
        dirtyGts.add(gdIndex);
        return sector;
    }

    private void writeDirtyTables() throws IOException {
        for (int gdIndex : dirtyGts) {
            int[] gt = gtCache.get(gdIndex);
            ByteBuffer b = ByteBuffer.allocate(gtEntries * 4).order(ByteOrder.LITTLE_ENDIAN);
            b.asIntBuffer().put(gt);
            writeAt(b, Integer.toUnsignedLong(gd[gdIndex]) * SparseHeader.SECTOR);
            if (rgd != null && rgd[gdIndex] != 0) {
                writeAt(b.clear(), Integer.toUnsignedLong(rgd[gdIndex]) * SparseHeader.SECTOR);
            }
        }
        dirtyGts.clear();
    }

    private void writeAt(ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            at += channel.write(b, at);
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        if (!readOnly) {
            writeDirtyTables();
            channel.force(false);
        }
    }

    @Override
    public synchronized void discard(long offset, long length) throws IOException {
        Discards.zeroAllocated(this, offset, length, grainBytes, at -> gte(at) > 1);
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    public boolean streamOptimized() {
        return compressed;
    }

    @Override
    public synchronized void close() throws IOException {
        try {
            if (!readOnly) {
                writeDirtyTables();
            }
        } finally {
            inflater.end();
            channel.close();
        }
    }

    private void readFully(ByteBuffer b, long offset) throws IOException {
        FileIo.readFully(channel, b, offset, path);
    }

    /** Every grain referenced once (a grain past the end of the file fails the check); walks existing tables. */
    @Override
    public synchronized Result check() throws IOException {
        long grains = (size + grainBytes - 1) / grainBytes;
        long fileSectors = (channel.size() + SparseHeader.SECTOR - 1) / SparseHeader.SECTOR;
        long[] units = new long[1024];
        int n = 0;
        for (int t = 0; t < gd.length; t++) {
            if (gd[t] == 0) {
                continue;
            }
            for (int i = 0; i < gtEntries && (long) t * gtEntries + i < grains; i++) {
                long sector = gte(((long) t * gtEntries + i) * grainBytes);
                if (sector <= 1) {
                    continue;
                }
                if (sector >= fileSectors) {
                    // qemu-img treats this as a failed check (exit 1), not a counted corruption.
                    throw new ImageFormatException(path + ": grain for sector " + ((long) t * gtEntries + i)
                            * (grainBytes / SparseHeader.SECTOR) + " points past the end of the file");
                }
                if (n == units.length) {
                    units = java.util.Arrays.copyOf(units, n * 2);
                }
                units[n++] = sector;
            }
        }
        return new Result(io.hvx.storage.image.Checkable.overlapsAndStrays(units, n, Long.MAX_VALUE), 0);
    }
}
