package io.hvx.net.tap;

import io.hvx.net.switching.EgressBackpressure;
import io.hvx.net.switching.IngressSource;
import io.hvx.net.switching.L2Switch;
import io.hvx.net.switching.WaitingBackoffIdleStrategy;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * The TAP ports one switch thread reads itself: one {@code ppoll} over all their descriptors tells which
 * have frames, and only those are read. No reader thread and no ring between the TAP and the switch, and
 * a full switch leaves frames in the TAP's queue, so the kernel pushes back on the sender's TCP instead
 * of frames being dropped. While idle the switch waits in the same {@code ppoll}, so a local frame wakes
 * it at once. Used only on the switch thread (ports are added and removed through the switch's control
 * queue).
 */
public final class TapPoller implements IngressSource, WaitingBackoffIdleStrategy.Waiter, AutoCloseable {
  /** Ports one switch can poll; a pollfd is 8 bytes, so the table is 8 KiB. */
  public static final int MAX_PORTS = 1024;

  private final EgressBackpressure backpressure;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment pollfds = arena.allocate(LibC.POLLFD, MAX_PORTS);
  private final MemorySegment noWait = arena.allocate(LibC.TIMESPEC);
  private final MemorySegment wait = arena.allocate(LibC.TIMESPEC);
  private final MemorySegment state = LibC.captureState(arena);
  private TapPort[] ports = new TapPort[0];
  private int[] portIds = new int[0];
  private int[] networkIds = new int[0];

  public TapPoller(EgressBackpressure backpressure) {
    this.backpressure = backpressure;
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
        return;
      }
    }
  }

  private void setPollfd(int index, int fd) {
    long base = index * LibC.POLLFD.byteSize();
    pollfds.set(ValueLayout.JAVA_INT, base, fd);
    pollfds.set(ValueLayout.JAVA_SHORT, base + 4, LibC.POLLIN);
    pollfds.set(ValueLayout.JAVA_SHORT, base + 6, (short) 0);
  }

  @Override
  public int poll(L2Switch target, long now) {
    int count = ports.length;
    if (count == 0 || backpressure.holding() || ppoll(count, noWait) <= 0) {
      return 0;
    }
    int frames = 0;
    for (int i = 0; i < count && !backpressure.holding(); i++) {
      short revents = pollfds.get(ValueLayout.JAVA_SHORT, i * LibC.POLLFD.byteSize() + 6);
      if (revents != 0) {
        frames += ports[i].readBatch(target, portIds[i], networkIds[i], now, backpressure);
      }
    }
    return frames;
  }

  @Override
  public void await(long maxNanos) {
    if (ports.length == 0 || backpressure.holding()) {
      // Readable TAPs would end the wait at once, but they are not read while a tunnel holds a frame.
      java.util.concurrent.locks.LockSupport.parkNanos(maxNanos);
      return;
    }
    wait.set(ValueLayout.JAVA_LONG, 0, maxNanos / 1_000_000_000L);
    wait.set(ValueLayout.JAVA_LONG, 8, maxNanos % 1_000_000_000L);
    ppoll(ports.length, wait);
  }

  private int ppoll(int count, MemorySegment timeout) {
    try {
      return (int) LibC.PPOLL.invokeExact(state, pollfds, (long) count, timeout, MemorySegment.NULL);
    } catch (Throwable e) {
      throw new TapException("ppoll failed: " + e, e);
    }
  }

  @Override
  public void close() {
    arena.close();
  }
}
