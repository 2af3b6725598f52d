package io.hvx.net.switching;

/** Something the switch's data-plane thread polls for frames (a tunnel subscription). */
@FunctionalInterface
public interface IngressSource {
  /** Hands at most a batch of pending frames to the switch; returns how many it handled. */
  int poll(L2Switch target, long now);
}
