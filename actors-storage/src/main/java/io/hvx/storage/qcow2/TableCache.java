package io.hvx.storage.qcow2;

import static io.hvx.storage.qcow2.Qcow2Image.COPIED;
import static io.hvx.storage.qcow2.Qcow2Image.L1_OFFSET_MASK;
import static io.hvx.storage.qcow2.Qcow2Image.ZERO;

import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The L1 table and a bounded cache of L2 tables of a qcow2 image. Changed L2 tables are written back whole, once,
 * on flush, instead of once per cluster.
 */
final class TableCache {
    /** Bounded so hostile or huge images cannot exhaust the heap; tables are re-read on demand. */
    private static final int MAX_CACHED = 256;

    private final ImageFile file;
    private final Qcow2Header header;
    private final int clusterBits;
    private final int clusterSize;
    private final int l2Entries;
    /** Extended L2: each entry is followed by a 32-subcluster bitmap (allocated bits 0-31, zero bits 32-63). */
    private final boolean extL2;
    private final Map<Long, long[]> cache = new HashMap<>();
    private final Set<Long> dirty = new HashSet<>();
    private final ByteBuffer out;
    private long[] l1;

    TableCache(ImageFile file, Qcow2Header header, int clusterBits, boolean extL2, long[] l1) {
        this.file = file;
        this.header = header;
        this.clusterBits = clusterBits;
        this.clusterSize = 1 << clusterBits;
        this.extL2 = extL2;
        this.l2Entries = extL2 ? clusterSize / 16 : clusterSize / 8;
        this.out = ByteBuffer.allocate(clusterSize);
        this.l1 = l1;
    }

    /** Guest clusters one L2 table maps. */
    int l2Entries() {
        return l2Entries;
    }

    long[] l1() {
        return l1;
    }

    /** Takes a larger L1 table, already written to the file and named in the header. */
    void replaceL1(long[] grown) {
        l1 = grown;
    }

    /** Returns the raw L2 entry for a guest offset, 0 when the L2 table itself is absent. */
    long entry(long offset) throws IOException {
        long cluster = offset >>> clusterBits;
        long l2Off = l1[(int) (cluster / l2Entries)] & L1_OFFSET_MASK;
        return l2Off == 0 ? 0 : table(l2Off)[slot(cluster)];
    }

    /** The subcluster bitmap of a guest offset's cluster (extended L2 only), 0 when the L2 table is absent. */
    long bitmap(long offset) throws IOException {
        long cluster = offset >>> clusterBits;
        long l2Off = l1[(int) (cluster / l2Entries)] & L1_OFFSET_MASK;
        return l2Off == 0 ? 0 : table(l2Off)[slot(cluster) + 1];
    }

    private int slot(long cluster) {
        int i = (int) (cluster % l2Entries);
        return extL2 ? i * 2 : i;
    }

    /** The L2 table stored at l2Off, from the cache or the file. */
    long[] table(long l2Off) throws IOException {
        long[] t = cache.get(l2Off);
        if (t == null) {
            if ((l2Off & (clusterSize - 1)) != 0 || l2Off + clusterSize > file.size()) {
                throw new ImageFormatException(file.path() + ": L2 table at 0x" + Long.toHexString(l2Off)
                        + " is misaligned or past the end of the file");
            }
            t = file.readTable(l2Off, clusterSize / 8);
            if (cache.size() >= MAX_CACHED) {
                writeDirty();
                cache.clear();
            }
            cache.put(l2Off, t);
        }
        return t;
    }

    /**
     * Sets the L2 entry of a guest offset, first giving the offset's L2 table a cluster of its own (new, or a
     * private copy of one shared with a snapshot) when it has none.
     */
    void set(long offset, long value, ClusterAllocator allocator) throws IOException {
        long cluster = offset >>> clusterBits;
        int l1Index = (int) (cluster / l2Entries);
        int l2Index = slot(cluster);
        long l1e = l1[l1Index];
        long l2Off = l1e & L1_OFFSET_MASK;
        long[] table;
        if (l2Off == 0 || (l1e & COPIED) == 0) {
            table = l2Off == 0 ? new long[clusterSize / 8] : table(l2Off).clone();
            long fresh = allocator.clusters(1);
            ByteBuffer b = ByteBuffer.allocate(clusterSize);
            b.asLongBuffer().put(table);
            file.write(b, fresh);
            l1[l1Index] = fresh | COPIED;
            file.write(ByteBuffer.allocate(8).putLong(0, fresh | COPIED), header.l1TableOffset() + l1Index * 8L);
            cache.put(fresh, table);
            l2Off = fresh;
        } else {
            table = table(l2Off);
        }
        if (extL2) {
            // A standard cluster is either fully allocated, reads as zeros (ZERO asked) or is compressed.
            table[l2Index] = value == ZERO ? 0 : value;
            table[l2Index + 1] = value == ZERO ? 0xffffffffL << 32
                    : (value & Qcow2Image.COMPRESSED) != 0 ? 0 : 0xffffffffL;
        } else {
            table[l2Index] = value;
        }
        dirty.add(l2Off);
    }

    /** Writes every changed L2 table back to the file. */
    void writeDirty() throws IOException {
        for (long off : dirty) {
            out.clear();
            out.asLongBuffer().put(cache.get(off));
            file.write(out, off);
        }
        dirty.clear();
    }
}
