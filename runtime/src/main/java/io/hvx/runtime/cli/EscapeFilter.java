package io.hvx.runtime.cli;

import java.util.Arrays;

/**
 * Watches keys typed at a terminal for the detach sequence, Ctrl-] then q, and passes every other key through. A
 * Ctrl-] followed by anything else is sent as typed, so the guest can still receive it.
 */
final class EscapeFilter {
  static final int ESCAPE = 0x1d;

  private boolean escaped;
  private boolean detached;

  /** The bytes of {@code keys[0..length)} to send to the guest; stops at the detach sequence. */
  byte[] filter(byte[] keys, int length) {
    byte[] send = new byte[length + 1];
    int kept = 0;
    for (int i = 0; i < length && !detached; i++) {
      int b = keys[i] & 0xff;
      if (escaped) {
        escaped = false;
        if (b == 'q' || b == 'Q') {
          detached = true;
          break;
        }
        send[kept++] = (byte) ESCAPE;
      }
      if (b == ESCAPE) {
        escaped = true;
      } else {
        send[kept++] = (byte) b;
      }
    }
    return Arrays.copyOf(send, kept);
  }

  /** True once the user typed the detach sequence. */
  boolean detached() {
    return detached;
  }
}
