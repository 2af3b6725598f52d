package io.hvx.storage.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.cli.ImageCommand;
import io.hvx.storage.raw.RawImage;
import io.hvx.storage.testing.Qemu;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoundTripTest {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    @Test
    void raw_qcow2_vmdk_chain_of_conversions_is_lossless_under_qemu_compare() throws Exception {
        Path raw = dir.resolve("a.raw");
        Qemu.img("create", "-f", "raw", raw.toString(), "3M");
        Qemu.io(raw, "raw", "write -P 0xab 4096 70000", "write -P 0xcd 2M 1");
        Path q = dir.resolve("b.qcow2");
        Path v = dir.resolve("c.vmdk");
        Path q2 = dir.resolve("d.qcow2");
        Path r2 = dir.resolve("e.raw");
        assertEquals(0, ImageCommand.execute("convert", "-O", "qcow2", raw.toString(), q.toString()));
        assertEquals(0, ImageCommand.execute("convert", "-O", "vmdk", "-o", "subformat=streamOptimized",
                q.toString(), v.toString()));
        assertEquals(0, ImageCommand.execute("convert", "-O", "qcow2", "-o", "cluster_size=512", v.toString(),
                q2.toString()));
        assertEquals(0, ImageCommand.execute("convert", q2.toString(), r2.toString()));
        for (Path p : new Path[] {q, v, q2, r2}) {
            assertEquals(0, Qemu.run("qemu-img", "compare", raw.toString(), p.toString()).exitCode(), p.toString());
        }
        assertEquals(0, Qemu.run("qemu-img", "check", q2.toString()).exitCode());
    }

    @Test
    void vhd_and_vdi_made_by_qemu_convert_to_qcow2_equal_under_qemu_compare() throws Exception {
        Path raw = dir.resolve("s.raw");
        Qemu.img("create", "-f", "raw", raw.toString(), "4M");
        Qemu.io(raw, "raw", "write -P 0x42 1000 300000", "write -P 0x43 3M 5");
        for (String fmt : new String[] {"vpc", "vdi"}) {
            Path src = dir.resolve("s." + fmt);
            Path out = dir.resolve("o-" + fmt + ".qcow2");
            Qemu.img("convert", "-O", fmt, raw.toString(), src.toString());
            assertEquals(0, ImageCommand.execute("convert", "-O", "qcow2", src.toString(), out.toString()), fmt);
            assertEquals(0, Qemu.run("qemu-img", "compare", src.toString(), out.toString()).exitCode(), fmt);
            assertEquals(0, Qemu.run("qemu-img", "check", out.toString()).exitCode(), fmt);
        }
    }

    @Test
    void raw_holes_are_reported_as_zero_extents_and_data_as_data() throws Exception {
        Path raw = dir.resolve("h.raw");
        try (RawImage r = RawImage.create(raw, 8 << 20)) {
            r.write(ByteBuffer.wrap(new byte[] {1}), 4 << 20);
        }
        try (RawImage r = RawImage.open(raw, true)) {
            var first = r.extentAt(0);
            assertTrue(first.zero(), "start of a fresh sparse file is a hole");
            assertTrue(first.length() > 0 && first.length() <= 4 << 20);
            var data = r.extentAt(4 << 20);
            assertTrue(!data.zero() && data.length() > 0);
        }
    }
}
