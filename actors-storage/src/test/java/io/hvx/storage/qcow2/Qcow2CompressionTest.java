package io.hvx.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.cli.ImageCommand;
import io.hvx.storage.testing.Images;
import io.hvx.storage.testing.Qemu;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Qcow2CompressionTest {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    @ParameterizedTest
    @ValueSource(strings = {"zlib", "zstd"})
    void compressed_clusters_written_by_qemu_read_back_equal(String type) throws Exception {
        Path img = dir.resolve("c.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "compression_type=" + type, img.toString(), "3M");
        Qemu.io(img, "qcow2", "write -c -P 0x33 0 64k", "write -c -P 0x55 128k 128k", "write -P 0x66 1M 512",
                "write -c -P 0x77 2M 64k");
        byte[] hvx = Images.readAll(img);
        assertEquals(0x55, hvx[200 * 1024]);
        assertArrayEquals(Qemu.rawView(img, dir), hvx);
    }

    @ParameterizedTest
    @CsvSource({"zlib,65536", "zstd,65536", "zstd,512", "zlib,2097152", "zstd,4096"})
    void convert_c_writes_compressed_clusters_qemu_accepts(String type, int clusterSize) throws Exception {
        Path raw = dir.resolve("in.raw");
        Qemu.img("create", "-f", "raw", raw.toString(), "5M");
        // Compressible text-like patterns, one incompressible random run, zeros and holes.
        Qemu.io(raw, "raw", "write -P 0x41 0 300k", "write -P 0x42 1M 1", "write -P 0x43 3M 1M");
        byte[] random = new byte[200_000];
        new java.util.Random(5).nextBytes(random);
        try (var f = new java.io.RandomAccessFile(raw.toFile(), "rw")) {
            f.seek(2L << 20);
            f.write(random);
        }
        Path out = dir.resolve("out.qcow2");
        assertEquals(0, ImageCommand.execute("convert", "-c", "-O", "qcow2", "-o",
                "compression_type=" + type + ",cluster_size=" + clusterSize, raw.toString(), out.toString()));
        Qemu.Result check = Qemu.run("qemu-img", "check", out.toString());
        assertEquals(0, check.exitCode(), check.output());
        assertEquals(0, Qemu.run("qemu-img", "compare", raw.toString(), out.toString()).exitCode());
        String info = Qemu.img("info", out.toString());
        assertTrue(info.contains("compression type: " + type), info);
        Path plain = dir.resolve("plain.qcow2");
        Qemu.img("convert", "-O", "qcow2", "-o", "cluster_size=" + clusterSize, raw.toString(), plain.toString());
        assertTrue(Qemu.allocatedBytes(out) < Qemu.allocatedBytes(plain), "compressed output uses "
                + Qemu.allocatedBytes(out) + " bytes, qemu's uncompressed one " + Qemu.allocatedBytes(plain));
        // qemu-img map gives no host offset for compressed clusters and one for the incompressible random run.
        String map = Qemu.img("map", "--output=json", out.toString());
        String first = map.lines().filter(l -> l.contains("\"start\": 0,")).findFirst().orElseThrow();
        assertTrue(first.contains("\"data\": true") && !first.contains("\"offset\""), map);
        if (clusterSize < 1 << 20) {
            // With 2 MiB clusters the random run shares its cluster with zeros, and that compresses.
            String rnd = map.lines().filter(l -> l.contains("\"start\": " + (2L << 20) + ",")).findFirst()
                    .orElseThrow();
            assertTrue(rnd.contains("\"offset\""), map);
        }
        assertArrayEquals(Files.readAllBytes(raw), Images.readAll(out));
    }

    @Test
    void writing_over_qemu_zstd_clusters_keeps_check_clean() throws Exception {
        Path img = dir.resolve("z.qcow2");
        Qemu.img("create", "-f", "qcow2", "-o", "compression_type=zstd", img.toString(), "1M");
        Qemu.io(img, "qcow2", "write -c -P 0x21 0 64k");
        try (Qcow2Image q = Qcow2Image.open(img, false)) {
            q.write(java.nio.ByteBuffer.wrap(new byte[] {9, 9}), 100);
        }
        assertEquals(0, Qemu.run("qemu-img", "check", img.toString()).exitCode());
        byte[] view = Qemu.rawView(img, dir);
        assertEquals(0x21, view[99]);
        assertEquals(9, view[100]);
        assertEquals(0x21, view[102]);
    }
}
