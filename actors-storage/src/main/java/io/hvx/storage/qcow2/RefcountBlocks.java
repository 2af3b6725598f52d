package io.hvx.storage.qcow2;

import static io.hvx.storage.qcow2.ImageFile.ceilDiv;

import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** Refcount table and blocks on disk: reading one cluster's count and writing a complete fresh set. */
final class RefcountBlocks {
    private static final long OFFSET_MASK = 0x00fffffffffffe00L;

    /** Where a fresh set was written and where the file now ends. */
    record Written(long tableOffset, int tableClusters, long fileEnd) {}

    private RefcountBlocks() {}

    /**
     * Writes refcount blocks for every cluster below fileEnd, and a table pointing at them, from fileEnd on; the
     * new blocks and table count themselves.
     */
    static Written write(ImageFile file, RefcountMap counts, long fileEnd, int clusterSize, int order)
            throws IOException {
        int bits = 1 << order;
        long perBlock = (long) clusterSize * 8 / bits;
        long base = fileEnd / clusterSize;
        long blocks = 0;
        long tableClusters = 0;
        while (true) {
            long total = base + blocks + tableClusters;
            long nb = ceilDiv(total, perBlock);
            long nt = ceilDiv(nb * 8, clusterSize);
            if (nb == blocks && nt == tableClusters) {
                break;
            }
            blocks = nb;
            tableClusters = nt;
        }
        long total = base + blocks + tableClusters;
        long maxCount = bits == 64 ? Long.MAX_VALUE : (1L << bits) - 1;
        ByteBuffer block = ByteBuffer.allocate(clusterSize);
        ByteBuffer table = ByteBuffer.allocate((int) (tableClusters * clusterSize));
        for (long b = 0; b < blocks; b++) {
            Arrays.fill(block.array(), (byte) 0);
            for (long i = 0; i < perBlock; i++) {
                long cluster = b * perBlock + i;
                if (cluster >= total) {
                    break;
                }
                long c = cluster >= base ? 1 : counts.get(cluster);
                if (c > maxCount) {
                    throw new ImageFormatException(file.path() + ": cluster " + cluster + " has too many references");
                }
                put(block, (int) i, bits, c);
            }
            long at = (base + b) * clusterSize;
            file.write(block.clear(), at);
            table.putLong((int) (b * 8), at);
        }
        long tableAt = (base + blocks) * clusterSize;
        file.write(table.clear(), tableAt);
        return new Written(tableAt, (int) tableClusters, (base + blocks + tableClusters) * clusterSize);
    }

    private static void put(ByteBuffer block, int index, int bits, long value) {
        switch (bits) {
            case 8 -> block.put(index, (byte) value);
            case 16 -> block.putShort(index * 2, (short) value);
            case 32 -> block.putInt(index * 4, (int) value);
            case 64 -> block.putLong(index * 8, value);
            default -> {
                int perByte = 8 / bits;
                int byteIndex = index / perByte;
                int shift = (index % perByte) * bits;
                int b = block.get(byteIndex) & 0xff;
                b |= (int) (value << shift);
                block.put(byteIndex, (byte) b);
            }
        }
    }

    /** The stored refcount of one host cluster; 0 where the table or block is absent. */
    static long stored(ImageFile file, Qcow2Header header, int clusterSize, long cluster) throws IOException {
        int bits = 1 << header.refcountOrder();
        long perBlock = (long) clusterSize * 8 / bits;
        long tableIndex = cluster / perBlock;
        if (tableIndex >= (long) header.refcountTableClusters() * clusterSize / 8) {
            return 0;
        }
        ByteBuffer e = ByteBuffer.allocate(8);
        file.readFully(e, header.refcountTableOffset() + tableIndex * 8);
        long blockOff = e.getLong(0) & OFFSET_MASK;
        if (blockOff == 0) {
            return 0;
        }
        int i = (int) (cluster % perBlock);
        ByteBuffer v = ByteBuffer.allocate(8);
        switch (bits) {
            case 8 -> { v.limit(1); file.readFully(v, blockOff + i); return v.get(0) & 0xffL; }
            case 16 -> { v.limit(2); file.readFully(v, blockOff + i * 2L); return v.getShort(0) & 0xffffL; }
            case 32 -> { v.limit(4); file.readFully(v, blockOff + i * 4L); return v.getInt(0) & 0xffffffffL; }
            case 64 -> { file.readFully(v, blockOff + i * 8L); return v.getLong(0); }
            default -> {
                int perByte = 8 / bits;
                v.limit(1);
                file.readFully(v, blockOff + i / perByte);
                return ((v.get(0) & 0xff) >>> ((i % perByte) * bits)) & ((1 << bits) - 1);
            }
        }
    }
}
