package io.hvx.storage.cache;

import io.hvx.storage.store.ChunkId;
import io.hvx.storage.store.ChunkSource;
import io.hvx.storage.store.CorruptChunkException;
import io.hvx.storage.store.StoreException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * A node's chunk cache, split into shards by the first byte of the chunk id. Reads of cached chunks are a
 * hash lookup and a pread; a miss is fetched once however many readers want it (peers first, then the
 * store) and every fetched or reloaded chunk is checked against its hash before it is served.
 */
public final class ChunkCache implements ChunkSource, AutoCloseable {
    private final CacheShard[] shards;
    private final ChunkFetcher store;
    private volatile ChunkFetcher peers = (id, dst, length) -> false;
    private final CacheCounters counters = new CacheCounters();
    private final ConcurrentHashMap<ChunkId, CompletableFuture<Void>> inflight = new ConcurrentHashMap<>();
    private final ThreadLocal<MessageDigest> digests = ThreadLocal.withInitial(ChunkCache::sha256);
    private final ThreadLocal<byte[]> scratch;

    /** Opens (or creates) a cache of at most maxBytes under dir, filled from source on misses. */
    public ChunkCache(Path dir, long maxBytes, int shardCount, int chunkSize, ChunkSource source) throws IOException {
        if (shardCount < 1 || shardCount > 256) {
            throw new StoreException("cache shards must be 1 to 256, not " + shardCount);
        }
        long perShard = maxBytes / shardCount / chunkSize;
        if (perShard < 4) {
            throw new StoreException("a cache of " + maxBytes + " bytes in " + shardCount + " shards holds fewer than"
                    + " 4 chunks of " + chunkSize + " bytes per shard; raise hvx.storage.cache.max-size");
        }
        this.shards = new CacheShard[shardCount];
        for (int i = 0; i < shardCount; i++) {
            shards[i] = new CacheShard(dir.resolve("shard-" + i), chunkSize, (int) Math.min(perShard, Integer.MAX_VALUE));
        }
        this.store = (id, dst, length) -> {
            source.readChunk(id, dst, length);
            counters.storeFetches.increment();
            return true;
        };
        this.scratch = ThreadLocal.withInitial(() -> new byte[chunkSize]);
    }

    /** Installs the lookup in other nodes' caches that misses try before the store. */
    void usePeers(ChunkFetcher peers) {
        this.peers = peers;
    }

    public CacheCounters counters() {
        return counters;
    }

    public int shardCount() {
        return shards.length;
    }

    public int shardOf(ChunkId id) {
        return id.firstByte() * shards.length / 256;
    }

    CacheShard shard(int index) {
        return shards[index];
    }

    /**
     * Reads dst.remaining() bytes of a chunk of the given length, starting within bytes into it. The data
     * path of every image read on this node.
     */
    public void read(ChunkId id, int length, int within, ByteBuffer dst) throws IOException {
        CacheShard shard = shards[shardOf(id)];
        int start = dst.position();
        for (int attempt = 0; attempt < 8; attempt++) {
            CacheShard.Entry e = shard.lookup(id);
            if (e == null) {
                counters.misses.increment();
                fill(id, length, shard);
                continue;
            }
            if (!e.verified && !verify(shard, e)) {
                continue;
            }
            if (e.length != length) {
                throw new StoreException("chunk " + id.hex() + " is cached with " + e.length + " bytes, the image"
                        + " expects " + length);
            }
            if (shard.read(e, within, dst)) {
                if (attempt == 0) {
                    counters.hits.increment();
                }
                return;
            }
            counters.raceRetries.increment();
            dst.position(start);
        }
        throw new StoreException("chunk " + id.hex() + " kept being evicted while read; the cache is too small"
                + " for the working set (raise hvx.storage.cache.max-size)");
    }

    @Override
    public void readChunk(ChunkId id, byte[] dst, int length) throws IOException {
        read(id, length, 0, ByteBuffer.wrap(dst, 0, length));
    }

