package io.hvx.runtime.node;

/** A node could not start or join; the message says what went wrong and what to do about it. */
public final class NodeStartException extends Exception {
  public NodeStartException(String message) {
    super(message);
  }

  public NodeStartException(String message, Throwable cause) {
    super(message, cause);
  }
}
