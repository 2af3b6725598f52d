package io.hvx.storage.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.raw.RawImage;
import io.hvx.storage.store.ChunkId;
import io.hvx.storage.store.ChunkSource;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.LocalBackend;
import io.hvx.storage.store.Manifest;
import io.hvx.storage.store.PushListener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkCacheTest {
    static final int CHUNK = 64 << 10;
    static final int CHUNKS = 32;

    @TempDir
    Path dir;
    byte[] disk;
    ImageStore store;
    Manifest manifest;

    /** The real store, counting how often the cache goes to it (and optionally slow, to overlap misses). */
    static final class CountingSource implements ChunkSource {
        final ChunkSource real;
        final AtomicInteger calls = new AtomicInteger();
        final long delayMillis;

        CountingSource(ChunkSource real, long delayMillis) {
            this.real = real;
            this.delayMillis = delayMillis;
        }

        @Override
        public void readChunk(ChunkId id, byte[] dst, int length) throws IOException {
            calls.incrementAndGet();
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            real.readChunk(id, dst, length);
        }
    }

    @BeforeEach
    void push() throws IOException {
        disk = new byte[CHUNKS * CHUNK];
        new Random(9).nextBytes(disk);
        Path file = dir.resolve("disk.raw");
        Files.write(file, disk);
        store = new ImageStore(new LocalBackend(dir.resolve("store")), CHUNK, Duration.ofMinutes(10), 2);
        try (RawImage src = RawImage.open(file, true)) {
            store.push(src, "disk", PushListener.NONE);
        }
        manifest = store.manifest("disk");
    }

    static byte[] readAll(CachedImage image) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) image.size());
        while (b.hasRemaining()) {
            int n = Math.min(b.remaining(), 4096);
            ByteBuffer part = b.slice(b.position(), n);
            image.read(part, b.position());
            b.position(b.position() + n);
        }
        return b.array();
    }

    @Test
    void shouldFetchOnFirstReadAndHitAfterwards() throws IOException {
        CountingSource source = new CountingSource(store, 0);
        try (ChunkCache cache = new ChunkCache(dir.resolve("cache"), 64L * CHUNK, 2, CHUNK, source)) {
            CachedImage image = new CachedImage(manifest, cache, ReadAhead.NONE, 0);
            assertArrayEquals(disk, readAll(image));
            assertEquals(CHUNKS, source.calls.get());
            assertArrayEquals(disk, readAll(image));
            assertEquals(CHUNKS, source.calls.get(), "the second pass is served from the cache");
            var c = cache.counters().snapshot();
            assertEquals(CHUNKS, c.get("CACHE_MISSES"));
            assertEquals(2L * CHUNKS * (CHUNK / 4096) - CHUNKS, c.get("CACHE_HITS"));
            assertEquals((long) CHUNKS * CHUNK, c.get("CACHE_BYTES_FETCHED"));
        }
    }

    @Test
    void shouldFetchOnceForConcurrentMissesOfOneChunk() throws Exception {
        CountingSource source = new CountingSource(store, 200);
        try (ChunkCache cache = new ChunkCache(dir.resolve("cache"), 64L * CHUNK, 2, CHUNK, source)) {
            CachedImage image = new CachedImage(manifest, cache, ReadAhead.NONE, 0);
            ExecutorService pool = Executors.newFixedThreadPool(8);
            List<Future<byte[]>> reads = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int at = i * 512;
                reads.add(pool.submit(() -> {
                    byte[] b = new byte[512];
                    image.read(ByteBuffer.wrap(b), CHUNK + at);
                    return b;
                }));
            }
            for (int i = 0; i < 8; i++) {
                assertArrayEquals(java.util.Arrays.copyOfRange(disk, CHUNK + i * 512, CHUNK + i * 512 + 512),
                        reads.get(i).get());
            }
            pool.shutdown();
            assertEquals(1, source.calls.get());
        }
    }

    @Test
    void shouldEvictToStayWithinItsSizeAndStillReadCorrectly() throws IOException {
        CountingSource source = new CountingSource(store, 0);
        try (ChunkCache cache = new ChunkCache(dir.resolve("cache"), 8L * CHUNK, 1, CHUNK, source)) {
            CachedImage image = new CachedImage(manifest, cache, ReadAhead.NONE, 0);
            assertArrayEquals(disk, readAll(image));
            assertEquals(8, cache.shard(0).size());
            assertTrue(cache.shard(0).evictions() >= CHUNKS - 8);
            assertTrue(Files.size(dir.resolve("cache/shard-0/slots")) <= 8L * CHUNK);
            assertArrayEquals(disk, readAll(image));
        }
    }

    @Test
    void shouldKeepItsContentsAcrossRestartsAndDropACorruptedSlot() throws IOException {
        try (ChunkCache cache = new ChunkCache(dir.resolve("cache"), 64L * CHUNK, 1, CHUNK, store)) {
            readAll(new CachedImage(manifest, cache, ReadAhead.NONE, 0));
        }
        // Damage the cached copy of the first chunk on disk.
        try (FileChannel ch = FileChannel.open(dir.resolve("cache/shard-0/slots"), StandardOpenOption.WRITE,
                StandardOpenOption.READ)) {
            ch.write(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), 0);
        }
        CountingSource source = new CountingSource(store, 0);
        try (ChunkCache cache = new ChunkCache(dir.resolve("cache"), 64L * CHUNK, 1, CHUNK, source)) {
            assertArrayEquals(disk, readAll(new CachedImage(manifest, cache, ReadAhead.NONE, 0)));
            assertEquals(1, source.calls.get(), "only the damaged chunk is fetched again");
            assertEquals(1L, cache.counters().snapshot().get("CACHE_CORRUPT_DROPPED"));
        }
    }

    @Test
    void shouldReadAheadOfASequentialReader() throws IOException {
        CountingSource source = new CountingSource(store, 0);
        try (ChunkCache cache = new ChunkCache(dir.resolve("cache"), 64L * CHUNK, 2, CHUNK, source)) {
            List<Integer> requested = new ArrayList<>();
            CachedImage image = new CachedImage(manifest, cache, (ids, lengths) -> {
                requested.add(ids.size());
                cache.prefetch(ids, lengths);
            }, 8);
            assertArrayEquals(disk, readAll(image));
            assertTrue(cache.counters().snapshot().get("CACHE_READ_AHEADS") >= CHUNKS - 2,
                    cache.counters().snapshot().toString());
            assertTrue(requested.size() < CHUNKS, "read-ahead is asked for in batches, not per block: " + requested);
            assertTrue(cache.counters().snapshot().get("CACHE_MISSES") <= 2, cache.counters().snapshot().toString());
        }
    }
}
