package io.hvx.net.linux;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The kernel's limits on socket buffers, which cap what the overlay asks for without an error. */
public final class SocketLimits {
  private static final Path RMEM_MAX = Path.of("/proc/sys/net/core/rmem_max");

  private SocketLimits() {}

  /** net.core.rmem_max: the largest receive buffer a socket may set, in bytes; -1 when it cannot be read. */
  public static long receiveBufferMax() {
    // One read from offset 0: a sysctl file answers nothing to a read from further on, and Files.readString,
    // which reads one byte first for a file of size 0, returned "4" of "4194304".
    try (BufferedReader reader = Files.newBufferedReader(RMEM_MAX)) {
      String line = reader.readLine();
      return line == null ? -1 : Long.parseLong(line.trim());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }
}
