package io.hvx.storage.cache;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.store.ChunkId;
import io.hvx.storage.store.Manifest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A stored image read through the node's chunk cache: each read goes straight to the cache shards (no
 * actor message, no allocation when the chunk is cached). When reads run sequentially into a new chunk,
 * the next chunks are handed to read-ahead, at most once per chunk.
 */
public final class CachedImage implements BlockDevice {
    private final Manifest manifest;
    private final ChunkCache cache;
    private final ReadAhead readAhead;
    private final int window;
    private volatile long lastEnd = -1;
    private volatile long aheadUntil;

    public CachedImage(Manifest manifest, ChunkCache cache, ReadAhead readAhead, int window) {
        this.manifest = manifest;
        this.cache = cache;
        this.readAhead = readAhead;
        this.window = window;
    }

    public Manifest manifest() {
        return manifest;
    }

    @Override
    public long size() {
        return manifest.size();
    }

    @Override
    public void read(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        int chunkSize = manifest.chunkSize();
        ChunkId[] chunks = manifest.chunks();
        long end = offset + buffer.remaining();
        maybeReadAhead(offset, end);
        int limit = buffer.limit();
        try {
            while (offset < end) {
                long index = offset / chunkSize;
                int within = (int) (offset - index * chunkSize);
                int n = (int) Math.min(end - offset, chunkSize - within);
                ChunkId id = chunks[(int) index];
                buffer.limit(buffer.position() + n);
                if (id == null) {
                    while (buffer.hasRemaining()) {
                        buffer.put((byte) 0);
                    }
                } else {
                    cache.read(id, manifest.chunkLength(index), within, buffer);
                }
                offset += n;
            }
        } finally {
            buffer.limit(limit);
        }
    }

    private void maybeReadAhead(long offset, long end) {
        long previous = lastEnd;
        lastEnd = end;
        if (window <= 0 || offset != previous) {
            return;
        }
        int chunkSize = manifest.chunkSize();
        long next = (end + chunkSize - 1) / chunkSize;
        // Ask again only when the reader has used up half of what was asked for last time.
        if (next + window / 2 < aheadUntil) {
            return;
        }
        long from = Math.max(next, aheadUntil);
        long to = Math.min(next + window, manifest.chunks().length);
        if (from >= to) {
            return;
        }
        aheadUntil = to;
        List<ChunkId> ids = new ArrayList<>();
        List<Integer> lengths = new ArrayList<>();
        for (long i = from; i < to; i++) {
            ChunkId id = manifest.chunks()[(int) i];
            if (id != null && !cache.contains(id)) {
                ids.add(id);
                lengths.add(manifest.chunkLength(i));
            }
        }
        if (!ids.isEmpty()) {
            readAhead.request(ids, lengths);
        }
    }

    @Override
    public void write(ByteBuffer buffer, long offset) throws IOException {
        throw new ImageFormatException("image '" + manifest.name() + "' is a read-only base image; write to a snapshot of it");
    }

    @Override
    public void flush() {}

    @Override
    public void discard(long offset, long length) throws IOException {
        throw new ImageFormatException("image '" + manifest.name() + "' is a read-only base image; write to a snapshot of it");
    }

    @Override
    public Extent extentAt(long offset) throws IOException {
        BlockDevice.checkRange(this, offset, 1);
        int chunkSize = manifest.chunkSize();
        ChunkId[] chunks = manifest.chunks();
        int index = (int) (offset / chunkSize);
        boolean zero = chunks[index] == null;
        int e = index + 1;
        while (e < chunks.length && (chunks[e] == null) == zero) {
            e++;
        }
        return new Extent(Math.min((long) e * chunkSize, manifest.size()) - offset, zero);
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    @Override
    public void close() {}
}
