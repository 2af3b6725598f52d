package io.hvx.net.switching;

import java.util.concurrent.locks.LockSupport;
import org.agrona.concurrent.IdleStrategy;

/**
 * The switch thread's frugal idling: spin, then yield, then wait with a timeout that doubles up to a
 * maximum, like Agrona's backoff strategy, except that the wait is a {@link Waiter} when one is set (the
 * TAP devices' poll): a frame from a local port then wakes the thread at once instead of at the end of a
 * park of up to 100 us.
 */
public final class WaitingBackoffIdleStrategy implements IdleStrategy {
  /** Blocks the calling thread until input may be ready or {@code maxNanos} passed. */
  @FunctionalInterface
  public interface Waiter {
    void await(long maxNanos);
  }

  private static final Waiter PARK = LockSupport::parkNanos;

  private final int maxSpins;
  private final int maxYields;
  private final long minWaitNanos;
  private final long maxWaitNanos;
  private Waiter waiter = PARK;
  private int spins;
  private int yields;
  private long waitNanos;

  public WaitingBackoffIdleStrategy(int maxSpins, int maxYields, long minWaitNanos, long maxWaitNanos) {
    if (minWaitNanos <= 0 || maxWaitNanos < minWaitNanos) {
      throw new IllegalArgumentException("waits must satisfy 0 < min <= max: " + minWaitNanos + ", " + maxWaitNanos);
    }
    this.maxSpins = maxSpins;
    this.maxYields = maxYields;
    this.minWaitNanos = minWaitNanos;
    this.maxWaitNanos = maxWaitNanos;
    this.waitNanos = minWaitNanos;
  }

  /** Waits with {@code newWaiter} from now on (null: park); call before the thread starts. */
  public void waitWith(Waiter newWaiter) {
    this.waiter = newWaiter == null ? PARK : newWaiter;
  }

  @Override
  public void idle(int workCount) {
    if (workCount > 0) {
      reset();
    } else {
      idle();
    }
  }

  @Override
  public void idle() {
    if (spins < maxSpins) {
      spins++;
      Thread.onSpinWait();
    } else if (yields < maxYields) {
      yields++;
      Thread.yield();
    } else {
      waiter.await(waitNanos);
      waitNanos = Math.min(waitNanos << 1, maxWaitNanos);
    }
  }

  @Override
  public void reset() {
    spins = 0;
    yields = 0;
    waitNanos = minWaitNanos;
  }

  @Override
  public String alias() {
    return "waiting-backoff";
  }
}
