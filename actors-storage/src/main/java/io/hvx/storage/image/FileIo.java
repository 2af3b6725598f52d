package io.hvx.storage.image;

import io.hvx.storage.block.ImageFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;

/** Positional reads and writes on image files that loop until the whole buffer is done; shared by all formats. */
public final class FileIo {
    private FileIo() {}

    /** Reads b.remaining() bytes at offset; the file ending first is an error naming the file. */
    public static void readFully(FileChannel ch, ByteBuffer b, long offset, Path path) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, offset);
            if (n < 0) {
                throw new ImageFormatException(path + ": unexpected end of file at offset " + offset);
            }
            offset += n;
        }
    }

    /** Reads b.remaining() bytes at offset, with bytes past the end of the file read as zeros. */
    public static void readOrZero(FileChannel ch, ByteBuffer b, long offset) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, offset);
            if (n < 0) {
                fillZero(b);
                return;
            }
            offset += n;
        }
    }

    /** Writes all of b's remaining bytes at offset. */
    public static void writeFully(FileChannel ch, ByteBuffer b, long offset) throws IOException {
        while (b.hasRemaining()) {
            offset += ch.write(b, offset);
        }
    }

    /** Zeros b's remaining bytes. */
    public static void fillZero(ByteBuffer b) {
        while (b.remaining() >= 8) {
            b.putLong(0);
        }
        while (b.hasRemaining()) {
            b.put((byte) 0);
        }
    }

    /** v rounded up to a multiple of a. */
    public static long alignUp(long v, long a) {
        return (v + a - 1) / a * a;
    }
}
