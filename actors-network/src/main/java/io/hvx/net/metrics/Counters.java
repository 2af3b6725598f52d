package io.hvx.net.metrics;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/** The values of every {@link Counter} for one switch; written by data-plane threads without allocation. */
public final class Counters {
  private final AtomicLongArray values = new AtomicLongArray(Counter.values().length);

  public void increment(Counter counter) {
    values.getAndIncrement(counter.ordinal());
  }

  public void add(Counter counter, long delta) {
    values.getAndAdd(counter.ordinal(), delta);
  }

  public long get(Counter counter) {
    return values.get(counter.ordinal());
  }

  /** A copy of every value, for the control plane (HTTP endpoint, tests). */
  public Map<Counter, Long> snapshot() {
    Map<Counter, Long> copy = new EnumMap<>(Counter.class);
    for (Counter counter : Counter.values()) {
      copy.put(counter, get(counter));
    }
    return copy;
  }
}
