package io.hvx.storage.store;

import io.hvx.storage.block.BlockDevice;
import java.io.IOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The image store: manifests under {@code images/}, chunks under {@code chunks/xx/}, push leases under
 * {@code leases/}, all in one {@link ObjectBackend}. Chunks are written before the manifest that names
 * them, and every chunk read is checked against its hash.
 */
public final class ImageStore implements ChunkSource, AutoCloseable {
    static final String CHUNKS = "chunks/";
    static final String IMAGES = "images/";
    static final String LEASES = "leases/";

    private final ObjectBackend backend;
    private final int chunkSize;
    private final Duration leaseTimeout;
    private final int threads;
    private final int requests;
    private final ExecutorService fetchers;
    private final ThreadLocal<MessageDigest> digests = ThreadLocal.withInitial(ChunkId::sha256);

    /** A store whose pushes and pulls keep as many backend requests in flight as threads. */
    public ImageStore(ObjectBackend backend, int chunkSize, Duration leaseTimeout, int threads) {
        this(backend, chunkSize, leaseTimeout, threads, threads);
    }

    /**
     * threads hash and compress during a push; requests is how many chunk PUTs or GETs a push or a pull keeps
     * in flight, which is what bounds an object store (one round trip per request), not the CPUs.
     */
    public ImageStore(ObjectBackend backend, int chunkSize, Duration leaseTimeout, int threads, int requests) {
        if (threads < 1 || requests < 1) {
            throw new IllegalArgumentException("threads " + threads + " and requests " + requests + " must be positive");
        }
        this.backend = backend;
        this.chunkSize = chunkSize;
        this.leaseTimeout = leaseTimeout;
        this.threads = threads;
        this.requests = requests;
        // Threads start on first use, so a store that never reads several chunks at once costs none.
        this.fetchers = Executors.newFixedThreadPool(requests, Thread.ofPlatform().name("hvx-fetch-", 0).daemon().factory());
    }

    /** Opens the store the settings describe. */
    public static ImageStore open(StoreSettings settings) throws StoreException {
        return new ImageStore(settings.openBackend(), settings.chunkSize(), settings.leaseTimeout(),
                settings.pushThreads(), settings.requests());
    }

    public ObjectBackend backend() {
        return backend;
    }

    public int chunkSize() {
        return chunkSize;
    }

    Duration leaseTimeout() {
        return leaseTimeout;
    }

    int threads() {
        return threads;
    }

    /** Backend requests a push or a pull keeps in flight. */
    int requests() {
        return requests;
    }

    static String chunkKey(ChunkId id) {
        String hex = id.hex();
        return CHUNKS + hex.substring(0, 2) + "/" + hex;
    }

    static String manifestKey(String name) {
        return IMAGES + name;
    }

    /** The manifest of an image; NoSuchImageException when there is none. */
    public Manifest manifest(String name) throws IOException {
        byte[] bytes = backend.get(manifestKey(ImageName.check(name)));
        if (bytes == null) {
            throw new NoSuchImageException(name);
        }
        return Manifest.parse(manifestKey(name), bytes);
    }

    public boolean contains(String name) throws IOException {
        return backend.exists(manifestKey(ImageName.check(name)));
    }

    /** Every image, by name; an unreadable manifest is an error naming it. */
    public List<Manifest> list() throws IOException {
        List<Manifest> out = new ArrayList<>();
        for (ObjectBackend.StoredObject o : backend.list(IMAGES)) {
            byte[] bytes = backend.get(o.key());
            if (bytes != null) {
                out.add(Manifest.parse(o.key(), bytes));
            }
        }
        out.sort(Comparator.comparing(Manifest::name));
        return out;
    }

    /** Every chunk id in the store. */
    Set<ChunkId> chunkIds() throws IOException {
        Set<ChunkId> ids = new HashSet<>();
        for (ObjectBackend.StoredObject o : backend.list(CHUNKS)) {
            ChunkId id = idOf(o.key());
            if (id != null) {
                ids.add(id);
            }
        }
        return ids;
    }

