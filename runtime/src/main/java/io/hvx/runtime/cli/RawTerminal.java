package io.hvx.runtime.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** The terminal in raw mode (every key goes to the guest, no local echo) until closed; uses stty on /dev/tty. */
final class RawTerminal implements AutoCloseable {
  static final RawTerminal NONE = new RawTerminal(null);

  private final String saved;

  private RawTerminal(String saved) {
    this.saved = saved;
  }

  static RawTerminal enter() {
    try {
      String saved = stty("-g").trim();
      stty("raw", "-echo");
      return new RawTerminal(saved);
    } catch (IOException e) {
      // no stty: the console still works, line by line with local echo
      return NONE;
    }
  }

  @Override
  public void close() {
    if (saved != null) {
      try {
        stty(saved);
      } catch (IOException e) {
        // nothing more to do; 'stty sane' repairs the terminal
      }
    }
  }

  private static String stty(String... args) throws IOException {
    String[] command = new String[args.length + 1];
    command[0] = "stty";
    System.arraycopy(args, 0, command, 1, args.length);
    Process process = new ProcessBuilder(command).redirectInput(new File("/dev/tty")).start();
    try {
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.waitFor() != 0) {
        throw new IOException("stty failed");
      }
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
