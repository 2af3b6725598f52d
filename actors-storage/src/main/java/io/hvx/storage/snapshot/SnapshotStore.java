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

    /** Opens a snapshot for reading and writing; its base reads go through source. */
    public CowSnapshot open(String name, ImageStore store, ChunkSource source) throws IOException {
        StoreImage base = store.open(baseOf(name), source);
        return CowSnapshot.open(name, root.resolve(name), base);
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
