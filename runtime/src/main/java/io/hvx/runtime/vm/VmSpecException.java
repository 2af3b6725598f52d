package io.hvx.runtime.vm;

/** A VM definition that cannot be run; the message names the field and what to do. */
public final class VmSpecException extends RuntimeException {
  public VmSpecException(String message) {
    super(message, null, false, false);
  }
}
