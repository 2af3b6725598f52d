package io.hvx.storage.vhdx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.cli.ImageCommand;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.testing.Images;
import io.hvx.storage.testing.Qemu;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VhdxTest {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    @ParameterizedTest
    @ValueSource(strings = {"dynamic", "fixed"})
    void vhdx_made_and_filled_by_qemu_reads_equal(String subformat) throws Exception {
        Path img = dir.resolve("q.vhdx");
        Qemu.img("create", "-f", "vhdx", "-o", "subformat=" + subformat + ",block_size=1M", img.toString(), "6M");
        Qemu.io(img, "vhdx", "write -P 0x11 0 100k", "write -z 1M 1M", "write -P 0x22 3M 7", "write -P 0x33 5M 1M");
        assertArrayEquals(Qemu.rawView(img, dir), Images.readAll(img));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dynamic", "fixed"})
    void vhdx_written_by_hvx_passes_qemu_check_and_compare(String subformat) throws Exception {
        Path raw = dir.resolve("s.raw");
        Qemu.img("create", "-f", "raw", raw.toString(), "70M");
        Qemu.io(raw, "raw", "write -P 0x11 0 100k", "write -P 0x22 33M 7", "write -P 0x33 69M 1M");
        Path out = dir.resolve("h.vhdx");
        assertEquals(0, ImageCommand.execute("convert", "-O", "vhdx", "-o", "subformat=" + subformat,
                raw.toString(), out.toString()));
        Qemu.Result check = Qemu.run("qemu-img", "check", out.toString());
        assertEquals(0, check.exitCode(), check.output());
        assertEquals(0, Qemu.run("qemu-img", "compare", raw.toString(), out.toString()).exitCode());
        String info = Qemu.img("info", out.toString());
        assertTrue(info.contains("file format: vhdx") && info.contains("(73400320 bytes)"), info);
        if (subformat.equals("dynamic")) {
            assertTrue(Qemu.allocatedBytes(out) < 40L << 20, "dynamic VHDX uses " + Qemu.allocatedBytes(out));
        }
    }

    /**
     * A crash between writing the log and applying it: qemu-io's block allocation leaves its log entry in the log
     * region; undoing the BAT update and pointing the header at the log again gives the state a crash leaves.
     */
    @Test
    void log_left_by_a_crash_is_replayed_in_memory_read_only_and_into_the_file_read_write() throws Exception {
        Path img = dir.resolve("crash.vhdx");
        Qemu.img("create", "-f", "vhdx", "-o", "block_size=1M", img.toString(), "4M");
        Qemu.io(img, "vhdx", "write -P 0x5c 2M 4k");
        byte[] expected = Qemu.rawView(img, dir);
        simulateCrashBeforeLogApplied(img);
        byte[] crashed = Files.readAllBytes(img);
        assertArrayEquals(expected, Images.readAll(img));
        assertArrayEquals(crashed, Files.readAllBytes(img), "a read-only open wrote to the image");
        Path byQemu = dir.resolve("byqemu.vhdx");
        Files.copy(img, byQemu);
        Qemu.run("qemu-img", "check", "-r", "all", byQemu.toString());
        assertArrayEquals(expected, Qemu.rawView(byQemu, dir));
        try (var d = ImageOpener.open(img, null, false)) {
            assertEquals(4L << 20, d.size());
        }
        Qemu.Result check = Qemu.run("qemu-img", "check", img.toString());
        assertEquals(0, check.exitCode(), check.output());
        assertArrayEquals(expected, Qemu.rawView(img, dir));
    }

    private static void simulateCrashBeforeLogApplied(Path img) throws Exception {
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            ByteBuffer h1 = read(f, 64 << 10, 4096);
            ByteBuffer h2 = read(f, 128 << 10, 4096);
            boolean first = Long.compareUnsigned(h1.getLong(8), h2.getLong(8)) > 0;
            ByteBuffer h = first ? h1 : h2;
            long logOff = h.getLong(72);
            int logLen = h.getInt(68);
            ByteBuffer log = read(f, logOff, logLen);
            int entry = -1;
            for (int p = 0; p < logLen; p += 4096) {
                if (log.getInt(p) == 0x65676f6c) { // "loge"
                    entry = p;
                }
            }
            assertTrue(entry >= 0, "qemu left no log entry to replay");
            byte[] guid = new byte[16];
            log.get(entry + 32, guid);
            // Undo the BAT update the entry carries: its first data descriptor names the BAT page.
            long batPage = log.getLong(entry + 64 + 16);
            f.seek(batPage);
            f.write(new byte[4096]);
            h.put(48, guid);
            h.putInt(4, 0);
            CRC32C crc = new CRC32C();
            crc.update(h.array());
            h.putInt(4, (int) crc.getValue());
            f.seek(first ? 64 << 10 : 128 << 10);
            f.write(h.array());
        }
    }

    private static ByteBuffer read(RandomAccessFile f, long at, int len) throws Exception {
        byte[] b = new byte[len];
        f.seek(at);
        f.readFully(b);
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }
}