    static ChunkId idOf(String key) {
        int slash = key.lastIndexOf('/');
        try {
            return ChunkId.parse(key.substring(slash + 1));
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** Stores the device's contents as image name; only chunks new to the store are uploaded. */
    public PushResult push(BlockDevice source, String name, PushListener listener) throws IOException {
        return new Pusher(this, ImageName.check(name), null).push(source, index -> null, listener);
    }

    /**
     * Stores a device whose chunks are mostly known already: for each chunk index, known answers the
     * chunk id to reuse without reading (a {@link Pusher.Known}), or null to read and hash it.
     */
    public PushResult push(BlockDevice source, String name, String parent, Pusher.KnownChunks known,
            PushListener listener) throws IOException {
        return new Pusher(this, ImageName.check(name), parent).push(source, known, listener);
    }

    /** Removes an image's manifest; its chunks stay until gc finds them unreferenced. */
    public void remove(String name) throws IOException {
        if (!contains(name)) {
            throw new NoSuchImageException(name);
        }
        backend.delete(manifestKey(name));
    }

    /** An image as a read-only block device that reads chunks from this store. */
    public StoreImage open(String name) throws IOException {
        return new StoreImage(manifest(name), this);
    }

    /** An image as a read-only block device that reads chunks through source (a node cache). */
    public StoreImage open(String name, ChunkSource source) throws IOException {
        return new StoreImage(manifest(name), source);
    }

    @Override
    public void readChunk(ChunkId id, byte[] dst, int length) throws IOException {
        // A bad read may be a transient fault of the medium or the network, so the object is fetched twice
        // before the chunk is reported; corrupt bytes are never handed out.
        CorruptChunkException last = null;
        for (int attempt = 0; attempt < 2; attempt++) {
            byte[] object = backend.get(chunkKey(id));
            if (object == null) {
                throw new StoreException("chunk " + id.hex() + " is missing from the store " + backend.describe()
                        + ": the image referring to it is damaged; push it again");
            }
            try {
                ChunkCodec.decode(id, object, dst, length, digests.get());
                return;
            } catch (CorruptChunkException e) {
                last = e;
            }
        }
        throw new CorruptChunkException(last.id(), last.getMessage().substring(last.getMessage().indexOf(": ") + 2)
                + " (read twice from " + backend.describe() + "; not served: push an image holding it again,"
                + " or restore the object)");
    }

    /**
     * Fetches the chunks at once, up to requests at a time (the caller fetches the first itself), so a pull
     * waits for about one round trip per batch instead of one per chunk.
     */
    @Override
    public void readChunks(ChunkId[] ids, byte[][] dsts, int[] lengths, int count) throws IOException {
        if (count <= 1 || requests == 1) {
            ChunkSource.super.readChunks(ids, dsts, lengths, count);
            return;
        }
        List<Future<?>> others = new ArrayList<>(count - 1);
        IOException failure = null;
        try {
            for (int i = 1; i < count; i++) {
                int k = i;
                others.add(fetchers.submit(() -> {
                    readChunk(ids[k], dsts[k], lengths[k]);
                    return null;
                }));
            }
            readChunk(ids[0], dsts[0], lengths[0]);
        } catch (IOException e) {
            failure = e;
        }
        for (Future<?> f : others) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof IOException io ? io
                            : new StoreException("chunk fetch failed: " + e.getCause(), e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                others.forEach(o -> o.cancel(true));
                throw new StoreException("chunk fetch was interrupted");
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Stores one encoded chunk. */
    void putChunk(ChunkId id, byte[] encoded) throws IOException {
        backend.put(chunkKey(id), encoded);
    }

    /**
     * Removes chunks no manifest refers to and that are older than grace, and leftovers of interrupted
     * writes. Refuses while a push holds a live lease, because that push may refer to old chunks.
     */
    public GcResult gc(Duration grace) throws IOException {
        return new GarbageCollector(this).collect(grace, Instant.now());
    }

    @Override
    public void close() throws IOException {
        fetchers.shutdownNow();
        backend.close();
    }
}
