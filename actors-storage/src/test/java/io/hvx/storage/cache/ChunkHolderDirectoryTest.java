package io.hvx.storage.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.raw.RawImage;
import io.hvx.storage.store.ChunkId;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.LocalBackend;
import io.hvx.storage.store.Manifest;
import io.hvx.storage.store.PushListener;
import io.hvx.testkit.cluster.ClusterHarness;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three cluster nodes (one JVM, as in PeerCacheTest): each publishes a Bloom filter of its cache through
 * Distributed Data, and a miss asks only the node that holds the chunk, never the one that does not.
 */
class ChunkHolderDirectoryTest {
    static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void shouldKeepFalsePositivesNearOnePercentAndNeverMissAHeldChunk() {
        Random random = new Random(9);
        List<ChunkId> held = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            held.add(new ChunkId(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong()));
        }
        ChunkFilter filter = ChunkFilter.of(held);
        for (ChunkId id : held) {
            assertTrue(filter.mightContain(id));
        }
        int falsePositives = 0;
        for (int i = 0; i < 100_000; i++) {
            if (filter.mightContain(new ChunkId(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong()))) {
                falsePositives++;
            }
        }
        assertTrue(falsePositives < 2_000, "false positives: " + falsePositives + " of 100000");
        assertFalse(ChunkFilter.of(List.of()).mightContain(held.get(0)));
    }

    @Test
    void shouldAskOnlyTheNodeThatHoldsTheChunk() throws Exception {
        byte[] disk = randomDisk(16);
        ImageStore store = storeHolding(dir, disk);
        Manifest manifest = store.manifest("disk");
        try (ClusterHarness cluster = ClusterHarness.start(3);
                ChunkCache c0 = new ChunkCache(dir.resolve("cache0"), 64L * CHUNK, 2, CHUNK, store);
                ChunkCache c1 = new ChunkCache(dir.resolve("cache1"), 64L * CHUNK, 2, CHUNK, store);
                ChunkCache c2 = new ChunkCache(dir.resolve("cache2"), 64L * CHUNK, 2, CHUNK, store)) {
            cluster.awaitAllUp(Duration.ofSeconds(30));
            List<ChunkCache> caches = List.of(c0, c1, c2);
            List<ImageCache> images = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                images.add(ImageCache.start(cluster.node(i), caches.get(i), Duration.ofSeconds(30), Duration.ofSeconds(2),
                        Duration.ofMillis(200)));
            }
            // Shard peers are asked in address order: the holder is the one node 2 would ask last, so a miss
            // that ignored the directory would reach the empty node first.
            String a0 = ImageCache.selfKey(cluster.node(0));
            String a1 = ImageCache.selfKey(cluster.node(1));
            int holder = a0.compareTo(a1) > 0 ? 0 : 1;
            int empty = 1 - holder;
            ByteBuffer all = ByteBuffer.allocate(disk.length);
            new CachedImage(manifest, caches.get(holder), ReadAhead.NONE, 0).read(all, 0);
            assertArrayEquals(disk, all.array());

            ImageCache reader = images.get(2);
            String holderKey = ImageCache.selfKey(cluster.node(holder));
            String emptyKey = ImageCache.selfKey(cluster.node(empty));
            await(() -> reader.peers(0) == 2 && reader.peers(1) == 2
                    && reader.holders().containsKey(emptyKey)
                    && reader.holders().containsKey(holderKey) && reader.holders().get(holderKey).entries() == 16,
                    () -> "node 2 never learned the other nodes' filters: " + reader.holders().keySet());

            ByteBuffer again = ByteBuffer.allocate(disk.length);
            new CachedImage(manifest, c2, ReadAhead.NONE, 0).read(again, 0);
            assertArrayEquals(disk, again.array());
            Map<String, Long> counters = c2.counters().snapshot();
            assertEquals(16L, counters.get("CACHE_PEER_HITS"), counters.toString());
            assertEquals(0L, counters.get("CACHE_STORE_FETCHES"), counters.toString());
            assertEquals(0L, counters.get("CACHE_PEER_MISSES"), counters.toString());
            assertEquals(16L, counters.get("CACHE_PEERS_SKIPPED"), counters.toString());
            assertEquals(0L, caches.get(empty).counters().snapshot().get("CACHE_PEER_REQUESTS_SERVED"),
                    "the node without the chunks must not be asked");
            assertEquals(16L, caches.get(holder).counters().snapshot().get("CACHE_PEER_REQUESTS_SERVED"));
        }
        store.close();
    }

    static byte[] randomDisk(int chunks) {
        byte[] disk = new byte[chunks * CHUNK];
        new Random(4).nextBytes(disk);
        return disk;
    }

    /** A local store in dir/store holding disk as image "disk". */
    static ImageStore storeHolding(Path dir, byte[] disk) throws java.io.IOException {
        Files.write(dir.resolve("disk.raw"), disk);
        ImageStore store = new ImageStore(new LocalBackend(dir.resolve("store")), CHUNK, Duration.ofMinutes(10), 2);
        try (RawImage src = RawImage.open(dir.resolve("disk.raw"), true)) {
            store.push(src, "disk", PushListener.NONE);
        }
        return store;
    }

    static void await(BooleanSupplier condition, java.util.function.Supplier<String> why) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(why.get());
            }
            Thread.sleep(100);
        }
    }
}
