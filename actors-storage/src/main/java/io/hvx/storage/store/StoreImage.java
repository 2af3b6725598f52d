package io.hvx.storage.store;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A stored image as a read-only block device. Each reading thread keeps the last chunk it decoded, so
 * sequential reads decode every chunk once; a read spanning several chunks asks the source for them together
 * (an object store then has them in flight at once).
 */
public final class StoreImage implements BlockDevice {
    /** Bytes of chunk buffers one thread may hold for a multi-chunk read. */
    private static final int BATCH_BYTES = 4 << 20;
    private static final int MAX_BATCH = 64;
    private static final byte[] ZEROS = new byte[64 << 10];

    private final Manifest manifest;
    private final ChunkSource source;
    private final ThreadLocal<Held> held;
    private final int batch;

    private final class Held {
        ChunkId id;
        final byte[] bytes;
        // Filled on the first multi-chunk read of the thread: the chunk buffers and the request arrays.
        byte[][] many;
        final ChunkId[] ids = new ChunkId[batch];
        final int[] lengths = new int[batch];

        Held(int size) {
            bytes = new byte[size];
        }

        byte[][] many() {
            if (many == null) {
                many = new byte[batch][];
            }
            return many;
        }
    }

    public StoreImage(Manifest manifest, ChunkSource source) {
        this.manifest = manifest;
        this.source = source;
        this.batch = Math.clamp(BATCH_BYTES / manifest.chunkSize(), 1, MAX_BATCH);
        this.held = ThreadLocal.withInitial(() -> new Held(manifest.chunkSize()));
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
        Held h = held.get();
        if (batch > 1 && offset / chunkSize != (offset + buffer.remaining() - 1) / chunkSize) {
            readSpan(buffer, offset, h);
            return;
        }
        while (buffer.hasRemaining()) {
            long index = offset / chunkSize;
            int within = (int) (offset - index * chunkSize);
            int n = Math.min(buffer.remaining(), chunkSize - within);
            ChunkId id = manifest.chunks()[(int) index];
            if (id == null) {
                for (int i = 0; i < n; i++) {
                    buffer.put((byte) 0);
                }
            } else {
                if (!id.equals(h.id)) {
                    h.id = null;
                    source.readChunk(id, h.bytes, manifest.chunkLength(index));
                    h.id = id;
                }
                buffer.put(h.bytes, within, n);
            }
            offset += n;
        }
    }

    /** A read over several chunks: up to batch non-zero chunks at a time are fetched together, then copied. */
    private void readSpan(ByteBuffer buffer, long offset, Held h) throws IOException {
        int chunkSize = manifest.chunkSize();
        ChunkId[] chunks = manifest.chunks();
        byte[][] many = h.many();
        long end = offset + buffer.remaining();
        long last = (end - 1) / chunkSize;
        while (offset < end) {
            long first = offset / chunkSize;
            int k = 0;
            long next = first;
            while (next <= last && k < batch) {
                ChunkId id = chunks[(int) next];
                if (id != null) {
                    if (many[k] == null) {
                        many[k] = new byte[chunkSize];
                    }
                    h.ids[k] = id;
                    h.lengths[k] = manifest.chunkLength(next);
                    k++;
                }
                next++;
            }
            source.readChunks(h.ids, many, h.lengths, k);
            int slot = 0;
            for (long index = first; index < next; index++) {
                int within = (int) (offset - index * chunkSize);
                int n = (int) Math.min(end - offset, chunkSize - within);
                if (chunks[(int) index] == null) {
                    for (int done = 0; done < n; done += ZEROS.length) {
                        buffer.put(ZEROS, 0, Math.min(ZEROS.length, n - done));
                    }
                } else {
                    buffer.put(many[slot++], within, n);
                }
                offset += n;
            }
        }
    }

    @Override
    public void write(ByteBuffer buffer, long offset) throws IOException {
        throw readOnlyError();
    }

    @Override
    public void flush() {}

    @Override
    public void discard(long offset, long length) throws IOException {
        throw readOnlyError();
    }

    private ImageFormatException readOnlyError() {
        return new ImageFormatException("image '" + manifest.name() + "' is a read-only base image; write to a snapshot of it");
    }

    @Override
    public Extent extentAt(long offset) throws IOException {
        BlockDevice.checkRange(this, offset, 1);
        int chunkSize = manifest.chunkSize();
        int index = (int) (offset / chunkSize);
        boolean zero = manifest.chunks()[index] == null;
        int end = index + 1;
        ChunkId[] chunks = manifest.chunks();
        while (end < chunks.length && (chunks[end] == null) == zero) {
            end++;
        }
        return new Extent(Math.min((long) end * chunkSize, manifest.size()) - offset, zero);
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    @Override
    public void close() {}
}
