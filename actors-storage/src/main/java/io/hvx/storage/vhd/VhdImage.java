package io.hvx.storage.vhd;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a VHD (Virtual PC / Hyper-V gen 1) disk: fixed (data then a 512-byte footer) or dynamic (footer copy, dynamic
 * header, block allocation table, blocks each preceded by a sector bitmap). Footer and headers are big-endian.
 *
 * <pre>
 * footer:  0 cookie "conectix"  16 data offset (u64)  48 current size (u64)  60 disk type (2 fixed, 3 dynamic, 4 diff)
 * dynamic: 0 cookie "cxsparse"  16 table offset (u64)  28 max table entries (u32)  32 block size (u32)
 * </pre>
 */
public final class VhdImage implements BlockDevice {
    private static final int SECTOR = 512;
    private static final long MAX_SIZE = 2040L << 30;
    private static final int UNALLOCATED = 0xffffffff;

    private final Path path;
    private final FileChannel channel;
    private final long size;
    private final int diskType;
    private final int blockSize;
    private final int bitmapBytes;
    private final int[] bat;

    private VhdImage(Path path, FileChannel channel) throws IOException {
        this.path = path;
        this.channel = channel;
        long fileSize = channel.size();
        if (fileSize < SECTOR) {
            throw new ImageFormatException(path + ": file is truncated, no VHD footer");
        }
        ByteBuffer footer = ByteBuffer.allocate(SECTOR);
        readFully(footer, 0);
        if (!cookie(footer, "conectix")) {
            readFully(footer.clear(), fileSize - SECTOR);
            if (!cookie(footer, "conectix")) {
                throw new ImageFormatException(path + ": not a VHD image (no 'conectix' footer)");
            }
        }
        diskType = footer.getInt(60);
        size = footer.getLong(48);
        if (size < 0 || size > MAX_SIZE) {
            throw new ImageFormatException(path + ": absurd VHD size " + Long.toUnsignedString(size));
        }
        if (diskType == 2) {
            if (size + SECTOR > fileSize) {
                throw new ImageFormatException(path + ": fixed VHD is truncated (" + fileSize + " bytes for "
                        + size + ")");
            }
            blockSize = 0;
            bitmapBytes = 0;
            bat = null;
            return;
        }
        if (diskType == 4) {
            throw new ImageFormatException(path + ": differencing VHD images are not supported yet");
        }
        if (diskType != 3) {
            throw new ImageFormatException(path + ": unknown VHD disk type " + diskType);
        }
        long dynOff = footer.getLong(16);
        if (dynOff < 0 || dynOff + 1024 > fileSize) {
            throw new ImageFormatException(path + ": VHD dynamic header is past the end of the file");
        }
        ByteBuffer dyn = ByteBuffer.allocate(1024);
        readFully(dyn, dynOff);
        if (!cookie(dyn, "cxsparse")) {
            throw new ImageFormatException(path + ": VHD dynamic header is corrupt (no 'cxsparse')");
        }
        long tableOff = dyn.getLong(16);
        long entries = Integer.toUnsignedLong(dyn.getInt(28));
        long bs = Integer.toUnsignedLong(dyn.getInt(32));
        if (bs < SECTOR || bs > (256L << 20) || Long.bitCount(bs) != 1) {
            throw new ImageFormatException(path + ": invalid VHD block size " + bs);
        }
        blockSize = (int) bs;
        if (entries * blockSize < size || entries > (1 << 24)) {
            throw new ImageFormatException(path + ": VHD block table has " + entries + " entries, wrong for "
                    + size + " bytes");
        }
        if (tableOff < 0 || tableOff + entries * 4 > fileSize) {
            throw new ImageFormatException(path + ": VHD block table is past the end of the file");
        }
        ByteBuffer t = ByteBuffer.allocate((int) entries * 4);
        readFully(t, tableOff);
        bat = new int[(int) entries];
        t.flip().asIntBuffer().get(bat);
        bitmapBytes = (int) ((blockSize / SECTOR / 8 + SECTOR - 1) / SECTOR * SECTOR);
    }

    public static VhdImage open(Path path) throws IOException {
        FileChannel ch = FileChannel.open(path, StandardOpenOption.READ);
        try {
            return new VhdImage(path, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static boolean cookie(ByteBuffer b, String c) {
        return new String(b.array(), 0, 8, StandardCharsets.US_ASCII).equals(c);
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public synchronized void read(ByteBuffer buffer, long offset) throws IOException {
        BlockDevice.checkRange(this, offset, buffer.remaining());
        if (bat == null) {
            readFully(buffer, offset);
            return;
        }
        while (buffer.hasRemaining()) {
            int in = (int) (offset % blockSize);
            int n = Math.min(buffer.remaining(), blockSize - in);
            int entry = bat[(int) (offset / blockSize)];
            int lim = buffer.limit();
            buffer.limit(buffer.position() + n);
            if (entry == UNALLOCATED) {
                while (buffer.hasRemaining()) {
                    buffer.put((byte) 0);
                }
            } else {
                long at = Integer.toUnsignedLong(entry) * SECTOR + bitmapBytes + in;
                if (at + n > channel.size()) {
                    throw new ImageFormatException(path + ": VHD block at sector " + Integer.toUnsignedString(entry)
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
        if (bat == null) {
            return new Extent(size - offset, false);
        }
        long pos = offset;
        boolean zero = bat[(int) (offset / blockSize)] == UNALLOCATED;
        while (pos < size && (bat[(int) (pos / blockSize)] == UNALLOCATED) == zero) {
            pos += blockSize - (pos % blockSize);
        }
        return new Extent(Math.min(pos, size) - offset, zero);
    }

    @Override
    public void write(ByteBuffer buffer, long offset) throws IOException {
        throw new IOException(path + ": writing VHD images is not supported yet; convert it instead");
    }

    @Override
    public void flush() {}

    @Override
    public void discard(long offset, long length) throws IOException {
        throw new IOException(path + ": VHD images are opened read-only");
    }

    @Override
    public boolean readOnly() {
        return true;
    }

    public String subformat() {
        return diskType == 2 ? "fixed" : "dynamic";
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
