package io.hvx.storage.store;

/** What gc removed and kept. */
public record GcResult(int images, long chunksKept, long chunksRemoved, long bytesRemoved, long youngKept,
        int incompleteRemoved) {}
