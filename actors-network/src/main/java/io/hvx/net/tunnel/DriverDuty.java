package io.hvx.net.tunnel;

import io.hvx.net.switching.IngressSource;
import io.hvx.net.switching.L2Switch;
import java.util.function.BooleanSupplier;

/**
 * The duty cycle of a driver run by the switch thread ({@link EmbeddedAeron#launchInvoked}), run only
 * when it may have something to do: a datagram waits on one of its sockets, this thread published or
 * consumed a message ({@link #nudge}), the last run did work, or {@link #PERIOD_NANOS} passed (Aeron's
 * timers: NAK delays, status messages, heartbeats, client keep-alives). A run reads, with a {@code recvfrom},
 * each socket the last poll did not find empty ({@link WatchedEndpoints}): on these hosts a system call
 * costs microseconds, and empty reads were a fifth of a busy switch thread.
 */
public final class DriverDuty implements IngressSource {
  /** The longest the driver goes without running while its thread is busy. */
  static final long PERIOD_NANOS = 100_000;

  private final IngressSource duty;
  private final BooleanSupplier socketsReadable;
  private final Runnable forgetPolls;
  private boolean nudged = true;
  private long lastRun;

  /**
   * Runs {@code duty} when {@code socketsReadable} (the switch thread's last poll of the sockets) or as
   * above; {@code forgetPolls} makes the driver read every socket on a run no poll preceded.
   */
  public DriverDuty(IngressSource duty, BooleanSupplier socketsReadable, Runnable forgetPolls) {
    this.duty = duty;
    this.socketsReadable = socketsReadable;
    this.forgetPolls = forgetPolls;
  }

  /** This thread published or consumed a message: run the driver on the next poll. */
  public void nudge() {
    nudged = true;
  }

  @Override
  public int poll(L2Switch target, long now) {
    if (!nudged && now - lastRun < PERIOD_NANOS && !socketsReadable.getAsBoolean()) {
      return 0;
    }
    return run(target, now);
  }

  /**
   * Runs the driver whatever the gate says, reading every socket: a publisher waiting for room, whose
   * peer's status message may have arrived since the last poll.
   */
  public int runNow(L2Switch target, long now) {
    forgetPolls.run();
    return run(target, now);
  }

  private int run(L2Switch target, long now) {
    lastRun = now;
    int work = duty.poll(target, now);
    // While the driver works (sending a long message in datagrams, answering a NAK), keep running it.
    nudged = work > 0;
    return work;
  }
}
