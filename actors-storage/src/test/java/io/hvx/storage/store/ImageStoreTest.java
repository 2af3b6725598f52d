package io.hvx.storage.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.raw.RawImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
    static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    ImageStore store() throws IOException {
        return new ImageStore(new LocalBackend(dir.resolve("store")), CHUNK, Duration.ofMinutes(10), 2);
    }

    static PushResult push(ImageStore store, Path file, String name) throws IOException {
        try (BlockDevice src = RawImage.open(file, true)) {
            return store.push(src, name, PushListener.NONE);
        }
    }

    static byte[] readAll(BlockDevice dev) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) dev.size());
        dev.read(b, 0);
        return b.array();
    }

    @Test
    void shouldReadUnalignedSpansOfManyChunksFetchedTogether() throws IOException {
        // 4 MiB batches of 4 KiB chunks are 64 chunks: spans of up to 200 chunks cross batches, zero chunks
        // and the short last chunk, starting and ending inside chunks.
        Path file = TestImages.mixed(dir.resolve("a.raw"), 300 * 4096 + 1000, 5);
        byte[] expected = Files.readAllBytes(file);
        try (ImageStore store = new ImageStore(new LocalBackend(dir.resolve("store")), 4096, Duration.ofMinutes(10), 2, 4)) {
            push(store, file, "a");
            java.util.Random random = new java.util.Random(6);
            try (StoreImage image = store.open("a")) {
                for (int i = 0; i < 200; i++) {
                    int off = random.nextInt(expected.length - 1);
                    int len = 1 + random.nextInt(Math.min(expected.length - off, 200 * 4096));
                    ByteBuffer b = ByteBuffer.allocateDirect(len);
                    image.read(b, off);
                    byte[] got = new byte[len];
                    b.flip().get(got);
                    assertArrayEquals(java.util.Arrays.copyOfRange(expected, off, off + len), got, "at " + off + "+" + len);
                }
            }
        }
    }

    @Test
    void shouldReadBackExactlyWhatWasPushed() throws IOException {
        Path file = TestImages.mixed(dir.resolve("a.raw"), 6 * CHUNK + 1234, 1);
        try (ImageStore store = store()) {
            push(store, file, "a");
            try (StoreImage image = store.open("a")) {
                assertEquals(Files.size(file), image.size());
                assertArrayEquals(Files.readAllBytes(file), readAll(image));
            }
        }
    }

    @Test
    void shouldListZeroChunksWithoutStoringThem() throws IOException {
        Path file = TestImages.mixed(dir.resolve("a.raw"), 30 * CHUNK, 2);
        try (ImageStore store = store()) {
            PushResult r = push(store, file, "a");
            // 30 chunks: 10 random, 10 in the hole, 10 copies of one block.
            assertEquals(30, r.chunks());
            assertEquals(10, r.zeroChunks());
            assertEquals(9, r.duplicateChunks());
            assertEquals(11, r.newChunks());
            assertEquals(11, store.backend().list(ImageStore.CHUNKS).size());
            assertEquals(10, store.manifest("a").zeroChunks());
            // The hole was never read.
            assertEquals(20L * CHUNK, r.bytesRead());
        }
    }

    @Test
    void shouldStoreIdenticalChunksOnceAcrossImages() throws IOException {
        Path a = TestImages.mixed(dir.resolve("a.raw"), 30 * CHUNK, 3);
        Path b = dir.resolve("b.raw");
        Files.copy(a, b);
        TestImages.scribble(b, 5L * CHUNK + 100, 10, 99);
        try (ImageStore store = store()) {
            push(store, a, "a");
            PushResult rb = push(store, b, "b");
            assertEquals(1, rb.newChunks(), "only the changed chunk is new");
            assertEquals(12, store.backend().list(ImageStore.CHUNKS).size());
            try (StoreImage image = store.open("b")) {
                assertArrayEquals(Files.readAllBytes(b), readAll(image));
            }
        }
    }

    @Test
    void shouldCompressCompressibleChunks() throws IOException {
        Path file = dir.resolve("text.raw");
        byte[] text = "the quick brown fox jumps over the lazy dog\n".repeat(20000).getBytes();
        Files.write(file, java.util.Arrays.copyOf(text, 8 * CHUNK));
        try (ImageStore store = store()) {
            PushResult r = push(store, file, "text");
            assertTrue(r.bytesStored() < r.bytesRead() / 10, "stored " + r.bytesStored() + " of " + r.bytesRead());
            try (StoreImage image = store.open("text")) {
                assertArrayEquals(Files.readAllBytes(file), readAll(image));
            }
        }
    }

    @Test
    void shouldRefuseToServeACorruptChunk() throws IOException {
        Path file = TestImages.mixed(dir.resolve("a.raw"), 3 * CHUNK, 4);
        try (ImageStore store = store()) {
            push(store, file, "a");
            ChunkId first = store.manifest("a").chunks()[0];
            Path object = dir.resolve("store").resolve(ImageStore.chunkKey(first));
            byte[] bytes = Files.readAllBytes(object);
            bytes[bytes.length / 2] ^= 1;
            Files.write(object, bytes);
            try (StoreImage image = store.open("a")) {
                CorruptChunkException e = assertThrows(CorruptChunkException.class,
                        () -> image.read(ByteBuffer.allocate(4096), 0));
                assertEquals(first, e.id());
                assertTrue(e.getMessage().contains(first.hex()), e.getMessage());
                // Other chunks still read.
                image.read(ByteBuffer.allocate(4096), CHUNK);
            }
        }
    }

    @Test
    void shouldRefuseATornManifest() throws IOException {
        Path file = TestImages.mixed(dir.resolve("a.raw"), 3 * CHUNK, 5);
        try (ImageStore store = store()) {
            push(store, file, "a");
            Path manifest = dir.resolve("store/images/a");
            byte[] bytes = Files.readAllBytes(manifest);
            Files.write(manifest, java.util.Arrays.copyOf(bytes, bytes.length - 20));
            StoreException e = assertThrows(StoreException.class, () -> store.manifest("a"));
            assertTrue(e.getMessage().contains("manifest 'images/a' is unusable"), e.getMessage());
        }
    }

    @Test
    void shouldRemoveOnlyUnreferencedChunksInGc() throws IOException {
        Path a = TestImages.mixed(dir.resolve("a.raw"), 30 * CHUNK, 6);
        Path b = TestImages.mixed(dir.resolve("b.raw"), 30 * CHUNK, 7);
        try (ImageStore store = store()) {
            push(store, a, "a");
            push(store, b, "b");
            assertEquals(22, store.backend().list(ImageStore.CHUNKS).size());
            store.remove("b");
            GcResult young = store.gc(Duration.ofHours(1));
            assertEquals(0, young.chunksRemoved(), "fresh chunks are inside the grace period");
            GcResult gc = store.gc(Duration.ZERO);
            assertEquals(11, gc.chunksRemoved());
            assertEquals(11, gc.chunksKept());
            try (StoreImage image = store.open("a")) {
                assertArrayEquals(Files.readAllBytes(a), readAll(image));
            }
            assertEquals(List.of("a"), store.list().stream().map(Manifest::name).toList());
        }
    }

    @Test
    void shouldRefuseBadNamesAndExistingNames() throws IOException {
        Path a = TestImages.mixed(dir.resolve("a.raw"), 3 * CHUNK, 8);
        try (ImageStore store = store()) {
            assertThrows(StoreException.class, () -> push(store, a, "../etc"));
            push(store, a, "a");
            StoreException e = assertThrows(StoreException.class, () -> push(store, a, "a"));
            assertTrue(e.getMessage().contains("already exists"), e.getMessage());
            assertThrows(NoSuchImageException.class, () -> store.open("nope"));
        }
    }
}
