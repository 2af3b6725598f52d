package io.hvx.runtime.vm;

import io.hvx.devices.serial.ByteSink;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The recent output of a VM's serial console: a fixed ring the vCPU thread writes into without allocating, read by
 * any number of viewers from their own position. A viewer that falls more than the ring's size behind skips to the
 * oldest byte still held and the skipped bytes are counted.
 */
public final class ConsoleRing implements ByteSink {
  /** The bytes a new viewer sees replayed. */
  public static final int DEFAULT_CAPACITY = 64 * 1024;

  /** A piece of output: {@code bytes} start at stream position {@code from}; {@code next} is where to read on. */
  public record Chunk(long from, byte[] bytes, long skipped, boolean ended) {
    public long next() {
      return from + bytes.length;
    }
  }

  private final byte[] ring;
  private final int mask;
  private final Executor wakeups;
  private long written;
  private long skipped;
  private boolean ended;
  private CompletableFuture<Void> more;

  /** {@code capacity} is a power of two; viewers waiting for output are woken on {@code wakeups}, not the vCPU. */
  public ConsoleRing(int capacity, Executor wakeups) {
    if (Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
    }
    this.ring = new byte[capacity];
    this.mask = capacity - 1;
    this.wakeups = wakeups;
  }

  @Override
  public void write(int b) {
    CompletableFuture<Void> waiting;
    synchronized (this) {
      ring[(int) (written++ & mask)] = (byte) b;
      waiting = more;
      more = null;
    }
    if (waiting != null) {
      wakeups.execute(() -> waiting.complete(null));
    }
  }

  /** Marks the output as finished (the VM ended); viewers get an ended chunk once they have read everything. */
  public void end() {
    CompletableFuture<Void> waiting;
    synchronized (this) {
      ended = true;
      waiting = more;
      more = null;
    }
    if (waiting != null) {
      waiting.complete(null);
    }
  }

  /** Accepts output again after {@link #end()} (the VM started again). */
  public synchronized void reopen() {
    ended = false;
  }

  /** The position a new viewer starts at: the oldest byte the ring still holds. */
  public synchronized long oldest() {
    return Math.max(0, written - ring.length);
  }

  public synchronized long written() {
    return written;
  }

  /** Bytes viewers lost because they fell more than the ring's size behind. */
  public synchronized long skipped() {
    return skipped;
  }

  /** The output after {@code position}, or a chunk flagged ended when the VM ended and nothing is left. */
  public synchronized Chunk read(long position) {
    long from = Math.max(position, oldest());
    if (from > position) {
      skipped += from - position;
    }
    int length = (int) Math.min(written - from, ring.length);
    byte[] out = new byte[length];
    int start = (int) (from & mask);
    int first = Math.min(length, ring.length - start);
    System.arraycopy(ring, start, out, 0, first);
    System.arraycopy(ring, 0, out, first, length - first);
    return new Chunk(from, out, from - position, ended && length == 0);
  }

  /** Completes with the next chunk after {@code position} as soon as there is output (or the end). */
  public CompletableFuture<Chunk> next(long position) {
    CompletableFuture<Void> waiting;
    synchronized (this) {
      if (written > position || ended) {
        return CompletableFuture.completedFuture(read(position));
      }
      if (more == null) {
        more = new CompletableFuture<>();
      }
      waiting = more;
    }
    return waiting.thenApply(ignored -> read(position));
  }
}
