package io.hvx.storage.store;

/** A name that cannot be an image, snapshot or volume name. */
public final class BadImageNameException extends StoreException {
    public BadImageNameException(String message) {
        super(message);
    }
}
