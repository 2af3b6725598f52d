package io.hvx.net.logical;

/** A network definition was refused; the message names the field and what is wrong with it. */
public final class DefinitionException extends RuntimeException {
  private final boolean notFound;

  public DefinitionException(String message) {
    this(message, false);
  }

  private DefinitionException(String message, boolean notFound) {
    super(message);
    this.notFound = notFound;
  }

  /** A refusal because the part of the definition a change names does not exist. */
  public static DefinitionException notFound(String message) {
    return new DefinitionException(message, true);
  }

  /** Whether the change named a subnet, reservation or record the network does not have. */
  public boolean isNotFound() {
    return notFound;
  }
}
