package io.hvx.storage.store;

import java.io.IOException;

/** Gives the verified bytes of a chunk: the store itself, or a node's cache in front of it. */
public interface ChunkSource {

    /**
     * Fills dst[0, length) with the chunk's bytes, checked against id.
     *
     * @throws CorruptChunkException when every copy that could be reached is corrupt
     */
    void readChunk(ChunkId id, byte[] dst, int length) throws IOException;
}
