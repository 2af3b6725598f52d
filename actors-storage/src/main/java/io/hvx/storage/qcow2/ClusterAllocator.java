package io.hvx.storage.qcow2;

import static io.hvx.storage.qcow2.ImageFile.ceilDiv;

/**
 * Hands out host space at the end of a qcow2 file: whole clusters, and byte ranges that several compressed clusters
 * share, as in qemu. Refcounts are not kept here; they are rebuilt from the tables when the image is closed.
 */
final class ClusterAllocator {
    private final int clusterSize;
    private long fileEnd;
    private long byteNext = -1;
    private long byteAreaEnd = -1;

    ClusterAllocator(int clusterSize, long fileEnd) {
        this.clusterSize = clusterSize;
        this.fileEnd = fileEnd;
    }

    /** The first byte after everything allocated so far. */
    long end() {
        return fileEnd;
    }

    /** Moves the end after space written by someone else (the refcount structures). */
    void end(long newEnd) {
        fileEnd = newEnd;
    }

    /** Returns the host offset of count new consecutive clusters. */
    long clusters(int count) {
        long at = fileEnd;
        fileEnd += (long) count * clusterSize;
        return at;
    }

    /** Returns the host offset of len new bytes, packed after the previous byte range while nothing else came between. */
    long bytes(int len) {
        if (byteNext < 0 || byteAreaEnd != fileEnd) {
            byteNext = fileEnd;
        }
        long need = byteNext + len - fileEnd;
        if (need > 0) {
            clusters((int) ceilDiv(need, clusterSize));
        }
        long at = byteNext;
        byteNext += len;
        byteAreaEnd = fileEnd;
        return at;
    }
}
