package io.hvx.cpu.interp;

/**
 * Decoded blocks keyed by guest start address in an open-addressing table (no boxing on lookup);
 * a write to a page drops every block with bytes on it.
 */
final class BlockCache {
    private long[] keys = new long[1024];
    private Block[] values = new Block[1024];
    private int size;
    private int invalidations;

    Block lookup(long address) {
        int mask = keys.length - 1;
        int at = hash(address) & mask;
        while (true) {
            Block b = values[at];
            if (b == null) {
                return null;
            }
            if (keys[at] == address) {
                return b;
            }
            at = (at + 1) & mask;
        }
    }

    void insert(Block block) {
        if ((size + 1) * 2 > keys.length) {
            rehash(keys.length * 2);
        }
        put(keys, values, block);
        size++;
    }

    private static void put(long[] k, Block[] v, Block block) {
        int mask = k.length - 1;
        int at = hash(block.start) & mask;
        while (v[at] != null) {
            if (k[at] == block.start) {
                v[at] = block;
                return;
            }
            at = (at + 1) & mask;
        }
        k[at] = block.start;
        v[at] = block;
    }

    private void rehash(int capacity) {
        long[] nk = new long[capacity];
        Block[] nv = new Block[capacity];
        int n = 0;
        for (Block b : values) {
            if (b != null && b.valid) {
                put(nk, nv, b);
                n++;
            }
        }
        keys = nk;
        values = nv;
        size = n;
    }

    /** Drops blocks overlapping the page; the running block sees {@code valid == false} and stops. */
    void invalidatePage(long page, long pageSize) {
        boolean any = false;
        for (Block b : values) {
            if (b != null && b.valid && b.start < page + pageSize && b.end > page) {
                b.valid = false;
                any = true;
            }
        }
        if (any) {
            invalidations++;
            rehash(keys.length);
        }
    }

    int invalidations() {
        return invalidations;
    }

    int size() {
        return size;
    }

    private static int hash(long a) {
        long h = a * 0x9E3779B97F4A7C15L;
        return (int) (h >>> 32);
    }
}
