package io.hvx.storage.snapshot;

import io.hvx.storage.store.StoreException;

/** No snapshot of that name on this node. */
public final class NoSuchSnapshotException extends StoreException {
    public NoSuchSnapshotException(String name) {
        super("no snapshot '" + name + "' on this node");
    }
}
