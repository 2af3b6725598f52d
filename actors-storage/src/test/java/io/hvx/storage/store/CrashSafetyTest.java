package io.hvx.storage.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.raw.RawImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CrashSafetyTest {
    static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void shouldLeaveAStoreThatGcAndALaterPushRepairAfterACrashAtEveryPut() throws Exception {
        Path base = TestImages.mixed(dir.resolve("base.raw"), 12 * CHUNK, 11);
        Path next = dir.resolve("next.raw");
        Files.copy(base, next);
        TestImages.scribble(next, 0, 3 * CHUNK, 12);
        // Count the puts of an undisturbed push: lease, new chunks, manifest.
        int total;
        {
            Path probe = dir.resolve("probe");
            CrashingBackend counting = new CrashingBackend(probe, Integer.MAX_VALUE);
            ImageStore store = new ImageStore(counting, CHUNK, Duration.ofMinutes(10), 1);
            pushFile(store, base, "base");
            int before = counting.puts();
            pushFile(store, next, "next");
            total = counting.puts() - before;
        }
        assertEquals(1 + 3 + 1, total, "lease, three new chunks, manifest");
        for (int crashAt = 0; crashAt < total; crashAt++) {
            Path root = dir.resolve("store-" + crashAt);
            ImageStore healthy = new ImageStore(new LocalBackend(root), CHUNK, Duration.ofMinutes(10), 1);
            pushFile(healthy, base, "base");
            ImageStore dying = new ImageStore(new CrashingBackend(root, crashAt), CHUNK, Duration.ofMinutes(10), 1);
            int at = crashAt;
            assertThrows(IOException.class, () -> pushFile(dying, next, "next"), "crash at put " + at);

            // After restart: the half-pushed image is not visible and the old one is intact.
            ImageStore restarted = new ImageStore(new LocalBackend(root), CHUNK, Duration.ofMillis(1), 1);
            assertFalse(restarted.contains("next"), "crash at put " + crashAt);
            assertArrayEquals(Files.readAllBytes(base), read(restarted, "base"));
            // No object under its final name is partial: every chunk decodes and matches its hash.
            for (ChunkId id : restarted.chunkIds()) {
                restarted.readChunk(id, new byte[CHUNK], CHUNK);
            }
            Thread.sleep(5);
            GcResult gc = restarted.gc(Duration.ZERO);
            assertTrue(gc.incompleteRemoved() == 1, "the torn temporary file is swept, crash at put " + crashAt);
            assertEquals(restarted.manifest("base").distinctChunks().size(), restarted.chunkIds().size());
            try (Stream<Path> files = Files.walk(root)) {
                assertEquals(0, files.filter(p -> p.getFileName().toString().startsWith(LocalBackend.TEMP_PREFIX)).count());
            }
            pushFile(restarted, next, "next");
            assertArrayEquals(Files.readAllBytes(next), read(restarted, "next"));
        }
    }

    @Test
    void shouldMakeGcWaitForALivePush() throws IOException {
        Path root = dir.resolve("store");
        ImageStore store = new ImageStore(new LocalBackend(root), CHUNK, Duration.ofMinutes(10), 1);
        store.backend().put(ImageStore.LEASES + "x-1", new byte[] {1});
        StoreException e = assertThrows(StoreException.class, () -> store.gc(Duration.ZERO));
        assertTrue(e.getMessage().contains("a push is in progress"), e.getMessage());
    }

    static void pushFile(ImageStore store, Path file, String name) throws IOException {
        try (BlockDevice src = RawImage.open(file, true)) {
            store.push(src, name, PushListener.NONE);
        }
    }

    static byte[] read(ImageStore store, String name) throws IOException {
        try (StoreImage image = store.open(name)) {
            return ImageStoreTest.readAll(image);
        }
    }
}
