package io.hvx.net;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * This node's writes to a replicated map that the replicator has not confirmed yet. A subscription snapshot
 * sent just before the replicator took such a write lacks it; re-applying them over every snapshot keeps a
 * write this node already acted on from vanishing until the next snapshot.
 */
final class UnconfirmedWrites<V> {
  /** One write, applied to a view of the map. */
  interface Write<V> {
    void applyTo(Map<String, V> view);
  }

  /** Stores {@code value} under {@code key}, or removes the key when {@code value} is null. */
  record Put<V>(String key, V value) implements Write<V> {
    @Override
    public void applyTo(Map<String, V> view) {
      if (value == null) {
        view.remove(key);
      } else {
        view.put(key, value);
      }
    }
  }

  private final List<Write<V>> writes = new ArrayList<>();

  /** Keeps {@code write} (already applied to this node's view) until {@link #confirmed}. */
  void add(Write<V> write) {
    writes.add(write);
  }

  /** The replicator answered for {@code write} (by identity: two equal writes in flight each get their own answer). */
  void confirmed(Write<V> write) {
    writes.removeIf(pending -> pending == write);
  }

  /** Re-applies every unconfirmed write, in order, to a fresh snapshot. */
  void applyTo(Map<String, V> snapshot) {
    writes.forEach(write -> write.applyTo(snapshot));
  }
}
