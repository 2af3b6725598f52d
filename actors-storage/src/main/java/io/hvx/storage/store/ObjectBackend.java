package io.hvx.storage.store;

import java.io.IOException;
import java.time.Instant;
import java.util.List;

/**
 * Where the store keeps its objects (chunks, manifests, push leases). Every put is atomic: a reader
 * sees the whole object or none of it, never a prefix.
 */
public interface ObjectBackend extends AutoCloseable {

    /** Writes the object atomically, replacing any object of that key. */
    void put(String key, byte[] data) throws IOException;

    /** The object's bytes, or null when there is none. */
    byte[] get(String key) throws IOException;

    boolean exists(String key) throws IOException;

    /** Every object whose key starts with prefix. */
    List<StoredObject> list(String prefix) throws IOException;

    /** Removes the object; removing a missing one is not an error. */
    void delete(String key) throws IOException;

    /**
     * Removes what interrupted writes left behind (temporary files) that is older than before; returns how
     * many it removed. Backends whose puts leave nothing behind return 0.
     */
    int sweepIncomplete(Instant before) throws IOException;

    /** Where the objects are, for messages. */
    String describe();

    @Override
    void close() throws IOException;

    /** One listed object. */
    record StoredObject(String key, long size, Instant modified) {}
}
