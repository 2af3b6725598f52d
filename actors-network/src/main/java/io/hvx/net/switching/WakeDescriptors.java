package io.hvx.net.switching;

import java.util.Arrays;

/**
 * File descriptors whose readiness should end a switch thread's wait besides its TAPs: the sockets of
 * the Aeron driver that thread runs. Any thread adds and removes (the driver opens and closes sockets
 * wherever it runs); the switch thread reads {@link #snapshot}, a new array after every change, so that
 * comparing identities tells it when to rebuild its poll table.
 */
public final class WakeDescriptors {
  private volatile int[] descriptors = new int[0];

  public synchronized void add(int descriptor) {
    int[] now = descriptors;
    int[] next = Arrays.copyOf(now, now.length + 1);
    next[now.length] = descriptor;
    descriptors = next;
  }

  /** Stops watching {@code descriptor}; call before closing it. */
  public synchronized void remove(int descriptor) {
    int[] now = descriptors;
    for (int i = 0; i < now.length; i++) {
      if (now[i] == descriptor) {
        int[] next = Arrays.copyOf(now, now.length - 1);
        System.arraycopy(now, i + 1, next, i, now.length - i - 1);
        descriptors = next;
        return;
      }
    }
  }

  /** The descriptors now; never modified, replaced on change. */
  public int[] snapshot() {
    return descriptors;
  }
}
