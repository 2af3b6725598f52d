package io.hvx.net.tap;

/** A TAP device could not be opened or used; the message names the call and errno. */
public final class TapException extends RuntimeException {
  public TapException(String message) {
    super(message);
  }

  public TapException(String message, Throwable cause) {
    super(message, cause);
  }
}
