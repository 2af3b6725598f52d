package io.hvx.storage.cache;

import io.hvx.storage.store.ChunkId;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * One shard's on-disk chunk cache: a file of fixed-size slots holding decompressed chunks, and an index
 * from chunk id to slot. Readers go straight to the file (a hash lookup and one pread, no lock); slot
 * placement and clock eviction (second chance, an approximation of LRU) take the shard's lock. Each slot
 * has a generation number, bumped before the slot is reused, so a reader that raced an eviction notices
 * and fetches again instead of returning another chunk's bytes.
 */
final class CacheShard implements AutoCloseable {
    static final String SLOTS = "slots";
    static final String INDEX = "index";

    private final Path dir;
    private final int chunkSize;
    private final int capacity;
    private final FileChannel file;
    private final ConcurrentHashMap<ChunkId, Entry> entries = new ConcurrentHashMap<>();
    private final Entry[] bySlot;
    private final AtomicLongArray generations;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    private int hand;
    private long evictions;
    private long changes;

    /** A cached chunk; verified is false for entries loaded from disk until first read checks their hash. */
    static final class Entry {
        final ChunkId id;
        final int slot;
        final int length;
        final long generation;
        volatile boolean referenced = true;
        volatile boolean verified;

        Entry(ChunkId id, int slot, int length, long generation, boolean verified) {
            this.id = id;
            this.slot = slot;
            this.length = length;
            this.generation = generation;
            this.verified = verified;
        }
    }

    CacheShard(Path dir, int chunkSize, int capacity) throws IOException {
        this.dir = dir;
        this.chunkSize = chunkSize;
        this.capacity = capacity;
        Files.createDirectories(dir);
        this.file = FileChannel.open(dir.resolve(SLOTS), StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        this.bySlot = new Entry[capacity];
        this.generations = new AtomicLongArray(capacity);
        load();
    }

    int chunkSize() {
        return chunkSize;
    }

    /** Entries from the index file of a previous run; they are checked against their hash on first read. */
    private void load() throws IOException {
        Path index = dir.resolve(INDEX);
        if (Files.exists(index)) {
            for (String line : Files.readAllLines(index, StandardCharsets.US_ASCII)) {
                String[] f = line.split(" ");
                try {
                    if (f.length != 3) {
                        continue;
                    }
                    ChunkId id = ChunkId.parse(f[0]);
                    int slot = Integer.parseInt(f[1]);
                    int length = Integer.parseInt(f[2]);
                    if (slot >= 0 && slot < capacity && bySlot[slot] == null && length > 0 && length <= chunkSize
                            && (long) slot * chunkSize + length <= file.size()) {
                        Entry e = new Entry(id, slot, length, 0, false);
                        bySlot[slot] = e;
                        entries.put(id, e);
                    }
                } catch (IllegalArgumentException bad) {
                    // A damaged line loses one cached chunk, nothing more.
                }
            }
        }
        for (int i = 0; i < capacity; i++) {
            if (bySlot[i] == null) {
                free.add(i);
            }
        }
    }

    Entry lookup(ChunkId id) {
        Entry e = entries.get(id);
        if (e != null) {
            e.referenced = true;
        }
        return e;
    }

    boolean contains(ChunkId id) {
        return entries.containsKey(id);
    }

    /**
     * Reads dst.remaining() bytes of the entry from within; false when the slot was reused meanwhile (the
     * caller then treats the chunk as missing).
     */
    boolean read(Entry e, int within, ByteBuffer dst) throws IOException {
        long at = (long) e.slot * chunkSize + within;
        while (dst.hasRemaining()) {
            int n = file.read(dst, at);
            if (n < 0) {
                return false;
            }
            at += n;
        }
        return generations.get(e.slot) == e.generation;
    }

    /** Stores a chunk, evicting as needed; returns its entry. */
    synchronized Entry insert(ChunkId id, byte[] data, int length) throws IOException {
        Entry existing = entries.get(id);
        if (existing != null) {
            return existing;
        }
        int slot = free.isEmpty() ? evictOne() : free.poll();
        long generation = generations.incrementAndGet(slot);
        ByteBuffer b = ByteBuffer.wrap(data, 0, length);
        long at = (long) slot * chunkSize;
        while (b.hasRemaining()) {
            at += file.write(b, at);
        }
        Entry e = new Entry(id, slot, length, generation, true);
        bySlot[slot] = e;
        entries.put(id, e);
        changes++;
        return e;
    }

    /** Drops an entry whose bytes turned out to be wrong. */
    synchronized void drop(Entry e) {
        if (entries.remove(e.id, e)) {
            generations.incrementAndGet(e.slot);
            bySlot[e.slot] = null;
            free.add(e.slot);
        }
    }

    private int evictOne() {
        while (true) {
            Entry e = bySlot[hand];
            int slot = hand;
            hand = (hand + 1) % capacity;
            if (e == null) {
                return slot;
            }
            if (e.referenced) {
                e.referenced = false;
                continue;
            }
            entries.remove(e.id, e);
            generations.incrementAndGet(slot);
            bySlot[slot] = null;
            evictions++;
            return slot;
        }
    }

    synchronized long evictions() {
        return evictions;
    }

    /** Counts inserts and evictions, so a caller can tell the set of cached ids changed. */
    synchronized long changes() {
        return changes + evictions;
    }

    /** The ids cached now (a weakly consistent view). */
    java.util.Set<ChunkId> ids() {
        return entries.keySet();
    }

    int size() {
        return entries.size();
    }

    /** Saves the index (temporary file, then rename) after the slot data it names is on disk. */
    synchronized void persist() throws IOException {
        file.force(false);
        List<String> lines = new ArrayList<>(entries.size());
        for (Entry e : entries.values()) {
            lines.add(e.id.hex() + " " + e.slot + " " + e.length);
        }
        Path temp = dir.resolve(INDEX + ".tmp");
        Files.write(temp, lines, StandardCharsets.US_ASCII);
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
            ch.force(true);
        }
        Files.move(temp, dir.resolve(INDEX), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close() throws IOException {
        try {
            persist();
        } finally {
            file.close();
        }
    }
}
