package io.hvx.storage.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/** Builds raw test disks with known data, zeros and repeated blocks. */
final class TestImages {
    private TestImages() {}

    /**
     * A raw disk of size bytes: random data in the first third, a hole in the second, and in the last third
     * the same 64 KiB block repeated (so it dedups within the image).
     */
    static Path mixed(Path file, long size, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] block = new byte[64 << 10];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            long third = size / 3 / block.length * block.length;
            for (long at = 0; at < third; at += block.length) {
                random.nextBytes(block);
                ch.write(ByteBuffer.wrap(block), at);
            }
            random.nextBytes(block);
            for (long at = 2 * third; at + block.length <= size; at += block.length) {
                ch.write(ByteBuffer.wrap(block), at);
            }
            ch.truncate(size);
            if (ch.size() < size) {
                ch.write(ByteBuffer.wrap(new byte[1]), size - 1);
            }
        }
        return file;
    }

    /** Overwrites len random bytes at offset. */
    static void scribble(Path file, long offset, int len, long seed) throws IOException {
        byte[] data = new byte[len];
        new Random(seed).nextBytes(data);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data), offset);
        }
    }
}
