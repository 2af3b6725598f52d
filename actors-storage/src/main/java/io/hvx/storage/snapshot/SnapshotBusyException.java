package io.hvx.storage.snapshot;

import io.hvx.storage.store.StoreException;

/** A snapshot is open elsewhere (an NBD export, a VM, a commit); it can be committed or removed only when closed. */
public final class SnapshotBusyException extends StoreException {
    public SnapshotBusyException(String name, String holder) {
        super("snapshot '" + name + "' is in use by " + holder + "; wait for it to finish or disconnect it, then retry");
    }
}
