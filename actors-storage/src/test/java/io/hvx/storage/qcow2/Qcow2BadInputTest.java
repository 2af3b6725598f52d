package io.hvx.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.testing.Qemu;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Qcow2BadInputTest {
    @TempDir
    Path dir;

    /** A small valid image written by hvx itself, so these tests run without qemu-utils. */
    private Path valid() throws IOException {
        Path img = dir.resolve("v" + System.nanoTime() + ".qcow2");
        try (Qcow2Image q = Qcow2Image.create(img, 1 << 20, 12, null, null)) {
            byte[] d = new byte[20000];
            new Random(1).nextBytes(d);
            q.write(ByteBuffer.wrap(d), 5000);
        }
        return img;
    }

    private static void poke(Path img, long offset, long value, int width) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(offset);
            if (width == 8) {
                f.writeLong(value);
            } else {
                f.writeInt((int) value);
            }
        }
    }

    private static String openError(Path img) {
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> {
            try (BlockDevice d = ImageOpener.open(img, null, true)) {
                d.read(ByteBuffer.allocate((int) d.size()), 0);
            }
        });
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        return e.getMessage();
    }

    @Test
    void truncated_header_is_reported() throws IOException {
        Path img = valid();
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(50);
        }
        assertTrue(openError(img).contains("truncated"));
    }

    @Test
    void truncated_tables_are_reported() throws IOException {
        Path img = valid();
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.setLength(4096 + 100);
        }
        assertTrue(openError(img).contains("past the end"));
    }

    @Test
    void unknown_version_and_cluster_bits_are_reported() throws IOException {
        Path a = valid();
        poke(a, 4, 7, 4);
        assertTrue(openError(a).contains("version 7"));
        Path b = valid();
        poke(b, 20, 40, 4);
        assertTrue(openError(b).contains("cluster_bits"));
    }

    @Test
    void absurd_virtual_size_is_reported_without_allocating() throws IOException {
        Path img = valid();
        poke(img, 24, Long.MAX_VALUE, 8);
        assertTrue(openError(img).contains("absurd virtual size"));
        Path huge = valid();
        poke(huge, 24, 1L << 60, 8);
        poke(huge, 36, Integer.MAX_VALUE, 4);
        assertTrue(openError(huge).contains("L1 table"));
    }

    @Test
    void l1_table_past_end_of_file_is_reported() throws IOException {
        Path img = valid();
        poke(img, 40, 1L << 40, 8);
        assertTrue(openError(img).contains("L1 table"));
    }

    @Test
    void l2_table_past_end_of_file_is_reported_on_read() throws IOException {
        Path img = valid();
        long l1 = 4096;
        poke(img, l1, (1L << 40) | (1L << 63), 8);
        assertTrue(openError(img).contains("L2 table"));
    }

    @Test
    void opening_and_reading_never_writes_the_input() throws Exception {
        Path img = valid();
        byte[] before = Files.readAllBytes(img);
        long modified = Files.getLastModifiedTime(img).toMillis();
        try (BlockDevice d = ImageOpener.open(img, null, true)) {
            d.read(ByteBuffer.allocate((int) d.size()), 0);
            assertThrows(IOException.class, () -> d.write(ByteBuffer.allocate(1), 0));
        }
        assertArrayEquals(before, Files.readAllBytes(img));
        assertEquals(modified, Files.getLastModifiedTime(img).toMillis());
    }

    @Test
    void random_corruption_gives_an_image_error_or_data_never_a_crash_or_hang() throws IOException {
        Path good = valid();
        byte[] original = Files.readAllBytes(good);
        Random rnd = new Random(42);
        Path img = dir.resolve("fuzz.qcow2");
        for (int round = 0; round < 300; round++) {
            byte[] mutated = original.clone();
            int flips = 1 + rnd.nextInt(8);
            for (int i = 0; i < flips; i++) {
                // Headers and tables live in the first clusters; aim most mutations there.
                int pos = rnd.nextInt(4) == 0 ? rnd.nextInt(mutated.length) : rnd.nextInt(Math.min(mutated.length, 16384));
                mutated[pos] = (byte) rnd.nextInt(256);
            }
            Files.write(img, mutated);
            assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
                try (Qcow2Image d = Qcow2Image.open(img, true)) {
                    ByteBuffer b = ByteBuffer.allocate((int) Math.min(d.size(), 1 << 20));
                    d.read(b, 0);
                    d.check();
                } catch (IOException expected) {
                    assertFalse(expected.getMessage() == null || expected.getMessage().isBlank());
                }
            });
        }
    }
}
