package io.hvx.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.testing.Images;
import io.hvx.storage.testing.Qemu;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Qcow2WriteTest {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    @ParameterizedTest
    @ValueSource(ints = {9, 12, 16, 21})
    void image_written_by_hvx_passes_qemu_check_and_reads_the_same_in_qemu(int clusterBits) throws Exception {
        Path img = dir.resolve("w.qcow2");
        byte[] expected = new byte[3 << 20];
        Random rnd = new Random(clusterBits);
        try (Qcow2Image q = Qcow2Image.create(img, expected.length, clusterBits, null, null)) {
            for (int i = 0; i < 40; i++) {
                int off = rnd.nextInt(expected.length - 70000);
                int len = 1 + rnd.nextInt(70000);
                byte[] data = new byte[len];
                rnd.nextBytes(data);
                System.arraycopy(data, 0, expected, off, len);
                q.write(ByteBuffer.wrap(data), off);
            }
            q.writeZeroes(1 << 20, 1 << 16);
            java.util.Arrays.fill(expected, 1 << 20, (1 << 20) + (1 << 16), (byte) 0);
        }
        Qemu.Result check = Qemu.run("qemu-img", "check", img.toString());
        assertEquals(0, check.exitCode(), check.output());
        assertArrayEquals(expected, Qemu.rawView(img, dir));
        assertArrayEquals(expected, Images.readAll(img));
    }

    @Test
    void writes_over_qemu_compressed_clusters_and_backing_keep_qemu_check_clean() throws Exception {
        Path base = dir.resolve("base.raw");
        Path top = dir.resolve("top.qcow2");
        Qemu.img("create", "-f", "raw", base.toString(), "1M");
        Qemu.io(base, "raw", "write -P 0x07 0 1M");
        Qemu.img("create", "-f", "qcow2", "-b", "base.raw", "-F", "raw", top.toString());
        Qemu.io(top, "qcow2", "write -c -P 0x09 64k 64k");
        try (Qcow2Image q = Qcow2Image.open(top, false)) {
            q.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 64 * 1024 + 10);
            q.write(ByteBuffer.wrap(new byte[] {4, 5, 6}), 300 * 1024);
        }
        assertEquals(0, Qemu.run("qemu-img", "check", top.toString()).exitCode());
        byte[] view = Qemu.rawView(top, dir);
        assertEquals(0x09, view[64 * 1024 + 9]);
        assertEquals(1, view[64 * 1024 + 10]);
        assertEquals(0x07, view[300 * 1024 - 1]);
        assertEquals(4, view[300 * 1024]);
        assertArrayEquals(view, Images.readAll(top));
    }

    @Test
    void grown_image_passes_qemu_check_and_keeps_data() throws Exception {
        Path img = dir.resolve("g.qcow2");
        try (Qcow2Image q = Qcow2Image.create(img, 1 << 20, 9, null, null)) {
            q.write(ByteBuffer.wrap(new byte[] {42}), 5);
        }
        try (Qcow2Image q = Qcow2Image.open(img, false)) {
            q.resize(64L << 20);
            q.write(ByteBuffer.wrap(new byte[] {43}), (64L << 20) - 1);
        }
        assertEquals(0, Qemu.run("qemu-img", "check", img.toString()).exitCode());
        String info = Qemu.img("info", "--output=json", img.toString());
        assertTrue(info.contains("\"virtual-size\": " + (64L << 20)), info);
        byte[] view = Qemu.rawView(img, dir);
        assertEquals(42, view[5]);
        assertEquals(43, view[view.length - 1]);
    }
}
