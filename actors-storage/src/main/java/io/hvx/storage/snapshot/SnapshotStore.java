package io.hvx.storage.snapshot;

import io.hvx.storage.store.ChunkSource;
import io.hvx.storage.store.ChunkId;
import io.hvx.storage.store.ImageName;
import io.hvx.storage.store.ImageStore;
import io.hvx.storage.store.Manifest;
import io.hvx.storage.store.PushListener;
import io.hvx.storage.store.PushResult;
import io.hvx.storage.store.Pusher;
import io.hvx.storage.store.StoreException;
import io.hvx.storage.store.StoreImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The node's snapshots, one directory each under root: {@code base} names the base image, {@code data}
 * and {@code bitmap} hold what the VM wrote.
 */
public final class SnapshotStore {
    static final String BASE = "base";
    private final Path root;

    public SnapshotStore(Path root) {
        this.root = root;
    }

    /** One snapshot and the image it started from. */
    public record Info(String name, String base, long writtenBytes) {}

    /** Starts a snapshot of a stored image; the image must exist. */
    public void create(String name, String baseImage, ImageStore store) throws IOException {
        Path dir = root.resolve(ImageName.check(name));
        store.manifest(baseImage);
        if (Files.exists(dir)) {
            throw new SnapshotExistsException(name);
        }
        Files.createDirectories(root);
        Path temp = Files.createTempDirectory(root, ".new-");
        Files.writeString(temp.resolve(BASE), baseImage + "\n", StandardCharsets.UTF_8);
        Files.move(temp, dir, StandardCopyOption.ATOMIC_MOVE);
    }

    public boolean contains(String name) {
        return Files.isRegularFile(root.resolve(name).resolve(BASE));
    }

    String baseOf(String name) throws IOException {
        Path file = root.resolve(ImageName.check(name)).resolve(BASE);
        if (!Files.isRegularFile(file)) {
            throw new NoSuchSnapshotException(name);
        }
        return Files.readString(file, StandardCharsets.UTF_8).strip();
    }

    /** Opens a snapshot for reading and writing on behalf of this process; see the holder variant. */
    public CowSnapshot open(String name, ImageStore store, ChunkSource source) throws IOException {
        return open(name, "a process", store, source);
    }

    /**
     * Opens a snapshot for reading and writing; its base reads go through source. Only one opener at a time,
     * in any process: while holder (e.g. "NBD export", "commit to 'v2'") has it open, other opens, commits and
     * deletes fail with {@link SnapshotBusyException} naming holder.
     */
    public CowSnapshot open(String name, String holder, ImageStore store, ChunkSource source) throws IOException {
        String base = baseOf(name);
        SnapshotLock lock = SnapshotLock.acquire(name, root.resolve(name), holder);
        try {
            StoreImage image = store.open(base, source);
            try {
                return CowSnapshot.open(name, root.resolve(name), image, lock);
            } catch (IOException | RuntimeException e) {
                image.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** Opens the snapshot as "commit to NEW" (refused while anything else has it open) and commits it. */
    public PushResult commit(String name, String newName, ImageStore store, ChunkSource source, PushListener listener)
            throws IOException {
        try (CowSnapshot snapshot = open(name, "commit to '" + newName + "'", store, source)) {
            return commit(snapshot, newName, store, listener);
        }
    }

    public List<Info> list() throws IOException {
        List<Info> out = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.sorted(Comparator.naturalOrder()).toList()) {
                String name = d.getFileName().toString();
                if (!name.startsWith(".") && contains(name)) {
                    Path bitmap = d.resolve(CowSnapshot.BITMAP);
                    long written = Files.exists(bitmap)
                            ? java.util.BitSet.valueOf(Files.readAllBytes(bitmap)).cardinality() * (long) CowSnapshot.BLOCK
                            : 0;
                    out.add(new Info(name, baseOf(name), written));
                }
            }
        }
        return out;
    }

    /** Removes a snapshot and what was written to it. */
    public void delete(String name) throws IOException {
        Path dir = root.resolve(ImageName.check(name));
        if (!contains(name)) {
            throw new NoSuchSnapshotException(name);
        }
        // Held while deleting, so a snapshot in use is refused rather than pulled from under its user.
        try (SnapshotLock lock = SnapshotLock.acquire(name, dir, "rm")) {
            Files.delete(dir.resolve(BASE));
            for (String file : List.of(CowSnapshot.DATA, CowSnapshot.BITMAP)) {
                Files.deleteIfExists(dir.resolve(file));
            }
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /**
     * Pushes the snapshot as a new base image. Chunks with no written block reuse the base image's chunk ids
     * without being read, so only chunks the VM changed are read, hashed and (when new) uploaded.
     */
    public static PushResult commit(CowSnapshot snapshot, String newName, ImageStore store, PushListener listener)
            throws IOException {
        snapshot.flush();
        Manifest base = snapshot.base().manifest();
        if (base.chunkSize() != store.chunkSize()) {
            // Chunk ids can only be reused when the chunk boundaries are the same.
            return store.push(snapshot, newName, base.name(), index -> null, listener);
        }
        ChunkId[] ids = base.chunks();
        long chunk = base.chunkSize();
        return store.push(snapshot, newName, base.name(), index -> snapshot.writtenWithin(index * chunk, chunk)
                ? null : new Pusher.Known(ids[(int) index]), listener);
    }
}
