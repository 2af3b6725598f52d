package io.hvx.storage.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.raw.RawImage;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.LocalBackend;
import io.hvx.storage.store.PushListener;
import io.hvx.storage.testing.Qemu;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The NBD server against qemu-io, qemu-img and qemu-nbd --list as clients. */
class NbdServerTest {
    @TempDir
    Path dir;
    Path diskFile;
    byte[] base;
    RawImage disk;
    ImageStore store;
    NbdServer server;

    @BeforeEach
    void start() throws IOException {
        Qemu.require();
        base = new byte[4 << 20];
        new Random(7).nextBytes(base);
        Arrays.fill(base, 1 << 20, 2 << 20, (byte) 0);
        diskFile = dir.resolve("disk.raw");
        Files.write(diskFile, base);
        disk = RawImage.open(diskFile, false);
        store = new ImageStore(new LocalBackend(dir.resolve("store")), 64 << 10, Duration.ofMinutes(10), 2);
        try (RawImage src = RawImage.open(diskFile, true)) {
            store.push(src, "golden", PushListener.NONE);
        }
        MapExports exports = new MapExports().add("scratch", disk, false).add("golden", store.open("golden"), true);
        server = NbdServer.start("127.0.0.1", 0, exports);
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
            disk.close();
            store.close();
        }
    }

    String url(String name) {
        return "nbd://127.0.0.1:" + server.port() + "/" + name;
    }

    @Test
    void shouldServeAStoredImageThatQemuImgCopiesBitForBit() throws Exception {
        Path copy = dir.resolve("copy.raw");
        Qemu.ok("qemu-img", "convert", "-f", "raw", "-O", "raw", url("golden"), copy.toString());
        assertArrayEquals(base, Files.readAllBytes(copy));
        String info = Qemu.ok("qemu-img", "info", "-f", "raw", url("golden"));
        assertTrue(info.contains("4 MiB"), info);
    }

    @Test
    void shouldWriteTrimAndZeroAReadWriteExport() throws Exception {
        Qemu.ok("qemu-io", "-f", "raw", "-c", "write -P 0x5a 4096 8192", "-c", "write -z 65536 65536",
                "-c", "discard 131072 65536", "-c", "flush", "-c", "read -P 0x5a 4096 8192", url("scratch"));
        byte[] now = Files.readAllBytes(diskFile);
        byte[] expected = base.clone();
        Arrays.fill(expected, 4096, 4096 + 8192, (byte) 0x5a);
        Arrays.fill(expected, 65536, 65536 + 131072, (byte) 0);
        assertArrayEquals(expected, now);
    }

    @Test
    void shouldRefuseWritesToABaseImage() throws Exception {
        Qemu.Result rw = Qemu.run("qemu-io", "-f", "raw", "-c", "write -P 1 0 4096", url("golden"));
        assertNotEquals(0, rw.exitCode(), rw.output());
        Qemu.ok("qemu-io", "-r", "-f", "raw", "-c", "read -P 0 1048576 4096", url("golden"));
    }

    @Test
    void shouldListExportsAndRefuseUnknownNames() throws Exception {
        String list = Qemu.ok("qemu-nbd", "--list", "--bind", "127.0.0.1", "--port", "" + server.port());
        assertTrue(list.contains("export=\"golden\"") || list.contains("golden"), list);
        assertTrue(list.contains("scratch"), list);
        Qemu.Result unknown = Qemu.run("qemu-io", "-r", "-f", "raw", "-c", "read 0 512", url("nothing"));
        assertNotEquals(0, unknown.exitCode());
        assertTrue(unknown.output().contains("nothing"), unknown.output());
    }

    @Test
    void shouldCountAndDropAClientThatBreaksTheProtocol() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.port())) {
            InputStream in = s.getInputStream();
            byte[] hello = in.readNBytes(18);
            assertEquals(NbdProtocol.NBDMAGIC, ByteBuffer.wrap(hello).getLong());
            OutputStream out = s.getOutputStream();
            out.write(new byte[] {0, 0, 0, 3});
            out.write("this is not an NBD option".getBytes());
            out.flush();
            int next;
            try {
                next = in.read();
            } catch (java.net.SocketException reset) {
                next = -1; // closed with our unread bytes pending: the kernel resets instead of a clean FIN
            }
            assertEquals(-1, next, "the server closes the connection");
        }
        for (int i = 0; i < 100 && server.counters().snapshot().get("NBD_PROTOCOL_ERRORS") == 0; i++) {
            Thread.sleep(20);
        }
        assertEquals(1L, server.counters().snapshot().get("NBD_PROTOCOL_ERRORS"));
    }

    @Test
    void shouldServeTheKernelNbdClient() throws Exception {
        assumeTrue(Files.exists(Path.of("/sys/module/nbd")) || Files.exists(Path.of("/dev/nbd0")),
                "the kernel has no nbd module here (/sys/module/nbd missing), so nbd-client cannot attach");
        assumeTrue(Qemu.run("which", "nbd-client").exitCode() == 0, "nbd-client is not installed");
        Qemu.ok("nbd-client", "-N", "golden", "127.0.0.1", "" + server.port(), "/dev/nbd0", "-readonly");
        try {
            byte[] read = Files.newInputStream(Path.of("/dev/nbd0")).readNBytes(base.length);
            assertArrayEquals(base, read);
        } finally {
            Qemu.run("nbd-client", "-d", "/dev/nbd0");
        }
    }
}
