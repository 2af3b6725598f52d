package io.hvx.storage.vhd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.cli.ImageCommand;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.testing.Qemu;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VhdWriteTest {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    private Path rawSample() throws Exception {
        Path raw = dir.resolve("s.raw");
        Qemu.img("create", "-f", "raw", raw.toString(), "7M");
        Qemu.io(raw, "raw", "write -P 0x11 0 100k", "write -P 0x22 3M 7", "write -z 4M 1M", "write -P 0x33 6M 1M");
        return raw;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dynamic", "fixed"})
    void vhd_written_by_hvx_reads_equal_in_qemu_with_qemus_size(String subformat) throws Exception {
        Path raw = rawSample();
        Path out = dir.resolve("h.vhd");
        assertEquals(0, ImageCommand.execute("convert", "-O", "vpc", "-o", "subformat=" + subformat, raw.toString(),
                out.toString()));
        assertEquals(0, Qemu.run("qemu-img", "compare", "-f", "raw", "-F", "vpc", raw.toString(), out.toString())
                .exitCode());
        Path byQemu = dir.resolve("q.vhd");
        Qemu.img("convert", "-O", "vpc", "-o", "subformat=" + subformat, raw.toString(), byQemu.toString());
        String hvxInfo = Qemu.img("info", "-f", "vpc", "--output=json", out.toString());
        String qemuInfo = Qemu.img("info", "-f", "vpc", "--output=json", byQemu.toString());
        assertEquals(virtualSize(qemuInfo), virtualSize(hvxInfo), hvxInfo);
        try (var d = ImageOpener.open(out, ImageFormat.VPC, true)) {
            assertEquals(virtualSize(qemuInfo), d.size());
            ByteBuffer b = ByteBuffer.allocate((int) d.size());
            d.read(b, 0);
            assertArrayEquals(Qemu.rawView(out, "vpc", dir), b.array());
        }
    }

    @Test
    void dynamic_vhd_allocates_only_written_blocks() throws Exception {
        Path out = dir.resolve("sparse.vhd");
        assertEquals(0, ImageCommand.execute("create", "-f", "vpc", out.toString(), "1G"));
        try (var d = ImageOpener.open(out, ImageFormat.VPC, false)) {
            d.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 600L << 20);
        }
        assertTrue(Files.size(out) < 8L << 20, "file is " + Files.size(out) + " bytes");
        byte[] view = Qemu.rawView(out, "vpc", dir);
        assertEquals(1, view[600 << 20]);
        assertEquals(3, view[(600 << 20) + 2]);
    }

    /** qemu has no differencing-VHD support, so this checks hvx against the data it wrote, not against qemu. */
    @Test
    void differencing_vhd_reads_parent_where_unwritten_and_own_data_where_written() throws Exception {
        Path raw = rawSample();
        Path parent = dir.resolve("parent.vhd");
        Qemu.img("convert", "-O", "vpc", raw.toString(), parent.toString());
        byte[] expected = Qemu.rawView(parent, "vpc", dir);
        Path child = dir.resolve("child.vhd");
        assertEquals(0, ImageCommand.execute("create", "-f", "vpc", "-b", "parent.vhd", "-F", "vpc",
                child.toString()));
        byte[] data = new byte[5000];
        Arrays.fill(data, (byte) 0x5a);
        try (var d = ImageOpener.open(child, ImageFormat.VPC, false)) {
            d.write(ByteBuffer.wrap(data), 3L << 20);
        }
        System.arraycopy(data, 0, expected, 3 << 20, data.length);
        byte[] parentBefore = Files.readAllBytes(parent);
        try (var d = ImageOpener.open(child, null, true)) {
            assertTrue(d instanceof VhdImage v && v.subformat().equals("differencing"));
            ByteBuffer b = ByteBuffer.allocate((int) d.size());
            d.read(b, 0);
            assertArrayEquals(expected, b.array());
        }
        assertArrayEquals(parentBefore, Files.readAllBytes(parent));
    }

    private static long virtualSize(String json) {
        int i = json.indexOf("\"virtual-size\": ") + 16;
        return Long.parseLong(json.substring(i, json.indexOf(',', i)).trim());
    }
}
