package io.hvx.storage.volume;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.store.ObjectBackend;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A block device kept as fixed-size objects in a bucket (or directory): object {@code <prefix>/<n>} holds
 * bytes [n*objectSize, (n+1)*objectSize). Missing objects read as zeros; a write replaces whole objects
 * (read, modify, put), which the backend makes atomic. Writes to one object wait for each other so that no
 * update is lost; writes to different objects, and all reads, run at the same time.
 */
public final class ObjectBlockDevice implements BlockDevice {
    private final ObjectBackend backend;
    private final String prefix;
    private final long size;
    private final int objectSize;
    // Object n is guarded by locks[n % LOCKS]: a fixed set, so no lock is created per write.
    private static final int LOCKS = 64;
    private final Object[] locks = new Object[LOCKS];

    public ObjectBlockDevice(ObjectBackend backend, String prefix, long size, int objectSize) {
        this.backend = backend;
        this.prefix = prefix.endsWith("/") ? prefix : prefix + "/";
        this.size = size;
        this.objectSize = objectSize;
        for (int i = 0; i < LOCKS; i++) {
            locks[i] = new Object();
        }
    }

    @Override
    public long size() {
        return size;
    }

    private byte[] load(long index) throws IOException {
        byte[] data = backend.get(prefix + index);
        byte[] full = new byte[objectSize];
        if (data != null) {
            System.arraycopy(data, 0, full, 0, Math.min(data.length, objectSize));
        }
        return full;
    }

    @Override
    public void read(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        while (buffer.hasRemaining()) {
            long index = offset / objectSize;
            int within = (int) (offset % objectSize);
            int n = Math.min(buffer.remaining(), objectSize - within);
            byte[] data = backend.get(prefix + index);
            if (data == null || data.length < within + n) {
                byte[] full = load(index);
                buffer.put(full, within, n);
            } else {
                buffer.put(data, within, n);
            }
            offset += n;
        }
    }

    @Override
    public void write(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        while (buffer.hasRemaining()) {
            long index = offset / objectSize;
            int within = (int) (offset % objectSize);
            int n = Math.min(buffer.remaining(), objectSize - within);
            synchronized (locks[(int) (index % LOCKS)]) {
                byte[] full = n == objectSize ? new byte[objectSize] : load(index);
                buffer.get(full, within, n);
                backend.put(prefix + index, full);
            }
            offset += n;
        }
    }

    @Override
    public void flush() {
        // Every put is durable when it returns.
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        BlockDevice.checkRange(this, offset, length);
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, objectSize));
        for (long done = 0; done < length; ) {
            int n = (int) Math.min(length - done, zeros.capacity());
            write(zeros.clear().limit(n), offset + done);
            done += n;
        }
    }

    @Override
    public Extent extentAt(long offset) throws IOException {
        BlockDevice.checkRange(this, offset, 1);
        return new Extent(Math.min(objectSize - offset % objectSize, size - offset), false);
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    @Override
    public void close() throws IOException {
        backend.close();
    }
}
