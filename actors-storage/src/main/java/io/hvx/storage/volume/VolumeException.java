package io.hvx.storage.volume;

import io.hvx.storage.store.StoreException;

/** A volume request that cannot be done; kind tells a caller (the HTTP routes) which answer fits. */
public final class VolumeException extends StoreException {
    /** BAD: the spec is wrong; EXISTS: the name is taken; MISSING: no such volume; BUSY: in use or fixed. */
    public enum Kind { BAD, EXISTS, MISSING, BUSY }

    private final Kind kind;

    public VolumeException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
