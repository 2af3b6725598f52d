package io.hvx.storage.snapshot;

import io.hvx.storage.store.StoreException;

/** A snapshot of that name exists already on this node. */
public final class SnapshotExistsException extends StoreException {
    public SnapshotExistsException(String name) {
        super("snapshot '" + name + "' already exists");
    }
}
