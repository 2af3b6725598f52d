package io.hvx.net.logical;

/** A network definition was refused; the message names the field and what is wrong with it. */
public final class DefinitionException extends RuntimeException {
  public DefinitionException(String message) {
    super(message);
  }
}
