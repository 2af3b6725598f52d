package io.hvx.storage.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.testing.Images;
import io.hvx.storage.testing.Qemu;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageCommandTest {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    private Path sample() throws Exception {
        Path img = dir.resolve("src.qcow2");
        Qemu.img("create", "-f", "qcow2", img.toString(), "8M");
        Qemu.io(img, "qcow2", "write -P 0x11 0 1M", "write -c -P 0x22 2M 128k", "write -z 3M 1M",
                "write -P 0x33 7M 5000");
        return img;
    }

    @Test
    void convert_qcow2_to_raw_is_sparse_and_equal_under_qemu_compare() throws Exception {
        Path src = sample();
        Path raw = dir.resolve("out.raw");
        var r = CliRunner.run("convert", "-O", "raw", src.toString(), raw.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(0, Qemu.run("qemu-img", "compare", src.toString(), raw.toString()).exitCode());
        long allocated = (long) Files.getAttribute(raw, "unix:size");
        assertEquals(8L << 20, allocated);
        assertTrue(usedBytes(raw) < (4L << 20), "raw output should be sparse, uses " + usedBytes(raw));
    }

    @Test
    void convert_raw_to_qcow2_passes_qemu_check_and_compare() throws Exception {
        Path raw = dir.resolve("in.raw");
        Qemu.img("convert", "-O", "raw", sample().toString(), raw.toString());
        Path out = dir.resolve("out.qcow2");
        var r = CliRunner.run("convert", "-p", "-O", "qcow2", "-o", "cluster_size=4096", raw.toString(),
                out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("100.00/100%"), r.out());
        assertEquals(0, Qemu.run("qemu-img", "check", out.toString()).exitCode());
        assertEquals(0, Qemu.run("qemu-img", "compare", raw.toString(), out.toString()).exitCode());
        assertTrue(Qemu.img("info", out.toString()).contains("cluster_size: 4096"));
    }

    @Test
    void compare_exits_0_when_equal_and_1_at_first_difference() throws Exception {
        Path a = sample();
        Path b = dir.resolve("b.qcow2");
        Qemu.img("convert", "-O", "qcow2", a.toString(), b.toString());
        assertEquals(0, CliRunner.run("compare", a.toString(), b.toString()).exitCode());
        Qemu.io(b, "qcow2", "write -P 0x99 5M 1");
        var r = CliRunner.run("compare", a.toString(), b.toString());
        assertEquals(1, r.exitCode());
        assertTrue(r.out().contains("Content mismatch at offset " + (5 << 20) + "!"), r.out());
    }

    @Test
    void check_reports_clean_image_as_0_and_json() throws Exception {
        var r = CliRunner.run("check", "--output=json", sample().toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("\"corruptions\": 0"), r.out());
    }

    @Test
    void check_reports_leaked_cluster_as_3_and_missing_refcount_as_2() throws Exception {
        Path img = sample();
        // Leak: a cluster appended past every table, refcount 1, as qemu-img check -r leaks would find.
        Path leaky = dir.resolve("leaky.qcow2");
        Files.copy(img, leaky);
        Qemu.io(leaky, "qcow2", "write -P 1 6M 64k");
        // Drop the L2 entry of the cluster just written: its refcount stays 1, so it is a leak.
        long l2 = l2OffsetFor(leaky, 6L << 20);
        try (RandomAccessFile f = new RandomAccessFile(leaky.toFile(), "rw")) {
            f.seek(l2 + 8L * ((6L << 20) >> 16));
            f.writeLong(0);
        }
        assertEquals(3, Qemu.run("qemu-img", "check", leaky.toString()).exitCode());
        assertEquals(3, CliRunner.run("check", leaky.toString()).exitCode());
        // Corruption: point a second L2 entry at the same data cluster, which has refcount 1.
        Path shared = dir.resolve("shared.qcow2");
        Files.copy(img, shared);
        long l2s = l2OffsetFor(shared, 0);
        try (RandomAccessFile f = new RandomAccessFile(shared.toFile(), "rw")) {
            f.seek(l2s);
            long first = f.readLong();
            f.seek(l2s + 8 * 100);
            f.writeLong(first);
        }
        assertEquals(2, Qemu.run("qemu-img", "check", shared.toString()).exitCode());
        assertEquals(2, CliRunner.run("check", shared.toString()).exitCode());
    }

    @Test
    void check_r_all_repairs_leaks_and_low_refcounts_so_qemu_finds_the_image_clean() throws Exception {
        Path img = sample();
        Path leaky = dir.resolve("leaky.qcow2");
        Files.copy(img, leaky);
        Qemu.io(leaky, "qcow2", "write -P 1 6M 64k");
        long l2 = l2OffsetFor(leaky, 6L << 20);
        try (RandomAccessFile f = new RandomAccessFile(leaky.toFile(), "rw")) {
            f.seek(l2 + 8L * ((6L << 20) >> 16));
            f.writeLong(0);
        }
        byte[] before = Qemu.rawView(leaky, dir);
        var r = CliRunner.run("check", "-r", "all", leaky.toString());
        assertEquals(0, r.exitCode(), r.out() + r.err());
        assertTrue(r.out().contains("1 leaked clusters"), r.out());
        assertEquals(0, Qemu.run("qemu-img", "check", leaky.toString()).exitCode());
        assertArrayEquals(before, Qemu.rawView(leaky, dir));
    }

    @Test
    void info_json_names_format_size_and_backing() throws Exception {
        Path base = sample();
        Path top = dir.resolve("top.qcow2");
        var c = CliRunner.run("create", "-f", "qcow2", "-b", "src.qcow2", "-F", "qcow2", top.toString());
        assertEquals(0, c.exitCode(), c.err());
        var r = CliRunner.run("info", "--output=json", top.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("\"virtual-size\": " + (8 << 20)), r.out());
        assertTrue(r.out().contains("\"backing-filename\": \"src.qcow2\""), r.out());
        assertTrue(r.out().contains("\"format\": \"qcow2\""), r.out());
        assertEquals(0, Qemu.run("qemu-img", "compare", base.toString(), top.toString()).exitCode());
        assertEquals(0, Qemu.run("qemu-img", "check", top.toString()).exitCode());
    }

    @Test
    void resize_grows_qcow2_and_raw() throws Exception {
        Path img = sample();
        assertEquals(0, CliRunner.run("resize", img.toString(), "+1G").exitCode());
        assertTrue(Qemu.img("info", img.toString()).contains("(1082130432 bytes)"));
        assertEquals(0, Qemu.run("qemu-img", "check", img.toString()).exitCode());
        Path raw = dir.resolve("r.raw");
        assertEquals(0, CliRunner.run("create", raw.toString(), "1M").exitCode());
        assertEquals(0, CliRunner.run("resize", raw.toString(), "2M").exitCode());
        assertEquals(2 << 20, Files.size(raw));
        assertEquals(1, CliRunner.run("resize", raw.toString(), "1M").exitCode());
    }

    @Test
    void failed_convert_leaves_no_file_under_the_final_name() throws Exception {
        Path bad = dir.resolve("bad.qcow2");
        Files.copy(sample(), bad);
        try (RandomAccessFile f = new RandomAccessFile(bad.toFile(), "rw")) {
            f.seek(40);
            f.writeLong(1L << 50); // L1 table far past the end of the file
        }
        Path out = dir.resolve("out.raw");
        var r = CliRunner.run("convert", "-O", "raw", bad.toString(), out.toString());
        assertEquals(1, r.exitCode());
        assertFalse(Files.exists(out));
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".part")));
        }
    }

    @Test
    void usage_error_exits_1_with_a_message() {
        var r = CliRunner.run("convert", "-O", "qcow2");
        assertEquals(1, r.exitCode());
        assertTrue(r.err().startsWith("hvx image: "), r.err());
        var u = CliRunner.run("convert", "-O", "nosuchfmt", "a", "b");
        assertEquals(1, u.exitCode());
    }

    private static long usedBytes(Path p) throws Exception {
        String out = Qemu.ok("stat", "-c", "%b %B", p.toString()).trim();
        String[] parts = out.split(" ");
        return Long.parseLong(parts[0]) * Long.parseLong(parts[1]);
    }

    /** Reads the L2 table offset covering a guest offset (cluster size 64 KiB, as qemu-img's default). */
    static long l2OffsetFor(Path img, long guest) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "r")) {
            f.seek(40);
            long l1 = f.readLong();
            f.seek(l1 + 8 * (guest >> 16 >> 13));
            return f.readLong() & 0x00fffffffffffe00L;
        }
    }
}
