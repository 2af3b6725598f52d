package io.hvx.storage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.cli.ImageCommand;
import io.hvx.storage.qcow2.Qcow2Image;
import io.hvx.storage.raw.RawImage;
import io.hvx.storage.testing.Qemu;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The copy paths of convert: mapped source runs, several workers, and the sources that cannot be mapped. */
class ConverterTest {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    /** A 40 MiB qcow2 made by qemu: data over several 16 MiB work items, zeros, a compressed cluster, holes. */
    private Path mixedQcow2() throws Exception {
        Path q = dir.resolve("src.qcow2");
        Qemu.img("create", "-f", "qcow2", q.toString(), "40M");
        Qemu.io(q, "qcow2", "write -P 0x11 0 20M", "write -z 20M 1M", "write -P 0x22 21M 3M",
                "write -c -P 0x33 30M 64k", "write -P 0x44 39M 4095");
        return q;
    }

    @Test
    void qcow2_to_raw_and_back_through_mapped_runs_and_workers_equal_qemu_view() throws Exception {
        Path q = mixedQcow2();
        Path raw = dir.resolve("out.raw");
        Path q2 = dir.resolve("out.qcow2");
        assertEquals(0, ImageCommand.execute("convert", "-O", "raw", q.toString(), raw.toString()));
        assertEquals(0, ImageCommand.execute("convert", "-O", "qcow2", raw.toString(), q2.toString()));
        assertEquals(0, Qemu.run("qemu-img", "compare", q.toString(), raw.toString()).exitCode());
        assertEquals(0, Qemu.run("qemu-img", "compare", q.toString(), q2.toString()).exitCode());
        assertEquals(0, Qemu.run("qemu-img", "check", q2.toString()).exitCode());
    }

    @Test
    void qcow2_host_runs_cover_plain_clusters_only() throws Exception {
        Path q = mixedQcow2();
        try (Qcow2Image img = Qcow2Image.open(q, true)) {
            BlockDevice.HostRun data = img.hostRun(0, 20 << 20);
            assertNotNull(data);
            assertTrue(data.length() > 0 && data.length() <= 20 << 20);
            assertNull(img.hostRun(20 << 20, 64 << 10), "zero clusters are not stored");
            assertNull(img.hostRun(30 << 20, 64 << 10), "compressed clusters are not stored verbatim");
            assertNull(img.hostRun(25 << 20, 64 << 10), "holes are not stored");
        }
    }

    @Test
    void raw_host_run_is_the_same_range_of_the_file() throws Exception {
        Path r = dir.resolve("r.raw");
        try (RawImage img = RawImage.create(r, 1 << 20)) {
            BlockDevice.HostRun run = img.hostRun(4096, 8192);
            assertEquals(new BlockDevice.HostRun(run.channel(), 4096, 8192), run);
            assertTrue(img.acceptsParallelWrites());
        }
    }

    @Test
    void compressed_qcow2_output_is_written_in_order_by_one_worker() throws Exception {
        Path q = mixedQcow2();
        Path c = dir.resolve("c.qcow2");
        assertEquals(0, ImageCommand.execute("convert", "-c", "-O", "qcow2", q.toString(), c.toString()));
        assertEquals(0, Qemu.run("qemu-img", "compare", q.toString(), c.toString()).exitCode());
        assertEquals(0, Qemu.run("qemu-img", "check", c.toString()).exitCode());
    }
}
