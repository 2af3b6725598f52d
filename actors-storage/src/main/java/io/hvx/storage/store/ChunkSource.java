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

    /**
     * Fills dsts[i][0, lengths[i]) with chunk ids[i] for i below count. Sources whose reads wait on a round trip
     * (an object store) fetch them at once; the default reads them one after the other.
     */
    default void readChunks(ChunkId[] ids, byte[][] dsts, int[] lengths, int count) throws IOException {
        for (int i = 0; i < count; i++) {
            readChunk(ids[i], dsts[i], lengths[i]);
        }
    }
}
