package io.hvx.storage.store;

import io.hvx.storage.block.BlockDevice;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;

/** Reads a block device front to back as a stream of its raw bytes (for HTTP downloads). */
public final class BlockDeviceInputStream extends InputStream {
    private final BlockDevice device;
    private long position;

    public BlockDeviceInputStream(BlockDevice device) {
        this.device = device;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        long left = device.size() - position;
        if (left <= 0) {
            return -1;
        }
        int n = (int) Math.min(len, left);
        device.read(ByteBuffer.wrap(b, off, n), position);
        position += n;
        return n;
    }

    @Override
    public void close() throws IOException {
        device.close();
    }
}
