package io.hvx.storage.store;

import java.io.IOException;

/** A failure of the image store that the user can act on; the message says what to do. */
public class StoreException extends IOException {
    public StoreException(String message) {
        super(message);
    }

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
