package io.hvx.storage.snapshot;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.store.StoreImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;

/**
 * A copy-on-write layer over a read-only base image: written 4 KiB blocks live in a sparse local file,
 * the rest reads through to the base (the node cache or the store). Which blocks are written is a bitmap
 * saved at every flush, after the data it covers is on disk, so a crash loses at most the writes since
 * the last flush, as on a real disk with a volatile write cache.
 */
public final class CowSnapshot implements BlockDevice {
    public static final int BLOCK = 4096;
    static final String DATA = "data";
    static final String BITMAP = "bitmap";

    private final String name;
    private final Path dir;
    private final StoreImage base;
    private final FileChannel data;
    private final BitSet written;
    private final SnapshotLock lock;
    private final ThreadLocal<ByteBuffer> blockBuffer = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(BLOCK));
    private boolean dirty;
    private boolean closed;

    private CowSnapshot(String name, Path dir, StoreImage base, FileChannel data, BitSet written, SnapshotLock lock) {
        this.lock = lock;
        this.name = name;
        this.dir = dir;
        this.base = base;
        this.data = data;
        this.written = written;
    }

    /** Opens (or starts) the snapshot kept in dir over base; closing it releases lock. */
    static CowSnapshot open(String name, Path dir, StoreImage base, SnapshotLock lock) throws IOException {
        Files.createDirectories(dir);
        FileChannel data = FileChannel.open(dir.resolve(DATA), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        BitSet written = new BitSet();
        Path bitmap = dir.resolve(BITMAP);
        if (Files.exists(bitmap)) {
            written = BitSet.valueOf(Files.readAllBytes(bitmap));
            if (written.length() > blocks(base.size())) {
                data.close();
                throw new ImageFormatException("snapshot '" + name + "': its bitmap covers more blocks than its base image");
            }
        }
        return new CowSnapshot(name, dir, base, data, written, lock);
    }

    private static long blocks(long size) {
        return (size + BLOCK - 1) / BLOCK;
    }

    public String name() {
        return name;
    }

    public StoreImage base() {
        return base;
    }

    /** True when some block inside [offset, offset+length) has been written since the snapshot began. */
    public synchronized boolean writtenWithin(long offset, long length) {
        int from = (int) (offset / BLOCK);
        int to = (int) ((offset + length + BLOCK - 1) / BLOCK);
        int next = written.nextSetBit(from);
        return next >= 0 && next < to;
    }

    @Override
    public long size() {
        return base.size();
    }

    @Override
    public void read(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        while (buffer.hasRemaining()) {
            int block = (int) (offset / BLOCK);
            boolean local = isWritten(block);
            // Extend the run over following blocks in the same state, so one call serves it.
            long runEnd = (long) (block + 1) * BLOCK;
            long end = offset + buffer.remaining();
            while (runEnd < end && isWritten((int) (runEnd / BLOCK)) == local) {
                runEnd += BLOCK;
            }
            int n = (int) (Math.min(runEnd, end) - offset);
            ByteBuffer part = buffer.slice(buffer.position(), n);
            if (local) {
                readData(part, offset);
            } else {
                base.read(part, offset);
            }
            buffer.position(buffer.position() + n);
            offset += n;
        }
    }

    private synchronized boolean isWritten(int block) {
        return written.get(block);
    }

    private void readData(ByteBuffer part, long offset) throws IOException {
        while (part.hasRemaining()) {
            int n = data.read(part, offset);
            if (n < 0) {
                // Past the end of the sparse file: the block was discarded and reads as zeros.
                while (part.hasRemaining()) {
                    part.put((byte) 0);
                }
                return;
            }
            offset += n;
        }
    }

    @Override
    public synchronized void write(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        while (buffer.hasRemaining()) {
            int block = (int) (offset / BLOCK);
            int within = (int) (offset % BLOCK);
            int n = Math.min(buffer.remaining(), BLOCK - within);
            long blockStart = (long) block * BLOCK;
            int blockLength = (int) Math.min(BLOCK, size() - blockStart);
            if (!written.get(block) && n < blockLength) {
                // First write of part of a block: copy the block from the base, then overlay the new bytes.
                ByteBuffer whole = blockBuffer.get().clear().limit(blockLength);
                base.read(whole, blockStart);
                whole.flip();
                ByteBuffer src = buffer.slice(buffer.position(), n);
                whole.put(within, src, 0, n);
                writeData(whole.position(0).limit(blockLength), blockStart);
            } else {
                writeData(buffer.slice(buffer.position(), n), offset);
            }
            written.set(block);
            buffer.position(buffer.position() + n);
            offset += n;
            dirty = true;
        }
    }

    private void writeData(ByteBuffer src, long offset) throws IOException {
        while (src.hasRemaining()) {
            offset += data.write(src, offset);
        }
    }

    /** Saves the data, then the bitmap (temporary file, then rename), so the bitmap never names unsaved data. */
    @Override
    public synchronized void flush() throws IOException {
        if (!dirty) {
            return;
        }
        data.force(false);
        Path temp = dir.resolve(BITMAP + ".tmp");
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(written.toByteArray());
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
        Files.move(temp, dir.resolve(BITMAP), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        dirty = false;
    }

    @Override
    public synchronized void discard(long offset, long length) throws IOException {
        BlockDevice.checkRange(this, offset, length);
        // Blocks wholly inside the range become local zeros; partial ones get zeros written into them.
        ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(length, 1 << 20));
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(length - done, zeros.capacity());
            write(zeros.clear().limit(n), offset + done);
            done += n;
        }
    }

    @Override
    public Extent extentAt(long offset) throws IOException {
        BlockDevice.checkRange(this, offset, 1);
        int block = (int) (offset / BLOCK);
        synchronized (this) {
            if (written.get(block)) {
                long end = Math.min((long) written.nextClearBit(block) * BLOCK, size());
                return new Extent(end - offset, false);
            }
            int next = written.nextSetBit(block);
            long limit = next < 0 ? size() : Math.min((long) next * BLOCK, size());
            Extent fromBase = base.extentAt(offset);
            return new Extent(Math.min(fromBase.length(), limit - offset), fromBase.zero());
        }
    }

    @Override
    public boolean readOnly() {
        return false;
    }

    /** Flushes and releases the snapshot; closing it again does nothing (the lock may be someone else's by then). */
    @Override
    public synchronized void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            flush();
        } finally {
            try {
                data.close();
                base.close();
            } finally {
                lock.close();
            }
        }
    }

    SnapshotLock lock() {
        return lock;
    }
}
