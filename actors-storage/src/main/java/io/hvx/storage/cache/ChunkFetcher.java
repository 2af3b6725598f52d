package io.hvx.storage.cache;

import io.hvx.storage.store.ChunkId;
import java.io.IOException;

/** Where a cache miss is filled from: another node's cache, or the store. */
@FunctionalInterface
interface ChunkFetcher {

    /** Fills dst[0, length) with the verified chunk; false when this source does not have it. */
    boolean fetch(ChunkId id, byte[] dst, int length) throws IOException;
}
