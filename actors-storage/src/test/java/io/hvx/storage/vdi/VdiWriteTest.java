package io.hvx.storage.vdi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.cli.ImageCommand;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.testing.Images;
import io.hvx.storage.testing.Qemu;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VdiWriteTest {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void vdi_written_by_hvx_passes_qemu_check_and_compare(String fixed) throws Exception {
        Path raw = dir.resolve("s.raw");
        Qemu.img("create", "-f", "raw", raw.toString(), "5M");
        Qemu.io(raw, "raw", "write -P 0x11 0 100k", "write -P 0x22 3M 7", "write -P 0x33 4M 1M");
        Path out = dir.resolve("h.vdi");
        assertEquals(0, ImageCommand.execute("convert", "-O", "vdi", "-o", "static=" + fixed, raw.toString(),
                out.toString()));
        Qemu.Result check = Qemu.run("qemu-img", "check", out.toString());
        assertEquals(0, check.exitCode(), check.output());
        assertEquals(0, Qemu.run("qemu-img", "compare", raw.toString(), out.toString()).exitCode());
        assertArrayEquals(Files.readAllBytes(raw), Images.readAll(out));
        String info = Qemu.img("info", out.toString());
        assertTrue(info.contains("file format: vdi"), info);
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void random_writes_to_an_hvx_vdi_read_back_in_qemu(String fixed) throws Exception {
        Path out = dir.resolve("w.vdi");
        assertEquals(0, ImageCommand.execute("create", "-f", "vdi", "-o", "static=" + fixed, out.toString(), "8M"));
        byte[] expected = new byte[8 << 20];
        java.util.Random rnd = new java.util.Random(3);
        try (var d = ImageOpener.open(out, null, false)) {
            for (int i = 0; i < 30; i++) {
                int off = rnd.nextInt(expected.length - 3000);
                byte[] data = new byte[1 + rnd.nextInt(3000)];
                rnd.nextBytes(data);
                System.arraycopy(data, 0, expected, off, data.length);
                d.write(ByteBuffer.wrap(data), off);
            }
        }
        assertEquals(0, Qemu.run("qemu-img", "check", out.toString()).exitCode());
        assertArrayEquals(expected, Qemu.rawView(out, dir));
    }
}
