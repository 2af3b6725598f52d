package io.hvx.storage.vdi;

import static io.hvx.storage.image.FileIo.writeFully;
import io.hvx.storage.image.FileIo;

import io.hvx.storage.image.ImageChannels;
import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.Discards;
import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A VirtualBox VDI disk (dynamic or fixed), read and written; new blocks are appended to the data area. Little-endian header after a 64-byte text banner:
 *
 * <pre>
 * 0x40 signature 0xbeda107f  0x44 version  0x48 header size  0x4c type (1 dynamic, 2 fixed)
 * 0x154 block map offset  0x158 data offset  0x170 disk size (u64)  0x178 block size  0x17c block extra
 * 0x180 blocks in disk    0x184 blocks allocated
 * block map entries (u32): block index in the data area, 0xffffffff unallocated, 0xfffffffe zero
 * </pre>
 */
public final class VdiImage implements BlockDevice, io.hvx.storage.image.Checkable {
    public static final int SIGNATURE = 0xbeda107f;
    private static final int UNALLOCATED = 0xffffffff;
    private static final int ZERO = 0xfffffffe;
    private static final long MAX_SIZE = 1L << 50;

    private static final int BLOCK = 1 << 20;
    private static final int HEADER = 0x200;
    private static final int OFF_BLOCKS_ALLOCATED = 0x184;

    private final Path path;
    private final FileChannel channel;
    private final boolean readOnly;
    private final long mapOffset;
    private final int type;
    private long allocated;
    private final long size;
    private final int blockSize;
    private final int blockExtra;
    private final long dataOffset;
    private final int[] map;

    private VdiImage(Path path, FileChannel channel, boolean readOnly) throws IOException {
        this.path = path;
        this.channel = channel;
        this.readOnly = readOnly;
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
        type = h.getInt(0x4c);
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
        if (h.getInt(0x168) != 512) {
            throw new ImageFormatException(path + ": unsupported VDI sector size " + h.getInt(0x168));
        }
        if ((dataOffset & 511) != 0 || (mapOff & 511) != 0) {
            throw new ImageFormatException(path + ": VDI block map or data offset is not sector aligned");
        }
        mapOffset = mapOff;
        blockSize = (int) bs;
        blockExtra = (int) extra;
        ByteBuffer m = ByteBuffer.allocate((int) blocks * 4).order(ByteOrder.LITTLE_ENDIAN);
        readFully(m, mapOff);
        map = new int[(int) blocks];
        m.flip().asIntBuffer().get(map);
        long used = 0;
        for (int e : map) {
            if (e != UNALLOCATED && e != ZERO) {
                if (Integer.toUnsignedLong(e) >= blocks) {
                    throw new ImageFormatException(path + ": VDI block map entry " + Integer.toUnsignedString(e)
                            + " is out of range");
                }
                used = Math.max(used, Integer.toUnsignedLong(e) + 1);
            }
        }
        allocated = used;
    }

    public static VdiImage open(Path path) throws IOException {
        return open(path, true);
    }

    public static VdiImage open(Path path, boolean readOnly) throws IOException {
        return ImageChannels.open(path, readOnly, ch -> new VdiImage(path, ch, readOnly));
    }

