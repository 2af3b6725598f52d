package io.hvx.net.switching;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * Lets threads that queue input for a switch (VM NICs' ingress rings, control changes) end the switch
 * thread's wait. The switch thread arms the bell before it waits, so that ringing costs a system call
 * only then, and one per wait however many threads ring; while the switch works, a ring is a volatile
 * read.
 *
 * <p>No wake-up is lost: the switch thread arms and then looks at its queues; a producer queues and then
 * looks at the bell. With both steps volatile, at least one of them sees the other's.
 */
public final class Doorbell {
  private static final VarHandle ARMED;

  static {
    try {
      ARMED = MethodHandles.lookup().findVarHandle(Doorbell.class, "armed", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  /** A bell that wakes nobody: for a switch whose waits are short anyway. */
  public static final Doorbell SILENT = new Doorbell(() -> {});

  private final Runnable bell;
  @SuppressWarnings("unused") // through ARMED
  private volatile boolean armed;

  /** {@code bell} ends the switch thread's wait (writes a descriptor it waits on); it may run on any thread. */
  public Doorbell(Runnable bell) {
    this.bell = bell;
  }

  /** Call after queuing input for the switch. */
  public void ring() {
    if (armed && ARMED.compareAndSet(this, true, false)) {
      bell.run();
    }
  }

  /** The switch thread is about to wait: call before it looks at its queues one last time. */
  public void arm() {
    armed = true;
  }

  /** The switch thread waits no longer (or found input before it did). */
  public void disarm() {
    armed = false;
  }
}
