package io.hvx.net.tap;

import io.hvx.net.frame.EthernetFrame;
import io.hvx.net.frame.Offload;
import io.hvx.net.linux.LibC;
import io.hvx.net.metrics.Counter;
import io.hvx.net.metrics.Counters;
import io.hvx.net.switching.EgressBackpressure;
import io.hvx.net.switching.FrameSink;
import io.hvx.net.switching.HeadroomBuffer;
import io.hvx.net.switching.L2Switch;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

/**
 * A vPort whose device is a TAP interface, read and written by the switch's data-plane thread itself
 * ({@link TapPoller} tells it when frames are pending): frames are switched straight from the read
 * buffer, and frames for the port are written to the non-blocking descriptor (a full kernel queue is a
 * counted drop). Buffers are preallocated.
 */
public final class TapPort implements FrameSink, AutoCloseable {
  // Room for a virtio-net header and the largest GSO frame; without offloads an oversized frame is
  // still read whole and counted by the switch.
  private static final int BUFFER = Offload.VIRTIO_HEADER_LENGTH + Offload.MAX_FRAME_LENGTH;
  /** Frames read per poll before the switch turns to its other ports and the tunnel. */
  private static final int READ_BATCH = 16;

  private final TapDevice device;
  private final Counters counters;
  private final Arena arena = Arena.ofShared();
  private final MemorySegment txSegment = arena.allocate(BUFFER, 64);
  private final UnsafeBuffer txBuffer = new UnsafeBuffer(txSegment.address(), (int) txSegment.byteSize());
  // Frames are read onto the heap: the tunnel seals them from there without a copy, and a TAP port writes
  // them out from there with its virtio-net header in front, where the one read here lay.
  private final HeadroomBuffer rxBuffer = new HeadroomBuffer(BUFFER);
  private final MemorySegment rxSegment = rxBuffer.memoryFrom(0);
  private final MemorySegment state = LibC.captureState(arena);

  public TapPort(TapDevice device, Counters counters) {
    this.device = device;
    this.counters = counters;
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
    if (header + length > BUFFER || (header == 0 && length > EthernetFrame.MAX_LENGTH)) {
      counters.increment(Counter.TAP_TX_DROPS);
      return true;
    }
    boolean taken;
    HeadroomBuffer room = buffer instanceof HeadroomBuffer headroom && offset >= header ? headroom : null;
    MemorySegment inPlace = room == null ? null : room.memoryFrom(room.wrapAdjustment() + offset - header);
    if (inPlace != null) {
      // Written from where it lies; the header goes into the scratch bytes in front of the frame.
      if (header > 0) {
        Offload.writeVirtioHeader(room, offset - header, offload);
      }
      taken = device.write(state, inPlace, header + length);
    } else {
      if (header > 0) {
        Offload.writeVirtioHeader(txBuffer, 0, offload);
      }
      txBuffer.putBytes(header, buffer, offset, length);
      taken = device.write(state, txSegment, header + length);
    }
    if (taken) {
      counters.increment(Counter.TAP_TX_FRAMES);
    } else {
      counters.increment(Counter.TAP_TX_DROPS);
    }
    // The TAP counts its own drops; the switch should not count them a second time.
    return true;
  }

  /**
   * Reads up to a batch of pending frames and hands each to {@code target} as from port {@code portId},
   * stopping early when an egress starts holding a frame; returns how many were read. Switch thread only.
   */
  int readBatch(L2Switch target, int portId, int networkId, long now, EgressBackpressure backpressure) {
    int frames = 0;
    long n;
    while (frames < READ_BATCH && !backpressure.holding() && (n = device.read(state, rxSegment)) != 0) {
      if (n < 0) {
        counters.increment(Counter.TAP_RX_ERRORS);
        break;
      }
      frames++;
      counters.increment(Counter.TAP_RX_FRAMES);
      deliver(target, portId, networkId, now, (int) n);
    }
    return frames;
  }

  /** Hands one read frame to the switch: plain, with its checksum completed, or as a GSO frame. */
  private void deliver(L2Switch target, int portId, int networkId, long now, int n) {
    if (!device.offloads()) {
      target.onFrame(portId, networkId, rxBuffer, 0, n, now);
      return;
    }
    int header = Offload.VIRTIO_HEADER_LENGTH;
    if (n < header) {
      counters.increment(Counter.TAP_RX_ERRORS);
      return;
    }
    long offload = Offload.readVirtioHeader(rxBuffer, 0);
    int length = n - header;
    if (Offload.gsoType(offload) == Offload.GSO_NONE) {
      // Only GSO frames travel with their offload; a small frame gets its checksum here, so that the
      // router, DHCP, DNS and every other sink see a complete frame.
      if ((Offload.flags(offload) & Offload.NEEDS_CSUM) != 0
          && !Offload.completeChecksum(rxBuffer, header, length, offload)) {
        counters.increment(Counter.TAP_RX_ERRORS);
        return;
      }
      target.onFrame(portId, networkId, rxBuffer, header, length, now);
      return;
    }
    counters.increment(Counter.TAP_RX_OFFLOADED_FRAMES);
    target.onFrame(portId, networkId, rxBuffer, header, length, now, offload);
  }

  /** Closes the TAP; detach the port from its switch first (the switch thread uses it until then). */
  @Override
  public void close() {
    device.close();
    arena.close();
  }
}
