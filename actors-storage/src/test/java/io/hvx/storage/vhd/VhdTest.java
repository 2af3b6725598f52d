package io.hvx.storage.vhd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.testing.Qemu;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VhdTest {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    private Path vhd(String subformat) throws Exception {
        Path raw = dir.resolve("s.raw");
        Qemu.img("create", "-f", "raw", raw.toString(), "6M");
        Qemu.io(raw, "raw", "write -P 0x11 0 100k", "write -P 0x22 3M 7", "write -P 0x33 5M 1M");
        Path out = dir.resolve("d.vhd");
        Qemu.img("convert", "-O", "vpc", "-o", "subformat=" + subformat, raw.toString(), out.toString());
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"dynamic", "fixed"})
    void vhd_written_by_qemu_reads_back_equal(String subformat) throws Exception {
        Path img = vhd(subformat);
        byte[] expected = Qemu.rawView(img, "vpc", dir);
        try (var d = ImageOpener.open(img, ImageFormat.VPC, true)) {
            ByteBuffer b = ByteBuffer.allocate((int) d.size());
            d.read(b, 0);
            assertArrayEquals(expected, b.array());
        }
    }

    @Test
    void block_table_past_end_of_file_is_reported() throws Exception {
        Path img = vhd("dynamic");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(512 + 16);
            f.writeLong(1L << 40);
        }
        var e = assertThrows(ImageFormatException.class, () -> ImageOpener.open(img, null, true).close());
        assertTrue(e.getMessage().contains("block table"), e.getMessage());
    }
}
