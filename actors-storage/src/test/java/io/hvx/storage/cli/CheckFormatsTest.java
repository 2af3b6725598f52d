package io.hvx.storage.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hvx.storage.testing.Qemu;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** `hvx image check` answers as `qemu-img check` does, format by format: same exit code on the same file. */
class CheckFormatsTest {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    private Path made(String format, String opts) throws Exception {
        Path img = dir.resolve("i." + format);
        Qemu.img("create", "-f", format, "-o", opts, img.toString(), "8M");
        Qemu.io(img, format, "write -P 0x11 0 1M", "write -P 0x22 5M 64k");
        return img;
    }

    private void sameExitCode(Path img, String format) throws Exception {
        int qemu = Qemu.run("qemu-img", "check", "-f", format, img.toString()).exitCode();
        var hvx = CliRunner.run("check", "-f", format, img.toString());
        assertEquals(qemu, hvx.exitCode(), "qemu-img check exits " + qemu + "; hvx: " + hvx.out() + hvx.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"qcow2", "vmdk", "vdi", "vhdx", "vpc", "raw"})
    void clean_images_give_the_exit_code_qemu_gives(String format) throws Exception {
        String opts = format.equals("vhdx") ? "block_size=1M" : format.equals("raw") ? "preallocation=off"
                : format.equals("vpc") ? "subformat=dynamic" : format.equals("vdi") ? "static=off"
                : format.equals("vmdk") ? "subformat=monolithicSparse" : "cluster_size=65536";
        sameExitCode(made(format, opts), format);
    }

    @Test
    void vdi_blocks_mapped_twice_are_corruption_for_both() throws Exception {
        Path img = made("vdi", "static=off");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(0x154);
            long map = Integer.toUnsignedLong(Integer.reverseBytes(f.readInt()));
            f.seek(map);
            int first = f.readInt();
            f.seek(map + 4 * 7);
            f.writeInt(first);
        }
        assertEquals(2, Qemu.run("qemu-img", "check", img.toString()).exitCode());
        sameExitCode(img, "vdi");
    }

    @Test
    void vmdk_grain_past_the_end_of_the_file_fails_the_check_for_both() throws Exception {
        Path img = made("vmdk", "subformat=monolithicSparse");
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            f.seek(56);
            long gd = Long.reverseBytes(f.readLong()) * 512;
            f.seek(gd);
            long gt = Integer.toUnsignedLong(Integer.reverseBytes(f.readInt())) * 512;
            f.seek(gt + 4 * 3);
            f.writeInt(Integer.reverseBytes(0x7fff0000));
        }
        assertEquals(1, Qemu.run("qemu-img", "check", img.toString()).exitCode());
        sameExitCode(img, "vmdk");
    }
}
