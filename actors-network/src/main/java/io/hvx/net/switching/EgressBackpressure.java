package io.hvx.net.switching;

import java.util.Arrays;

/**
 * The egress sinks of one switch that hold a frame they could not send yet (a tunnel whose peer has not
 * made room). Local devices are read only while none does, so a busy tunnel pushes back on the sender:
 * the frames wait in the TAP's kernel queue and the sender's TCP slows down, instead of frames being
 * read and dropped. Switch thread only.
 */
public final class EgressBackpressure {
  /** A sink holding one frame. */
  public interface HeldSink {
    /** Tries to send the held frame; true when it no longer holds one (sent, or given up and counted). */
    boolean retryHeld(long now);
  }

  private HeldSink[] held = new HeldSink[4];
  private int count;

  /** Records that {@code sink} holds a frame until its {@link HeldSink#retryHeld} says otherwise. */
  public void hold(HeldSink sink) {
    for (int i = 0; i < count; i++) {
      if (held[i] == sink) {
        return;
      }
    }
    if (count == held.length) {
      held = Arrays.copyOf(held, count * 2);
    }
    held[count++] = sink;
  }

  /** Whether some sink holds a frame (then local devices are not read). */
  public boolean holding() {
    return count > 0;
  }

  /** Retries every held frame; returns true when none is held any more. */
  public boolean clear(long now) {
    for (int i = 0; i < count; ) {
      if (held[i].retryHeld(now)) {
        held[i] = held[--count];
        held[count] = null;
      } else {
        i++;
      }
    }
    return count == 0;
  }
}
