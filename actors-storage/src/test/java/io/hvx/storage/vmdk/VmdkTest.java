package io.hvx.storage.vmdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.testing.Images;
import io.hvx.storage.testing.Qemu;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VmdkTest {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    private Path rawSample() throws Exception {
        Path raw = dir.resolve("s.raw");
        Qemu.img("create", "-f", "raw", raw.toString(), "5M");
        Qemu.io(raw, "raw", "write -P 0x11 0 100k", "write -P 0x22 1M 7", "write -P 0x33 4M 1M");
        return raw;
    }

    @ParameterizedTest
    @ValueSource(strings = {"monolithicSparse", "streamOptimized"})
    void sparse_vmdk_written_by_qemu_reads_back_equal(String subformat) throws Exception {
        Path vmdk = dir.resolve("q.vmdk");
        Qemu.img("convert", "-O", "vmdk", "-o", "subformat=" + subformat, rawSample().toString(), vmdk.toString());
        assertArrayEquals(Qemu.rawView(vmdk, dir), Images.readAll(vmdk));
    }

    @Test
    void stream_optimized_written_by_hvx_is_equal_under_qemu_compare() throws Exception {
        Path raw = rawSample();
        Path vmdk = dir.resolve("h.vmdk");
        var r = io.hvx.storage.cli.ImageCommand.execute("convert", "-O", "vmdk", "-o", "subformat=streamOptimized",
                raw.toString(), vmdk.toString());
        assertEquals(0, r);
        String info = Qemu.img("info", vmdk.toString());
        assertTrue(info.contains("streamOptimized"), info);
        assertEquals(0, Qemu.run("qemu-img", "compare", raw.toString(), vmdk.toString()).exitCode());
        assertEquals(0, Qemu.run("qemu-img", "check", vmdk.toString()).exitCode());
        assertArrayEquals(Qemu.rawView(raw, dir), Images.readAll(vmdk));
    }

    @Test
    void grain_directory_past_end_of_file_is_reported() throws Exception {
        Path vmdk = dir.resolve("q.vmdk");
        Qemu.img("convert", "-O", "vmdk", rawSample().toString(), vmdk.toString());
        try (RandomAccessFile f = new RandomAccessFile(vmdk.toFile(), "rw")) {
            f.seek(56);
            f.writeLong(Long.reverseBytes(1L << 40));
        }
        var e = assertThrows(ImageFormatException.class, () -> ImageOpener.open(vmdk, null, true).close());
        assertTrue(e.getMessage().contains("grain directory"), e.getMessage());
    }
}
