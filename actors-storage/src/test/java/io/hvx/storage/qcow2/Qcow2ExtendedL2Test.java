package io.hvx.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.cli.ImageCommand;
import io.hvx.storage.testing.Images;
import io.hvx.storage.testing.Qemu;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Qcow2ExtendedL2Test {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    @ParameterizedTest
    @ValueSource(strings = {"16k", "64k", "2M"})
    void subclusters_written_by_qemu_over_a_backing_file_read_like_qemu(String clusterSize) throws Exception {
        Path base = dir.resolve("base.raw");
        Qemu.img("create", "-f", "raw", base.toString(), "4M");
        Qemu.io(base, "raw", "write -P 0x0b 0 4M");
        Path top = dir.resolve("top.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "extended_l2=on,cluster_size=" + clusterSize, "-b", "base.raw",
                "-F", "raw", top.toString());
        Qemu.io(top, "qcow2", "write -P 0x21 4k 4k", "write -z 64k 1536", "write -P 0x22 1M 100k",
                "write -z 2M 128k", "write -c -P 0x23 " + (clusterSize.equals("2M") ? "2M" : "3M") + " " + clusterSize);
        assertTrue(Qemu.img("info", top.toString()).contains("extended l2: true"));
        assertArrayEquals(Qemu.rawView(top, dir), Images.readAll(top));
    }

    @Test
    void image_with_extended_l2_written_by_hvx_passes_qemu_check_and_compare() throws Exception {
        Path raw = dir.resolve("in.raw");
        Qemu.img("create", "-f", "raw", raw.toString(), "6M");
        Qemu.io(raw, "raw", "write -P 0x31 0 100k", "write -P 0x32 3M 7", "write -P 0x33 5M 1M");
        Path out = dir.resolve("out.qcow2");
        assertEquals(0, ImageCommand.execute("convert", "-O", "qcow2", "-o", "extended_l2=on,cluster_size=32k",
                raw.toString(), out.toString()));
        Qemu.Result check = Qemu.run("qemu-img", "check", out.toString());
        assertEquals(0, check.exitCode(), check.output());
        assertEquals(0, Qemu.run("qemu-img", "compare", raw.toString(), out.toString()).exitCode());
        assertTrue(Qemu.img("info", out.toString()).contains("extended l2: true"));
        assertArrayEquals(Files.readAllBytes(raw), Images.readAll(out));
    }

    @Test
    void hvx_writes_into_partly_allocated_qemu_clusters_keep_qemu_check_clean() throws Exception {
        Path base = dir.resolve("base.raw");
        Qemu.img("create", "-f", "raw", base.toString(), "2M");
        Qemu.io(base, "raw", "write -P 0x0c 0 2M");
        Path top = dir.resolve("top.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "extended_l2=on", "-b", "base.raw", "-F", "raw", top.toString());
        Qemu.io(top, "qcow2", "write -P 0x41 8k 4k", "write -z 20k 2k");
        byte[] expected = Qemu.rawView(top, dir);
        Random rnd = new Random(4);
        try (Qcow2Image q = Qcow2Image.open(top, false)) {
            for (int i = 0; i < 20; i++) {
                int off = rnd.nextInt(200_000);
                byte[] d = new byte[1 + rnd.nextInt(9000)];
                rnd.nextBytes(d);
                System.arraycopy(d, 0, expected, off, d.length);
                q.write(ByteBuffer.wrap(d), off);
            }
        }
        Qemu.Result check = Qemu.run("qemu-img", "check", top.toString());
        assertEquals(0, check.exitCode(), check.output());
        assertArrayEquals(expected, Qemu.rawView(top, dir));
    }
}
