package io.hvx.storage.snapshot;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one opener of a snapshot: an exclusive lock on {@code <snapshot>/lock} holding who took it. A file lock
 * covers other processes (a CLI commit beside a node); the map covers this process, where a second channel on
 * the same file must not be opened at all, since closing it would drop the process's POSIX lock.
 */
final class SnapshotLock implements AutoCloseable {
    static final String FILE = "lock";
    private static final Map<Path, String> HELD = new ConcurrentHashMap<>();

    private final Path file;
    private final FileChannel channel;
    private final FileLock lock;

    private SnapshotLock(Path file, FileChannel channel, FileLock lock) {
        this.file = file;
        this.channel = channel;
        this.lock = lock;
    }

    /** Takes the lock of the snapshot in dir for holder, or fails naming whoever has it. */
    static SnapshotLock acquire(String name, Path dir, String holder) throws IOException {
        Path file = dir.resolve(FILE).toAbsolutePath().normalize();
        String who = holder + " (pid " + ProcessHandle.current().pid() + ", since " + Instant.now() + ")";
        String before = HELD.putIfAbsent(file, who);
        if (before != null) {
            throw new SnapshotBusyException(name, before);
        }
        FileChannel channel = null;
        try {
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new SnapshotBusyException(name, holderOf(file));
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(who.getBytes(StandardCharsets.UTF_8)), 0);
            return new SnapshotLock(file, channel, lock);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            HELD.remove(file, who);
            throw e;
        }
    }

    private static String holderOf(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? "another process" : text;
        } catch (IOException e) {
            return "another process";
        }
    }

    @Override
    public void close() throws IOException {
        try {
            channel.truncate(0);
            lock.release();
        } finally {
            channel.close();
            HELD.remove(file);
        }
    }
}
