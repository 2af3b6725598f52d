package io.hvx.storage.store;

import io.hvx.storage.block.BlockDevice;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One push: reads the source chunk by chunk on the calling thread, hashes, compresses and uploads on
 * worker threads (as many as the store's requests in flight), then writes the manifest. The manifest is written only after every chunk it names is
 * in the store, so a crash at any point leaves no image that refers to a missing chunk.
 */
public final class Pusher {
    private static final byte[] ZEROS = new byte[Manifest.MAX_CHUNK];

    /** For a chunk index, the chunk id to reuse without reading (id null: a zero chunk), or null to read it. */
    @FunctionalInterface
    public interface KnownChunks {
        Known known(long index) throws IOException;
    }

    /** A chunk whose content is already known; id null means all zeros. */
    public record Known(ChunkId id) {}

    private final ImageStore store;
    private final String name;
    private final String parent;
    private final Set<ChunkId> seen = ConcurrentHashMap.newKeySet();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong newChunks = new AtomicLong();
    private final AtomicLong stored = new AtomicLong();

    Pusher(ImageStore store, String name, String parent) {
        this.store = store;
        this.name = name;
        this.parent = parent;
    }

    PushResult push(BlockDevice source, KnownChunks known, PushListener listener) throws IOException {
        if (store.contains(name)) {
            throw new ImageExistsException(name);
        }
        ObjectBackend backend = store.backend();
        String lease = ImageStore.LEASES + name + "-" + UUID.randomUUID();
        byte[] leaseBody = ("push of " + name + "\n").getBytes(StandardCharsets.UTF_8);
        backend.put(lease, leaseBody);
        long leaseRenewed = System.nanoTime();
        long renewEvery = store.leaseTimeout().toNanos() / 3;
        Set<ChunkId> existing = store.chunkIds();
        int chunkSize = store.chunkSize();
        long size = source.size();
        int count = Math.toIntExact(Manifest.chunkCount(size, chunkSize));
        ChunkId[] ids = new ChunkId[count];
        // Each worker hashes, compresses and uploads one chunk; an object store wants many uploads in flight
        // (each PUT waits for a round trip), so there are as many workers as requests the store allows.
        int workerCount = Math.max(store.threads(), store.requests());
        int inFlight = workerCount * 2;
        BlockingQueue<byte[]> buffers = new ArrayBlockingQueue<>(inFlight);
        for (int i = 0; i < inFlight; i++) {
            buffers.add(new byte[chunkSize]);
        }
        ExecutorService workers = Executors.newFixedThreadPool(workerCount, r -> {
            Thread t = new Thread(r, "push-" + name);
            t.setDaemon(true);
            return t;
        });
        List<Future<?>> pending = new ArrayList<>();
        long zeros = 0;
        long bytesRead = 0;
        try {
            for (int i = 0; i < count; i++) {
                long offset = (long) i * chunkSize;
                int len = (int) Math.min(chunkSize, size - offset);
                Known k = known.known(i);
                if (k != null) {
                    if (k.id() == null) {
                        zeros++;
                    } else {
                        ids[i] = k.id();
                        countReuse(k.id(), existing);
                    }
                } else if (allZeroExtents(source, offset, len)) {
                    zeros++;
                } else {
                    byte[] buffer = buffers.take();
                    source.read(ByteBuffer.wrap(buffer, 0, len), offset);
                    bytesRead += len;
                    if (Arrays.mismatch(buffer, 0, len, ZEROS, 0, len) < 0) {
                        zeros++;
                        buffers.add(buffer);
                    } else {
                        int index = i;
                        pending.add(workers.submit(() -> {
                            try {
                                ids[index] = store(buffer, len, existing);
                            } finally {
                                buffers.add(buffer);
                            }
                            return null;
                        }));
                    }
                }
                if (System.nanoTime() - leaseRenewed > renewEvery) {
                    backend.put(lease, leaseBody);
                    leaseRenewed = System.nanoTime();
                }
                reap(pending, false);
                listener.progress(offset + len);
            }
            reap(pending, true);
            checkStillPresent(ids, existing);
            Manifest manifest = new Manifest(name, size, chunkSize, Instant.now(), parent, ids);
            if (store.contains(name)) {
                throw new ImageExistsException(name);
            }
            backend.put(ImageStore.manifestKey(name), manifest.toBytes());
            return new PushResult(name, size, count, zeros, duplicates.get(), newChunks.get(), bytesRead, stored.get());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("push of '" + name + "' was interrupted");
        } finally {
            workers.shutdownNow();
            try {
                backend.delete(lease);
            } catch (IOException e) {
                // A stale lease only delays gc until it expires.
            }
        }
    }

    private void countReuse(ChunkId id, Set<ChunkId> existing) throws StoreException {
        if (!existing.contains(id) && !seen.contains(id)) {
            throw new StoreException("chunk " + id.hex() + " of the parent image is missing from the store");
        }
        seen.add(id);
        duplicates.incrementAndGet();
    }

    private ChunkId store(byte[] buffer, int len, Set<ChunkId> existing) throws IOException {
        ChunkId id = ChunkId.hash(buffer, 0, len);
        if (!seen.add(id) || existing.contains(id)) {
            duplicates.incrementAndGet();
            return id;
        }
        byte[] encoded = ChunkCodec.encode(buffer, len);
        store.putChunk(id, encoded);
        newChunks.incrementAndGet();
        stored.addAndGet(encoded.length);
        return id;
    }

    private static boolean allZeroExtents(BlockDevice source, long offset, int len) throws IOException {
        long pos = offset;
        long end = offset + len;
        while (pos < end) {
            BlockDevice.Extent e = source.extentAt(pos);
            if (!e.zero() || e.length() <= 0) {
                return false;
            }
            pos += e.length();
        }
        return true;
    }

    private static void reap(List<Future<?>> pending, boolean all) throws IOException, InterruptedException {
        var it = pending.iterator();
        while (it.hasNext()) {
            Future<?> f = it.next();
            if (!all && !f.isDone()) {
                continue;
            }
            try {
                f.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof IOException io) {
                    throw io;
                }
                throw new StoreException("push failed: " + e.getCause(), e.getCause());
            }
            it.remove();
        }
    }

    /** A gc that started before this push's lease may have removed chunks this push deduplicated against. */
    private void checkStillPresent(ChunkId[] ids, Set<ChunkId> existing) throws IOException {
        Set<ChunkId> now = store.chunkIds();
        for (ChunkId id : ids) {
            if (id != null && !now.contains(id)) {
                throw new StoreException("chunk " + id.hex() + " disappeared from the store during the push"
                        + " (a concurrent gc?); push again");
            }
        }
    }
}
