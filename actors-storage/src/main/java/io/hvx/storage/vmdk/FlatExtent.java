package io.hvx.storage.vmdk;

import io.hvx.storage.image.FileIo;
import io.hvx.storage.image.ImageChannels;
import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A FLAT (or VMFS) VMDK extent: a window of plain sectors in a file, starting at a sector offset. */
final class FlatExtent implements BlockDevice {
    private final Path path;
    private final FileChannel channel;
    private final long base;
    private final long size;
    private final boolean readOnly;

    private FlatExtent(Path path, FileChannel channel, long base, long size, boolean readOnly) {
        this.path = path;
        this.channel = channel;
        this.base = base;
        this.size = size;
        this.readOnly = readOnly;
    }

    static FlatExtent open(Path path, long offsetSectors, long sectors, boolean readOnly) throws IOException {
        return ImageChannels.open(path, readOnly,
                ch -> new FlatExtent(path, ch, offsetSectors * 512, sectors * 512, readOnly));
    }

    /** Creates the extent file, sparse, exactly as long as the extent. */
    static FlatExtent create(Path path, long sectors) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW);
        if (sectors > 0) {
            ch.write(ByteBuffer.allocate(1), sectors * 512 - 1);
        }
        return new FlatExtent(path, ch, 0, sectors * 512, false);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        // A flat extent shorter than its descriptor entry reads as zeros past its end, as in qemu.
        FileIo.readOrZero(channel, buffer, base + offset);
    }

    @Override
    public HostRun hostRun(long offset, long length) throws IOException {
        BlockDevice.checkRange(this, offset, length);
        long n = Math.min(length, channel.size() - base - offset);
        return n > 0 ? new HostRun(channel, base + offset, n) : null;
    }

    @Override
    public void write(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkWrite(this, path, offset, buffer.remaining());
        FileIo.writeFully(channel, buffer, base + offset);
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            channel.force(false);
        }
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        BlockDevice.checkRange(this, offset, length);
        long end = offset + length;
        while (offset < end) {
            int n = (int) Math.min(end - offset, 1 << 20);
            write(ByteBuffer.allocate(n), offset);
            offset += n;
        }
    }

    @Override
    public Extent extentAt(long offset) throws ImageFormatException {
        return new Extent(size - offset, false);
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
