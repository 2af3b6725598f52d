package io.hvx.storage.qcow2;

import io.hvx.storage.image.ImageChannels;
import static io.hvx.storage.qcow2.ImageFile.alignUp;
import static io.hvx.storage.qcow2.ImageFile.ceilDiv;
import static io.hvx.storage.qcow2.ImageFile.fillZero;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.image.ImageOpener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A qcow2 image (versions 2 and 3) read and written through the {@link BlockDevice} interface.
 *
 * <p>Metadata changes go straight to the file; refcounts are rebuilt from the L1/L2 tree when a writable image is
 * closed, with the dirty bit set meanwhile so qemu repairs them if hvx never got to close it.
 */
public final class Qcow2Image implements BlockDevice, io.hvx.storage.image.Checkable {
    /** qemu refuses L1 tables above 32 MiB; so do we, which also bounds memory for hostile headers. */
    static final int MAX_L1_BYTES = 32 << 20;
    private static final long MAX_SIZE = 1L << 61;
    static final long L1_OFFSET_MASK = 0x00fffffffffffe00L;
    static final long L2_OFFSET_MASK = 0x00fffffffffffe00L;
    static final long COPIED = 1L << 63;
    static final long COMPRESSED = 1L << 62;
    static final long ZERO = 1L;

    private final Path path;
    private final FileChannel channel;
    private final ImageFile file;
    private final boolean readOnly;
    private final Qcow2Header header;
    private final int clusterBits;
    private final int clusterSize;
    private final int l2Entries;
    /** Extended L2: each entry is followed by a 32-subcluster bitmap (allocated bits 0-31, zero bits 32-63). */
    private final boolean extL2;
    private final int l2Words;
    private final BlockDevice backing;
    private final String backingFile;
    private final String backingFormat;
    private final List<Snapshot> snapshots;
    private long[] l1;
    private long size;
    private long fileEnd;
    private boolean modified;
    /** False for images hvx just created: nobody can see them before close, so ordering syncs buy nothing. */
    private boolean syncMetadata = true;
    private final Map<Long, long[]> l2Cache = new HashMap<>();
    private final Set<Long> dirtyL2 = new java.util.HashSet<>();
    private final ByteBuffer l2Out;
    private final ClusterCodec codec;
    private final byte[] compressedIn;
    private final byte[] clusterScratch;
    private long decompressedHost = -1;
    private boolean compressWrites;
    private byte[] pending;
    private byte[] compressedOut;
    private long pendingCluster = -1;
    private long byteNext = -1;
    private long byteAreaEnd = -1;

    /** An internal snapshot as listed in the snapshot table. */
    public record Snapshot(String id, String name, long l1Offset, int l1Size, long dateSeconds, long vmStateSize) {}

