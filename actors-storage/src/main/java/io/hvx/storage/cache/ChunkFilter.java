package io.hvx.storage.cache;

import io.hvx.config.serialization.ClusterMessage;
import io.hvx.storage.store.ChunkId;
import java.util.Collection;

/**
 * A Bloom filter of the chunk ids one node's cache holds, published to the other nodes so a miss asks only
 * nodes that may have the chunk. Chunk ids are SHA-256 values, so their words serve as the hash functions
 * directly (double hashing over two of them). About 10 bits per chunk with 4 probes gives roughly 1% false
 * positives; the size is capped at 2^20 bits (128 KiB on the wire), above about 100,000 cached chunks the
 * false-positive rate grows instead.
 */
public record ChunkFilter(long[] words, int entries) implements ClusterMessage {
    static final int PROBES = 4;
    static final int MAX_BITS = 1 << 20;

    public static ChunkFilter of(Collection<ChunkId> ids) {
        int want = Math.max(64, ids.size() * 10);
        int bits = Math.min(MAX_BITS, Integer.highestOneBit(want - 1) << 1);
        long[] words = new long[bits / 64];
        for (ChunkId id : ids) {
            for (int i = 0; i < PROBES; i++) {
                int bit = bit(id, i, bits - 1);
                words[bit >>> 6] |= 1L << bit;
            }
        }
        return new ChunkFilter(words, ids.size());
    }

    /** False when the node certainly does not hold id; true when it probably does. */
    public boolean mightContain(ChunkId id) {
        int mask = words.length * 64 - 1;
        for (int i = 0; i < PROBES; i++) {
            int bit = bit(id, i, mask);
            if ((words[bit >>> 6] & (1L << bit)) == 0) {
                return false;
            }
        }
        return true;
    }

    private static int bit(ChunkId id, int probe, int mask) {
        return (int) ((id.b() + probe * (id.c() | 1)) & mask);
    }
}
