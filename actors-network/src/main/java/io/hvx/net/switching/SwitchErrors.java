package io.hvx.net.switching;

import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import java.io.PrintStream;
import java.util.function.LongSupplier;
import org.agrona.ErrorHandler;

/**
 * What a switch thread does with an error it goes on after: counts it, and prints at most one a second,
 * so that a frame some host or guest sends again and again cannot flood the node's log.
 */
public final class SwitchErrors implements ErrorHandler {
  private static final long PRINT_INTERVAL_NANOS = 1_000_000_000L;

  private final String name;
  private final Counters counters;
  private final PrintStream out;
  private final LongSupplier clock;
  private long lastPrinted;
  private boolean printedAny;
  private long unprinted;

  public SwitchErrors(String name, Counters counters) {
    this(name, counters, System.err, System::nanoTime);
  }

  SwitchErrors(String name, Counters counters, PrintStream out, LongSupplier clock) {
    this.name = name;
    this.counters = counters;
    this.out = out;
    this.clock = clock;
  }

  @Override
  public void onError(Throwable error) {
    counters.increment(Counter.SWITCH_THREAD_ERRORS);
    long now = clock.getAsLong();
    if (printedAny && now - lastPrinted < PRINT_INTERVAL_NANOS) {
      unprinted++;
      return;
    }
    String skipped = unprinted == 0 ? "" : " (" + unprinted + " more errors since the last one printed)";
    out.println(name + ": " + error + skipped);
    printedAny = true;
    lastPrinted = now;
    unprinted = 0;
  }
}
