package io.hvx.storage.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.image.ImageFormat;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.qcow2.Qcow2Image;
import io.hvx.storage.vhdx.VhdxImage;
import io.hvx.storage.vmdk.VmdkDescriptor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coverage-guided fuzzing of every image parser with Jazzer. Under a plain `mvn test` each target runs its seed
 * corpus and saved crash inputs (src/test/resources/.../ImageParserFuzzTestInputs/&lt;target&gt;) as regression tests;
 * with JAZZER_FUZZ=1 it fuzzes. An image error (IOException) is the expected answer to bad input; any other
 * exception, an OutOfMemoryError or a hang is a finding.
 */
class ImageParserFuzzTest {
    // JUnit removes it with its files after the class (deleteOnExit left each run's 24 MiB behind).
    @TempDir
    static Path DIR;

    @FuzzTest(maxDuration = "60s")
    void qcow2(byte[] data) throws IOException {
        Path f = write("f.qcow2", data);
        try (Qcow2Image q = Qcow2Image.open(f, true)) {
            exercise(q);
            q.check();
        } catch (IOException expected) {
            requireMessage(expected);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void vmdkSparse(byte[] data) throws IOException {
        open("f.vmdk", ImageFormat.VMDK, data);
    }

    @FuzzTest(maxDuration = "60s")
    void vmdkDescriptor(byte[] data) {
        try {
            VmdkDescriptor d = VmdkDescriptor.parse(new String(data, StandardCharsets.UTF_8));
            d.render();
        } catch (IOException expected) {
            requireMessage(expected);
        }
    }

    @FuzzTest(maxDuration = "60s")
    void vhd(byte[] data) throws IOException {
        open("f.vhd", ImageFormat.VPC, data);
    }

    @FuzzTest(maxDuration = "60s")
    void vdi(byte[] data) throws IOException {
        open("f.vdi", ImageFormat.VDI, data);
    }

    @FuzzTest(maxDuration = "60s")
    void vhdx(byte[] data) throws IOException {
        open("f.vhdx", ImageFormat.VHDX, data);
    }

    @FuzzTest(maxDuration = "60s")
    void vmdkStream(byte[] data) throws IOException {
        open("s.vmdk", ImageFormat.VMDK, data);
    }

    /**
     * Structure-aware VHDX: the input is a list of patches to a qemu-made image whose log still has to be replayed
     * (resource vhdx-crashed.vhdx.gz), aimed at its headers, region tables, log, metadata and BAT, whose checksums are
     * then recomputed so the parser gets past them. Plain byte fuzzing of a whole VHDX stops at the headers: the
     * interesting tables lie megabytes in and behind CRC-32C checks.
     */
    @FuzzTest(maxDuration = "60s")
    void vhdxStructured(byte[] data) throws IOException {
        byte[] img = VhdxPatcher.apply(data);
        Path f = write("x.vhdx", img);
        openReadOnly(f, ImageFormat.VHDX, img);
        if (data.length > 0 && (data[0] & VhdxPatcher.WRITABLE) != 0) {
            // A writable open replays the log into the file and a write allocates a block and updates the BAT.
            try (VhdxImage v = VhdxImage.open(f, false)) {
                exercise(v);
                ByteBuffer page = ByteBuffer.allocate(4096);
                page.put(0, (byte) 1);
                v.write(page, Math.max(0, (v.size() / 2 - 4096) & ~4095L));
                exercise(v);
            } catch (IOException expected) {
                requireMessage(expected);
            }
            openReadOnly(f, ImageFormat.VHDX, Files.readAllBytes(f));
        }
    }

    /** The structured target's base image really needs its log: without replay the written page would read as zeros. */
    @Test
    void vhdxBaseReplaysItsLog() throws IOException {
        Path f = write("base.vhdx", VhdxPatcher.apply(new byte[0]));
        try (BlockDevice d = ImageOpener.open(f, ImageFormat.VHDX, true)) {
            ByteBuffer page = ByteBuffer.allocate(4096);
            d.read(page, 2 << 20);
            for (int i = 0; i < page.capacity(); i++) {
                assertEquals(0x5c, page.get(i), "byte " + i + " of the page the log writes");
            }
        }
    }

    @FuzzTest(maxDuration = "60s")
    void probe(byte[] data) throws IOException {
        open("p.img", null, data);
    }

    private static void open(String name, ImageFormat format, byte[] data) throws IOException {
        openReadOnly(write(name, data), format, data.clone());
    }

    /** Opens f read-only and reads it; the file must still hold before afterwards. */
    private static void openReadOnly(Path f, ImageFormat format, byte[] before) throws IOException {
        try (BlockDevice d = ImageOpener.open(f, format, true)) {
            exercise(d);
        } catch (IOException expected) {
            requireMessage(expected);
        }
        if (!java.util.Arrays.equals(before, Files.readAllBytes(f))) {
            throw new AssertionError("opening an image read-only changed the file");
        }
    }

    /** Reads the start, a few scattered blocks and the allocation map, bounded whatever size the header claims. */
    private static void exercise(BlockDevice d) throws IOException {
        long size = d.size();
        ByteBuffer b = ByteBuffer.allocate(64 << 10);
        for (long at : new long[] {0, size / 3, size / 2, Math.max(0, size - b.capacity())}) {
            if (at < size) {
                b.clear().limit((int) Math.min(b.capacity(), size - at));
                d.read(b, at);
            }
        }
        long pos = 0;
        for (int i = 0; i < 64 && pos < size; i++) {
            BlockDevice.Extent e = d.extentAt(pos);
            if (e.length() <= 0) {
                throw new AssertionError("extent of length " + e.length() + " at " + pos);
            }
            pos += e.length();
        }
    }

    private static void requireMessage(IOException e) {
        String m = e.getMessage();
        if (m == null || m.isBlank() || m.contains("\n")) {
            throw new AssertionError("image error without a one-line message: " + e);
        }
    }

    private static Path write(String name, byte[] data) throws IOException {
        Path f = DIR.resolve(name);
        Files.write(f, data);
        return f;
    }
}
