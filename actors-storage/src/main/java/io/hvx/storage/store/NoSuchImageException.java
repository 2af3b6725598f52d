package io.hvx.storage.store;

/** The store holds no image of that name. */
public final class NoSuchImageException extends StoreException {
    public NoSuchImageException(String name) {
        super("no image '" + name + "' in the store (see 'hvx image list')");
    }
}
