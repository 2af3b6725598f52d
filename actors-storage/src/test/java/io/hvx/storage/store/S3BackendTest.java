package io.hvx.storage.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.hvx.storage.block.BlockDevice;
import io.hvx.storage.raw.RawImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The S3 backend against S3Mock, a real S3-protocol server running in this JVM. */
class S3BackendTest {
    static final int CHUNK = 64 << 10;
    static S3Server server;
    static S3Client client;
    static int buckets;

    @TempDir
    static Path serverRoot;
    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        server = new S3Server(serverRoot);
        client = server.client();
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    S3Backend backend() {
        String bucket = "hvx-test-" + (++buckets);
        client.createBucket(b -> b.bucket(bucket));
        return new S3Backend(server.client(), bucket, "store/");
    }

    @Test
    void shouldPutGetListAndDeleteObjects() throws IOException {
        try (S3Backend s3 = backend()) {
            assertNull(s3.get("images/none"));
            assertFalse(s3.exists("images/none"));
            s3.put("images/a", new byte[] {1, 2, 3});
            s3.put("chunks/ab/x", new byte[] {4});
            assertArrayEquals(new byte[] {1, 2, 3}, s3.get("images/a"));
            assertTrue(s3.exists("images/a"));
            assertEquals(1, s3.list("images/").size());
            assertEquals("images/a", s3.list("images/").get(0).key());
            assertEquals(3, s3.list("images/").get(0).size());
            s3.delete("images/a");
            s3.delete("images/a");
            assertFalse(s3.exists("images/a"));
        }
    }

    @Test
    void shouldListMoreObjectsThanOnePage() throws IOException {
        String bucket = "hvx-paged";
        client.createBucket(b -> b.bucket(bucket));
        try (S3Backend s3 = new S3Backend(server.client(), bucket, "", 10)) {
            for (int i = 0; i < 25; i++) {
                s3.put("chunks/" + i, new byte[] {(byte) i});
            }
            assertEquals(25, s3.list("chunks/").size());
        }
    }

    @Test
    void shouldPushReadBackDedupAndCollectThroughS3() throws IOException {
        Path a = TestImages.mixed(dir.resolve("a.raw"), 30 * CHUNK, 21);
        Path b = dir.resolve("b.raw");
        Files.copy(a, b);
        TestImages.scribble(b, 0, 100, 22);
        try (ImageStore store = new ImageStore(backend(), CHUNK, Duration.ofMinutes(10), 2)) {
            push(store, a, "a");
            PushResult rb = push(store, b, "b");
            assertEquals(1, rb.newChunks());
            try (StoreImage image = store.open("b")) {
                assertArrayEquals(Files.readAllBytes(b), ImageStoreTest.readAll(image));
            }
            store.remove("a");
            GcResult gc = store.gc(Duration.ZERO);
            assertEquals(1, gc.chunksRemoved(), "only a's first chunk was not shared");
            try (StoreImage image = store.open("b")) {
                assertArrayEquals(Files.readAllBytes(b), ImageStoreTest.readAll(image));
            }
        }
    }

    @Test
    void shouldNotServeAChunkCorruptedInTheBucket() throws IOException {
        Path a = TestImages.mixed(dir.resolve("a.raw"), 3 * CHUNK, 23);
        S3Backend s3 = backend();
        try (ImageStore store = new ImageStore(s3, CHUNK, Duration.ofMinutes(10), 2)) {
            push(store, a, "a");
            ChunkId first = store.manifest("a").chunks()[0];
            byte[] object = s3.get(ImageStore.chunkKey(first));
            object[object.length - 1] ^= 0x40;
            String bucket = s3.describe().substring(5, s3.describe().indexOf('/', 5));
            client.putObject(p -> p.bucket(bucket).key("store/" + ImageStore.chunkKey(first)), RequestBody.fromBytes(object));
            try (StoreImage image = store.open("a")) {
                CorruptChunkException e = assertThrows(CorruptChunkException.class,
                        () -> image.read(ByteBuffer.allocate(512), 0));
                assertTrue(e.getMessage().contains("not served"), e.getMessage());
            }
        }
    }

    @Test
    void shouldKeepSeveralPutsAndGetsInFlight() throws IOException {
        // One hashing thread, eight requests: before requests existed a push had one upload per push thread
        // and a pull one GET at a time, so both maxima were 1.
        Path a = TestImages.mixed(dir.resolve("a.raw"), 3 * 48 * CHUNK, 24);
        InFlight s3 = new InFlight(backend());
        try (ImageStore store = new ImageStore(s3, CHUNK, Duration.ofMinutes(10), 1, 8)) {
            assertEquals(48 + 1, push(store, a, "a").newChunks());
            assertTrue(s3.maxPuts.get() > 1, "PUTs in flight at most " + s3.maxPuts.get());
            try (StoreImage image = store.open("a")) {
                assertArrayEquals(Files.readAllBytes(a), ImageStoreTest.readAll(image));
            }
            assertTrue(s3.maxGets.get() > 1, "GETs in flight at most " + s3.maxGets.get());
            assertTrue(s3.maxGets.get() <= 8 + 1, "GETs in flight " + s3.maxGets.get() + " beyond 8 fetchers and the reader");
        }
    }

    /** The real S3 backend, noting the most PUTs and GETs that were running at the same moment. */
    static final class InFlight implements ObjectBackend {
        final S3Backend real;
        final AtomicInteger puts = new AtomicInteger();
        final AtomicInteger gets = new AtomicInteger();
        final AtomicInteger maxPuts = new AtomicInteger();
        final AtomicInteger maxGets = new AtomicInteger();

        InFlight(S3Backend real) {
            this.real = real;
        }

        @Override
        public void put(String key, byte[] data) throws IOException {
            maxPuts.accumulateAndGet(puts.incrementAndGet(), Math::max);
            try {
                real.put(key, data);
            } finally {
                puts.decrementAndGet();
            }
        }

        @Override
        public byte[] get(String key) throws IOException {
            maxGets.accumulateAndGet(gets.incrementAndGet(), Math::max);
            try {
                return real.get(key);
            } finally {
                gets.decrementAndGet();
            }
        }

        @Override
        public boolean exists(String key) throws IOException {
            return real.exists(key);
        }

        @Override
        public java.util.List<StoredObject> list(String prefix) throws IOException {
            return real.list(prefix);
        }

        @Override
        public void delete(String key) throws IOException {
            real.delete(key);
        }

        @Override
        public int sweepIncomplete(java.time.Instant before) {
            return real.sweepIncomplete(before);
        }

        @Override
        public String describe() {
            return real.describe();
        }

        @Override
        public void close() {
            real.close();
        }
    }

    static PushResult push(ImageStore store, Path file, String name) throws IOException {
        try (BlockDevice src = RawImage.open(file, true)) {
            return store.push(src, name, PushListener.NONE);
        }
    }
}
