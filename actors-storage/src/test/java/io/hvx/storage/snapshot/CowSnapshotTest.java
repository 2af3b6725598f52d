package io.hvx.storage.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.nbd.MapExports;
import io.hvx.storage.nbd.NbdServer;
import io.hvx.storage.raw.RawImage;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.LocalBackend;
import io.hvx.storage.store.PushListener;
import io.hvx.storage.store.PushResult;
import io.hvx.storage.store.StoreException;
import io.hvx.storage.store.StoreImage;
import io.hvx.storage.testing.Qemu;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CowSnapshotTest {
    static final int CHUNK = 64 << 10;
    static final int SIZE = 64 * CHUNK;

    @TempDir
    Path dir;
    byte[] golden;
    ImageStore store;
    SnapshotStore snapshots;

    @BeforeEach
    void pushBase() throws IOException {
        golden = new byte[SIZE];
        new Random(1).nextBytes(golden);
        Arrays.fill(golden, 10 * CHUNK, 20 * CHUNK, (byte) 0);
        Path file = dir.resolve("golden.raw");
        Files.write(file, golden);
        store = new ImageStore(new LocalBackend(dir.resolve("store")), CHUNK, Duration.ofMinutes(10), 2);
        try (RawImage src = RawImage.open(file, true)) {
            store.push(src, "golden", PushListener.NONE);
        }
        snapshots = new SnapshotStore(dir.resolve("snapshots"));
        snapshots.create("vm1", "golden", store);
    }

    static byte[] readAll(BlockDevice dev) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) dev.size());
        dev.read(b, 0);
        return b.array();
    }

    @Test
    void shouldReadWritesOverTheBaseAndLeaveTheBaseAlone() throws IOException {
        byte[] model = golden.clone();
        Random random = new Random(2);
        try (CowSnapshot snap = snapshots.open("vm1", store, store)) {
            for (int i = 0; i < 200; i++) {
                int len = 1 + random.nextInt(3 * CowSnapshot.BLOCK);
                int off = random.nextInt(SIZE - len);
                byte[] data = new byte[len];
                random.nextBytes(data);
                snap.write(ByteBuffer.wrap(data), off);
                System.arraycopy(data, 0, model, off, len);
                if (i % 50 == 0) {
                    int dOff = random.nextInt(SIZE - 20000);
                    snap.discard(dOff, 20000);
                    Arrays.fill(model, dOff, dOff + 20000, (byte) 0);
                }
            }
            assertArrayEquals(model, readAll(snap));
            byte[] part = new byte[777];
            snap.read(ByteBuffer.wrap(part), 12345);
            assertArrayEquals(Arrays.copyOfRange(model, 12345, 12345 + 777), part);
        }
        try (StoreImage base = store.open("golden")) {
            assertArrayEquals(golden, readAll(base));
        }
        try (CowSnapshot again = snapshots.open("vm1", store, store)) {
            assertArrayEquals(model, readAll(again), "writes survive a close and reopen");
        }
    }

    @Test
    void shouldLoseOnlyUnflushedWritesInACrash() throws IOException {
        CowSnapshot crashed = snapshots.open("vm1", store, store);
        crashed.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 100);
        crashed.flush();
        crashed.write(ByteBuffer.wrap(new byte[] {9, 9, 9}), 5 * CHUNK);
        // No flush and no close: the process dies here, and with it its lock. A new open sees the state of the last flush.
        crashed.lock().close();
        try (CowSnapshot after = snapshots.open("vm1", store, store)) {
            byte[] head = new byte[3];
            after.read(ByteBuffer.wrap(head), 100);
            assertArrayEquals(new byte[] {1, 2, 3}, head);
            byte[] lost = new byte[3];
            after.read(ByteBuffer.wrap(lost), 5 * CHUNK);
            assertArrayEquals(Arrays.copyOfRange(golden, 5 * CHUNK, 5 * CHUNK + 3), lost);
        }
    }

    @Test
    void shouldCommitOnlyTheChunksTheVmChanged() throws IOException {
        byte[] model = golden.clone();
        try (CowSnapshot snap = snapshots.open("vm1", store, store)) {
            byte[] a = new byte[100];
            Arrays.fill(a, (byte) 7);
            snap.write(ByteBuffer.wrap(a), 3 * CHUNK + 10);
            snap.write(ByteBuffer.wrap(a), 12 * CHUNK);
            // Writing back identical bytes touches a chunk without changing it: read and hashed, not stored.
            snap.write(ByteBuffer.wrap(Arrays.copyOfRange(golden, 40 * CHUNK, 40 * CHUNK + 10)), 40 * CHUNK);
            System.arraycopy(a, 0, model, 3 * CHUNK + 10, 100);
            System.arraycopy(a, 0, model, 12 * CHUNK, 100);
            PushResult r = SnapshotStore.commit(snap, "golden-v2", store, PushListener.NONE);
            assertEquals(2, r.newChunks());
            assertEquals(3L * CHUNK, r.bytesRead(), "only the three touched chunks are read");
            assertEquals(9, r.zeroChunks());
        }
        try (StoreImage v2 = store.open("golden-v2")) {
            assertArrayEquals(model, readAll(v2));
            assertEquals("golden", v2.manifest().parent());
        }
    }

    @Test
    void shouldServeASnapshotReadWriteOverNbd() throws Exception {
        Qemu.require();
        try (CowSnapshot snap = snapshots.open("vm1", store, store);
                NbdServer server = NbdServer.start("127.0.0.1", 0, new MapExports().add("vm1", snap, false))) {
            String url = "nbd://127.0.0.1:" + server.port() + "/vm1";
            Qemu.ok("qemu-io", "-f", "raw", "-c", "write -P 0x42 1000 70000", "-c", "flush",
                    "-c", "read -P 0x42 1000 70000", url);
            byte[] model = golden.clone();
            Arrays.fill(model, 1000, 71000, (byte) 0x42);
            assertArrayEquals(model, readAll(snap));
        }
    }

    @Test
    void shouldRefuseASnapshotOfAMissingImageOrATakenName() throws IOException {
        assertThrows(io.hvx.storage.store.NoSuchImageException.class, () -> snapshots.create("vm2", "nope", store));
        assertThrows(StoreException.class, () -> snapshots.create("vm1", "golden", store));
    }
}