    private Qcow2Image(Path path, FileChannel channel, boolean readOnly, Set<Path> chain) throws IOException {
        this.path = path;
        this.channel = channel;
        this.file = new ImageFile(path, channel);
        this.readOnly = readOnly;
        long fileSize = channel.size();
        if (fileSize < Qcow2Header.V2_LENGTH) {
            throw new ImageFormatException(path + ": file is truncated (" + fileSize + " bytes), no qcow2 header");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) Math.min(fileSize, 4096));
        file.readFully(hb, 0);
        header = new Qcow2Header(hb);
        if (header.magic() != Qcow2Header.MAGIC) {
            throw new ImageFormatException(path + ": not a qcow2 image (bad magic)");
        }
        int version = header.version();
        if (version != 2 && version != 3) {
            throw new ImageFormatException(path + ": unsupported qcow2 version " + version);
        }
        if (version == 3 && hb.limit() < 104) {
            throw new ImageFormatException(path + ": file is truncated (" + fileSize + " bytes), no qcow2 v3 header");
        }
        if (version == 3 && (header.headerLength() < 104 || header.headerLength() > hb.limit())) {
            throw new ImageFormatException(path + ": invalid header_length " + header.headerLength());
        }
        clusterBits = header.clusterBits();
        if (clusterBits < 9 || clusterBits > 21) {
            throw new ImageFormatException(path + ": invalid cluster_bits " + clusterBits + " (must be 9..21)");
        }
        clusterSize = 1 << clusterBits;
        extL2 = (header.incompatibleFeatures() & Qcow2Header.INCOMPAT_EXTL2) != 0;
        if (extL2 && clusterBits < 14) {
            throw new ImageFormatException(path + ": extended L2 entries need clusters of at least 16 KiB");
        }
        l2Words = clusterSize / 8;
        l2Entries = extL2 ? clusterSize / 16 : clusterSize / 8;
        size = header.size();
        if (size < 0 || size > MAX_SIZE) {
            throw new ImageFormatException(path + ": absurd virtual size " + Long.toUnsignedString(size));
        }
        if (header.cryptMethod() != 0) {
            throw new ImageFormatException(path + ": encrypted qcow2 images are not supported");
        }
        long incompat = header.incompatibleFeatures();
        if ((incompat & ~(Qcow2Header.INCOMPAT_DIRTY | Qcow2Header.INCOMPAT_COMPRESSION
                | Qcow2Header.INCOMPAT_EXTL2)) != 0) {
            throw new ImageFormatException(path + ": unsupported incompatible features 0x" + Long.toHexString(incompat)
                    + ((incompat & Qcow2Header.INCOMPAT_EXTL2) != 0 ? " (extended L2 entries)" : "")
                    + ((incompat & Qcow2Header.INCOMPAT_DATA_FILE) != 0 ? " (external data file)" : "")
                    + ((incompat & Qcow2Header.INCOMPAT_CORRUPT) != 0 ? " (image is marked corrupt)" : ""));
        }
        if (header.compressionType() != ClusterCodec.TYPE_ZLIB
                && (incompat & Qcow2Header.INCOMPAT_COMPRESSION) == 0) {
            throw new ImageFormatException(path + ": compression type " + header.compressionType()
                    + " is set without the compression-type feature bit");
        }
        if (header.compressionType() > ClusterCodec.TYPE_ZSTD) {
            throw new ImageFormatException(path + ": unknown compression type " + header.compressionType());
        }
        int order = header.refcountOrder();
        if (order < 0 || order > 6) {
            throw new ImageFormatException(path + ": invalid refcount_order " + order);
        }
        long l1Needed = ceilDiv(ceilDiv(size, clusterSize), l2Entries);
        long l1Size = Integer.toUnsignedLong(header.l1Size());
        if (l1Size < l1Needed) {
            throw new ImageFormatException(path + ": L1 table too small (" + l1Size + " entries for "
                    + size + " bytes)");
        }
        if (l1Size * 8 > MAX_L1_BYTES) {
            throw new ImageFormatException(path + ": L1 table of " + l1Size + " entries is too large");
        }
        long l1Off = header.l1TableOffset();
        if (l1Size > 0 && (l1Off <= 0 || (l1Off & (clusterSize - 1)) != 0 || l1Off + l1Size * 8 > fileSize)) {
            throw new ImageFormatException(path + ": L1 table offset 0x" + Long.toHexString(l1Off)
                    + " is invalid or past the end of the file");
        }
        l1 = file.readTable(l1Off, (int) l1Size);
        backingFormat = HeaderExtensions.backingFormat(path, header, hb);
        backingFile = HeaderExtensions.backingName(path, header, hb, fileSize);
        snapshots = SnapshotTable.read(file, header, fileSize, MAX_L1_BYTES);
        fileEnd = alignUp(fileSize, clusterSize);
        codec = ClusterCodec.of(header.compressionType());
        compressedIn = new byte[clusterSize + 1024];
        clusterScratch = new byte[clusterSize];
        l2Out = ByteBuffer.allocate(clusterSize);
        if (backingFile != null) {
            Path bp = resolveBacking(path, backingFile);
            backing = ImageOpener.openChain(bp, backingFormat, true, chain);
        } else {
            backing = null;
        }
        if (!readOnly) {
            if (incompatDirty() && version == 3) {
                // A previous writer crashed; our close rebuilds refcounts from the tables anyway.
                modified = true;
            }
        }
    }

    /** Opens an image; backing files are opened read-only, with loops in the chain refused. */
    public static Qcow2Image open(Path path, boolean readOnly, Set<Path> chain) throws IOException {
        return ImageChannels.open(path, readOnly, ch -> new Qcow2Image(path, ch, readOnly, chain));
    }

    public static Qcow2Image open(Path path, boolean readOnly) throws IOException {
        return open(path, readOnly, new java.util.HashSet<>());
    }

    /** Creates an empty version 3 image; backingFile may be null. */
    public static Qcow2Image create(Path path, long size, int clusterBits, String backingFile, String backingFormat)
            throws IOException {
        return create(path, size, new Qcow2CreateOptions(clusterBits, backingFile, backingFormat, "zlib", false));
    }

    /** Creates an empty version 3 image with the given options. */
    public static Qcow2Image create(Path path, long size, Qcow2CreateOptions options) throws IOException {
        int clusterBits = options.clusterBits();
        String backingFile = options.backingFile();
        String backingFormat = options.backingFormat();
        int compression = options.compressionTypeCode();
        if (clusterBits < 9 || clusterBits > 21) {
            throw new ImageFormatException("cluster size must be a power of two between 512 and 2M");
        }
        if (size < 0 || size > MAX_SIZE) {
            throw new ImageFormatException("invalid image size " + size);
        }
        int cs = 1 << clusterBits;
        if (options.extendedL2() && clusterBits < 14) {
            throw new ImageFormatException("extended L2 entries need a cluster size of at least 16 KiB");
        }
        long l1Entries = ceilDiv(ceilDiv(size, cs), cs / (options.extendedL2() ? 16 : 8));
        if (l1Entries * 8 > MAX_L1_BYTES) {
            throw new ImageFormatException("image size " + size + " is too large for cluster size " + cs);
        }
        ByteBuffer hb = ByteBuffer.allocate(cs);
        Qcow2Header h = new Qcow2Header(hb);
        h.magic(Qcow2Header.MAGIC).version(3).clusterBits(clusterBits).size(size).l1Size((int) l1Entries)
                .refcountOrder(4).headerLength(Qcow2Header.V3_LENGTH);
        if (compression != ClusterCodec.TYPE_ZLIB) {
            h.incompatibleFeatures(Qcow2Header.INCOMPAT_COMPRESSION);
            hb.put(104, (byte) compression);
        }
        if (options.extendedL2()) {
            h.incompatibleFeatures(h.incompatibleFeatures() | Qcow2Header.INCOMPAT_EXTL2);
        }
        int pos = Qcow2Header.V3_LENGTH;
        if (backingFile != null && backingFormat != null) {
            byte[] f = backingFormat.getBytes(StandardCharsets.UTF_8);
            hb.putInt(pos, Qcow2Header.EXT_BACKING_FORMAT).putInt(pos + 4, f.length);
            hb.put(pos + 8, f);
            pos += 8 + (int) alignUp(f.length, 8);
        }
        hb.putInt(pos, Qcow2Header.EXT_END).putInt(pos + 4, 0);
        pos += 8;
        if (backingFile != null) {
            byte[] b = backingFile.getBytes(StandardCharsets.UTF_8);
            if (pos + b.length > cs || b.length > 1023) {
                throw new ImageFormatException("backing file name is too long: " + backingFile);
            }
            hb.put(pos, b);
            h.backingFileOffset(pos).backingFileSize(b.length);
        }
        long l1Off = cs;
        h.l1TableOffset(l1Off);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW)) {
            ImageFile.writeFully(ch, hb.clear(), 0);
            long l1Bytes = alignUp(Math.max(l1Entries * 8, 1), cs);
            ByteBuffer zeros = ByteBuffer.allocate((int) l1Bytes);
            ImageFile.writeFully(ch, zeros, l1Off);
        }
        Qcow2Image img = open(path, false);
        img.modified = true;
        img.syncMetadata = false;
        img.fileEnd = l1Off + alignUp(Math.max(l1Entries * 8, 1), cs);
        return img;
    }

    // ---- reads -------------------------------------------------------------------------------------------------

    @Override
    public long size() {
        return size;
    }

    @Override
    public synchronized void read(ByteBuffer buffer, long offset) throws IOException {
        flushPending();
        BlockDevice.checkRange(this, offset, buffer.remaining());
        while (buffer.hasRemaining()) {
            int inCluster = (int) (offset & (clusterSize - 1));
            int n = Math.min(buffer.remaining(), clusterSize - inCluster);
            long entry = l2Entry(offset);
            int lim = buffer.limit();
            buffer.limit(buffer.position() + n);
            if ((entry & COMPRESSED) != 0) {
                decompress(entry);
                buffer.put(clusterScratch, inCluster, n);
            } else if (extL2) {
                readSubclusters(buffer, offset - inCluster, inCluster, entry, l2Bitmap(offset));
            } else if ((entry & ZERO) != 0) {
                fillZero(buffer);
            } else if ((entry & L2_OFFSET_MASK) != 0) {
                long host = checkDataOffset(entry & L2_OFFSET_MASK);
                // Following clusters stored right after this one are read with the same call.
                long next = offset + n;
                while (!extL2 && buffer.limit() < lim && host + inCluster + (buffer.limit() - buffer.position())
                        < channel.size()) {
                    long e = l2Entry(next);
                    if ((e & (COMPRESSED | ZERO)) != 0 || (e & L2_OFFSET_MASK) != host + (next - offset + inCluster)) {
                        break;
                    }
                    int more = Math.min(lim - buffer.limit(), clusterSize);
                    buffer.limit(buffer.limit() + more);
                    n += more;
                    next += more;
                }
                file.readFullyOrZero(buffer, host + inCluster);
            } else {
                fromBacking(buffer, offset);
            }
            buffer.limit(lim);
            offset += n;
        }
    }

    /** Fills the buffer with the backing file's bytes at offset, zeros where there is none. */
    private void fromBacking(ByteBuffer buffer, long offset) throws IOException {
        if (backing != null && offset < backing.size()) {
            int lim = buffer.limit();
            int n = (int) Math.min(buffer.remaining(), backing.size() - offset);
            buffer.limit(buffer.position() + n);
            backing.read(buffer, offset);
            buffer.limit(lim);
        }
        fillZero(buffer);
    }

    /** One cluster's bytes with extended L2: each subcluster is allocated, reads as zeros, or falls through. */
    private void readSubclusters(ByteBuffer buffer, long clusterStart, int inCluster, long entry, long bitmap)
            throws IOException {
        int sub = clusterSize / 32;
        long host = entry & L2_OFFSET_MASK;
        int lim = buffer.limit();
        while (buffer.hasRemaining()) {
            int s = inCluster / sub;
            int n = Math.min(buffer.remaining(), sub - inCluster % sub);
            buffer.limit(buffer.position() + n);
            if (((bitmap >>> s) & 1) != 0) {
                if (host == 0) {
                    throw new ImageFormatException(path + ": subcluster allocated in a cluster with no host offset");
                }
                file.readFullyOrZero(buffer, checkDataOffset(host) + inCluster);
            } else if (((bitmap >>> (32 + s)) & 1) != 0) {
                fillZero(buffer);
            } else {
                fromBacking(buffer, clusterStart + inCluster);
            }
            buffer.limit(lim);
            inCluster += n;
        }
    }

    @Override
    public synchronized Extent extentAt(long offset) throws IOException {
        flushPending();
        long len = 0;
        Boolean zero = null;
        long pos = offset;
        while (pos < size && len < (64L << 20)) {
            long entry = l2Entry(pos);
            boolean z;
            long bitmap = extL2 ? l2Bitmap(pos) : 0;
            if ((entry & COMPRESSED) != 0) {
                z = false;
            } else if (extL2 && (bitmap & 0xffffffffL) != 0) {
                z = false;
            } else if (extL2 && (bitmap >>> 32) == 0xffffffffL) {
                z = true;
            } else if (extL2 && (bitmap >>> 32) != 0 && backing != null) {
                // Some subclusters read as zeros, the rest come from the backing file: report data.
                z = false;
            } else if (!extL2 && (entry & ZERO) != 0) {
                z = true;
            } else if (!extL2 && (entry & L2_OFFSET_MASK) != 0) {
                z = false;
            } else {
                z = backing == null || pos >= backing.size();
                if (!z) {
                    Extent e = backing.extentAt(pos);
                    z = e.zero();
                }
            }
            if (zero == null) {
                zero = z;
            } else if (zero != z) {
                break;
            }
            long step = clusterSize - (pos & (clusterSize - 1));
            len += step;
            pos += step;
        }
        return new Extent(Math.min(len, size - offset), zero != null && zero);
    }

    /** Plain clusters go anywhere in the file; compressed writes are gathered a cluster at a time, in order. */
    @Override
    public synchronized boolean acceptsParallelWrites() {
        return !readOnly && !compressWrites;
    }

    @Override
    public synchronized HostRun hostRun(long offset, long length) throws IOException {
        flushPending();
        BlockDevice.checkRange(this, offset, length);
        long first = -1;
        long got = 0;
        while (got < length) {
            long pos = offset + got;
            long entry = l2Entry(pos);
            long host = entry & L2_OFFSET_MASK;
            boolean whole = extL2 ? (l2Bitmap(pos) & 0xffffffffL) == 0xffffffffL : (entry & ZERO) == 0;
            if ((entry & COMPRESSED) != 0 || host == 0 || !whole) {
                break;
            }
            int inCluster = (int) (pos & (clusterSize - 1));
            long at = checkDataOffset(host) + inCluster;
            if (first >= 0 && at != first + got) {
                break;
            }
            if (first < 0) {
                first = at;
            }
            got += Math.min(length - got, clusterSize - inCluster);
        }
        // The last cluster may be cut short by the end of the file; its tail reads as zeros through read().
        long n = first < 0 ? 0 : Math.min(got, channel.size() - first);
        return n > 0 ? new HostRun(channel, first, n) : null;
    }

    /** Returns the raw L2 entry for a guest offset, 0 when the L2 table itself is absent. */
    private long l2Entry(long offset) throws IOException {
        long cluster = offset >>> clusterBits;
        int l1Index = (int) (cluster / l2Entries);
        long l2Off = l1[l1Index] & L1_OFFSET_MASK;
        if (l2Off == 0) {
            return 0;
        }
        return l2Table(l2Off)[slot(cluster)];
    }

    private int slot(long cluster) {
        int i = (int) (cluster % l2Entries);
        return extL2 ? i * 2 : i;
    }

    /** The subcluster bitmap of a guest offset's cluster (extended L2 only), 0 when the L2 table is absent. */
    private long l2Bitmap(long offset) throws IOException {
        long cluster = offset >>> clusterBits;
        long l2Off = l1[(int) (cluster / l2Entries)] & L1_OFFSET_MASK;
        return l2Off == 0 ? 0 : l2Table(l2Off)[slot(cluster) + 1];
    }

    private long[] l2Table(long l2Off) throws IOException {
        long[] t = l2Cache.get(l2Off);
        if (t == null) {
            if ((l2Off & (clusterSize - 1)) != 0 || l2Off + clusterSize > channel.size()) {
                throw new ImageFormatException(path + ": L2 table at 0x" + Long.toHexString(l2Off)
                        + " is misaligned or past the end of the file");
            }
            t = file.readTable(l2Off, l2Words);
            if (l2Cache.size() >= 256) {
                // Bounded so hostile or huge images cannot exhaust the heap; tables are re-read on demand.
                writeDirtyL2();
                l2Cache.clear();
            }
            l2Cache.put(l2Off, t);
        }
        return t;
    }

    private long checkDataOffset(long host) throws IOException {
        if ((host & (clusterSize - 1)) != 0 || host >= channel.size() + clusterSize) {
            throw new ImageFormatException(path + ": data cluster at 0x" + Long.toHexString(host)
                    + " is misaligned or past the end of the file");
        }
        return host;
    }

    private void decompress(long entry) throws IOException {
        int x = 62 - (clusterBits - 8);
        long host = entry & ((1L << x) - 1);
        if (host == decompressedHost) {
            return;
        }
        long sectors = ((entry & ~(COPIED | COMPRESSED)) >>> x) + 1;
        int len = (int) Math.min(sectors * 512 - (host & 511), compressedIn.length);
        long fileSize = channel.size();
        if (host >= fileSize) {
            throw new ImageFormatException(path + ": compressed cluster at 0x" + Long.toHexString(host)
                    + " is past the end of the file");
        }
        len = (int) Math.min(len, fileSize - host);
        ByteBuffer in = ByteBuffer.wrap(compressedIn, 0, len);
        file.readFully(in, host);
        try {
            codec.decompress(compressedIn, len, clusterScratch, clusterSize);
        } catch (ImageFormatException e) {
            decompressedHost = -1;
            throw new ImageFormatException(path + ": compressed cluster at 0x" + Long.toHexString(host) + ": "
                    + e.getMessage());
        }
        decompressedHost = host;
    }

    // ---- writes ------------------------------------------------------------------------------------------------

    @Override
    public synchronized void write(ByteBuffer buffer, long offset) throws IOException {
        requireWritable();
        BlockDevice.checkRange(this, offset, buffer.remaining());
        markDirty();
        if (compressWrites) {
            writeCompressed(buffer, offset);
            return;
        }
        int end = buffer.limit();
        // Consecutive clusters usually land on consecutive host clusters: gather them into one positional write.
        long runHost = -1;
        int runStart = buffer.position();
        int runLen = 0;
        while (buffer.position() < end) {
            int inCluster = (int) (offset & (clusterSize - 1));
            int n = Math.min(end - buffer.position(), clusterSize - inCluster);
            long host = writableCluster(offset, inCluster != 0 || n != clusterSize) + inCluster;
            if (runHost < 0 || host != runHost + runLen) {
                writeRun(buffer, runStart, runLen, runHost);
                runHost = host;
                runStart = buffer.position();
                runLen = 0;
            }
            runLen += n;
            buffer.position(buffer.position() + n);
            offset += n;
        }
        writeRun(buffer, runStart, runLen, runHost);
        buffer.limit(end).position(end);
    }

    /**
     * From now on every cluster written is stored compressed (qemu-img convert -c). Writes are gathered one cluster
     * at a time, so a sequential writer pays one compression per cluster.
     */
    public synchronized void compressWrites(boolean on) throws IOException {
        flushPending();
        compressWrites = on;
        if (on && pending == null) {
            pending = new byte[clusterSize];
            compressedOut = new byte[clusterSize];
        }
    }

    private void writeCompressed(ByteBuffer buffer, long offset) throws IOException {
        while (buffer.hasRemaining()) {
            long clusterStart = offset & ~((long) clusterSize - 1);
            int inCluster = (int) (offset - clusterStart);
            int n = Math.min(buffer.remaining(), clusterSize - inCluster);
            if (clusterStart != pendingCluster) {
                flushPending();
                int valid = (int) Math.min(clusterSize, size - clusterStart);
                java.util.Arrays.fill(pending, (byte) 0);
                if (inCluster != 0 || n < valid) {
                    read(ByteBuffer.wrap(pending, 0, valid), clusterStart);
                }
                pendingCluster = clusterStart;
            }
            buffer.get(pending, inCluster, n);
            offset += n;
        }
    }

    /** Stores the gathered cluster: compressed when that is smaller, as a plain cluster otherwise. */
    private void flushPending() throws IOException {
        if (pendingCluster < 0) {
            return;
        }
        long clusterStart = pendingCluster;
        pendingCluster = -1;
        int clen = codec.compress(pending, clusterSize, compressedOut);
        if (clen < 0) {
            long host = writableCluster(clusterStart, false);
            file.write(ByteBuffer.wrap(pending), host);
            return;
        }
        long host = allocateBytes(clen);
        file.write(ByteBuffer.wrap(compressedOut, 0, clen), host);
        int x = 62 - (clusterBits - 8);
        long extraSectors = ((host + clen - 1) >>> 9) - (host >>> 9);
        setL2Entry(clusterStart, host | COMPRESSED | (extraSectors << x));
    }

    /** Byte-granular space for compressed clusters; several share a host cluster, as in qemu. */
    private long allocateBytes(int len) {
        if (byteNext < 0 || byteAreaEnd != fileEnd) {
            byteNext = fileEnd;
        }
        long need = byteNext + len - fileEnd;
        if (need > 0) {
            allocateClusters((int) ceilDiv(need, clusterSize));
        }
        long at = byteNext;
        byteNext += len;
        byteAreaEnd = fileEnd;
        return at;
    }

    private void writeRun(ByteBuffer buffer, int start, int len, long host) throws IOException {
        if (len == 0) {
            return;
        }
        ByteBuffer slice = buffer.slice(start, len);
        file.write(slice, host);
    }

    /** Writes a cluster only if it holds data; used by converters so all-zero clusters stay unallocated. */
    public synchronized void writeZeroes(long offset, long length) throws IOException {
        requireWritable();
        BlockDevice.checkRange(this, offset, length);
        markDirty();
        long end = offset + length;
        while (offset < end) {
            int inCluster = (int) (offset & (clusterSize - 1));
            int n = (int) Math.min(end - offset, clusterSize - inCluster);
            if (n == clusterSize && header.version() >= 3) {
                setL2Entry(offset, ZERO);
            } else {
                long host = writableCluster(offset, true);
                file.write(ByteBuffer.wrap(new byte[n]), host + inCluster);
            }
            offset += n;
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        writeZeroes(offset, length);
    }

    /** Returns the host offset of a cluster that may be written in place, allocating (and copying) if needed. */
    private long writableCluster(long offset, boolean partial) throws IOException {
        long entry = l2Entry(offset);
        long host = entry & L2_OFFSET_MASK;
        boolean whole = !extL2 || (l2Bitmap(offset) & 0xffffffffL) == 0xffffffffL;
        if ((entry & COMPRESSED) == 0 && (entry & COPIED) != 0 && host != 0 && (entry & ZERO) == 0 && whole) {
            return host;
        }
        long clusterStart = offset & ~((long) clusterSize - 1);
        byte[] old = null;
        if (partial) {
            // Copy-on-write: the cluster's current content (backing, compressed, shared or zero) is kept around
            // the bytes being written.
            int len = (int) Math.min(clusterSize, size - clusterStart);
            old = new byte[clusterSize];
            read(ByteBuffer.wrap(old, 0, len), clusterStart);
        }
        long fresh = allocateClusters(1);
        if (old != null) {
            file.write(ByteBuffer.wrap(old), fresh);
        }
        setL2Entry(offset, fresh | COPIED);
        if (host == decompressedHost) {
            decompressedHost = -1;
        }
        return fresh;
    }

    private void setL2Entry(long offset, long value) throws IOException {
        long cluster = offset >>> clusterBits;
        int l1Index = (int) (cluster / l2Entries);
        int l2Index = slot(cluster);
        long l1e = l1[l1Index];
        long l2Off = l1e & L1_OFFSET_MASK;
        long[] table;
        if (l2Off == 0 || (l1e & COPIED) == 0) {
            // A new L2 table, or a private copy of one shared with a snapshot.
            long[] src = l2Off == 0 ? new long[l2Words] : l2Table(l2Off).clone();
            long fresh = allocateClusters(1);
            table = src;
            ByteBuffer b = ByteBuffer.allocate(clusterSize);
            b.asLongBuffer().put(table);
            file.write(b, fresh);
            l1[l1Index] = fresh | COPIED;
            file.write(ByteBuffer.allocate(8).putLong(0, fresh | COPIED), header.l1TableOffset() + l1Index * 8L);
            l2Cache.put(fresh, table);
            l2Off = fresh;
        } else {
            table = l2Table(l2Off);
        }
        if (extL2) {
            // A standard cluster is either fully allocated, reads as zeros (ZERO asked) or is compressed.
            table[l2Index] = value == ZERO ? 0 : value;
            table[l2Index + 1] = value == ZERO ? 0xffffffffL << 32 : (value & COMPRESSED) != 0 ? 0 : 0xffffffffL;
        } else {
            table[l2Index] = value;
        }
        // Written back on flush and close: one write per table instead of one per cluster.
        dirtyL2.add(l2Off);
    }

    private long allocateClusters(int count) {
        long at = fileEnd;
        fileEnd += (long) count * clusterSize;
        return at;
    }

    private void markDirty() throws IOException {
        if (!modified) {
            modified = true;
            if (header.version() >= 3) {
                header.incompatibleFeatures(header.incompatibleFeatures() | Qcow2Header.INCOMPAT_DIRTY);
                file.write(ByteBuffer.allocate(8).putLong(0, header.incompatibleFeatures()), 72);
                sync();
            }
        }
    }

    private void sync() throws IOException {
        if (syncMetadata) {
            channel.force(false);
        }
    }

    private boolean incompatDirty() {
        return (header.incompatibleFeatures() & Qcow2Header.INCOMPAT_DIRTY) != 0;
    }

    /** Changes the virtual size; growing may move the L1 table to the end of the file. */
    public synchronized void resize(long newSize) throws IOException {
        requireWritable();
        if (newSize < size) {
            throw new ImageFormatException("shrinking qcow2 images is not supported");
        }
        markDirty();
        long need = ceilDiv(ceilDiv(newSize, clusterSize), l2Entries);
        if (need * 8 > MAX_L1_BYTES) {
            throw new ImageFormatException("image size " + newSize + " is too large for cluster size " + clusterSize);
        }
        if (need > l1.length) {
            long[] grown = java.util.Arrays.copyOf(l1, (int) need);
            long bytes = alignUp(need * 8, clusterSize);
            long at = allocateClusters((int) (bytes / clusterSize));
            ByteBuffer b = ByteBuffer.allocate((int) bytes);
            b.asLongBuffer().put(grown);
            file.write(b, at);
            sync();
            header.l1TableOffset(at).l1Size((int) need);
            file.write(ByteBuffer.allocate(12).putInt(0, (int) need).putLong(4, at), 36);
            l1 = grown;
        }
        size = newSize;
        file.write(ByteBuffer.allocate(8).putLong(0, newSize), 24);
        header.size(newSize);
    }

    private void writeDirtyL2() throws IOException {
        for (long off : dirtyL2) {
            long[] t = l2Cache.get(off);
            l2Out.clear();
            l2Out.asLongBuffer().put(t);
            file.write(l2Out, off);
        }
        dirtyL2.clear();
    }

    @Override
    public synchronized void flush() throws IOException {
        flushPending();
        writeDirtyL2();
        channel.force(false);
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

    @Override
    public synchronized void close() throws IOException {
        try {
            if (modified && !readOnly) {
                flushPending();
                writeDirtyL2();
                rebuildRefcounts();
                sync();
            }
        } finally {
            codec.close();
            channel.close();
            if (backing != null) {
                backing.close();
            }
        }
    }

    // ---- refcounts ---------------------------------------------------------------------------------------------

    /**
     * Counts every reference in the image (header, tables, data, snapshots) and writes fresh refcount blocks and a
     * fresh refcount table at the end of the file, then points the header at them and clears the dirty bit.
     */
    private void rebuildRefcounts() throws IOException {
        RefcountMap counts = countReferences();
        if (counts.outOfRange() > 0) {
            throw new ImageFormatException(path + ": " + counts.outOfRange()
                    + " table entries point past the end of the file; refcounts were not rewritten");
        }
        RefcountBlocks.Written w = RefcountBlocks.write(file, counts, fileEnd, clusterSize, header.refcountOrder());
        long tableAt = w.tableOffset();
        long tableClusters = w.tableClusters();
        fileEnd = w.fileEnd();
        sync();
        ByteBuffer hdr = ByteBuffer.allocate(12).putLong(0, tableAt).putInt(8, (int) tableClusters);
        file.write(hdr, 48);
        header.refcountTableOffset(tableAt).refcountTableClusters((int) tableClusters);
        if (header.version() >= 3) {
            header.incompatibleFeatures(header.incompatibleFeatures() & ~Qcow2Header.INCOMPAT_DIRTY);
            sync();
            file.write(ByteBuffer.allocate(8).putLong(0, header.incompatibleFeatures()), 72);
        }
        modified = false;
    }

    private RefcountMap countReferences() throws IOException {
        return references().count(Math.max(fileEnd, alignUp(channel.size(), clusterSize)), l1, snapshots);
    }

    private ReferenceCounter references() {
        return new ReferenceCounter(file, header, clusterBits, extL2, this::l2Table);
    }

    /**
     * Rewrites the refcounts from the tables, as `check -r all` does: leaks and refcounts that are too low are gone
     * once the image is closed. The data the tables point to is not changed.
     */
    public synchronized void repairRefcounts() throws IOException {
        requireWritable();
        markDirty();
    }

    /** Compares stored refcounts with the references found in the tables: [corruptions, leaks]. */
    @Override
    public synchronized Result check() throws IOException {
        return references().check(countReferences());
    }


    private static Path resolveBacking(Path image, String name) {
        Path p = Path.of(name);
        if (p.isAbsolute()) {
            return p;
        }
        Path parent = image.toAbsolutePath().getParent();
        return parent == null ? p : parent.resolve(p);
    }

    public int clusterSize() { return clusterSize; }
    public int version() { return header.version(); }
    public String backingFile() { return backingFile; }
    public String backingFormat() { return backingFormat; }
    public List<Snapshot> snapshots() { return snapshots; }
    public int refcountBits() { return 1 << header.refcountOrder(); }
    public boolean extendedL2() { return extL2; }
    public String compressionType() { return ClusterCodec.name(header.compressionType()); }
    public BlockDevice backing() { return backing; }


}