    /** Creates a VDI with 1 MiB blocks (the only size qemu reads); fixed images map every block up front. */
    public static VdiImage create(Path path, long size, boolean fixed) throws IOException {
        if (size < 0 || size > MAX_SIZE) {
            throw new ImageFormatException("VDI size " + size + " is out of range");
        }
        size = (size + 511) / 512 * 512;
        long blocks = (size + BLOCK - 1) / BLOCK;
        long mapBytes = (blocks * 4 + 511) / 512 * 512;
        long dataOff = HEADER + mapBytes;
        ByteBuffer h = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        h.put(0, "<<< hvx Virtual Disk Image >>>\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        h.putInt(0x40, SIGNATURE).putInt(0x44, 0x00010001).putInt(0x48, 0x190).putInt(0x4c, fixed ? 2 : 1)
                .putInt(0x154, HEADER).putInt(0x158, (int) dataOff).putInt(0x168, 512).putLong(0x170, size)
                .putInt(0x178, BLOCK).putInt(0x17c, 0).putInt(0x180, (int) blocks)
                .putInt(OFF_BLOCKS_ALLOCATED, fixed ? (int) blocks : 0);
        putUuid(h, 0x188);
        putUuid(h, 0x198);
        ByteBuffer m = ByteBuffer.allocate((int) mapBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < blocks; i++) {
            m.putInt(i * 4, fixed ? i : UNALLOCATED);
        }
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                StandardOpenOption.CREATE_NEW)) {
            writeFully(ch, h, 0);
            writeFully(ch, m, HEADER);
            if (fixed && blocks > 0) {
                writeFully(ch, ByteBuffer.allocate(1), dataOff + blocks * BLOCK - 1);
            }
        }
        return open(path, false);
    }

    /** A random (version 4) UUID in the little-endian field layout VirtualBox uses. */
    private static void putUuid(ByteBuffer h, int at) {
        java.util.UUID u = java.util.UUID.randomUUID();
        ByteBuffer be = ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits());
        h.putInt(at, be.getInt(0)).putShort(at + 4, be.getShort(4)).putShort(at + 6, be.getShort(6));
        for (int i = 8; i < 16; i++) {
            h.put(at + i, be.get(i));
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
    public synchronized void write(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkWrite(this, path, offset, buffer.remaining());
        while (buffer.hasRemaining()) {
            int in = (int) (offset % blockSize);
            int n = Math.min(buffer.remaining(), blockSize - in);
            int index = (int) (offset / blockSize);
            if (map[index] == UNALLOCATED || map[index] == ZERO) {
                allocate(index);
            }
            long at = dataOffset + Integer.toUnsignedLong(map[index]) * ((long) blockSize + blockExtra) + blockExtra
                    + in;
            int lim = buffer.limit();
            buffer.limit(buffer.position() + n);
            writeFully(channel, buffer, at);
            buffer.limit(lim);
            offset += n;
        }
    }

    /** Appends a zero block (a hole until written) and records it in the map and the header's count. */
    private void allocate(int index) throws IOException {
        long slot = allocated++;
        long end = dataOffset + (slot + 1) * ((long) blockSize + blockExtra);
        if (channel.size() < end) {
            writeFully(channel, ByteBuffer.allocate(1), end - 1);
        }
        map[index] = (int) slot;
        writeFully(channel, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) slot),
                mapOffset + index * 4L);
        writeFully(channel, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) allocated),
                OFF_BLOCKS_ALLOCATED);
    }

    @Override
    public void flush() throws IOException {
        if (!readOnly) {
            channel.force(false);
        }
    }

    @Override
    public synchronized void discard(long offset, long length) throws IOException {
        Discards.zeroAllocated(this, offset, length, blockSize, at -> !unallocated(at));
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    public String subformat() {
        return type == 2 ? "fixed" : "dynamic";
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    private void readFully(ByteBuffer b, long offset) throws IOException {
        FileIo.readFully(channel, b, offset, path);
    }

    /** Every mapped block inside the file and mapped once; the header's allocated count matching the map. */
    @Override
    public synchronized Result check() throws IOException {
        int n = 0;
        for (int e : map) {
            if (e != UNALLOCATED && e != ZERO) {
                n++;
            }
        }
        long[] units = new long[n];
        n = 0;
        for (int e : map) {
            if (e != UNALLOCATED && e != ZERO) {
                units[n++] = Integer.toUnsignedLong(e);
            }
        }
        long inFile = (channel.size() - dataOffset + blockSize + blockExtra - 1) / ((long) blockSize + blockExtra);
        long bad = io.hvx.storage.image.Checkable.overlapsAndStrays(units, n, Math.max(inFile, 0));
        ByteBuffer h = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        readFully(h, OFF_BLOCKS_ALLOCATED);
        if (Integer.toUnsignedLong(h.getInt(0)) != n && type == 1) {
            bad++;
        }
        return new Result(bad, 0);
    }
}
