package io.hvx.net.tap;

import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import io.hvx.net.switching.FrameSink;
import io.hvx.net.switching.IngressRing;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.function.Function;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A vPort whose device is a TAP interface: a dedicated reader thread moves frames from the TAP into
 * the switch's ingress ring; the switch's data-plane thread writes frames for the port straight to the
 * non-blocking TAP descriptor (a full kernel queue is a counted drop). Native buffers are preallocated.
 */
public final class TapPort implements FrameSink, AutoCloseable {
  private static final int POLL_MILLIS = 100;
  // Larger than any frame of a 1500-byte MTU so that an oversized frame is read whole and counted.
  private static final int RX_BUFFER = 65536;

  private final TapDevice device;
  private final Counters counters;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment txSegment = arena.allocate(2048, 64);
  private final UnsafeBuffer txBuffer = new UnsafeBuffer(txSegment.address(), (int) txSegment.byteSize());
  private final MemorySegment txState = LibC.captureState(arena);
  private final Thread reader;
  private volatile IngressRing ring;
  private volatile boolean running = true;

  public TapPort(TapDevice device, Counters counters) {
    this.device = device;
    this.counters = counters;
    this.reader = Thread.ofPlatform().name("tap-" + device.name()).daemon().unstarted(this::readLoop);
  }

  /**
   * Starts reading once the switch has attached the port; {@code attach} gets this port as the sink
   * and returns the ring to feed.
   */
  public void start(Function<FrameSink, IngressRing> attach) {
    this.ring = attach.apply(this);
    reader.start();
  }

  public TapDevice device() {
    return device;
  }

  @Override
  public boolean transmit(int networkId, DirectBuffer buffer, int offset, int length) {
    if (length > txSegment.byteSize()) {
      counters.increment(Counter.TAP_TX_DROPS);
      return true;
    }
    txBuffer.putBytes(0, buffer, offset, length);
    if (device.write(txState, txSegment, length)) {
      counters.increment(Counter.TAP_TX_FRAMES);
    } else {
      counters.increment(Counter.TAP_TX_DROPS);
    }
    // The TAP counts its own drops; the switch should not count them a second time.
    return true;
  }

  private void readLoop() {
    try (Arena local = Arena.ofConfined()) {
      MemorySegment state = LibC.captureState(local);
      MemorySegment pollfd = local.allocate(LibC.POLLFD);
      MemorySegment rx = local.allocate(RX_BUFFER, 64);
      UnsafeBuffer rxBuffer = new UnsafeBuffer(rx.address(), RX_BUFFER);
      while (running) {
        if (!device.awaitReadable(state, pollfd, POLL_MILLIS)) {
          continue;
        }
        long n;
        while (running && (n = device.read(state, rx)) != 0) {
          if (n < 0) {
            counters.increment(Counter.TAP_RX_ERRORS);
            break;
          }
          counters.increment(Counter.TAP_RX_FRAMES);
          if (!ring.offer(rxBuffer, 0, (int) n)) {
            counters.increment(Counter.TAP_RX_QUEUE_FULL);
          }
        }
      }
    } catch (RuntimeException e) {
      // One broken TAP must not take the node down; the port stops and the error is visible.
      counters.increment(Counter.TAP_RX_ERRORS);
      System.err.println("TAP " + device.name() + " reader stopped: " + e);
    }
  }

  @Override
  public void close() {
    running = false;
    try {
      reader.join(2 * POLL_MILLIS + 1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    device.close();
    arena.close();
  }
}
