package io.hvx.storage.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.hvx.storage.raw.RawImage;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.LocalBackend;
import io.hvx.storage.store.Manifest;
import io.hvx.storage.store.PushListener;
import io.hvx.testkit.cluster.ClusterHarness;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two cluster nodes in one JVM: a chunk one node has cached is fetched from it, not from the store. */
class PeerCacheTest {
    static final int CHUNK = 64 << 10;

    @TempDir
    Path dir;

    @Test
    void shouldFetchAMissFromAnotherNodesCacheBeforeTheStore() throws Exception {
        byte[] disk = ChunkHolderDirectoryTest.randomDisk(16);
        ImageStore store = ChunkHolderDirectoryTest.storeHolding(dir, disk);
        Manifest manifest = store.manifest("disk");
        try (ClusterHarness cluster = ClusterHarness.start(2);
                ChunkCache c0 = new ChunkCache(dir.resolve("cache0"), 64L * CHUNK, 2, CHUNK, store);
                ChunkCache c1 = new ChunkCache(dir.resolve("cache1"), 64L * CHUNK, 2, CHUNK, store)) {
            cluster.awaitAllUp(Duration.ofSeconds(30));
            ImageCache.start(cluster.node(0), c0, Duration.ofSeconds(30), Duration.ofSeconds(2));
            ImageCache ic1 = ImageCache.start(cluster.node(1), c1, Duration.ofSeconds(30), Duration.ofSeconds(2));
            ByteBuffer all = ByteBuffer.allocate(disk.length);
            new CachedImage(manifest, c0, ReadAhead.NONE, 0).read(all, 0);
            assertArrayEquals(disk, all.array());
            // Wait until node 1's shards know node 0's (the receptionist spreads registrations by gossip) and
            // node 1 holds node 0's chunk filter with the 16 chunks: a filter published before node 0 cached
            // them would rule node 0 out, and the miss would rightly go to the store.
            String holderKey = ImageCache.selfKey(cluster.node(0));
            ChunkHolderDirectoryTest.await(() -> ic1.peers(0) > 0 && ic1.peers(1) > 0
                    && ic1.holders().containsKey(holderKey) && ic1.holders().get(holderKey).entries() == 16,
                    () -> "node 1 never learned node 0's shards and filter: " + ic1.holders().keySet());
            ByteBuffer again = ByteBuffer.allocate(disk.length);
            new CachedImage(manifest, c1, ReadAhead.NONE, 0).read(again, 0);
            assertArrayEquals(disk, again.array());
            var counters = c1.counters().snapshot();
            assertEquals(16L, counters.get("CACHE_PEER_HITS"), counters.toString());
            assertEquals(0L, counters.get("CACHE_STORE_FETCHES"), counters.toString());
            assertEquals(16L, c0.counters().snapshot().get("CACHE_PEER_REQUESTS_SERVED"));
        }
        store.close();
    }
}
