package io.hvx.net.switching;

import java.util.Arrays;

/**
 * File descriptors whose readiness should end a switch thread's wait besides its TAPs: the sockets of
 * the Aeron driver that thread runs. Any thread adds and removes (the driver opens and closes sockets
 * wherever it runs); the switch thread reads {@link #snapshot}, a new array after every change, so that
 * comparing identities tells it when to rebuild its poll table. The switch thread also records what its
 * polls found, so that the driver it runs skips a {@code recvfrom} on a socket that had nothing: on these
 * hosts a system call costs microseconds, and such empty reads were most of a busy driver's.
 */
public final class WakeDescriptors {
  private volatile int[] descriptors = new int[0];
  // Bit d: the polling thread's last poll found descriptor d without input. Only that thread writes and
  // consults it; for any other thread (a control call running the driver) every socket may hold input.
  // A descriptor closed and reused keeps its bit until the next poll, one loop later.
  private long[] quiet = new long[0];
  private Thread poller;

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

  /** Records what a poll by the calling thread (the switch thread) found on {@code descriptor}. */
  public void polled(int descriptor, boolean readable) {
    poller = Thread.currentThread();
    int word = descriptor >>> 6;
    if (word >= quiet.length) {
      if (readable) {
        return;
      }
      quiet = Arrays.copyOf(quiet, word + 1);
    }
    long bit = 1L << descriptor;
    quiet[word] = readable ? quiet[word] & ~bit : quiet[word] | bit;
  }

  /** Forgets what polls found: the driver's next run reads every socket (a publisher waiting for room runs it without polling). */
  public void forgetPolls() {
    Arrays.fill(quiet, 0);
  }

  /** Whether the calling thread's last poll found {@code descriptor} without input. */
  public boolean quiet(int descriptor) {
    if (Thread.currentThread() != poller) {
      return false;
    }
    int word = descriptor >>> 6;
    return word < quiet.length && (quiet[word] & (1L << descriptor)) != 0;
  }
}
