package io.hvx.storage.qcow2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.block.ImageFormatException;
import io.hvx.storage.image.ImageOpener;
import io.hvx.storage.testing.Images;
import io.hvx.storage.testing.Qemu;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Qcow2ReadTest {
    @TempDir
    Path dir;

    @BeforeEach
    void peers() {
        Qemu.require();
    }

    private Path filled(String name, String opts) throws Exception {
        Path img = dir.resolve(name);
        Qemu.img("create", "-f", "qcow2", "-o", opts, img.toString(), "4M");
        Qemu.io(img, "qcow2",
                "write -P 0x11 0 100k",
                "write -z 200k 64k",
                "write -P 0x22 1000 3000",
                "write -P 0x44 3M 1M");
        return img;
    }

    @ParameterizedTest
    @ValueSource(strings = {"cluster_size=512", "cluster_size=4096", "cluster_size=65536", "cluster_size=2M",
            "compat=0.10", "compat=1.1,refcount_bits=1", "compat=1.1,refcount_bits=64"})
    void data_zeros_and_holes_written_by_qemu_read_back_equal(String opts) throws Exception {
        Path img = filled("a.qcow2", opts);
        assertArrayEquals(Qemu.rawView(img, dir), Images.readAll(img));
    }

    @Test
    void compressed_clusters_written_by_qemu_read_back_equal() throws Exception {
        Path img = dir.resolve("c.qcow2");
        Qemu.img("create", "-f", "qcow2", img.toString(), "2M");
        Qemu.io(img, "qcow2", "write -c -P 0x33 0 64k", "write -c -P 0x55 128k 64k", "write -P 0x66 192k 512");
        byte[] hvx = Images.readAll(img);
        assertEquals(0x33, hvx[100]);
        assertArrayEquals(Qemu.rawView(img, dir), hvx);
    }

    @Test
    void backing_chain_of_three_reads_like_qemu() throws Exception {
        Path base = dir.resolve("base.qcow2");
        Path mid = dir.resolve("mid.qcow2");
        Path top = dir.resolve("top.qcow2");
        Qemu.img("create", "-f", "qcow2", base.toString(), "1M");
        Qemu.io(base, "qcow2", "write -P 0x01 0 1M");
        Qemu.img("create", "-f", "qcow2", "-b", "base.qcow2", "-F", "qcow2", mid.toString(), "2M");
        Qemu.io(mid, "qcow2", "write -P 0x02 64k 64k", "write -z 256k 64k");
        Qemu.img("create", "-f", "qcow2", "-b", "mid.qcow2", "-F", "qcow2", top.toString());
        Qemu.io(top, "qcow2", "write -P 0x03 100k 10");
        assertArrayEquals(Qemu.rawView(top, dir), Images.readAll(top));
    }

    @Test
    void backing_chain_that_loops_is_refused() throws Exception {
        Path a = dir.resolve("a.qcow2");
        Path b = dir.resolve("b.qcow2");
        Qemu.img("create", "-f", "qcow2", b.toString(), "1M");
        Qemu.img("create", "-f", "qcow2", "-b", "b.qcow2", "-F", "qcow2", a.toString());
        // Point b back at a with qemu-img rebase -u, which does not open the chain.
        Qemu.img("rebase", "-u", "-f", "qcow2", "-b", "a.qcow2", "-F", "qcow2", b.toString());
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> ImageOpener.open(a, null, true));
        assertTrue(e.getMessage().contains("loops"), e.getMessage());
    }
}
