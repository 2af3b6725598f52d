package io.hvx.storage.qcow2;

import io.hvx.storage.image.FileIo;

import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Positional reads and writes on a qcow2 file, with errors that name the file. */
final class ImageFile {
    private final Path path;
    private final FileChannel channel;

    ImageFile(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    Path path() {
        return path;
    }

    FileChannel channel() {
        return channel;
    }

    long size() throws IOException {
        return channel.size();
    }

    /** Reads a table of big-endian 64-bit entries. */
    long[] readTable(long offset, int entries) throws IOException {
        if (entries == 0) {
            return new long[0];
        }
        if (offset < 0 || offset + (long) entries * 8 > channel.size()) {
            throw new ImageFormatException(path + ": table at 0x" + Long.toHexString(offset)
                    + " runs past the end of the file");
        }
        ByteBuffer b = ByteBuffer.allocate(entries * 8).order(ByteOrder.BIG_ENDIAN);
        readFully(b, offset);
        long[] t = new long[entries];
        b.flip().asLongBuffer().get(t);
        return t;
    }

    void readFully(ByteBuffer b, long offset) throws IOException {
        FileIo.readFully(channel, b, offset, path);
    }

    /** Reads, with bytes past the end of the file as zeros (the last cluster may be short). */
    void readFullyOrZero(ByteBuffer b, long offset) throws IOException {
        FileIo.readOrZero(channel, b, offset);
    }

    void write(ByteBuffer b, long offset) throws IOException {
        writeFully(channel, b, offset);
    }

    static void writeFully(FileChannel ch, ByteBuffer b, long offset) throws IOException {
        FileIo.writeFully(ch, b, offset);
    }

    static void fillZero(ByteBuffer b) {
        FileIo.fillZero(b);
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    static long alignUp(long a, long b) {
        return ceilDiv(a, b) * b;
    }
}
