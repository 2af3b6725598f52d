package io.hvx.net.tap;

import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.Offload;
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
  // Room for a virtio-net header and the largest GSO frame; without offloads an oversized frame is
  // still read whole and counted by the switch.
  private static final int RX_BUFFER = Offload.VIRTIO_HEADER_LENGTH + Offload.MAX_FRAME_LENGTH;
  private static final int TX_BUFFER = RX_BUFFER;

  private final TapDevice device;
  private final Counters counters;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment txSegment = arena.allocate(TX_BUFFER, 64);
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
    return write(buffer, offset, length, Offload.NONE);
  }

  @Override
  public boolean transmitOffloaded(int networkId, DirectBuffer buffer, int offset, int length, long offload) {
    if (!device.offloads()) {
      return false;
    }
    return write(buffer, offset, length, offload);
  }

  private boolean write(DirectBuffer buffer, int offset, int length, long offload) {
    int header = device.offloads() ? Offload.VIRTIO_HEADER_LENGTH : 0;
    if (header + length > TX_BUFFER || (header == 0 && length > EthernetFrame.MAX_LENGTH)) {
      counters.increment(Counter.TAP_TX_DROPS);
      return true;
    }
    if (header > 0) {
      Offload.writeVirtioHeader(txBuffer, 0, offload);
    }
    txBuffer.putBytes(header, buffer, offset, length);
    if (device.write(txState, txSegment, header + length)) {
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
          if (!offer(rxBuffer, (int) n)) {
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

  /** Hands one read frame to the switch: plain, with its checksum completed, or as a GSO frame. */
  private boolean offer(UnsafeBuffer rxBuffer, int n) {
    if (!device.offloads()) {
      return ring.offer(rxBuffer, 0, n);
    }
    int header = Offload.VIRTIO_HEADER_LENGTH;
    if (n < header) {
      counters.increment(Counter.TAP_RX_ERRORS);
      return true;
    }
    long offload = Offload.readVirtioHeader(rxBuffer, 0);
    int length = n - header;
    if (Offload.gsoType(offload) == Offload.GSO_NONE) {
      // Only GSO frames travel with their offload; a small frame gets its checksum here, so that the
      // router, DHCP, DNS and every other sink see a complete frame.
      if ((Offload.flags(offload) & Offload.NEEDS_CSUM) != 0
          && !Offload.completeChecksum(rxBuffer, header, length, offload)) {
        counters.increment(Counter.TAP_RX_ERRORS);
        return true;
      }
      return ring.offer(rxBuffer, header, length);
    }
    // The packed offload goes in the 8 bytes in front of the frame (the used part of the virtio header).
    counters.increment(Counter.TAP_RX_OFFLOADED_FRAMES);
    rxBuffer.putLong(header - Long.BYTES, offload);
    return ring.offerOffloaded(rxBuffer, header, length);
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
