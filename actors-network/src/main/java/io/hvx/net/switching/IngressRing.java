package io.hvx.net.switching;

import java.nio.ByteBuffer;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;
import org.agrona.concurrent.ringbuffer.ManyToOneRingBuffer;
import org.agrona.concurrent.ringbuffer.RingBufferDescriptor;

/**
 * The queue through which a local vPort's device (a VM NIC's virtio-net queue; TAPs are read by the switch thread itself) hands frames
 * to the switch without an actor message or allocation: a preallocated Agrona ring buffer.
 */
public final class IngressRing {
  static final int FRAME_MESSAGE = 1;
  /** A GSO frame: its packed offload (8 bytes, native order) followed by the frame. */
  static final int OFFLOADED_FRAME_MESSAGE = 2;

  private final int portId;
  private final int networkId;
  private final ManyToOneRingBuffer ring;
  private final Doorbell doorbell;

  /** A ring whose offers ring {@code doorbell}, so that a waiting switch thread takes the frame at once. */
  public IngressRing(int portId, int networkId, int capacityBytes, Doorbell doorbell) {
    this.portId = portId;
    this.networkId = networkId;
    this.doorbell = doorbell;
    this.ring = new ManyToOneRingBuffer(new UnsafeBuffer(
        ByteBuffer.allocateDirect(capacityBytes + RingBufferDescriptor.TRAILER_LENGTH)));
  }

  public int portId() {
    return portId;
  }

  public int networkId() {
    return networkId;
  }

  /** Queues one frame for the switch; false when the ring is full (the caller counts the drop). */
  public boolean offer(DirectBuffer buffer, int offset, int length) {
    boolean queued = ring.write(FRAME_MESSAGE, buffer, offset, length);
    doorbell.ring();
    return queued;
  }

  /**
   * Queues one GSO frame whose packed offload the caller wrote in the 8 bytes before {@code offset}
   * (so that no copy is needed); false when the ring is full.
   */
  public boolean offerOffloaded(DirectBuffer buffer, int offset, int length) {
    boolean queued = ring.write(OFFLOADED_FRAME_MESSAGE, buffer, offset - Long.BYTES, length + Long.BYTES);
    doorbell.ring();
    return queued;
  }

  ManyToOneRingBuffer ring() {
    return ring;
  }
}
