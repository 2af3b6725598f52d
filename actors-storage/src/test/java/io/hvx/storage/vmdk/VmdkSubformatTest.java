package io.hvx.storage.vmdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.cli.ImageCommand;
import io.hvx.storage.image.ImageOpener;
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

class VmdkSubformatTest {
    private static final String[] ALL = {"monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse",
            "twoGbMaxExtentFlat", "streamOptimized"};

    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    private Path rawSample() throws Exception {
        Path raw = dir.resolve("s.raw");
        Qemu.img("create", "-f", "raw", raw.toString(), "6M");
        Qemu.io(raw, "raw", "write -P 0x11 0 100k", "write -P 0x22 1M 7", "write -z 2M 1M", "write -P 0x33 5M 1M");
        return raw;
    }

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat",
            "streamOptimized"})
    void vmdk_made_by_qemu_and_filled_by_qemu_io_reads_equal(String subformat) throws Exception {
        Path vmdk = dir.resolve("q.vmdk");
        Qemu.img("create", "-f", "vmdk", "-o", "subformat=" + subformat, vmdk.toString(), "6M");
        if (!subformat.equals("streamOptimized")) {
            Qemu.io(vmdk, "vmdk", "write -P 0x44 0 70k", "write -z 1M 64k", "write -P 0x55 3M 5");
        } else {
            Files.delete(vmdk);
            Qemu.img("convert", "-O", "vmdk", "-o", "subformat=" + subformat, rawSample().toString(),
                    vmdk.toString());
        }
        assertArrayEquals(Qemu.rawView(vmdk, dir), Images.readAll(vmdk));
    }

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat"})
    void vmdk_written_by_hvx_passes_qemu_check_compare_and_names_its_subformat(String subformat) throws Exception {
        Path raw = rawSample();
        Path out = dir.resolve("h.vmdk");
        assertEquals(0, ImageCommand.execute("convert", "-O", "vmdk", "-o", "subformat=" + subformat,
                raw.toString(), out.toString()));
        Qemu.Result check = Qemu.run("qemu-img", "check", out.toString());
        assertEquals(0, check.exitCode(), check.output());
        assertEquals(0, Qemu.run("qemu-img", "compare", raw.toString(), out.toString()).exitCode());
        String info = Qemu.img("info", out.toString());
        assertTrue(info.contains("create type: " + subformat), info);
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".part")), "temporary files remain");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "twoGbMaxExtentSparse", "monolithicFlat"})
    void random_writes_to_a_vmdk_made_by_qemu_read_back_in_qemu(String subformat) throws Exception {
        Path vmdk = dir.resolve("w.vmdk");
        Qemu.img("create", "-f", "vmdk", "-o", "subformat=" + subformat, vmdk.toString(), "4M");
        byte[] expected = new byte[4 << 20];
        Random rnd = new Random(11);
        try (var d = ImageOpener.open(vmdk, null, false)) {
            for (int i = 0; i < 40; i++) {
                int off = rnd.nextInt(expected.length - 100_000);
                byte[] data = new byte[1 + rnd.nextInt(100_000)];
                rnd.nextBytes(data);
                System.arraycopy(data, 0, expected, off, data.length);
                d.write(ByteBuffer.wrap(data), off);
            }
        }
        assertEquals(0, Qemu.run("qemu-img", "check", vmdk.toString()).exitCode());
        assertArrayEquals(expected, Qemu.rawView(vmdk, dir));
    }

    @Test
    void split_sparse_vmdk_over_2_gib_uses_several_extents() throws Exception {
        Path out = dir.resolve("big.vmdk");
        assertEquals(0, ImageCommand.execute("create", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse",
                out.toString(), "5G"));
        try (var d = ImageOpener.open(out, null, false)) {
            d.write(ByteBuffer.wrap(new byte[] {7, 8, 9}), (4L << 30) + 5);
        }
        assertTrue(Files.exists(dir.resolve("big-s003.vmdk")));
        assertFalse(Files.exists(dir.resolve("big-s004.vmdk")));
        String map = Qemu.img("map", "--output=json", out.toString());
        assertTrue(map.contains("\"start\": " + (4L << 30) + ", \"length\": 65536, \"depth\": 0, \"present\": true, "
                + "\"zero\": false, \"data\": true"), map);
        Qemu.Result check = Qemu.run("qemu-img", "check", out.toString());
        assertEquals(0, check.exitCode(), check.output());
    }
}
