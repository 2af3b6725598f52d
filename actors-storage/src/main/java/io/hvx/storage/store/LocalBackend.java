package io.hvx.storage.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Objects as files under a directory (a local disk or an NFS mount). A put writes a temporary file in
 * the target directory, forces it to disk and renames it over the final name, so a crash leaves either
 * the old object, the new one, or a temporary file that {@link #sweepIncomplete} removes.
 */
public final class LocalBackend implements ObjectBackend {
    static final String TEMP_PREFIX = ".tmp-";
    private final Path root;

    public LocalBackend(Path root) throws StoreException {
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new StoreException("cannot use the store directory " + root + ": " + e.getMessage(), e);
        }
        this.root = root;
    }

    private Path file(String key) throws StoreException {
        if (key.isEmpty() || key.startsWith("/") || key.contains("..") || key.contains("\\")) {
            throw new StoreException("bad object key '" + key + "'");
        }
        return root.resolve(key);
    }

    @Override
    public void put(String key, byte[] data) throws IOException {
        Path target = file(key);
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path temp = dir.resolve(TEMP_PREFIX + UUID.randomUUID());
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        } catch (IOException e) {
            Files.deleteIfExists(temp);
            throw e;
        }
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.deleteIfExists(temp);
            throw new StoreException("the file system of " + root + " cannot rename atomically; the store needs it", e);
        }
        forceDirectory(dir);
    }

    private static void forceDirectory(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // Some file systems (NFS, tmpfs) refuse to sync a directory; the rename is still atomic there.
        }
    }

    @Override
    public byte[] get(String key) throws IOException {
        try {
            return Files.readAllBytes(file(key));
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    @Override
    public boolean exists(String key) throws IOException {
        return Files.isRegularFile(file(key));
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        int slash = prefix.lastIndexOf('/');
        Path start = slash < 0 ? root : root.resolve(prefix.substring(0, slash));
        List<StoredObject> out = new ArrayList<>();
        if (!Files.isDirectory(start)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(start)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String key = root.relativize(p).toString().replace('\\', '/');
                if (!key.startsWith(prefix) || p.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    continue;
                }
                try {
                    BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
                    if (a.isRegularFile()) {
                        out.add(new StoredObject(key, a.size(), a.lastModifiedTime().toInstant()));
                    }
                } catch (NoSuchFileException gone) {
                    // removed while listing
                }
            }
        }
        return out;
    }

    @Override
    public void delete(String key) throws IOException {
        Files.deleteIfExists(file(key));
    }

    @Override
    public int sweepIncomplete(Instant before) throws IOException {
        int removed = 0;
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (p.getFileName().toString().startsWith(TEMP_PREFIX)) {
                    try {
                        if (Files.getLastModifiedTime(p).toInstant().isBefore(before) && Files.deleteIfExists(p)) {
                            removed++;
                        }
                    } catch (NoSuchFileException gone) {
                        // renamed into place meanwhile
                    }
                }
            }
        }
        return removed;
    }

    @Override
    public String describe() {
        return root.toString();
    }

    @Override
    public void close() {}
}
