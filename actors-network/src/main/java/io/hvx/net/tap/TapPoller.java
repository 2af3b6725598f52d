package io.hvx.net.tap;

import io.hvx.net.linux.LibC;
import io.hvx.net.switching.Doorbell;
import io.hvx.net.switching.EgressBackpressure;
import io.hvx.net.switching.IngressSource;
import io.hvx.net.switching.L2Switch;
import io.hvx.net.switching.WaitingBackoffIdleStrategy;
import io.hvx.net.switching.WakeDescriptors;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.function.BooleanSupplier;

/**
 * The TAP ports one switch thread reads itself: one {@code ppoll} over all their descriptors tells which
 * have frames, and only those are read. No reader thread and no ring between the TAP and the switch, and
 * a full switch leaves frames in the TAP's queue, so the kernel pushes back on the sender's TCP instead
 * of frames being dropped. While idle the switch waits in the same {@code ppoll}, so a local frame wakes
 * it at once; so does a datagram on one of the {@link #wakeOn wake descriptors} (the sockets of the Aeron
 * driver the switch thread runs), and a ring of its {@link #doorbell} (input queued by other threads: VM
 * NICs' rings, control changes). Used only on the switch thread (ports are added and removed through the
 * switch's control queue), except the doorbell.
 */
public final class TapPoller implements IngressSource, WaitingBackoffIdleStrategy.Waiter, AutoCloseable {
  /** Ports one switch can poll; a pollfd is 8 bytes, so the table is 8 KiB. */
  public static final int MAX_PORTS = 1024;
  /** Wake descriptors one wait covers (a node's driver has a socket per peer and one to receive); more wait out the timeout. */
  public static final int MAX_WAKE_DESCRIPTORS = 1024;
  private static final long POLLFD_BYTES = LibC.POLLFD.byteSize();
  private static final int[] NONE = new int[0];
  /** The longest wait when tunnel traffic cannot end it (the driver has a thread of its own). */
  static final long BLIND_MAX_WAIT_NANOS = 1_000_000;
  /**
   * After a poll that found nothing, the next comes this much later at the earliest: a spinning switch
   * thread otherwise spent most of its time in back-to-back ppolls (about 3 us each on these hosts),
   * CPU that the other threads needed (2026-11-24: 3.13 -> 3.30 Gbit/s, ping 0.55 -> 0.40 ms).
   */
  static final long EMPTY_POLL_GAP_NANOS = 3_000;

  private final EgressBackpressure backpressure;
  private final BooleanSupplier queuedInput;
  private final EventFd bell = new EventFd();
  private final Doorbell doorbell = new Doorbell(bell::signal);
  private final Arena arena = Arena.ofShared();
  // TAPs first, then the doorbell's eventfd, then the wake descriptors: a table for all, its tail for waits
  // while a tunnel holds a message (TAPs are not read then).
  private final MemorySegment pollfds = arena.allocate(LibC.POLLFD, MAX_PORTS + 1 + MAX_WAKE_DESCRIPTORS);
  private final MemorySegment noWait = arena.allocate(LibC.TIMESPEC);
  private final MemorySegment wait = arena.allocate(LibC.TIMESPEC);
  private final MemorySegment state = LibC.captureState(arena);
  private TapPort[] ports = new TapPort[0];
  private int[] portIds = new int[0];
  private int[] networkIds = new int[0];
  private WakeDescriptors wake;
  private int[] placed;
  private int wakeCount;
  private MemorySegment wakeTable;
  private boolean socketsReadable;
  // The wait's ppoll just filled the table (with the TAPs' entries too when waitPolledTaps): the next
  // poll takes its answer instead of asking the kernel again.
  private boolean waitPolled;
  private boolean waitPolledTaps;
  private long lastEmptyPoll = Long.MIN_VALUE / 2;

  /**
   * A poller for a switch whose other sources of input are queues filled by other threads;
   * {@code queuedInput} says whether any holds something (checked after arming the doorbell, before
   * waiting).
   */
  public TapPoller(EgressBackpressure backpressure, BooleanSupplier queuedInput) {
    this.backpressure = backpressure;
    this.queuedInput = queuedInput;
  }

  /** What threads ring after queuing input for this poller's switch thread. */
  public Doorbell doorbell() {
    return doorbell;
  }

  /** Ends waits also when one of {@code descriptors} is readable (null: none); call before the switch thread starts. */
  public void wakeOn(WakeDescriptors descriptors) {
    this.wake = descriptors;
  }

  /** Polls {@code port} as switch port {@code portId} of network {@code networkId}; switch thread only. */
  public void add(int portId, int networkId, TapPort port) {
    if (ports.length == MAX_PORTS) {
      throw new IllegalStateException("a switch polls at most " + MAX_PORTS + " TAP ports");
    }
    int i = ports.length;
    ports = Arrays.copyOf(ports, i + 1);
    portIds = Arrays.copyOf(portIds, i + 1);
    networkIds = Arrays.copyOf(networkIds, i + 1);
    ports[i] = port;
    portIds[i] = portId;
    networkIds[i] = networkId;
    setPollfd(i, port.device().fd());
    placed = null;
  }

