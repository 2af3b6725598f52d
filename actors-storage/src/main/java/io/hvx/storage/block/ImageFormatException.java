package io.hvx.storage.block;

import java.io.IOException;

/** An image file is malformed, truncated or uses a feature hvx does not support; the message names the problem. */
public final class ImageFormatException extends IOException {
    public ImageFormatException(String message) {
        super(message);
    }
}
