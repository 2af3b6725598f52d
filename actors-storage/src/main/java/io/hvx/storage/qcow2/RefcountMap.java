package io.hvx.storage.qcow2;

import java.util.Arrays;

/** Reference counts per host cluster, grown on demand; used to rebuild and check refcount blocks. */
final class RefcountMap {
    private long[] counts = new long[1024];
    private final long limit;
    private long max = -1;
    private long outOfRange;

    /** limit: the number of host clusters the file can hold; references beyond it are counted, not stored. */
    RefcountMap(long limit) {
        this.limit = limit;
    }

    void add(long cluster, long n) {
        if (cluster < 0 || cluster >= limit || cluster >= Integer.MAX_VALUE - 8) {
            outOfRange++;
            return;
        }
        if (cluster >= counts.length) {
            counts = Arrays.copyOf(counts, (int) Math.max(cluster + 1, Math.min((long) counts.length * 2, Integer.MAX_VALUE - 8)));
        }
        counts[(int) cluster] += n;
        max = Math.max(max, cluster);
    }

    long get(long cluster) {
        return cluster < counts.length ? counts[(int) cluster] : 0;
    }

    /** References to clusters past the end of the file, each a corruption. */
    long outOfRange() {
        return outOfRange;
    }

    long maxCluster() {
        return max;
    }
}
