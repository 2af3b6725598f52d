package io.hvx.runtime.cli;

/** Ends a command with a one-line message for the user and an exit code from {@link ExitCodes}. */
final class CliException extends RuntimeException {
  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
