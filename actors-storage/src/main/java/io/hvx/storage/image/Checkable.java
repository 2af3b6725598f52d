package io.hvx.storage.image;

import java.io.IOException;

/** A format whose metadata can be checked for consistency, as `qemu-img check` does for it. */
public interface Checkable {
    /** Corruptions (data at risk) and leaks (space wasted) found in the image's tables. */
    record Result(long corruptions, long leaks) {}

    Result check() throws IOException;

    /** Counts host units (blocks, grains) claimed by more than one table entry, or lying past the end of the file. */
    static long overlapsAndStrays(long[] hostUnits, int count, long unitsInFile) {
        long[] sorted = java.util.Arrays.copyOf(hostUnits, count);
        java.util.Arrays.sort(sorted);
        long bad = 0;
        for (int i = 0; i < count; i++) {
            if (sorted[i] < 0 || sorted[i] >= unitsInFile || (i > 0 && sorted[i] == sorted[i - 1])) {
                bad++;
            }
        }
        return bad;
    }
}
