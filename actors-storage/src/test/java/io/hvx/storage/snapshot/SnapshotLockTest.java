package io.hvx.storage.snapshot;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.testkit.cluster.ClusterHarness;
import io.hvx.storage.cache.ChunkCache;
import io.hvx.storage.cache.ImageCache;
import io.hvx.storage.nbd.NbdExports;
import io.hvx.storage.nbd.NbdServer;
import io.hvx.storage.nbd.StorageExports;
import io.hvx.storage.raw.RawImage;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.LocalBackend;
import io.hvx.storage.store.PushListener;
import io.hvx.storage.store.PushResult;
import io.hvx.storage.testing.Qemu;
import io.hvx.storage.volume.VolumeRegistry;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A snapshot has one opener at a time: commits, NBD exports and deletes refuse each other with the holder's name. */
class SnapshotLockTest {
    static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;
    ImageStore store;
    SnapshotStore snapshots;

    @BeforeEach
    void pushBaseAndSnapshot() throws Exception {
        byte[] disk = new byte[32 * CHUNK];
        new Random(7).nextBytes(disk);
        Files.write(dir.resolve("base.raw"), disk);
        store = new ImageStore(new LocalBackend(dir.resolve("store")), CHUNK, Duration.ofMinutes(10), 2);
        try (RawImage src = RawImage.open(dir.resolve("base.raw"), true)) {
            store.push(src, "base", PushListener.NONE);
        }
        snapshots = new SnapshotStore(dir.resolve("snapshots"));
        snapshots.create("vm1", "base", store);
        try (CowSnapshot snap = snapshots.open("vm1", store, store)) {
            snap.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 5 * CHUNK);
        }
    }

    @Test
    void shouldIgnoreASecondCloseInsteadOfReleasingTheLockOfTheNextHolder() throws Exception {
        CowSnapshot first = snapshots.open("vm1", "VM first", store, store);
        first.close();
        try (CowSnapshot second = snapshots.open("vm1", "VM second", store, store)) {
            first.close();
            SnapshotBusyException busy = assertThrows(SnapshotBusyException.class,
                    () -> snapshots.open("vm1", "VM third", store, store));
            assertTrue(busy.getMessage().contains("VM second"), busy.getMessage());
            ByteBuffer written = ByteBuffer.allocate(3);
            second.read(written, 5 * CHUNK);
            assertArrayEquals(new byte[] {1, 2, 3}, written.array(), "the second holder still reads the snapshot");
        }
    }

    @Test
    void shouldRefuseASecondCommitWhileTheFirstRunsAndAllowItAfterwards() throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        PushListener slow = done -> {
            started.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        CompletableFuture<PushResult> first = CompletableFuture.supplyAsync(() -> {
            try {
                return snapshots.commit("vm1", "v-first", store, store, slow);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        assertTrue(started.await(30, TimeUnit.SECONDS), "the first commit never reported progress");
        // A second store object stands for a second caller with its own view of the directory.
        SnapshotStore other = new SnapshotStore(dir.resolve("snapshots"));
        SnapshotBusyException busy = assertThrows(SnapshotBusyException.class,
                () -> other.commit("vm1", "v-second", store, store, PushListener.NONE));
        assertTrue(busy.getMessage().contains("snapshot 'vm1' is in use by commit to 'v-first'"), busy.getMessage());
        assertThrows(SnapshotBusyException.class, () -> other.delete("vm1"));
        release.countDown();
        assertEquals("v-first", first.get(60, TimeUnit.SECONDS).name());
        assertEquals("v-second", other.commit("vm1", "v-second", store, store, PushListener.NONE).name());
        assertEquals(store.manifest("v-first").chunks()[5], store.manifest("v-second").chunks()[5]);
        assertNotEquals(store.manifest("base").chunks()[5], store.manifest("v-first").chunks()[5]);
    }

    @Test
    void shouldRefuseACommitWhileAnNbdClientHasTheSnapshotOpenAndTellTheClientWhenACommitRuns() throws Exception {
        try (ClusterHarness cluster = ClusterHarness.start(1);
                ChunkCache cache = new ChunkCache(dir.resolve("cache"), 64L * CHUNK, 2, CHUNK, store)) {
            cluster.awaitAllUp(Duration.ofSeconds(30));
            ImageCache images = ImageCache.start(cluster.node(0), cache, Duration.ofSeconds(30), Duration.ofSeconds(2));
            try (StorageExports exports = new StorageExports(store, images, snapshots, 0,
                    VolumeRegistry.open(dir.resolve("volumes"), List.of(), store.backend()))) {
                NbdExports.Export first = exports.open("vm1");
                NbdExports.Export second = exports.open("vm1");
                SnapshotBusyException busy = assertThrows(SnapshotBusyException.class,
                        () -> snapshots.commit("vm1", "v2", store, store, PushListener.NONE));
                assertTrue(busy.getMessage().contains("in use by NBD export"), busy.getMessage());
                first.onClose().close();
                assertThrows(SnapshotBusyException.class,
                        () -> snapshots.commit("vm1", "v2", store, store, PushListener.NONE));
                second.onClose().close();
                assertEquals("v2", snapshots.commit("vm1", "v2", store, store, PushListener.NONE).name());

                Qemu.require();
                try (NbdServer server = NbdServer.start("127.0.0.1", 0, exports);
                        CowSnapshot committing = snapshots.open("vm1", "commit to 'v3'", store, store)) {
                    Qemu.Result refused = Qemu.run("qemu-io", "-f", "raw", "-c", "read 0 4096",
                            "nbd://127.0.0.1:" + server.port() + "/vm1");
                    assertNotEquals(0, refused.exitCode(), refused.output());
                    assertTrue(refused.output().contains("in use by commit to 'v3'"), refused.output());
                }
            }
        }
    }
}