  /** Stops polling switch port {@code portId} (nothing when it is no TAP port); switch thread only. */
  public void remove(int portId) {
    for (int i = 0; i < ports.length; i++) {
      if (portIds[i] == portId) {
        int last = ports.length - 1;
        ports[i] = ports[last];
        portIds[i] = portIds[last];
        networkIds[i] = networkIds[last];
        setPollfd(i, ports[i].device().fd());
        ports = Arrays.copyOf(ports, last);
        portIds = Arrays.copyOf(portIds, last);
        networkIds = Arrays.copyOf(networkIds, last);
        placed = null;
        return;
      }
    }
  }

  /** What the last ppoll found on entry {@code index}. */
  private short revents(int index) {
    return pollfds.get(ValueLayout.JAVA_SHORT, index * POLLFD_BYTES + 6);
  }

  private void setPollfd(int index, int fd) {
    long base = index * POLLFD_BYTES;
    pollfds.set(ValueLayout.JAVA_INT, base, fd);
    pollfds.set(ValueLayout.JAVA_SHORT, base + 4, LibC.POLLIN);
    pollfds.set(ValueLayout.JAVA_SHORT, base + 6, (short) 0);
  }

  /** Whether the last {@link #poll} found a datagram on one of the wake descriptors (the driver's sockets). */
  public boolean socketsReadable() {
    return socketsReadable;
  }

  @Override
  public int poll(L2Switch target, long now) {
    int count = ports.length;
    boolean tapsToo = count > 0 && !backpressure.holding();
    boolean fresh = waitPolled && (waitPolledTaps || !tapsToo) && placed == (wake == null ? NONE : wake.snapshot());
    waitPolled = false;
    if (!fresh) {
      socketsReadable = false;
    }
    if (!tapsToo && wake == null) {
      return 0;
    }
    if (!fresh) {
      if (now - lastEmptyPoll < EMPTY_POLL_GAP_NANOS) {
        return 0;
      }
      // One call for the TAPs and the sockets: the driver is run only when its sockets hold something.
      placeWakeDescriptors();
      int ready = tapsToo ? ppoll(pollfds, count + wakeCount, noWait) : ppoll(wakeTable, wakeCount, noWait);
      if (ready < 0) {
        return 0;
      }
      recordSockets(count);
      if (ready == 0) {
        lastEmptyPoll = now;
        return 0;
      }
    }
    if (!tapsToo) {
      return 0;
    }
    int frames = 0;
    for (int i = 0; i < count && !backpressure.holding(); i++) {
      if (revents(i) != 0) {
        frames += ports[i].readBatch(target, portIds[i], networkIds[i], now, backpressure);
      }
    }
    return frames;
  }

  @Override
  public void await(long requestedNanos) {
    // Without the driver's sockets a tunnel frame cannot end the wait: keep it short.
    long maxNanos = wake == null ? Math.min(requestedNanos, BLIND_MAX_WAIT_NANOS) : requestedNanos;
    placeWakeDescriptors();
    doorbell.arm();
    try {
      if (queuedInput.getAsBoolean()) {
        return;
      }
      // Readable TAPs would end the wait at once, but they are not read while a tunnel holds a frame; the
      // sockets still end it (the peer's status message that makes room arrives on one).
      boolean tapsToo = ports.length > 0 && !backpressure.holding();
      wait.set(ValueLayout.JAVA_LONG, 0, maxNanos / 1_000_000_000L);
      wait.set(ValueLayout.JAVA_LONG, 8, maxNanos % 1_000_000_000L);
      int ready = tapsToo ? ppoll(pollfds, ports.length + wakeCount, wait) : ppoll(wakeTable, wakeCount, wait);
      if (ready >= 0) {
        socketsReadable = false;
        recordSockets(ports.length);
        waitPolled = true;
        waitPolledTaps = tapsToo;
      }
    } finally {
      doorbell.disarm();
    }
    if (revents(ports.length) != 0) {
      bell.drain();
    }
  }

  /**
   * Notes what the last ppoll found on the driver's sockets (entries behind the doorbell's at {@code
   * bellIndex}): whether any holds a datagram, and for each whether the driver may skip reading it. The
   * doorbell's own entry is left to the next wait, which returns at once and drains it.
   */
  private void recordSockets(int bellIndex) {
    for (int i = bellIndex + 1; i < bellIndex + wakeCount; i++) {
      boolean readable = revents(i) != 0;
      socketsReadable |= readable;
      wake.polled(pollfds.get(ValueLayout.JAVA_INT, i * POLLFD_BYTES), readable);
    }
  }

  /** Copies the doorbell and the wake descriptors behind the TAPs' entries when they or the TAPs changed. */
  private void placeWakeDescriptors() {
    int[] now = wake == null ? NONE : wake.snapshot();
    if (now == placed) {
      return;
    }
    int sockets = Math.min(now.length, MAX_WAKE_DESCRIPTORS);
    setPollfd(ports.length, bell.fd());
    for (int i = 0; i < sockets; i++) {
      setPollfd(ports.length + 1 + i, now[i]);
    }
    wakeCount = 1 + sockets;
    wakeTable = pollfds.asSlice(ports.length * POLLFD_BYTES);
    placed = now;
  }

  private int ppoll(MemorySegment table, int count, MemorySegment timeout) {
    try {
      return (int) LibC.PPOLL.invokeExact(state, table, (long) count, timeout, MemorySegment.NULL);
    } catch (Throwable e) {
      throw new TapException("ppoll failed: " + e, e);
    }
  }

  @Override
  public void close() {
    bell.close();
    arena.close();
  }
}
