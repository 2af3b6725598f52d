package io.hvx.net.switching;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;
import org.agrona.concurrent.IdleStrategy;

/**
 * Frugal idling for the data-plane threads: spin, then yield, then wait with a timeout that doubles up to
 * a maximum, like Agrona's backoff strategy, with three differences. The wait is a {@link Waiter} when one
 * is set (the TAP devices' poll), so a frame from a local port ends it at once instead of at the end of
 * the timeout. The yields go on until the quiet spell is a busy window long: in a stream of frames the
 * next one usually comes within it and then costs no wake-up. And after a longer quiet spell the waits
 * deepen to a second, longer maximum: on this kind of host a short park lasts about 100 us whatever is
 * asked and costs a wake-up each time, so an idle node with only the shallow stage burnt about a quarter
 * of a core (IdleCostBenchmark). With a traffic
 * count set ({@link #quietWithout}), only traffic ends a quiet spell: a switch's driver does some work
 * every few milliseconds for each peer (heartbeats, status messages), which kept idle meshes shallow.
 */
public final class WaitingBackoffIdleStrategy implements IdleStrategy {
  /** Blocks the calling thread until input may be ready or {@code maxNanos} passed. */
  @FunctionalInterface
  public interface Waiter {
    void await(long maxNanos);
  }

  private static final Waiter PARK = LockSupport::parkNanos;
  /**
   * The nodes' default quiet spell before waits deepen ({@code hvx.network.quiet-after}): longer than the
   * gaps inside any conversation worth the name.
   */
  public static final long DEEP_AFTER_NANOS = 50_000_000;
  /**
   * The nodes' deep wait. Every input ends it (TAPs, the driver's sockets, the doorbell of rings and control
   * changes); its timeout only bounds Aeron's own timers, which are 100 ms and longer.
   */
  public static final long DEEP_WAIT_NANOS = 10_000_000;

  private final int maxSpins;
  private final int maxYields;
  private final long busyNanos;
  private final long minWaitNanos;
  private final long maxWaitNanos;
  private final long deepAfterNanos;
  private final long deepWaitNanos;
  private final LongSupplier clock;
  private Waiter waiter = PARK;
  private LongSupplier traffic;
  private long trafficSeen;
  private int spins;
  private int yields;
  private long waitNanos;
  private long idleSince;

  /**
   * Spins {@code maxSpins} times, yields {@code maxYields} times and until the quiet spell is
   * {@code busyNanos} long, then waits from {@code minWaitNanos} doubling to {@code maxWaitNanos}; once
   * quiet for {@code deepAfterNanos} it waits {@code deepWaitNanos}.
   */
  public WaitingBackoffIdleStrategy(int maxSpins, int maxYields, long busyNanos, long minWaitNanos,
      long maxWaitNanos, long deepAfterNanos, long deepWaitNanos) {
    this(maxSpins, maxYields, busyNanos, minWaitNanos, maxWaitNanos, deepAfterNanos, deepWaitNanos,
        System::nanoTime);
  }

  WaitingBackoffIdleStrategy(int maxSpins, int maxYields, long busyNanos, long minWaitNanos, long maxWaitNanos,
      long deepAfterNanos, long deepWaitNanos, LongSupplier clock) {
    if (minWaitNanos <= 0 || maxWaitNanos < minWaitNanos || deepWaitNanos < maxWaitNanos || deepAfterNanos <= 0
        || busyNanos < 0) {
      throw new IllegalArgumentException("waits must satisfy 0 < min <= max <= deep, deep-after > 0 and busy >= 0: "
          + minWaitNanos + ", " + maxWaitNanos + ", " + deepWaitNanos + ", " + deepAfterNanos + ", " + busyNanos);
    }
    this.maxSpins = maxSpins;
    this.maxYields = maxYields;
    this.busyNanos = busyNanos;
    this.minWaitNanos = minWaitNanos;
    this.maxWaitNanos = maxWaitNanos;
    this.deepAfterNanos = deepAfterNanos;
    this.deepWaitNanos = deepWaitNanos;
    this.clock = clock;
    this.waitNanos = minWaitNanos;
  }

  /**
   * Waits with {@code newWaiter} from now on (null: park); call before the thread starts. A strategy
   * serves one thread: a second waiter would make the first thread wait on the other's descriptors.
   */
  public void waitWith(Waiter newWaiter) {
    if (waiter != PARK && newWaiter != null && newWaiter != waiter) {
      throw new IllegalStateException("this idle strategy already waits for another thread's input;"
          + " give each switch thread its own");
    }
    this.waiter = newWaiter == null ? PARK : newWaiter;
  }

  /**
   * Measures quiet spells from the last change of {@code trafficCount} (frames switched) instead of from
   * the last work of any kind; call before the thread starts.
   */
  public void quietWithout(LongSupplier trafficCount) {
    this.traffic = trafficCount;
  }

  @Override
  public void idle(int workCount) {
    if (workCount > 0) {
      restartBackoff();
      if (traffic == null) {
        idleSince = 0;
      }
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
      long now = clock.getAsLong();
      if (traffic != null) {
        long seen = traffic.getAsLong();
        if (seen != trafficSeen) {
          trafficSeen = seen;
          idleSince = 0;
        }
      }
      if (idleSince == 0) {
        idleSince = now;
      }
      long quietFor = now - idleSince;
      if (quietFor < busyNanos) {
        Thread.yield();
        return;
      }
      waiter.await(quietFor >= deepAfterNanos ? deepWaitNanos : waitNanos);
      waitNanos = Math.min(waitNanos << 1, maxWaitNanos);
    }
  }

  @Override
  public void reset() {
    restartBackoff();
    idleSince = 0;
  }

  private void restartBackoff() {
    spins = 0;
    yields = 0;
    waitNanos = minWaitNanos;
  }

  @Override
  public String alias() {
    return "waiting-backoff";
  }
}
