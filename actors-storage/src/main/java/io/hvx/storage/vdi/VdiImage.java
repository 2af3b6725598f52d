package io.hvx.storage.vdi;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a VirtualBox VDI disk (dynamic or fixed). Little-endian header after a 64-byte text banner:
 *
 * <pre>
 * 0x40 signature 0xbeda107f  0x44 version  0x48 header size  0x4c type (1 dynamic, 2 fixed)
 * 0x154 block map offset  0x158 data offset  0x170 disk size (u64)  0x178 block size  0x17c block extra
 * 0x180 blocks in disk    0x184 blocks allocated
 * block map entries (u32): block index in the data area, 0xffffffff unallocated, 0xfffffffe zero
 * </pre>
 */
public final class VdiImage implements BlockDevice {
    public static final int SIGNATURE = 0xbeda107f;
    private static final int UNALLOCATED = 0xffffffff;
    private static final int ZERO = 0xfffffffe;
    private static final long MAX_SIZE = 1L << 50;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final int blockSize;
    private final int blockExtra;
    private final long dataOffset;
    private final int[] map;

    private VdiImage(Path path, FileChannel channel) throws IOException {
        this.path = path;
        this.channel = channel;
        long fileSize = channel.size();
        if (fileSize < 512) {
            throw new ImageFormatException(path + ": file is truncated, no VDI header");
        }
        ByteBuffer h = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
        readFully(h, 0);
        if (h.getInt(0x40) != SIGNATURE) {
            throw new ImageFormatException(path + ": not a VDI image (bad signature)");
        }
        if (h.getInt(0x44) >>> 16 != 1) {
            throw new ImageFormatException(path + ": unsupported VDI version 0x" + Integer.toHexString(h.getInt(0x44)));
        }
        int type = h.getInt(0x4c);
        if (type != 1 && type != 2) {
            throw new ImageFormatException(path + ": unsupported VDI image type " + type);
        }
        long mapOff = Integer.toUnsignedLong(h.getInt(0x154));
        dataOffset = Integer.toUnsignedLong(h.getInt(0x158));
        size = h.getLong(0x170);
        long bs = Integer.toUnsignedLong(h.getInt(0x178));
        long extra = Integer.toUnsignedLong(h.getInt(0x17c));
        long blocks = Integer.toUnsignedLong(h.getInt(0x180));
        if (size < 0 || size > MAX_SIZE) {
            throw new ImageFormatException(path + ": absurd VDI disk size " + Long.toUnsignedString(size));
        }
        if (bs < 512 || bs > (64L << 20) || Long.bitCount(bs) != 1 || extra > (1 << 20)) {
            throw new ImageFormatException(path + ": invalid VDI block size " + bs);
        }
        if (blocks * bs < size || blocks > (1 << 26)) {
            throw new ImageFormatException(path + ": VDI block count " + blocks + " does not cover " + size + " bytes");
        }
        if (mapOff + blocks * 4 > fileSize) {
            throw new ImageFormatException(path + ": VDI block map is past the end of the file");
        }
        blockSize = (int) bs;
        blockExtra = (int) extra;
        ByteBuffer m = ByteBuffer.allocate((int) blocks * 4).order(ByteOrder.LITTLE_ENDIAN);
        readFully(m, mapOff);
        map = new int[(int) blocks];
        m.flip().asIntBuffer().get(map);
    }

    public static VdiImage open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new VdiImage(path, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public synchronized void read(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        while (buffer.hasRemaining()) {
            int in = (int) (offset % blockSize);
            int n = Math.min(buffer.remaining(), blockSize - in);
            int entry = map[(int) (offset / blockSize)];
            int lim = buffer.limit();
            buffer.limit(buffer.position() + n);
            if (entry == UNALLOCATED || entry == ZERO) {
                while (buffer.hasRemaining()) {
                    buffer.put((byte) 0);
                }
            } else {
                long at = dataOffset + Integer.toUnsignedLong(entry) * ((long) blockSize + blockExtra) + blockExtra + in;
                if (at + n > channel.size()) {
                    throw new ImageFormatException(path + ": VDI block " + Integer.toUnsignedString(entry)
                            + " is past the end of the file");
                }
                readFully(buffer, at);
            }
            buffer.limit(lim);
            offset += n;
        }
    }

    @Override
    public synchronized Extent extentAt(long offset) {
        long pos = offset;
        boolean zero = unallocated(offset);
        while (pos < size && unallocated(pos) == zero) {
            pos += blockSize - (pos % blockSize);
        }
        return new Extent(Math.min(pos, size) - offset, zero);
    }

    private boolean unallocated(long offset) {
        int e = map[(int) (offset / blockSize)];
        return e == UNALLOCATED || e == ZERO;
    }

    @Override
    public void write(ByteBuffer buffer, long offset) throws IOException {
        throw new IOException(path + ": writing VDI images is not supported yet; convert it instead");
    }

    @Override
    public void flush() {}

    @Override
    public void discard(long offset, long length) throws IOException {
        throw new IOException(path + ": VDI images are opened read-only");
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private void readFully(ByteBuffer b, long offset) throws IOException {
        while (b.hasRemaining()) {
            int n = channel.read(b, offset);
            if (n < 0) {
                throw new ImageFormatException(path + ": unexpected end of file at offset " + offset);
            }
            offset += n;
        }
    }
}
