package io.hvx.storage.store;

/** An image of that name is already in the store; images are immutable, so a push never replaces one. */
public final class ImageExistsException extends StoreException {
    public ImageExistsException(String name) {
        super("image '" + name + "' already exists; remove it first (hvx image rm " + name + ") or choose another name");
    }
}
