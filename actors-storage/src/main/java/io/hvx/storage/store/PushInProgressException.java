package io.hvx.storage.store;

/** gc found a live push lease; it must wait until the push has finished or its lease has expired. */
public final class PushInProgressException extends StoreException {
    public PushInProgressException(String message) {
        super(message);
    }
}
