package io.hvx.storage.store;

import java.io.IOException;

/** A chunk whose bytes do not match its hash; its data is never served. */
public final class CorruptChunkException extends IOException {
    private final ChunkId id;

    public CorruptChunkException(ChunkId id, String why) {
        super("chunk " + id.hex() + " is corrupt: " + why);
        this.id = id;
    }

    public ChunkId id() {
        return id;
    }
}
