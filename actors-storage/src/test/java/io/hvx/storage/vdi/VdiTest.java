package io.hvx.storage.vdi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

class VdiTest {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    private Path vdi(String prealloc) throws Exception {
        Path raw = dir.resolve("s.raw");
        Qemu.img("create", "-f", "raw", raw.toString(), "5M");
        Qemu.io(raw, "raw", "write -P 0x11 0 100k", "write -P 0x22 3M 7", "write -P 0x33 4M 1M");
        Path out = dir.resolve("d.vdi");
        Qemu.img("convert", "-O", "vdi", "-o", "static=" + prealloc, raw.toString(), out.toString());
        return out;
    }

    @ParameterizedTest
    @ValueSource(strings = {"off", "on"})
    void vdi_written_by_qemu_reads_back_equal(String prealloc) throws Exception {
        Path img = vdi(prealloc);
        assertArrayEquals(Qemu.rawView(img, dir), Images.readAll(img));
    }

    @Test
    void block_map_past_end_of_file_is_reported() throws Exception {
        Path img = vdi("off");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(0x154);
            f.writeInt(Integer.reverseBytes(0x7fffffff));
        }
        var e = assertThrows(ImageFormatException.class, () -> ImageOpener.open(img, null, true).close());
        assertTrue(e.getMessage().contains("block map"), e.getMessage());
    }
}
