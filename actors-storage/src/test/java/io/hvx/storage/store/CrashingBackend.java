package io.hvx.storage.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * A real LocalBackend that dies at its Nth put the way a killed process would: the put leaves half its
 * bytes in a temporary file, and from then on every call fails (nothing more reaches the disk). This is
 * fault injection around the real backend, not a stand-in for it.
 */
final class CrashingBackend implements ObjectBackend {
    private final LocalBackend real;
    private final Path root;
    private final int crashAtPut;
    private int puts;
    private boolean dead;

    CrashingBackend(Path root, int crashAtPut) throws IOException {
        this.real = new LocalBackend(root);
        this.root = root;
        this.crashAtPut = crashAtPut;
    }

    int puts() {
        return puts;
    }

    private void alive() throws IOException {
        if (dead) {
            throw new IOException("simulated crash: the process is gone");
        }
    }

    @Override
    public void put(String key, byte[] data) throws IOException {
        alive();
        if (puts++ == crashAtPut) {
            dead = true;
            Path target = root.resolve(key);
            Files.createDirectories(target.getParent());
            Files.write(target.resolveSibling(LocalBackend.TEMP_PREFIX + UUID.randomUUID()),
                    Arrays.copyOf(data, data.length / 2));
            throw new IOException("simulated crash during put of " + key);
        }
        real.put(key, data);
    }

    @Override
    public byte[] get(String key) throws IOException {
        alive();
        return real.get(key);
    }

    @Override
    public boolean exists(String key) throws IOException {
        alive();
        return real.exists(key);
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        alive();
        return real.list(prefix);
    }

    @Override
    public void delete(String key) throws IOException {
        alive();
        real.delete(key);
    }

    @Override
    public int sweepIncomplete(Instant before) throws IOException {
        alive();
        return real.sweepIncomplete(before);
    }

    @Override
    public String describe() {
        return real.describe();
    }

    @Override
    public void close() {}
}
