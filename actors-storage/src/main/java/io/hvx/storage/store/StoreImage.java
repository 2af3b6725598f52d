package io.hvx.storage.store;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A stored image as a read-only block device. Each reading thread keeps the last chunk it decoded, so
 * sequential reads decode every chunk once.
 */
public final class StoreImage implements BlockDevice {
    private final Manifest manifest;
    private final ChunkSource source;
    private final ThreadLocal<Held> held;

    private static final class Held {
        ChunkId id;
        final byte[] bytes;

        Held(int size) {
            bytes = new byte[size];
        }
    }

    public StoreImage(Manifest manifest, ChunkSource source) {
        this.manifest = manifest;
        this.source = source;
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