    /** Grows whenever a chunk enters or leaves the cache. */
    long changes() {
        long sum = 0;
        for (CacheShard s : shards) {
            sum += s.changes();
        }
        return sum;
    }

    /** A Bloom filter of the chunks cached now, for the other nodes' holder directories. */
    ChunkFilter filter() {
        List<ChunkId> ids = new java.util.ArrayList<>();
        for (CacheShard s : shards) {
            ids.addAll(s.ids());
        }
        return ChunkFilter.of(ids);
    }

    /** True when the chunk is in this node's cache (peers ask this). */
    public boolean contains(ChunkId id) {
        return shards[shardOf(id)].contains(id);
    }

    /** Copies a cached chunk for a peer, or returns null when it is not here (no fetch is started). */
    public byte[] peek(ChunkId id) throws IOException {
        CacheShard shard = shards[shardOf(id)];
        CacheShard.Entry e = shard.lookup(id);
        if (e == null || (!e.verified && !verify(shard, e))) {
            return null;
        }
        byte[] out = new byte[e.length];
        return shard.read(e, 0, ByteBuffer.wrap(out)) ? out : null;
    }

    /** Fetches chunks into the cache ahead of a sequential reader; errors are left for the real read. */
    public void prefetch(List<ChunkId> ids, List<Integer> lengths) {
        for (int i = 0; i < ids.size(); i++) {
            ChunkId id = ids.get(i);
            CacheShard shard = shards[shardOf(id)];
            if (!shard.contains(id)) {
                try {
                    counters.readAheads.increment();
                    fill(id, lengths.get(i), shard);
                } catch (IOException e) {
                    // The reader will hit the same problem and report it.
                }
            }
        }
    }

    private boolean verify(CacheShard shard, CacheShard.Entry e) throws IOException {
        byte[] buffer = scratch.get();
        if (!shard.read(e, 0, ByteBuffer.wrap(buffer, 0, e.length)) || !matches(e.id, buffer, e.length)) {
            counters.corruptDropped.increment();
            shard.drop(e);
            return false;
        }
        e.verified = true;
        return true;
    }

    private boolean matches(ChunkId id, byte[] data, int length) {
        MessageDigest d = digests.get();
        d.reset();
        d.update(data, 0, length);
        return ChunkId.of(d.digest()).equals(id);
    }

    /** One fetch per chunk: the first reader to miss does it, the others wait for it. */
    private void fill(ChunkId id, int length, CacheShard shard) throws IOException {
        CompletableFuture<Void> mine = new CompletableFuture<>();
        CompletableFuture<Void> running = inflight.putIfAbsent(id, mine);
        if (running != null) {
            await(running);
            return;
        }
        try {
            if (!shard.contains(id)) {
                byte[] buffer = new byte[length];
                if (peers.fetch(id, buffer, length) && matches(id, buffer, length)) {
                    counters.peerHits.increment();
                } else {
                    store.fetch(id, buffer, length);
                }
                counters.bytesFetched.add(length);
                shard.insert(id, buffer, length);
            }
            mine.complete(null);
        } catch (IOException | RuntimeException e) {
            mine.completeExceptionally(e);
            throw e;
        } finally {
            inflight.remove(id, mine);
        }
    }

    private static void await(CompletableFuture<Void> running) throws IOException {
        try {
            running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a chunk");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof CorruptChunkException c) {
                throw c;
            }
            if (e.getCause() instanceof IOException io) {
                throw new StoreException(io.getMessage(), io);
            }
            throw new StoreException("fetching a chunk failed: " + e.getCause(), e.getCause());
        }
    }

    /** Saves every shard's index so the cache's contents survive a restart. */
    public void persist() throws IOException {
        for (CacheShard s : shards) {
            s.persist();
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (CacheShard s : shards) {
            try {
                s.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
