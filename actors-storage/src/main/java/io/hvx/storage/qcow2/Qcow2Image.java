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
import java.nio.file.Path;
import java.util.List;
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
    static final long MAX_SIZE = 1L << 61;
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
    private final BlockDevice backing;
    private final String backingFile;
    private final String backingFormat;
    private final List<Snapshot> snapshots;
    private final TableCache tables;
    private final ClusterAllocator allocator;
    private final Decompressor decompressor;
    private long size;
    private boolean modified;
    /** False for images hvx just created: nobody can see them before close, so ordering syncs buy nothing. */
    private boolean syncMetadata = true;
    private boolean compressWrites;
    private byte[] pending;
    private byte[] compressedOut;
    private long pendingCluster = -1;

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
        HeaderCheck.check(path, header, hb.limit(), fileSize);
        int version = header.version();
        clusterBits = header.clusterBits();
        clusterSize = 1 << clusterBits;
        extL2 = (header.incompatibleFeatures() & Qcow2Header.INCOMPAT_EXTL2) != 0;
        l2Entries = extL2 ? clusterSize / 16 : clusterSize / 8;
        size = header.size();
        long l1Off = header.l1TableOffset();
        long l1Size = Integer.toUnsignedLong(header.l1Size());
        tables = new TableCache(file, header, clusterBits, extL2, file.readTable(l1Off, (int) l1Size));
        backingFormat = HeaderExtensions.backingFormat(path, header, hb);
        backingFile = HeaderExtensions.backingName(path, header, hb, fileSize);
        snapshots = SnapshotTable.read(file, header, fileSize, MAX_L1_BYTES);
        allocator = new ClusterAllocator(clusterSize, alignUp(fileSize, clusterSize));
        decompressor = new Decompressor(file, ClusterCodec.of(header.compressionType()), clusterBits);
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
        return Qcow2Creator.create(path, size, options);
    }

    /**
     * Marks an image hvx has just created: nobody can see it before close, so its metadata writes need no syncs;
     * end is the first free byte after its header and L1 table.
     */
    void startFresh(long end) {
        modified = true;
        syncMetadata = false;
        allocator.end(end);
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
            long entry = tables.entry(offset);
            int lim = buffer.limit();
            buffer.limit(buffer.position() + n);
            if ((entry & COMPRESSED) != 0) {
                buffer.put(decompressor.cluster(entry), inCluster, n);
            } else if (extL2) {
                readSubclusters(buffer, offset - inCluster, inCluster, entry, tables.bitmap(offset));
            } else if ((entry & ZERO) != 0) {
                fillZero(buffer);
            } else if ((entry & L2_OFFSET_MASK) != 0) {
                long host = checkDataOffset(entry & L2_OFFSET_MASK);
                // Following clusters stored right after this one are read with the same call.
                long next = offset + n;
                long fileSize = channel.size();
                while (!extL2 && buffer.limit() < lim && host + inCluster + (buffer.limit() - buffer.position())
                        < fileSize) {
                    long e = tables.entry(next);
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
            long entry = tables.entry(pos);
            boolean z;
            long bitmap = extL2 ? tables.bitmap(pos) : 0;
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
        long fileSize = channel.size();
        while (got < length) {
            long pos = offset + got;
            long entry = tables.entry(pos);
            long host = entry & L2_OFFSET_MASK;
            boolean whole = extL2 ? (tables.bitmap(pos) & 0xffffffffL) == 0xffffffffL : (entry & ZERO) == 0;
            if ((entry & COMPRESSED) != 0 || host == 0 || !whole) {
                break;
            }
            int inCluster = (int) (pos & (clusterSize - 1));
            long at = checkDataOffset(host, fileSize) + inCluster;
            if (first >= 0 && at != first + got) {
                break;
            }
            if (first < 0) {
                first = at;
            }
            got += Math.min(length - got, clusterSize - inCluster);
        }
        // The last cluster may be cut short by the end of the file; its tail reads as zeros through read().
        long n = first < 0 ? 0 : Math.min(got, fileSize - first);
        return n > 0 ? new HostRun(channel, first, n) : null;
    }

    private long checkDataOffset(long host) throws IOException {
        return checkDataOffset(host, channel.size());
    }

    /** As checkDataOffset(host), against a file size the caller asked once for many clusters. */
    private long checkDataOffset(long host, long fileSize) throws IOException {
        if ((host & (clusterSize - 1)) != 0 || host >= fileSize + clusterSize) {
            throw new ImageFormatException(path + ": data cluster at 0x" + Long.toHexString(host)
                    + " is misaligned or past the end of the file");
        }
        return host;
    }

    // ---- writes ------------------------------------------------------------------------------------------------

    /**
     * Clusters are found or allocated under the lock; the data itself is written after it is released, so writers
     * at different offsets copy their bytes into the file at the same time.
     */
    @Override
    public void write(ByteBuffer buffer, long offset) throws IOException {
        requireWritable();
        BlockDevice.checkRange(this, offset, buffer.remaining());
        int end = buffer.limit();
        while (buffer.position() < end) {
            int len = end - buffer.position();
            long run;
            int n;
            synchronized (this) {
                markDirty();
                if (compressWrites) {
                    writeCompressed(buffer, offset);
                    return;
                }
                run = mapRun(offset, len);
                n = runLength;
            }
            file.write(buffer.slice(buffer.position(), n), run);
            buffer.position(buffer.position() + n);
            offset += n;
        }
    }

    /** Length of the run the last {@link #mapRun} found; read by the same thread right after, under the lock. */
    private int runLength;

    /**
     * Makes the clusters from offset writable, as many as follow one another on the host (up to len bytes), and
     * returns the host offset of the first byte; {@link #runLength} says how many bytes the run holds.
     */
    private long mapRun(long offset, int len) throws IOException {
        long first = -1;
        int got = 0;
        while (got < len) {
            long at = offset + got;
            int inCluster = (int) (at & (clusterSize - 1));
            int n = Math.min(len - got, clusterSize - inCluster);
            long host = writableCluster(at, inCluster != 0 || n != clusterSize) + inCluster;
            if (first >= 0 && host != first + got) {
                break;
            }
            if (first < 0) {
                first = host;
            }
            got += n;
        }
        runLength = got;
        return first;
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
        int clen = decompressor.codec().compress(pending, clusterSize, compressedOut);
        if (clen < 0) {
            long host = writableCluster(clusterStart, false);
            file.write(ByteBuffer.wrap(pending), host);
            return;
        }
        long host = allocator.bytes(clen);
        file.write(ByteBuffer.wrap(compressedOut, 0, clen), host);
        int x = 62 - (clusterBits - 8);
        long extraSectors = ((host + clen - 1) >>> 9) - (host >>> 9);
        tables.set(clusterStart, host | COMPRESSED | (extraSectors << x), allocator);
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
                tables.set(offset, ZERO, allocator);
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
        long entry = tables.entry(offset);
        long host = entry & L2_OFFSET_MASK;
        boolean whole = !extL2 || (tables.bitmap(offset) & 0xffffffffL) == 0xffffffffL;
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
        long fresh = allocator.clusters(1);
        if (old != null) {
            file.write(ByteBuffer.wrap(old), fresh);
        }
        tables.set(offset, fresh | COPIED, allocator);
        decompressor.forget(host);
        return fresh;
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
        if (need > tables.l1().length) {
            long[] grown = java.util.Arrays.copyOf(tables.l1(), (int) need);
            long bytes = alignUp(need * 8, clusterSize);
            long at = allocator.clusters((int) (bytes / clusterSize));
            ByteBuffer b = ByteBuffer.allocate((int) bytes);
            b.asLongBuffer().put(grown);
            file.write(b, at);
            sync();
            header.l1TableOffset(at).l1Size((int) need);
            file.write(ByteBuffer.allocate(12).putInt(0, (int) need).putLong(4, at), 36);
            tables.replaceL1(grown);
        }
        size = newSize;
        file.write(ByteBuffer.allocate(8).putLong(0, newSize), 24);
        header.size(newSize);
    }

    @Override
    public synchronized void flush() throws IOException {
        flushPending();
        tables.writeDirty();
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
                tables.writeDirty();
                rebuildRefcounts();
                sync();
            }
        } finally {
            decompressor.close();
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
        RefcountBlocks.Written w = RefcountBlocks.write(file, counts, allocator.end(), clusterSize,
                header.refcountOrder());
        long tableAt = w.tableOffset();
        long tableClusters = w.tableClusters();
        allocator.end(w.fileEnd());
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
        return references().count(Math.max(allocator.end(), alignUp(channel.size(), clusterSize)), tables.l1(),
                snapshots);
    }

    private ReferenceCounter references() {
        return new ReferenceCounter(file, header, clusterBits, extL2, tables::table);
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
