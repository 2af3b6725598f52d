package io.hvx.net.bench;

import io.hvx.net.linux.LibC;
import io.hvx.net.tap.EventFd;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Locale;

/**
 * Benchmark program (not a test): what waking a thread costs on this host, the floor under every
 * overlay latency figure of a switch that waits when idle. Two threads pass a token back and forth
 * through two eventfds, each waiting for it in {@code ppoll} as an idle switch thread does; one round
 * trip is two wake-ups. Run with both threads on one CPU, on two CPUs (the waking CPU must bring the
 * other out of idle), and on two CPUs polling without waiting (no wake-up: the spinning floor).
 *
 * <p>Arguments: [round trips per placement, default 20000]. Needs {@code taskset} (util-linux).
 */
public final class WakeUpBenchmark {
  private static final int GAP_EVERY = 100;
  private static final long GAP_MILLIS = 1;

  private WakeUpBenchmark() {}

  public static void main(String[] args) throws Exception {
    int trips = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int cpus = Runtime.getRuntime().availableProcessors();
    System.out.printf("%d cpus, %d round trips per placement, a 1 ms pause every %d%n", cpus, trips, GAP_EVERY);
    report("one CPU, waiting in ppoll", run(trips, 0, 0, true));
    if (cpus < 2) {
      System.out.println("two CPUs: this host has one CPU, not measured");
      return;
    }
    report("two CPUs, waiting in ppoll", run(trips, 0, 1, true));
    report("two CPUs, polling, no wait", run(trips, 0, 1, false));
  }

  private static void report(String placement, long[] nanos) {
    Arrays.sort(nanos);
    System.out.printf(Locale.ROOT, "%-28s round trip (two wake-ups) min %.1f p50 %.1f p90 %.1f p99 %.1f us%n",
        placement, nanos[0] / 1e3, nanos[nanos.length / 2] / 1e3, nanos[nanos.length * 9 / 10] / 1e3,
        nanos[nanos.length * 99 / 100] / 1e3);
  }

  /** Round-trip times; the initiating thread runs on {@code cpuA}, the answering one on {@code cpuB}. */
  private static long[] run(int trips, int cpuA, int cpuB, boolean wait) throws Exception {
    long[] nanos = new long[trips];
    try (EventFd toB = new EventFd(); EventFd toA = new EventFd()) {
      Thread answering = new Thread(() -> {
        try (Waiter waiter = new Waiter(toB, wait)) {
          for (int i = 0; i < trips; i++) {
            waiter.await();
            toA.signal();
          }
        }
      }, "hvx-wake-b");
      answering.setDaemon(true);
      answering.start();
      Thread.currentThread().setName("hvx-wake-a");
      OverlayBenchmark.pin("hvx-wake-a", cpuA);
      OverlayBenchmark.pin("hvx-wake-b", cpuB);
      try (Waiter waiter = new Waiter(toA, wait)) {
        for (int i = 0; i < trips; i++) {
          if (i % GAP_EVERY == 0) {
            // Lets both CPUs go idle now and then, as between a node's frames.
            Thread.sleep(GAP_MILLIS);
          }
          long start = System.nanoTime();
          toB.signal();
          waiter.await();
          nanos[i] = System.nanoTime() - start;
        }
      }
      answering.join();
    }
    return nanos;
  }

  /** Waits for one eventfd the way an idle switch thread does: {@code ppoll}, or polling it without a timeout. */
  private static final class Waiter implements AutoCloseable {
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment pollfd = arena.allocate(LibC.POLLFD);
    private final MemorySegment timeout = arena.allocate(LibC.TIMESPEC);
    private final MemorySegment state = LibC.captureState(arena);
    private final EventFd event;
    private final boolean wait;

    Waiter(EventFd event, boolean wait) {
      this.event = event;
      this.wait = wait;
      pollfd.set(ValueLayout.JAVA_INT, 0, event.fd());
      pollfd.set(ValueLayout.JAVA_SHORT, 4, LibC.POLLIN);
    }

    void await() {
      MemorySegment limit = wait ? MemorySegment.NULL : timeout;
      try {
        while ((int) LibC.PPOLL.invokeExact(state, pollfd, 1L, limit, MemorySegment.NULL) <= 0) {
          Thread.onSpinWait();
        }
      } catch (Throwable e) {
        throw new IllegalStateException("ppoll failed: " + e, e);
      }
      event.drain();
    }

    @Override
    public void close() {
      arena.close();
    }
  }
}
