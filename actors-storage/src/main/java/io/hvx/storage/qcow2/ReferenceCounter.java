package io.hvx.storage.qcow2;

import static io.hvx.storage.qcow2.ImageFile.ceilDiv;
import static io.hvx.storage.qcow2.Qcow2Image.COMPRESSED;
import static io.hvx.storage.qcow2.Qcow2Image.COPIED;
import static io.hvx.storage.qcow2.Qcow2Image.L1_OFFSET_MASK;
import static io.hvx.storage.qcow2.Qcow2Image.L2_OFFSET_MASK;

import io.hvx.storage.image.Checkable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Counts the references to every host cluster from the image's own structures (header, L1 and L2 tables, data and
 * compressed clusters, snapshots), the numbers refcounts must equal; check compares them with the stored ones.
 */
final class ReferenceCounter {
    /** Where the L2 tables come from: the image's cache, so counting does not re-read what is in memory. */
    interface L2Tables {
        long[] table(long offset) throws IOException;
    }

    private final ImageFile file;
    private final Qcow2Header header;
    private final int clusterSize;
    private final int clusterBits;
    private final boolean extL2;
    private final L2Tables l2;

    ReferenceCounter(ImageFile file, Qcow2Header header, int clusterBits, boolean extL2, L2Tables l2) {
        this.file = file;
        this.header = header;
        this.clusterBits = clusterBits;
        this.clusterSize = 1 << clusterBits;
        this.extL2 = extL2;
        this.l2 = l2;
    }

    /** References from everything but the refcount structures themselves; fileEnd bounds what may be referenced. */
    RefcountMap count(long fileEnd, long[] l1, List<Qcow2Image.Snapshot> snapshots) throws IOException {
        RefcountMap counts = new RefcountMap(fileEnd / clusterSize + 1024);
        long headerEnd = Math.max(header.headerLength(), 8);
        if (header.backingFileOffset() != 0) {
            headerEnd = Math.max(headerEnd, header.backingFileOffset() + header.backingFileSize());
        }
        for (long c = 0; c < ceilDiv(headerEnd, clusterSize); c++) {
            counts.add(c, 1);
        }
        countTree(counts, header.l1TableOffset(), l1);
        if (header.nbSnapshots() > 0) {
            long end = SnapshotTable.end(file, header);
            for (long c = header.snapshotsOffset() / clusterSize; c < ceilDiv(end, clusterSize); c++) {
                counts.add(c, 1);
            }
            for (Qcow2Image.Snapshot s : snapshots) {
                countTree(counts, s.l1Offset(), file.readTable(s.l1Offset(), s.l1Size()));
            }
        }
        return counts;
    }

    private void countTree(RefcountMap counts, long l1Offset, long[] table) throws IOException {
        long l1Bytes = Math.max((long) table.length * 8, 1);
        for (long c = l1Offset / clusterSize; c < ceilDiv(l1Offset + l1Bytes, clusterSize); c++) {
            counts.add(c, 1);
        }
        int x = 62 - (clusterBits - 8);
        for (long e : table) {
            long l2Off = e & L1_OFFSET_MASK;
            if (l2Off == 0) {
                continue;
            }
            counts.add(l2Off / clusterSize, 1);
            long[] t = l2.table(l2Off);
            for (int i = 0; i < t.length; i += extL2 ? 2 : 1) {
                long entry = t[i];
                if ((entry & COMPRESSED) != 0) {
                    // A compressed cluster references every host cluster its sectors touch.
                    long host = entry & ((1L << x) - 1);
                    long sectors = ((entry & ~(COPIED | COMPRESSED)) >>> x) + 1;
                    long end = (host & ~511L) + sectors * 512;
                    for (long c = host / clusterSize; c < ceilDiv(end, clusterSize); c++) {
                        counts.add(c, 1);
                    }
                } else if ((entry & L2_OFFSET_MASK) != 0) {
                    counts.add((entry & L2_OFFSET_MASK) / clusterSize, 1);
                }
            }
        }
    }

    /** Adds the refcount table and blocks to counts and compares with the stored refcounts. */
    Checkable.Result check(RefcountMap counts) throws IOException {
        long rtOff = header.refcountTableOffset();
        long rtClusters = Integer.toUnsignedLong(header.refcountTableClusters());
        if (rtOff <= 0 || (rtOff & (clusterSize - 1)) != 0 || rtOff + rtClusters * clusterSize > file.size()) {
            throw new io.hvx.storage.block.ImageFormatException(file.path() + ": refcount table at 0x"
                    + Long.toHexString(rtOff) + " is misaligned or past the end of the file");
        }
        for (long c = rtOff / clusterSize; c < rtOff / clusterSize + rtClusters; c++) {
            counts.add(c, 1);
        }
        long rtEntries = rtClusters * clusterSize / 8;
        ByteBuffer rt = ByteBuffer.allocate((int) Math.min(rtEntries * 8, Qcow2Image.MAX_L1_BYTES));
        file.readFully(rt, rtOff);
        for (int i = 0; i < rt.limit() / 8; i++) {
            long b = rt.getLong(i * 8) & L1_OFFSET_MASK;
            if (b != 0) {
                counts.add(b / clusterSize, 1);
            }
        }
        long corruptions = counts.outOfRange();
        long leaks = 0;
        long clusters = ceilDiv(file.size(), clusterSize);
        for (long c = 0; c < Math.max(clusters, counts.maxCluster() + 1); c++) {
            long want = counts.get(c);
            long have = RefcountBlocks.stored(file, header, clusterSize, c);
            if (have < want) {
                corruptions++;
            } else if (have > want) {
                leaks++;
            }
        }
        return new Checkable.Result(corruptions, leaks);
    }
}
