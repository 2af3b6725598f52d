package io.hvx.storage.vmdk;

import io.hvx.storage.block.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;

/** A ZERO VMDK extent: sectors that always read as zeros and cannot be written. */
final class ZeroExtent implements BlockDevice {
    private final long size;

    ZeroExtent(long sectors) {
        this.size = sectors * 512;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        while (buffer.hasRemaining()) {
            buffer.put((byte) 0);
        }
    }

    @Override
    public void write(ByteBuffer buffer, long offset) throws IOException {
        throw new IOException("a ZERO VMDK extent cannot be written");
    }

    @Override
    public void flush() {}

    @Override
    public void discard(long offset, long length) {}

    @Override
    public Extent extentAt(long offset) {
        return new Extent(size - offset, true);
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    @Override
    public void close() {}
}
