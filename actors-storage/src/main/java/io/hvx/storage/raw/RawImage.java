package io.hvx.storage.raw;

import io.hvx.storage.image.FileIo;
import io.hvx.storage.image.ImageChannels;
import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** A raw disk image: the file is the disk; new files are sparse and converters skip zero blocks. */
public final class RawImage implements BlockDevice {
        private final FileChannel channel;
    private final Path path;
    private HoleFinder holes;
    private final boolean readOnly;
    private volatile long size;

    private RawImage(Path path, FileChannel channel, long size, boolean readOnly) {
        this.path = path;
        this.channel = channel;
        this.size = size;
        this.readOnly = readOnly;
    }

    public static RawImage open(Path path, boolean readOnly) throws IOException {
        return ImageChannels.open(path, readOnly, ch -> new RawImage(path, ch, ch.size(), readOnly));
    }

    /** Creates a sparse file of the given size; it reads as zeros. */
    public static RawImage create(Path path, long size) throws IOException {
        if (size < 0) {
            throw new ImageFormatException("image size must not be negative: " + size);
        }
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW);
        // Setting the length through a positional write of one byte keeps the file sparse on every filesystem.
        if (size > 0) {
            ch.write(ByteBuffer.allocate(1), size - 1);
        }
        return new RawImage(path, ch, size, false);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        // A file that shrank underneath us reads as zeros past its end.
        FileIo.readOrZero(channel, buffer, offset);
    }

    @Override
    public void write(ByteBuffer buffer, long offset) throws IOException {
        requireWritable();
        BlockDevice.checkRange(this, offset, buffer.remaining());
        FileIo.writeFully(channel, buffer, offset);
    }

    /** True when every remaining byte of the buffer is zero; does not move its position. */
    public static boolean isZero(ByteBuffer b) {
        return isZero(MemorySegment.ofBuffer(b), 0, b.remaining());
    }

    /** True when the bytes of seg from start (inclusive) to end (exclusive) are all zero. */
    public static boolean isZero(MemorySegment seg, long start, long end) {
        // MemorySegment.mismatch is vectorized by the JIT; comparing against a shared zero block is the fast path.
        long done = start;
        while (done < end) {
            long n = Math.min(end - done, ZEROS.byteSize());
            if (MemorySegment.mismatch(seg, done, done + n, ZEROS, 0, n) >= 0) {
                return false;
            }
            done += n;
        }
        return true;
    }

    private static final MemorySegment ZEROS = Arena.global().allocate(1 << 20);

    @Override
    public void flush() throws IOException {
        channel.force(false);
    }

    @Override
    public void discard(long offset, long length) throws IOException {
        requireWritable();
        BlockDevice.checkRange(this, offset, length);
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        long pos = offset;
        long end = offset + length;
        while (pos < end) {
            zeros.clear().limit((int) Math.min(zeros.capacity(), end - pos));
            pos += channel.write(zeros, pos);
        }
    }

    @Override
    public boolean acceptsParallelWrites() {
        return !readOnly;
    }

    @Override
    public HostRun hostRun(long offset, long length) throws IOException {
        BlockDevice.checkRange(this, offset, length);
        // Only bytes the file really holds: a mapping must not reach past its end.
        long n = Math.min(length, channel.size() - offset);
        return n > 0 ? new HostRun(channel, offset, n) : null;
    }

    @Override
    public synchronized Extent extentAt(long offset) {
        if (holes == null) {
            holes = new HoleFinder(path);
        }
        long data = holes.nextData(offset);
        if (data < 0) {
            // ENXIO (no data up to EOF) or no SEEK_DATA support: with a size known, EOF-bound holes are zeros.
            return new Extent(size - offset, false);
        }
        if (data > offset) {
            return new Extent(Math.min(data, size) - offset, true);
        }
        long hole = holes.nextHole(offset);
        if (hole <= offset) {
            return new Extent(size - offset, false);
        }
        return new Extent(Math.min(hole, size) - offset, false);
    }

    /** Grows or shrinks the disk. */
    public void resize(long newSize) throws IOException {
        requireWritable();
        if (newSize < size) {
            channel.truncate(newSize);
        } else if (newSize > size) {
            channel.write(ByteBuffer.allocate(1), newSize - 1);
        }
        size = newSize;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    private void requireWritable() throws IOException {
        if (readOnly) {
            throw new IOException("image is open read-only");
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (holes != null) {
            holes.close();
        }
        channel.close();
    }
}
